import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, type BatchGetCommandOutput, type BatchWriteCommandInput, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TenantStatus } from '../../shared/lifecycle';

/**
 * The single table's key schema, shared by the embedded default (created at start-up) and the
 * CDK app, so the two cannot drift.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Status sweeps: reconciler (PENDING), trial expiry, fleet rollouts. gsi1pk = STATUS#<status>. */
  byStatusIndex: { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ttlAttribute: 'expiresAt',
} as const;

const { partitionKey: PK, sortKey: SK } = TABLE;

/** Partitions holding several kinds of item, and the sort-key prefixes their queries read by. */
export const PARTITION = { tenant: (tenantId: string) => `TENANT#${tenantId}`, fleet: 'FLEET' } as const;
export const PREFIX = { settingsChange: 'SETTINGS#', fleetRun: 'RUN#', subdomain: 'SUBDOMAIN#' } as const;
/** The tenant item's sort key (its partition also holds its settings history). */
export const TENANT_SORT_KEY = 'META';
const CLAIM = 'CLAIM';

/** Every item's key: all stores share the one table, so its layout lives in one place. */
export const keys = {
  tenant: (tenantId: string) => ({ [PK]: PARTITION.tenant(tenantId), [SK]: TENANT_SORT_KEY }),
  /** Zero-padded so the sort key orders versions numerically. */
  settingsChange: (tenantId: string, version: number) => ({ [PK]: PARTITION.tenant(tenantId), [SK]: `${PREFIX.settingsChange}${String(version).padStart(8, '0')}` }),
  /** "Settings saved, instance files not yet rendered" (see SettingsStore). */
  renderMarker: (tenantId: string) => ({ [PK]: PARTITION.tenant(tenantId), [SK]: 'RENDER' }),
  subdomain: (name: string) => ({ [PK]: `${PREFIX.subdomain}${name}`, [SK]: CLAIM }),
  email: (address: string) => ({ [PK]: `EMAIL#${address}`, [SK]: CLAIM }),
  idempotency: (key: string) => ({ [PK]: `IDEMPOTENCY#${key}`, [SK]: 'SIGNUP' }),
  stripeEvent: (eventId: string) => ({ [PK]: `STRIPE#${eventId}`, [SK]: 'EVENT' }),
  customer: (customerId: string) => ({ [PK]: `CUSTOMER#${customerId}`, [SK]: 'TENANT' }),
  /** A fleet rollout's summary; the stored keys `FLEET` / `RUN#...` keep their names (runs before the rename have `upgrade-` run ids). */
  fleetRun: (startedAt: string, runId: string) => ({ [PK]: PARTITION.fleet, [SK]: `${PREFIX.fleetRun}${startedAt}#${runId}` }),
  fleetCurrent: () => ({ [PK]: PARTITION.fleet, [SK]: 'CURRENT' }),
  /** One part of a rollout's plan (a wave, or a page of the tenants it skips): kept out of the execution's state. */
  rolloutPlanPart: (runId: string, part: string) => ({ [PK]: `ROLLOUT#${runId}`, [SK]: part }),
  signInToken: (tokenHash: string) => ({ [PK]: `SIGNIN#${tokenHash}`, [SK]: 'TOKEN' }),
  rateWindow: (key: string, window: number) => ({ [PK]: `RATE#${key}`, [SK]: `W#${window}` }),
  /** A fixed window's counter of RateLimits, by the window's start (epoch ms): windows of different lengths on one key never share a counter. */
  rateLimitWindow: (key: string, windowStartMs: number) => ({ [PK]: `RATE#${key}`, [SK]: `FROM#${windowStartMs}` }),
  /** A live admin session, by the SHA-256 of its id: signing out deletes it, and a cookie without one is refused. */
  session: (idHash: string) => ({ [PK]: `SESSION#${idHash}`, [SK]: 'LIVE' }),
  /** An instance's routing record, by its host label (`acme`, `acme-stg`): the router reads one item per host. */
  instance: (host: string) => ({ [PK]: `INSTANCE#${host}`, [SK]: 'ROUTE' }),
  /** A warm-pool instance (shared/pool.ts), by its id (an ECS task id, a local process's). */
  poolInstance: (id: string) => ({ [PK]: `POOL#${id}`, [SK]: 'INSTANCE' }),
  /** The pool keeper's lease: one pass at a time, whatever delivers its schedule twice. */
  poolKeeperLease: () => ({ [PK]: 'POOL', [SK]: 'KEEPER_LEASE' }),
};

