import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { statusesAllowedBefore, type TenantStatus } from '../../shared/lifecycle';
import type { StepRecord } from '../../shared/provisioning';
import { tenantSchema, type Tenant } from '../../shared/tenant';
import type { PooledInstance } from '../../shared/pool';
import { batchGetAll, indexPartition, indexQueryBefore, isConditionFailure, keys, TABLE, TENANT_SORT_KEY, type TransactItem } from './table';

const { partitionKey: PK, sortKey: SK } = TABLE;

/** Attributes a status change or a billing event may set on the tenant item. */
export type TenantChanges = Partial<Omit<Tenant, 'tenantId' | 'status' | 'version' | 'createdAt' | 'updatedAt'>>;
/**
 * `absent`: only if the tenant has none of these attributes yet (first writer wins). `holdingPooled`:
 * only while the tenant holds this pool instance (a hand-over must not bring back one discarded meanwhile).
 * `present`: only if the tenant has all of these.
 */
export type TenantUpdate = {
  to?: TenantStatus;
  at: string;
  set?: TenantChanges;
  remove?: Array<keyof Tenant>;
  newerThan?: number;
  absent?: Array<keyof Tenant>;
  present?: Array<keyof Tenant>;
  holdingPooled?: string;
};

export class TransitionRefusedError extends Error {
  override name = 'TransitionRefusedError';
  constructor(tenantId: string, to: TenantStatus) {
    super(`Tenant ${tenantId} cannot move to ${to} from its current status (or does not exist)`);
  }
}

/**
 * The UpdateItem of one change to an existing tenant item: lifecycle guard, optional
 * event-ordering guard, attributes, updatedAt and version. Also used inside transactions (and by
 * FleetStore for rollout outcomes), so every tenant write keeps the same bookkeeping.
 */
