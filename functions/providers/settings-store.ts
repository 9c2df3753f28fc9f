import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SettingsChange, SmtpHealth, TenantSettings } from '../../shared/settings';
import { indexKeys, indexPartition, indexQueryBefore, keys, PARTITION, PREFIX, prefixQuery, TABLE } from './table';

const { partitionKey: PK } = TABLE;

export interface PendingRender {
  tenantId: string;
  settingsVersion: number;
}

/**
 * A tenant's settings with optimistic concurrency, and the history of who changed what. Every
 * change also writes a render marker ("settings saved, instance files not yet rendered"), deleted
 * once the files are rendered. Markers are listed through the status index under their own
 * partition (a sparse list: only unfinished renders are in it), so a save whose rendering failed
 * is repaired by RenderPending.
 */
export class SettingsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes the settings if the stored version is still `basedOn`, and the history entry, in one
   * transaction: both or neither. Tenants whose settings predate versioning count as version 1.
   */
  async update(tenantId: string, basedOn: number, settings: TenantSettings, change: Omit<SettingsChange, 'version'>, smtpHealth: SmtpHealth | undefined): Promise<'updated' | 'stale'> {
    const version = basedOn + 1;
    const names: Record<string, string> = { '#pk': PK, '#settings': 'settings', '#version': 'settingsVersion', '#updatedAt': 'updatedAt', '#smtpHealth': 'smtpHealth' };
    const values: Record<string, unknown> = { ':settings': settings, ':basedOn': basedOn, ':version': version, ':at': change.at };
    if (smtpHealth) values[':smtpHealth'] = smtpHealth;
    const current = basedOn === 1 ? '(attribute_not_exists(#version) OR #version = :basedOn)' : '#version = :basedOn';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.tenant(tenantId),
                UpdateExpression: `SET #settings = :settings, #version = :version, #updatedAt = :at${smtpHealth ? ', #smtpHealth = :smtpHealth' : ''}${smtpHealth ? '' : ' REMOVE #smtpHealth'}`,
                ConditionExpression: `attribute_exists(#pk) AND ${current}`,
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.settingsChange(tenantId, version), type: 'settings-change', version, ...change },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.renderMarker(tenantId),
                  ...indexKeys(indexPartition.renderPending, `${change.at}#${tenantId}`),
                  type: 'render-pending',
                  tenantId,
                  settingsVersion: version,
                },
              },
            },
          ],
        }),
      );
      return 'updated';
    } catch (error) {
      if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) return 'stale';
      throw error;
    }
  }

  /** The files now show settings `version` (or later): the marker goes, unless a newer save put its own. */
  async rendered(tenantId: string, version: number): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.renderMarker(tenantId),
          ConditionExpression: 'attribute_not_exists(#pk) OR #version <= :version',
          ExpressionAttributeNames: { '#pk': PK, '#version': 'settingsVersion' },
          ExpressionAttributeValues: { ':version': version },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Saves older than `before` whose files were never rendered, oldest first. */
  async pendingRenders(before: string, limit = 100): Promise<PendingRender[]> {
    const { Items = [] } = await this.db.send(new QueryCommand({ ...indexQueryBefore(this.tableName, indexPartition.renderPending, before), Limit: limit }));
    return Items.map((item) => ({ tenantId: String(item.tenantId), settingsVersion: Number(item.settingsVersion) }));
  }

  /** Newest first. */
  async history(tenantId: string, limit = 50): Promise<SettingsChange[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({ ...prefixQuery(this.tableName, PARTITION.tenant(tenantId), PREFIX.settingsChange), ScanIndexForward: false, Limit: limit }),
    );
    return Items.map((item) => ({ version: Number(item.version), at: String(item.at), by: String(item.by), fields: (item.fields as string[] | undefined) ?? [] }));
  }

  /** Records the outcome of an SMTP check (not a settings change: no version bump). */
  async setSmtpHealth(tenantId: string, health: SmtpHealth): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #smtpHealth = :health',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK, '#smtpHealth': 'smtpHealth' },
        ExpressionAttributeValues: { ':health': health },
      }),
    );
  }
}
