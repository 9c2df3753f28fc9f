import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, TABLE, writtenUnlessRefused } from './table';

const { partitionKey: PK } = TABLE;

export interface SignInToken {
  tenantId: string;
  email: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** What a live session record holds (see `Sessions` in functions/auth/sessions.ts). */
export interface SessionRecord {
  tenantId: string;
  email: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Sign-in tokens (stored by their SHA-256 only: the table never holds a usable link), the live
 * admin sessions (by the SHA-256 of their ids) and rate limit counters, in the tenants table with a TTL.
 */
export class SignInStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async saveToken(tokenHash: string, token: SignInToken): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        // The table's TTL attribute is in epoch seconds; the token keeps its own millisecond expiry.
        Item: { ...keys.signInToken(tokenHash), tenantId: token.tenantId, email: token.email, validUntil: token.expiresAt, [TABLE.ttlAttribute]: Math.ceil(token.expiresAt / 1000) + 3600 },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
  }

  /**
   * Takes the token out of the table and returns what it was for: a delete that returns the old
   * item is atomic, so of two concurrent uses exactly one gets it. Expiry is the caller's check.
   */
  async consumeToken(tokenHash: string): Promise<SignInToken | undefined> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.signInToken(tokenHash), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes ? { tenantId: String(Attributes.tenantId), email: String(Attributes.email), expiresAt: Number(Attributes.validUntil) } : undefined;
  }

  /** Records a new session as live until `expiresAt` (ids are random: the condition only guards against a reused one). */
  async saveSession(idHash: string, record: SessionRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.session(idHash), tenantId: record.tenantId, email: record.email, validUntil: record.expiresAt, [TABLE.ttlAttribute]: Math.ceil(record.expiresAt / 1000) },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
  }

  /**
   * Whether the session is still live: recorded and not past its expiry (TTL deletes expired items
   * only eventually). A strongly consistent read, so a sign-out counts from the next request on.
   */
  async isSessionLive(idHash: string, now: Date): Promise<boolean> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.session(idHash), ConsistentRead: true }));
    return Item !== undefined && Number(Item.validUntil) > now.getTime();
  }

  /** Ends the session (signing out); ending one that is gone already is no error. */
  async deleteSession(idHash: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.session(idHash) }));
  }

  /**
   * Counts one hit on `key` in the current fixed window; false once `limit` hits were counted.
   * The counter item expires with its window.
   */
  async hit(key: string, now: Date, limit: { perWindow: number; windowMinutes: number }): Promise<boolean> {
    const windowMs = limit.windowMinutes * 60_000;
    const window = Math.floor(now.getTime() / windowMs);
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateWindow(key, window),
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'hits', '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit.perWindow, ':ttl': Math.ceil(((window + 1) * windowMs) / 1000) + 60 },
        }),
      ),
    );
  }
}
