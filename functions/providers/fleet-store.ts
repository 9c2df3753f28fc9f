import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RolloutOutcome, RolloutSummary, RolloutTarget, RolloutWave } from '../../shared/fleet';
import { batchGetAll, batchPutAll, keys, PARTITION, PREFIX, prefixQuery, TABLE } from './table';
import { tenantUpdateParams } from './tenant-store';

const { partitionKey: PK, sortKey: SK } = TABLE;
const PLAN_KEPT_DAYS = 90;
const SKIPPED_PAGE = 1000;
/** Zero-padded so a plan's parts sort in order. */
const wavePart = (index: number) => `WAVE#${String(index).padStart(5, '0')}`;
const skippedPart = (index: number) => `SKIPPED#${String(index).padStart(5, '0')}`;
const waveOf = (item: Record<string, unknown>): RolloutWave => ({ label: String(item.label), toleratedFailurePercentage: Number(item.toleratedFailurePercentage), tenants: item.tenants as RolloutTarget[] });

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

  /**
   * A rollout's plan, kept beside the run instead of in its state (at 10,000 tenants it is ~0.5 MiB,
   * twice Step Functions' payload limit): one item per wave (AssessWave reads the next when one ends),
   * the skipped tenants in pages, and a head item saying how many of each, so a PlanRollout retried
   * with a different plan is read as its last attempt wrote it. Expires with the summary's relevance (90 days).
   */
  async savePlan(runId: string, plan: { waves: readonly RolloutWave[]; skipped: readonly RolloutTarget[] }, at: Date): Promise<void> {
    const expiresAt = Math.floor(at.getTime() / 1000) + PLAN_KEPT_DAYS * 86_400;
    const skippedPages = Math.ceil(plan.skipped.length / SKIPPED_PAGE);
    await batchPutAll(this.db, this.tableName, [
      ...plan.waves.map((wave, i) => ({ ...keys.rolloutPlanPart(runId, wavePart(i)), ...wave, [TABLE.ttlAttribute]: expiresAt })),
      ...Array.from({ length: skippedPages }, (_, i) => ({ ...keys.rolloutPlanPart(runId, skippedPart(i)), tenants: plan.skipped.slice(i * SKIPPED_PAGE, (i + 1) * SKIPPED_PAGE), [TABLE.ttlAttribute]: expiresAt })),
    ]);
    // The head last: a plan is read only once all of it is written.
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.rolloutPlanPart(runId, 'PLAN'), waves: plan.waves.length, skippedPages, [TABLE.ttlAttribute]: expiresAt } }));
  }

  /** Wave `index` of the run's plan (strongly consistent: the plan was written a moment before). */
  async planWave(runId: string, index: number): Promise<RolloutWave | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.rolloutPlanPart(runId, wavePart(index)), ConsistentRead: true }));
    return Item ? waveOf(Item) : undefined;
  }

  /** The whole plan of a run, as its head says (empty when there is none). */
  async plan(runId: string): Promise<{ waves: RolloutWave[]; skipped: RolloutTarget[] }> {
    const { Item: head } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.rolloutPlanPart(runId, 'PLAN'), ConsistentRead: true }));
    if (!head) return { waves: [], skipped: [] };
    const parts = (count: number, part: (i: number) => string) => Array.from({ length: count }, (_, i) => keys.rolloutPlanPart(runId, part(i)));
    // 100 keys a request; ordered by sort key, which is the plan's order.
    const items = (await batchGetAll(this.db, this.tableName, [...parts(Number(head.waves), wavePart), ...parts(Number(head.skippedPages), skippedPart)], { consistent: true })).sort((a, b) => String(a[SK]).localeCompare(String(b[SK])));
    const waves = items.filter((item) => String(item[SK]).startsWith('WAVE#')).map(waveOf);
    const skipped = items.filter((item) => String(item[SK]).startsWith('SKIPPED#')).flatMap((item) => item.tenants as RolloutTarget[]);
    return { waves, skipped };
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
