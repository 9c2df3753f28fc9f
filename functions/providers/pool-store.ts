import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { poolInstanceSchema, type PooledInstance, type PoolInstance } from '../../shared/pool';
import type { Endpoint } from './discovery';
import { indexPartition, isConditionFailure, keys, TABLE, writtenUnlessRefused } from './table';
import { tenantUpdateParams } from './tenant-store';

const { partitionKey: GPK, sortKey: GSK } = TABLE.byStatusIndex;

/**
 * The warm pool's records, one item per pool instance. Every move is a conditional write: a claim
 * takes a ready instance and records it on the tenant in one transaction, so two signups never get
 * one instance and a crash never leaves an instance claimed by nobody.
 */
export class PoolStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<PoolInstance | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.poolInstance(id), ConsistentRead: true }));
    return Item ? poolInstanceSchema.parse(Item) : undefined;
  }

  /** A launched instance, not answering yet. */
  async addStarting(id: string, at: string): Promise<void> {
    const item: PoolInstance = { id, state: 'starting', since: at };
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.poolInstance(id), ...item, [GPK]: indexPartition.poolBusy, [GSK]: at }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }),
    );
  }

  /** starting -> ready: it answers, unassigned, at `endpoint`. */
  async markReady(id: string, endpoint: Endpoint, at: string): Promise<boolean> {
    return this.update(id, 'SET #state = :ready, #since = :at, #endpoint = :endpoint, #gpk = :gpk, #gsk = :at', '#state = :starting', {
      names: { '#endpoint': 'endpoint' },
      values: { ':ready': 'ready', ':starting': 'starting', ':endpoint': endpoint, ':gpk': indexPartition.poolReady },
      at,
    });
  }

  /** Ready instances, oldest first (the longest-warm is claimed first). */
  async ready(limit = 10): Promise<PoolInstance[]> {
    return this.query(indexPartition.poolReady, limit);
  }

  /** Every live pool instance: ready ones and those starting, claimed or assigned. */
  async all(): Promise<PoolInstance[]> {
    return [...(await this.query(indexPartition.poolReady)), ...(await this.query(indexPartition.poolBusy))];
  }

  /**
   * ready -> claimed by `tenantId`, and the tenant records it, in one transaction; 'taken' when
   * another signup claimed it first (try the next), 'tenant-has-one' when this tenant already has one.
   */
  async claim(instance: PoolInstance & { endpoint: Endpoint }, tenantId: string, at: string): Promise<'claimed' | 'taken' | 'tenant-has-one'> {
    const pooled: PooledInstance = { id: instance.id, endpoint: instance.endpoint, claimedAt: at };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.poolInstance(instance.id),
                UpdateExpression: 'SET #state = :claimed, #since = :at, #tenantId = :tenantId, #gpk = :busy, #gsk = :at',
                ConditionExpression: '#state = :ready',
                ExpressionAttributeNames: { '#state': 'state', '#since': 'since', '#tenantId': 'tenantId', '#gpk': GPK, '#gsk': GSK },
                ExpressionAttributeValues: { ':claimed': 'claimed', ':ready': 'ready', ':at': at, ':tenantId': tenantId, ':busy': indexPartition.poolBusy },
              },
            },
            { Update: tenantUpdateParams(this.tableName, tenantId, { at, set: { pooledInstance: pooled }, absent: ['pooledInstance'] }) },
          ],
        }),
      );
      return 'claimed';
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [poolReason, tenantReason] = error.CancellationReasons ?? [];
        if (tenantReason?.Code === 'ConditionalCheckFailed') return 'tenant-has-one';
        if (poolReason?.Code === 'ConditionalCheckFailed') return 'taken';
      }
      throw error;
    }
  }

  /** claimed -> assigned: it answered its assignment and serves its tenant. */
  async markAssigned(id: string, tenantId: string, at: string): Promise<boolean> {
    return this.update(id, 'SET #state = :assigned, #since = :at', '#state IN (:claimed, :assigned) AND #tenantId = :tenantId', {
      names: { '#tenantId': 'tenantId' },
      values: { ':assigned': 'assigned', ':claimed': 'claimed', ':tenantId': tenantId },
      at,
    });
  }

  /** Forgets a discarded instance (its task or process is stopped first). */
  async remove(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.poolInstance(id) }));
  }

  /**
   * Takes the keeper's lease until `until` unless another pass holds it (EventBridge Scheduler
   * delivers at least once: two passes at once would launch the missing instances twice).
   */
  async takeKeeperLease(holder: string, at: string, until: string): Promise<boolean> {
    return writtenUnlessRefused(
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.poolKeeperLease(), holder, until },
          ConditionExpression: 'attribute_not_exists(#pk) OR #until < :at',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#until': 'until' },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  /** Gives the lease back (only the holder's own). */
  async releaseKeeperLease(holder: string): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.poolKeeperLease(), ConditionExpression: '#holder = :holder', ExpressionAttributeNames: { '#holder': 'holder' }, ExpressionAttributeValues: { ':holder': holder } }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async query(partition: string, limit?: number): Promise<PoolInstance[]> {
    const items: PoolInstance[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE.byStatusIndex.name,
          KeyConditionExpression: '#gpk = :gpk',
          ExpressionAttributeNames: { '#gpk': GPK },
          ExpressionAttributeValues: { ':gpk': partition },
          ...(limit ? { Limit: limit } : {}),
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => poolInstanceSchema.parse(item)));
      ExclusiveStartKey = limit && items.length >= limit ? undefined : page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  private async update(id: string, expression: string, condition: string, { names = {}, values = {}, at }: { names?: Record<string, string>; values?: Record<string, unknown>; at: string }): Promise<boolean> {
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.poolInstance(id),
          UpdateExpression: expression,
          ConditionExpression: `attribute_exists(#state) AND (${condition})`,
          ExpressionAttributeNames: { '#state': 'state', '#since': 'since', ...(expression.includes('#gpk') ? { '#gpk': GPK, '#gsk': GSK } : {}), ...names },
          ExpressionAttributeValues: { ':at': at, ...values },
        }),
      ),
    );
  }
}