export function tenantUpdateParams(tableName: string, tenantId: string, { to, at, set = {}, remove = [], newerThan, absent = [], present = [], holdingPooled }: TenantUpdate) {
  const names: Record<string, string> = { '#pk': PK, '#updatedAt': 'updatedAt', '#version': 'version' };
  const values: Record<string, unknown> = { ':at': at, ':one': 1 };
  const sets = ['#updatedAt = :at'];
  const conditions = ['attribute_exists(#pk)'];
  if (to) {
    const allowed = statusesAllowedBefore(to);
    Object.assign(names, { '#status': 'status', '#gpk': TABLE.byStatusIndex.partitionKey, '#gsk': TABLE.byStatusIndex.sortKey });
    Object.assign(values, { ':to': to, ':gpk': indexPartition.status(to) });
    allowed.forEach((status, i) => (values[`:from${i}`] = status));
    // The index sort key is when the tenant (last) entered its status: sweeps query by it.
    sets.push('#status = :to', '#gpk = :gpk', '#gsk = :at');
    conditions.push(`#status IN (${allowed.map((_, i) => `:from${i}`).join(', ')})`);
  }
  for (const [field, value] of Object.entries(set)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  for (const field of remove) names[`#${String(field)}`] = String(field);
  for (const field of absent) {
    names[`#${String(field)}`] = String(field);
    conditions.push(`attribute_not_exists(#${String(field)})`);
  }
  for (const field of present) {
    names[`#${String(field)}`] = String(field);
    conditions.push(`attribute_exists(#${String(field)})`);
  }
  if (holdingPooled !== undefined) {
    Object.assign(names, { '#pooledInstance': 'pooledInstance', '#pooledId': 'id' });
    values[':holdingPooled'] = holdingPooled;
    conditions.push('#pooledInstance.#pooledId = :holdingPooled');
  }
  if (newerThan !== undefined) {
    names['#billingEventAt'] = 'billingEventAt';
    values[':newerThan'] = newerThan;
    conditions.push('(attribute_not_exists(#billingEventAt) OR #billingEventAt < :newerThan)');
  }
  return {
    TableName: tableName,
    Key: keys.tenant(tenantId),
    UpdateExpression: `SET ${sets.join(', ')}${remove.length ? ` REMOVE ${remove.map((f) => `#${String(f)}`).join(', ')}` : ''} ADD #version :one`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Tenant items: their lifecycle, attributes and progress, in the single DynamoDB table. */
export class TenantStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }),
    );
    return Item ? tenantSchema.parse(Item) : undefined;
  }

  /** Several tenants by id (100 per request, unprocessed keys retried); missing ones are left out. */
  async getTenants(tenantIds: readonly string[]): Promise<Tenant[]> {
    return (await batchGetAll(this.db, this.tableName, tenantIds.map((id) => keys.tenant(id)), { consistent: true })).map((item) => tenantSchema.parse(item));
  }

  /** Every tenant, newest first. A full scan: for the ops service (the /ops page and `npm run ops -- tenants list`), never on a request path. */
  async listTenants(): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName, FilterExpression: '#sk = :meta', ExpressionAttributeNames: { '#sk': SK }, ExpressionAttributeValues: { ':meta': TENANT_SORT_KEY }, ExclusiveStartKey }),
      );
      tenants.push(...(page.Items ?? []).map((item) => tenantSchema.parse(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return tenants.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * Tenants in `status` that entered it before `before` (ISO time), oldest first, page by page:
   * all of them, or the first `limit`.
   */
  async listByStatus(status: TenantStatus, before: string, limit = Infinity): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ ...indexQueryBefore(this.tableName, indexPartition.status(status), before), ...(Number.isFinite(limit) ? { Limit: limit - tenants.length } : {}), ExclusiveStartKey }),
      );
      tenants.push(...(page.Items ?? []).map((item) => tenantSchema.parse(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && tenants.length < limit);
    return tenants;
  }

  /** The tenant holding the subdomain's claim (an offboarded one until its claims are released). */
  async tenantBySubdomain(subdomain: string): Promise<Tenant | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.subdomain(subdomain) }));
    return Item ? this.getTenant(String(Item.tenantId)) : undefined;
  }

  /**
   * Moves a tenant to `to` if the lifecycle table allows it from where it is now (checked by
   * DynamoDB, so two racing writers cannot both win). Moving to the status it is already in is a
   * no-op success, which keeps retried steps harmless.
   */
  async transition(tenantId: string, to: TenantStatus, at: string, extra: TenantChanges = {}): Promise<void> {
    if (!(await this.update(tenantId, { to, at, set: extra }))) throw new TransitionRefusedError(tenantId, to);
  }

  /**
   * Applies a billing event: the transition (if any) and the Stripe fields. With `orderedAt` (the
   * event's creation time) only if it is newer than the last ordered event applied: Stripe delivers
   * out of order and more than once. One-time facts (a completed checkout) pass no `orderedAt`.
   * `alongside` (the event's effects on its ledger claim, see StripeEventLedger.effectsWrite) is
   * written in the same transaction: the change and its to-do list are stored together or not at all.
   */
  async applyBillingEvent(
    tenantId: string,
    change: { to?: TenantStatus; at: string; orderedAt?: number; set?: TenantChanges; remove?: Array<keyof Tenant> },
    alongside?: TransactItem,
  ): Promise<'applied' | 'stale-or-refused'> {
    const update: TenantUpdate = {
      ...(change.to ? { to: change.to } : {}),
      at: change.at,
      set: { ...change.set, ...(change.orderedAt === undefined ? {} : { billingEventAt: change.orderedAt }) },
      remove: change.remove ?? [],
      ...(change.orderedAt === undefined ? {} : { newerThan: change.orderedAt }),
    };
    if (!alongside) return (await this.update(tenantId, update)) ? 'applied' : 'stale-or-refused';
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [{ Update: tenantUpdateParams(this.tableName, tenantId, update) }, alongside] }));
      return 'applied';
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return 'stale-or-refused';
      throw error;
    }
  }

  /** Sets attributes on an existing tenant (no status change). */
  async setAttributes(tenantId: string, at: string, set: TenantChanges): Promise<void> {
    await this.update(tenantId, { at, set });
  }

  /** Removes attributes from an existing tenant (no status change). */
  async clearAttributes(tenantId: string, at: string, fields: Array<keyof Tenant>): Promise<void> {
    await this.update(tenantId, { at, remove: fields });
  }

  /**
   * Moves the tenant's pool instance on (`next`) or lets it go (undefined), only while the tenant
   * still holds that instance; false when it no longer does.
   */
  async updatePooled(tenantId: string, at: string, id: string, next: PooledInstance | undefined): Promise<boolean> {
    return this.update(tenantId, next ? { at, set: { pooledInstance: next }, holdingPooled: id } : { at, remove: ['pooledInstance'], holdingPooled: id });
  }

  /**
   * Starts the trial clock once: only on an ACTIVE trial that is its admin's (nothing to confirm, or
   * confirmed) and has none yet. Both the provisioning (at ACTIVE) and the confirmation call it after
   * their own write, so whichever comes second starts it; false when not due or already started.
   */
  async startTrial(tenantId: string, at: string, trialEndsAt: string): Promise<boolean> {
    return this.conditional(tenantId, at, {
      set: 'trialEndsAt = :trialEndsAt',
      condition: 'attribute_exists(#pk) AND #status = :active AND #plan = :trial AND attribute_not_exists(trialEndsAt) AND (attribute_not_exists(verifyBy) OR attribute_exists(emailVerifiedAt))',
      names: { '#status': 'status', '#plan': 'plan' },
      values: { ':trialEndsAt': trialEndsAt, ':active': 'ACTIVE', ':trial': 'trial' },
    });
  }

  /** Records the confirmation, unless the signup's removal has begun; false then (or when recorded before). */
  async markEmailVerified(tenantId: string, at: string): Promise<boolean> {
    return this.update(tenantId, { at, set: { emailVerifiedAt: at }, absent: ['emailVerifiedAt', 'offboardingRequestedAt'] });
  }

  /**
   * Marks a signup never confirmed for removal: only if it still is unconfirmed, not already marked,
   * and has no billing (a confirmation or a payment that arrived meanwhile wins).
   */
  async requestUnverifiedRemoval(tenantId: string, at: string): Promise<boolean> {
    return this.update(tenantId, { at, set: { offboardingRequestedAt: at }, present: ['verifyBy'], absent: ['emailVerifiedAt', 'offboardingRequestedAt', 'stripeCustomerId'] });
  }

  private async conditional(tenantId: string, at: string, { set, condition, names, values }: { set: string; condition: string; names: Record<string, string>; values: Record<string, unknown> }): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: `SET ${set}, #updatedAt = :at ADD #version :one`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': PK, '#updatedAt': 'updatedAt', '#version': 'version', ...names },
          ExpressionAttributeValues: { ':at': at, ':one': 1, ...values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** One conditional UpdateItem; false when a guard refused it. */
  private async update(tenantId: string, change: TenantUpdate): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(tenantUpdateParams(this.tableName, tenantId, change)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Sets a tenant attribute only if it has none yet (first writer wins): initial settings must
   * not overwrite later edits, and a mail recorded as sent must not be sent again.
   */
  async setIfAbsent<K extends 'settings' | 'welcomeEmailSentAt' | 'trialReminderSentAt' | 'offboardingRequestedAt' | 'claimsReleasedAt'>(tenantId: string, field: K, value: NonNullable<Tenant[K]>): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: 'SET #field = :value',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#field)',
          ExpressionAttributeNames: { '#field': field, '#pk': PK },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Records one step's progress on the tenant item (what the status page shows). */
  async recordStep(tenantId: string, step: string, record: StepRecord): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #steps.#step = :record',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#steps': 'steps', '#step': step, '#pk': PK },
        ExpressionAttributeValues: { ':record': record },
      }),
    );
  }

  /** Cheap round trip proving the table answers (health checks). */
  async ping(): Promise<void> {
    await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant('health-check') }));
  }
}