/** The partitions of the status index: tenants by status, the sparse list of unrendered saves, awake instances. */
export const indexPartition = {
  status: (status: TenantStatus) => `STATUS#${status}`,
  renderPending: 'RENDER#PENDING',
  /** Running instances, sorted by their last request: the sleep job reads the idle end. */
  awakeInstances: 'INSTANCE#AWAKE',
  /** Pool instances ready to be claimed, oldest first. */
  poolReady: 'POOL#READY',
  /** Every other pool instance (starting, claimed, assigned): the refill counts them, the reconciler checks them. */
  poolBusy: 'POOL#BUSY',
} as const;

/** Index attributes filing an item under `partition`, sorted by `sortValue` (when it entered it). */
export const indexKeys = (partition: string, sortValue: string) => ({
  [TABLE.byStatusIndex.partitionKey]: partition,
  [TABLE.byStatusIndex.sortKey]: sortValue,
});

/** A Query of the items of partition `pk` whose sort key starts with `prefix`. */
export const prefixQuery = (tableName: string, pk: string, prefix: string) => ({
  TableName: tableName,
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
  ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
});

/**
 * A Query of the status index: items filed under `partition` (see `indexPartition`) that entered
 * it before `before`, oldest first.
 */
export const indexQueryBefore = (tableName: string, partition: string, before: string) => ({
  TableName: tableName,
  IndexName: TABLE.byStatusIndex.name,
  KeyConditionExpression: '#gpk = :status AND #gsk < :before',
  ExpressionAttributeNames: { '#gpk': TABLE.byStatusIndex.partitionKey, '#gsk': TABLE.byStatusIndex.sortKey },
  ExpressionAttributeValues: { ':status': partition, ':before': before },
});

/** One write of a transaction: lets one store put its write into another's transaction. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** BatchGetItem requests in flight at once (each up to 100 keys). */
const BATCH_GETS_AT_ONCE = 4;

/**
 * Every item of `itemKeys` that exists (missing ones are left out), by BatchGetItem: 100 keys a
 * request, keys handed back unprocessed asked for again with backoff, each key once, in no
 * particular order (as BatchGetItem itself answers).
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  itemKeys: ReadonlyArray<Record<string, unknown>>,
  { consistent = false, attributes }: { consistent?: boolean; attributes?: readonly string[] } = {},
): Promise<Array<Record<string, unknown>>> {
  // Top-level attributes only, each through a name placeholder (some, like `status`, are reserved words).
  const projection = attributes ? { ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '), ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])) } : {};
  const items: Array<Record<string, unknown>> = [];
  const unique = [...new Map(itemKeys.map((k) => [JSON.stringify(k), k])).values()];
  const chunks = Array.from({ length: Math.ceil(unique.length / 100) }, (_, i) => unique.slice(i * 100, (i + 1) * 100));
  const readChunk = async (chunk: Array<Record<string, unknown>>) => {
    let Keys: Array<Record<string, unknown>> | undefined = chunk;
    for (let attempt = 0; Keys?.length; attempt++) {
      const page: BatchGetCommandOutput = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys, ConsistentRead: consistent, ...projection } } }));
      items.push(...(page.Responses?.[tableName] ?? []));
      Keys = page.UnprocessedKeys?.[tableName]?.Keys;
      if (Keys?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  };
  // A few requests at a time: a summary of 10,000 tenants is 100 of them, which one after another
  // cost a second on AWS; more at once would mostly come back as unprocessed keys.
  for (let i = 0; i < chunks.length; i += BATCH_GETS_AT_ONCE) await Promise.all(chunks.slice(i, i + BATCH_GETS_AT_ONCE).map(readChunk));
  return items;
}

/** Puts every item by BatchWriteItem: 25 a request, items handed back unprocessed written again with backoff. */
export async function batchPutAll(db: DynamoDBDocumentClient, tableName: string, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: BatchWriteCommandInput['RequestItems'] | undefined = { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
    for (let attempt = 0; requests?.[tableName]?.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      requests = (await db.send(new BatchWriteCommand({ RequestItems: requests }))).UnprocessedItems;
    }
  }
}

export const isConditionFailure = (e: unknown) => e instanceof Error && e.name === 'ConditionalCheckFailedException';

/** A conditional write's outcome: true when it was made, false when its condition refused it (any other error throws). */
export async function writtenUnlessRefused(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, byStatusIndex } = TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [partitionKey, sortKey, byStatusIndex.partitionKey, byStatusIndex.sortKey].map(
      (AttributeName) => ({ AttributeName, AttributeType: 'S' }),
    ),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: byStatusIndex.name,
        KeySchema: [
          { AttributeName: byStatusIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: byStatusIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
