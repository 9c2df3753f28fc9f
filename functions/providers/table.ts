import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single table's key schema, shared by the embedded default (created at start-up) and the
 * CDK app, so the two cannot drift.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Status sweeps: reconciler (PENDING), trial expiry, fleet upgrades. gsi1pk = STATUS#<status>. */
  byStatusIndex: { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ttlAttribute: 'expiresAt',
} as const;

/**
 * A Query of the status index: items filed under `status` (STATUS#<tenant status>, or the sparse
 * RENDER#PENDING list) that entered it before `before`, oldest first.
 */
export const indexQueryBefore = (tableName: string, status: string, before: string) => ({
  TableName: tableName,
  IndexName: TABLE.byStatusIndex.name,
  KeyConditionExpression: '#gpk = :status AND #gsk < :before',
  ExpressionAttributeNames: { '#gpk': TABLE.byStatusIndex.partitionKey, '#gsk': TABLE.byStatusIndex.sortKey },
  ExpressionAttributeValues: { ':status': status, ':before': before },
});

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
