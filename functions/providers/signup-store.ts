import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tenant } from '../../shared/tenant';
import { indexKeys, indexPartition, isConditionFailure, keys, PREFIX, TABLE } from './table';

const { partitionKey: PK } = TABLE;
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const CONFLICT_RETRIES = 8;

export interface IdempotencyClaim {
  key: string;
  /** Hash of the validated request: a reused key with another body is refused, not replayed. */
  requestHash: string;
}

export type CreateSignupResult =
  | { kind: 'created' }
  | { kind: 'replayed'; tenantId: string }
  | { kind: 'idempotency-key-reused' }
  | { kind: 'taken'; fields: Array<'subdomain' | 'adminEmail'> };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signups: the new tenant item with its subdomain and email claims, and signup idempotency keys. */
export class SignupStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes the tenant and both uniqueness claims in one transaction: either the tenant owns its
   * subdomain and email or nothing was written. An idempotency key rides in the same transaction,
   * so a retried submit finds the first one's tenant instead of its own claims.
   */
  async createSignup(tenant: Tenant, idempotency?: IdempotencyClaim): Promise<CreateSignupResult> {
    const now = tenant.createdAt;
    const claim = { tenantId: tenant.tenantId, createdAt: now };
    const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
    const items = [
      ...(idempotency
        ? [{
            ...keys.idempotency(idempotency.key),
            ...claim,
            requestHash: idempotency.requestHash,
            [TABLE.ttlAttribute]: Math.floor(Date.parse(now) / 1000) + IDEMPOTENCY_TTL_SECONDS,
          }]
        : []),
      { ...keys.tenant(tenant.tenantId), ...indexKeys(indexPartition.status(tenant.status), now), type: 'tenant', ...tenant },
      { ...keys.subdomain(tenant.subdomain), ...claim },
      { ...keys.email(tenant.adminEmail), ...claim },
    ];
    const fieldOf = (index: number): 'subdomain' | 'adminEmail' | undefined => {
      const offset = idempotency ? index - 1 : index;
      return offset === 1 ? 'subdomain' : offset === 2 ? 'adminEmail' : undefined;
    };

    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: items.map((Item) => ({ Put: { TableName: this.tableName, Item, ...absent } })),
          }),
        );
        return { kind: 'created' };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (idempotency && codes[0] === 'ConditionalCheckFailed') return this.replay(idempotency);
        const taken = codes.flatMap((code, i) => {
          const field = code === 'ConditionalCheckFailed' ? fieldOf(i) : undefined;
          return field ? [field] : [];
        });
        if (taken.length > 0) return { kind: 'taken', fields: taken };
        // Only TransactionConflict left: another signup holds the same claims right now. Once it
        // commits our retry sees ConditionalCheckFailed; if it failed, ours may well succeed.
        if (attempt >= CONFLICT_RETRIES || !codes.includes('TransactionConflict')) throw error;
        await pause(Math.random() * 25 * 2 ** Math.min(attempt, 5));
      }
    }
  }

  private async replay(idempotency: IdempotencyClaim): Promise<CreateSignupResult> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(idempotency.key), ConsistentRead: true }),
    );
    if (!Item) throw new Error('Idempotency record vanished between write and read');
    return Item.requestHash === idempotency.requestHash
      ? { kind: 'replayed', tenantId: String(Item.tenantId) }
      : { kind: 'idempotency-key-reused' };
  }

  /** Which of `names` are already claimed by a tenant. */
  async takenSubdomains(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const { Responses } = await this.db.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: [...new Set(names)].map(keys.subdomain), ProjectionExpression: '#pk', ExpressionAttributeNames: { '#pk': PK } } },
      }),
    );
    return new Set((Responses?.[this.tableName] ?? []).map((item) => String(item[PK]).slice(PREFIX.subdomain.length)));
  }

  /** The id of the tenant holding the subdomain's claim (a claim outlives its tenant until released; `tenants.tenantBySubdomain` finds a tenant item instead). */
  async subdomainClaimHolder(subdomain: string): Promise<string | undefined> {
    return this.claimHolder(keys.subdomain(subdomain));
  }

  /** The id of the tenant holding the email's claim. */
  async emailClaimHolder(email: string): Promise<string | undefined> {
    return this.claimHolder(keys.email(email));
  }

  private async claimHolder(Key: Record<string, string>): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    return Item ? String(Item.tenantId) : undefined;
  }

  /**
   * Frees an offboarded tenant's subdomain and email for new signups. Each claim is deleted only
   * while it still names this tenant (a claim taken over since is someone else's).
   */
  async releaseClaims(tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'adminEmail'>): Promise<void> {
    for (const key of [keys.subdomain(tenant.subdomain), keys.email(tenant.adminEmail)]) {
      try {
        await this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: key,
            ConditionExpression: 'attribute_not_exists(#pk) OR tenantId = :id',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':id': tenant.tenantId },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
  }
}
