import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, keys, TABLE } from './table';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window that refused this hit ends (at least 1); 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * Fixed-window request counters in the one table: one item per key and window, expiring after it.
 * Every hit is a single conditional `ADD`, so concurrent hits (from any number of Lambda containers)
 * are counted by DynamoDB itself and never more than `limit` are let through in a window.
 */
export class RateLimits {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hit(key: string, limit: number, windowMs: number, at: Date): Promise<RateDecision> {
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(windowMs) || windowMs < 1000) {
      throw new RangeError(`A rate limit needs a whole limit of at least 1 and a window of at least a second (got ${limit} per ${windowMs} ms)`);
    }
    const start = Math.floor(at.getTime() / windowMs) * windowMs;
    const end = start + windowMs;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateLimitWindow(key, start),
          // The condition holds the counter at `limit`: refused hits neither count nor extend anything.
          UpdateExpression: 'ADD #hits :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#hits) OR #hits < :limit',
          ExpressionAttributeNames: { '#hits': 'hits', '#ttl': TABLE.ttlAttribute },
          // TTL in epoch seconds; a minute past the window so clock skew between callers cannot drop a live counter.
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': Math.ceil(end / 1000) + 60 },
        }),
      );
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (error) {
      if (isConditionFailure(error)) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((end - at.getTime()) / 1000)) };
      throw error;
    }
  }
}
