import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { instanceRecordSchema, type InstanceRecord, type InstanceState } from '../../shared/instance-state';
import type { Endpoint } from './discovery';
import { batchGetAll, indexPartition, indexQueryBefore, keys, TABLE, writtenUnlessRefused } from './table';

const { partitionKey: GPK, sortKey: GSK } = TABLE.byStatusIndex;
const SIZING_NAMES = { '#tenantId': 'tenantId', '#subdomain': 'subdomain', '#env': 'env', '#plan': 'plan', '#desiredCount': 'desiredCount', '#host': 'host' };
const sizingValues = (sizing: InstanceSizing) => ({ ':tenantId': sizing.tenantId, ':subdomain': sizing.subdomain, ':env': sizing.env, ':plan': sizing.plan, ':desiredCount': sizing.desiredCount, ':host': sizing.host });

/** What sizing an instance records: who it belongs to and how many tasks it runs when awake. */
export type InstanceSizing = Pick<InstanceRecord, 'host' | 'tenantId' | 'subdomain' | 'env' | 'plan' | 'desiredCount'>;

/**
 * Instances' routing records (one item per host label). Every change of state is a conditional
 * write, so two router tasks cannot both wake an instance, and the sleep job cannot put to sleep
 * an instance that was just visited.
 */
export class InstanceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The record of a host; eventually consistent (the router's read, half the cost of a strong one). */
  async get(host: string, { consistent = false } = {}): Promise<InstanceRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.instance(host), ConsistentRead: consistent }));
    return Item ? instanceRecordSchema.parse(Item) : undefined;
  }

  /** Several hosts' records (a tenant's two instances, the ops page's list); missing ones are left out. */
  async getMany(hosts: readonly string[]): Promise<InstanceRecord[]> {
    return (await batchGetAll(this.db, this.tableName, hosts.map((h) => keys.instance(h)))).map((item) => instanceRecordSchema.parse(item));
  }

  /**
   * The instance runs at `desiredCount` (deployed, resumed, upgraded): running, filed as awake. Being
   * (re)started counts as a request, so it gets a whole idle period before it may sleep.
   */
  async markRunning(sizing: InstanceSizing, at: string, { pinnedTo }: { pinnedTo?: Endpoint } = {}): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.instance(sizing.host),
        // Unpinned unless a pin is given: the instance's own tasks serve it from now on (a pin to a pool
        // instance must never outlive the provisioning that set it).
        UpdateExpression: `SET #tenantId = :tenantId, #subdomain = :subdomain, #env = :env, #plan = :plan, #desiredCount = :desiredCount, #state = :running, #since = :at, #lastRequestAt = :at, #host = :host, #gpk = :awake, #gsk = :at${pinnedTo ? ', #endpoint = :endpoint' : ' REMOVE #endpoint'}`,
        ExpressionAttributeNames: { ...SIZING_NAMES, '#state': 'state', '#since': 'since', '#lastRequestAt': 'lastRequestAt', '#gpk': GPK, '#gsk': GSK, '#endpoint': 'endpoint' },
        ExpressionAttributeValues: { ...sizingValues(sizing), ':running': 'running', ':at': at, ':awake': indexPartition.awakeInstances, ...(pinnedTo ? { ':endpoint': pinnedTo } : {}) },
      }),
    );
  }

  /** Created asleep (a staging instance on a warm-pool signup): the first visit wakes it. */
  async markCreatedAsleep(sizing: InstanceSizing, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.instance(sizing.host),
        UpdateExpression: 'SET #tenantId = :tenantId, #subdomain = :subdomain, #env = :env, #plan = :plan, #desiredCount = :desiredCount, #state = :sleeping, #since = :at, #lastRequestAt = :at, #host = :host REMOVE #gpk, #gsk',
        ExpressionAttributeNames: { ...SIZING_NAMES, '#state': 'state', '#since': 'since', '#lastRequestAt': 'lastRequestAt', '#gpk': GPK, '#gsk': GSK },
        ExpressionAttributeValues: { ...sizingValues(sizing), ':sleeping': 'sleeping', ':at': at },
      }),
    );
  }

  /** The pin to `endpoint` is removed (the tenant's own tasks take the host); false when it pinned elsewhere or nowhere. */
  async unpin(host: string, endpoint: Endpoint): Promise<boolean> {
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.instance(host),
          UpdateExpression: 'REMOVE #endpoint',
          ConditionExpression: '#endpoint.#host = :host AND #endpoint.#port = :port',
          ExpressionAttributeNames: { '#endpoint': 'endpoint', '#host': 'host', '#port': 'port' },
          ExpressionAttributeValues: { ':host': endpoint.host, ':port': endpoint.port },
        }),
      ),
    );
  }

  /** Scaled to zero for a reason a visit does not undo (suspension, failed provisioning); out of the awake list. */
  async markStopped(host: string, at: string): Promise<void> {
    await this.changeState(host, 'stopped', at, { from: ['running', 'sleeping', 'waking', 'stopped'] });
  }

  /**
   * Records a request (the router calls this at most once a minute per instance). Only a running
   * instance's record moves; `notAfter` keeps several router tasks to one write a minute between them.
   */
  async recordRequest(host: string, at: string, notAfter: string): Promise<boolean> {
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.instance(host),
          UpdateExpression: 'SET #lastRequestAt = :at, #gsk = :at',
          ConditionExpression: '#state = :running AND #lastRequestAt < :notAfter',
          ExpressionAttributeNames: { '#lastRequestAt': 'lastRequestAt', '#gsk': GSK, '#state': 'state' },
          ExpressionAttributeValues: { ':at': at, ':running': 'running', ':notAfter': notAfter },
        }),
      ),
    );
  }

  /** Awake instances (running, or waking) untouched since `before`, idlest first (the sleep job's candidates). */
  async idleSince(before: string): Promise<InstanceRecord[]> {
    const records: InstanceRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...indexQueryBefore(this.tableName, indexPartition.awakeInstances, before), ExclusiveStartKey }));
      records.push(...(page.Items ?? []).map((item) => instanceRecordSchema.parse(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return records;
  }

  /**
   * running -> sleeping, only if it is still idle since `idleBefore` (a request in between keeps it
   * awake); also a wake claimed before `staleWakeBefore` that never finished (its router died after scaling).
   */
  async claimSleep(host: string, idleBefore: string, at: string, staleWakeBefore: string): Promise<boolean> {
    return this.changeState(host, 'sleeping', at, { from: ['running'], idleBefore, orWakingSince: staleWakeBefore, unpinned: true });
  }

  /**
   * sleeping -> waking: exactly one caller wins and starts the tasks. A wake older than
   * `staleBefore` (its router died before the instance came up) may be taken over.
   */
  async claimWake(host: string, at: string, staleBefore: string): Promise<boolean> {
    return this.changeState(host, 'waking', at, { from: ['sleeping'], orWakingSince: staleBefore });
  }

  /** waking -> sleeping: the wake could not start the tasks, so the next visit claims it again at once. */
  async releaseWake(host: string, at: string): Promise<boolean> {
    return this.changeState(host, 'sleeping', at, { from: ['waking'] });
  }

  /** waking -> running once the instance answers; the visit that woke it is its last request. */
  async markAwake(host: string, at: string): Promise<boolean> {
    return this.changeState(host, 'running', at, { from: ['waking'] });
  }

  async remove(host: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.instance(host) }));
  }

  private async changeState(host: string, to: InstanceState, at: string, guard: { from: InstanceState[]; idleBefore?: string; orWakingSince?: string; unpinned?: boolean }): Promise<boolean> {
    const values: Record<string, unknown> = { ':to': to, ':at': at };
    guard.from.forEach((state, i) => (values[`:from${i}`] = state));
    let condition = `#state IN (${guard.from.map((_, i) => `:from${i}`).join(', ')})`;
    if (guard.idleBefore) {
      values[':idleBefore'] = guard.idleBefore;
      condition = `(${condition}) AND #lastRequestAt < :idleBefore`;
    }
    // A pool instance serving the host is handed over (and discarded) by provisioning, not put to sleep.
    if (guard.unpinned) condition = `(${condition}) AND attribute_not_exists(#endpoint)`;
    if (guard.orWakingSince) {
      values[':waking'] = 'waking';
      values[':staleBefore'] = guard.orWakingSince;
      condition = `(${condition}) OR (#state = :waking AND #since < :staleBefore)`;
    }
    // Running and waking instances are filed as awake (a running one by its last request, which a
    // woken one gets now; a waking one by its claim, so a wake that never finishes is found too).
    const awake = to === 'running' || to === 'waking';
    if (awake) Object.assign(values, { ':awake': indexPartition.awakeInstances });
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.instance(host),
          UpdateExpression:
            to === 'running'
              ? 'SET #state = :to, #since = :at, #lastRequestAt = :at, #gpk = :awake, #gsk = :at'
              : awake
                ? 'SET #state = :to, #since = :at, #gpk = :awake, #gsk = :at'
                : // Stopped or asleep: no pool instance serves it any more.
                  'SET #state = :to, #since = :at REMOVE #gpk, #gsk, #endpoint',
          ConditionExpression: `attribute_exists(#state) AND (${condition})`,
          ExpressionAttributeNames: { '#state': 'state', '#since': 'since', '#gpk': GPK, '#gsk': GSK, ...(guard.idleBefore || to === 'running' ? { '#lastRequestAt': 'lastRequestAt' } : {}), ...(guard.unpinned || !awake ? { '#endpoint': 'endpoint' } : {}) },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
