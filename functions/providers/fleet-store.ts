import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { UpgradeSummary } from '../../shared/fleet';
import { TABLE } from './table';

const { partitionKey: PK, sortKey: SK } = TABLE;

/**
 * Fleet upgrade runs: their summaries for /ops, and the version the fleet is on. (Each tenant's
 * outcome is kept on the tenant item itself, written with its version in one update.)
 */
export class FleetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
