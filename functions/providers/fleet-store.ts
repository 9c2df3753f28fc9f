import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { UpgradeOutcome, UpgradeSummary } from '../../shared/fleet';
import { TABLE } from './table';

const { partitionKey: PK, sortKey: SK } = TABLE;

/**
 * Fleet upgrade runs: each tenant's outcome as it happens (so a run cut short still knows what
 * it did) and the run's summary for /ops.
 */
export class FleetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Last write wins: a retried step records the same outcome again. */
  async recordOutcome(runId: string, outcome: UpgradeOutcome): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { [PK]: `FLEETRUN#${runId}`, [SK]: `TENANT#${outcome.tenantId}`, ...outcome } }));
  }

  async outcomes(runId: string): Promise<UpgradeOutcome[]> {
    const items: UpgradeOutcome[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :tenant)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': `FLEETRUN#${runId}`, ':tenant': 'TENANT#' },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []).map((i) => ({ tenantId: String(i.tenantId), subdomain: String(i.subdomain), outcome: i.outcome as UpgradeOutcome['outcome'], ...(i.error ? { error: String(i.error) } : {}) })));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async saveSummary(summary: UpgradeSummary): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { [PK]: 'FLEET', [SK]: `RUN#${summary.startedAt}#${summary.runId}`, ...summary } }));
  }

  /** The version the last completed upgrade run brought the fleet to: what new tenants launch with. */
  async currentVersion(): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: 'FLEET', [SK]: 'CURRENT' } }));
    return Item ? String(Item.version) : undefined;
  }

  async setCurrentVersion(version: string, at: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { [PK]: 'FLEET', [SK]: 'CURRENT', version, at } }));
  }

  /** Newest first. */
  async summaries(limit = 20): Promise<UpgradeSummary[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': 'FLEET', ':run': 'RUN#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(({ [PK]: _pk, [SK]: _sk, ...summary }) => summary as UpgradeSummary);
  }
}
