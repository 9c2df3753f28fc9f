import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RolloutOutcome, RolloutSummary } from '../../shared/fleet';
import { keys, PARTITION, PREFIX, prefixQuery, TABLE } from './table';
import { tenantUpdateParams } from './tenant-store';

const { partitionKey: PK, sortKey: SK } = TABLE;

/**
 * Fleet rollouts: each tenant's outcome (kept on the tenant item itself, written with its
 * version in one update), the runs' summaries for /ops, and the version the fleet is on.
 */
export class FleetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * A wave's outcomes on its tenants, one transaction per 100: the upgraded get the new
   * appVersion, everyone the run's outcome (lastUpgrade), which the run's summary reads back.
   */
  async recordRolloutOutcomes(runId: string, version: string, outcomes: readonly RolloutOutcome[], at: string): Promise<void> {
    for (let i = 0; i < outcomes.length; i += 100) {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: outcomes.slice(i, i + 100).map((o) => ({
            Update: tenantUpdateParams(this.tableName, o.tenantId, {
              at,
              set: { lastUpgrade: { runId, version, outcome: o.outcome, at, ...(o.error ? { error: o.error } : {}) }, ...(o.outcome === 'upgraded' ? { appVersion: version } : {}) },
            }),
          })),
        }),
      );
    }
  }

  async saveSummary(summary: RolloutSummary): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.fleetRun(summary.startedAt, summary.runId), ...summary } }));
  }

  /** The version the last completed rollout brought the fleet to: what new tenants launch with. */
  async currentVersion(): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.fleetCurrent() }));
    return Item ? String(Item.version) : undefined;
  }

  async setCurrentVersion(version: string, at: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.fleetCurrent(), version, at } }));
  }

  /** Newest first. */
  async summaries(limit = 20): Promise<RolloutSummary[]> {
    const { Items = [] } = await this.db.send(new QueryCommand({ ...prefixQuery(this.tableName, PARTITION.fleet, PREFIX.fleetRun), ScanIndexForward: false, Limit: limit }));
    return Items.map(({ [PK]: _pk, [SK]: _sk, ...summary }) => summary as RolloutSummary);
  }
}
