import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { statusesAllowedBefore, type TenantStatus } from '../../shared/lifecycle';
import type { StepRecord } from '../../shared/provisioning';
import type { UpgradeOutcome } from '../../shared/fleet';
import { tenantSchema, type Tenant } from '../../shared/tenant';
import { indexQueryBefore, TABLE } from './table';

const { partitionKey: PK, sortKey: SK } = TABLE;
const META = 'META';
const CLAIM = 'CLAIM';
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const CONFLICT_RETRIES = 8;

export const keys = {
  tenant: (tenantId: string) => ({ [PK]: `TENANT#${tenantId}`, [SK]: META }),
  subdomain: (name: string) => ({ [PK]: `SUBDOMAIN#${name}`, [SK]: CLAIM }),
  email: (address: string) => ({ [PK]: `EMAIL#${address}`, [SK]: CLAIM }),
  idempotency: (key: string) => ({ [PK]: `IDEMPOTENCY#${key}`, [SK]: 'SIGNUP' }),
  stripeEvent: (eventId: string) => ({ [PK]: `STRIPE#${eventId}`, [SK]: 'EVENT' }),
  customer: (customerId: string) => ({ [PK]: `CUSTOMER#${customerId}`, [SK]: 'TENANT' }),
};

/** Attributes a status change or a billing event may set on the tenant item. */
export type TenantChanges = Partial<Omit<Tenant, 'tenantId' | 'status' | 'version' | 'createdAt' | 'updatedAt'>>;
type TenantUpdate = { to?: TenantStatus; at: string; set?: TenantChanges; remove?: Array<keyof Tenant>; newerThan?: number };
const EVENT_TTL_SECONDS = 30 * 24 * 60 * 60;

const statusIndexKeys = (status: TenantStatus, sortValue: string) => ({
  [TABLE.byStatusIndex.partitionKey]: `STATUS#${status}`,
  [TABLE.byStatusIndex.sortKey]: sortValue,
});

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

export class TransitionRefusedError extends Error {
  override name = 'TransitionRefusedError';
  constructor(tenantId: string, to: TenantStatus) {
    super(`Tenant ${tenantId} cannot move to ${to} from its current status (or does not exist)`);
  }
}

const isConditionFailure = (e: unknown) => e instanceof Error && e.name === 'ConditionalCheckFailedException';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tenants, their subdomain/email claims and their progress, in the single DynamoDB table. */
export class TenantStore {
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
      { ...keys.tenant(tenant.tenantId), ...statusIndexKeys(tenant.status, now), type: 'tenant', ...tenant },
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

  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }),
    );
    return Item ? tenantSchema.parse(Item) : undefined;
  }

  /**
   * A wave's outcomes on its tenants, one transaction per 100: the upgraded get the new
   * appVersion, everyone the run's outcome (lastUpgrade), which the run's summary reads back.
   */
  async recordUpgradeOutcomes(runId: string, version: string, outcomes: readonly UpgradeOutcome[], at: string): Promise<void> {
    for (let i = 0; i < outcomes.length; i += 100) {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: outcomes.slice(i, i + 100).map((o) => ({
            Update: this.updateParams(o.tenantId, {
              at,
              set: { lastUpgrade: { runId, version, outcome: o.outcome, at, ...(o.error ? { error: o.error } : {}) }, ...(o.outcome === 'upgraded' ? { appVersion: version } : {}) },
            }),
          })),
        }),
      );
    }
  }

  /** Several tenants by id (100 per request, unprocessed keys retried); missing ones are left out. */
  async getTenants(tenantIds: readonly string[]): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    const ids = [...new Set(tenantIds)];
    for (let i = 0; i < ids.length; i += 100) {
      let Keys: Array<Record<string, unknown>> | undefined = ids.slice(i, i + 100).map((id) => keys.tenant(id));
      for (let attempt = 0; Keys?.length; attempt++) {
        const page: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys, ConsistentRead: true } } }));
        tenants.push(...(page.Responses?.[this.tableName] ?? []).map((item) => tenantSchema.parse(item)));
        Keys = page.UnprocessedKeys?.[this.tableName]?.Keys;
        if (Keys?.length) await pause(Math.min(1000, 50 * 2 ** attempt));
      }
    }
    return tenants;
  }

  /** Which of `names` are already claimed by a tenant. */
  async takenSubdomains(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const { Responses } = await this.db.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: [...new Set(names)].map(keys.subdomain), ProjectionExpression: '#pk', ExpressionAttributeNames: { '#pk': PK } } },
      }),
    );
    const prefix = 'SUBDOMAIN#';
    return new Set((Responses?.[this.tableName] ?? []).map((item) => String(item[PK]).slice(prefix.length)));
  }

  /** Every tenant, newest first. A full scan: for the local ops page, not for request paths. */
  async listTenants(): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName, FilterExpression: '#sk = :meta', ExpressionAttributeNames: { '#sk': SK }, ExpressionAttributeValues: { ':meta': META }, ExclusiveStartKey }),
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
        new QueryCommand({ ...indexQueryBefore(this.tableName, `STATUS#${status}`, before), ...(Number.isFinite(limit) ? { Limit: limit - tenants.length } : {}), ExclusiveStartKey }),
      );
      tenants.push(...(page.Items ?? []).map((item) => tenantSchema.parse(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && tenants.length < limit);
    return tenants;
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
   * `effects` (what must follow the change) are written on the event's claim in the same
   * transaction: the change and its to-do list are stored together or not at all.
   */
  async applyBillingEvent(
    tenantId: string,
    change: { to?: TenantStatus; at: string; orderedAt?: number; set?: TenantChanges; remove?: Array<keyof Tenant> },
    claim?: { eventId: string; effects: object },
  ): Promise<'applied' | 'stale-or-refused'> {
    const update: TenantUpdate = {
      ...(change.to ? { to: change.to } : {}),
      at: change.at,
      set: { ...change.set, ...(change.orderedAt === undefined ? {} : { billingEventAt: change.orderedAt }) },
      remove: change.remove ?? [],
      ...(change.orderedAt === undefined ? {} : { newerThan: change.orderedAt }),
    };
    if (!claim) return (await this.update(tenantId, update)) ? 'applied' : 'stale-or-refused';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: this.updateParams(tenantId, update) },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.stripeEvent(claim.eventId),
                UpdateExpression: 'SET #effects = :effects',
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK, '#effects': 'effects' },
                ExpressionAttributeValues: { ':effects': claim.effects },
              },
            },
          ],
        }),
      );
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

  /** One conditional UpdateItem: lifecycle guard, optional event-ordering guard, attributes. */
  private async update(tenantId: string, change: TenantUpdate): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(this.updateParams(tenantId, change)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The UpdateItem of `update`, also usable inside a transaction. */
  private updateParams(tenantId: string, { to, at, set = {}, remove = [], newerThan }: TenantUpdate) {
    const names: Record<string, string> = { '#pk': PK, '#updatedAt': 'updatedAt', '#version': 'version' };
    const values: Record<string, unknown> = { ':at': at, ':one': 1 };
    const sets = ['#updatedAt = :at'];
    const conditions = ['attribute_exists(#pk)'];
    if (to) {
      const allowed = statusesAllowedBefore(to);
      Object.assign(names, { '#status': 'status', '#gpk': TABLE.byStatusIndex.partitionKey, '#gsk': TABLE.byStatusIndex.sortKey });
      Object.assign(values, { ':to': to, ':gpk': `STATUS#${to}` });
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
    if (newerThan !== undefined) {
      names['#billingEventAt'] = 'billingEventAt';
      values[':newerThan'] = newerThan;
      conditions.push('(attribute_not_exists(#billingEventAt) OR #billingEventAt < :newerThan)');
    }
    return {
      TableName: this.tableName,
      Key: keys.tenant(tenantId),
      UpdateExpression: `SET ${sets.join(', ')}${remove.length ? ` REMOVE ${remove.map((f) => `#${String(f)}`).join(', ')}` : ''} ADD #version :one`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /**
   * Claims a webhook event id for one attempt, leased for `leaseMs` (the attempt's time limit);
   * false if another attempt claimed it already (see `takeOverEvent`).
   */
  async claimEvent(eventId: string, at: Date, leaseMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.stripeEvent(eventId), receivedAt: at.toISOString(), leaseUntil: at.getTime() + leaseMs, [TABLE.ttlAttribute]: Math.floor(at.getTime() / 1000) + EVENT_TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * For an event claimed before: `done`; `busy` while another attempt holds the lease; else this
   * attempt takes the lease over (the earlier one failed or died) and gets what is left to do:
   * the effects of the applied change, or nothing applied yet (no effects).
   */
  async takeOverEvent(eventId: string, at: Date, leaseMs: number): Promise<'done' | 'busy' | { effects?: unknown }> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.stripeEvent(eventId),
          UpdateExpression: 'SET #lease = :until',
          ConditionExpression: 'attribute_exists(#lease) AND #lease < :now AND attribute_not_exists(#done)',
          ExpressionAttributeNames: { '#lease': 'leaseUntil', '#done': 'doneAt' },
          ExpressionAttributeValues: { ':until': at.getTime() + leaseMs, ':now': at.getTime() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { effects: Attributes?.effects };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId), ConsistentRead: true }));
    // Claims from before leases existed carry neither: they were finished or given back.
    return Item && Item.doneAt === undefined && typeof Item.leaseUntil === 'number' ? 'busy' : 'done';
  }

  /** The event is fully handled: later deliveries are duplicates. */
  async finishEvent(eventId: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.stripeEvent(eventId),
        UpdateExpression: 'SET #done = :at REMOVE #effects, #lease',
        ExpressionAttributeNames: { '#done': 'doneAt', '#effects': 'effects', '#lease': 'leaseUntil' },
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }

  /** The effects failed: the next delivery may take them over at once. */
  async releaseEventLease(eventId: string): Promise<void> {
    await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId), UpdateExpression: 'SET #lease = :zero', ExpressionAttributeNames: { '#lease': 'leaseUntil' }, ExpressionAttributeValues: { ':zero': 0 } }));
  }

  /** Gives a claimed event back after a failure before its change was applied, so Stripe's retry is processed. */
  async releaseEvent(eventId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId) }));
  }

  async linkCustomer(customerId: string, tenantId: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.customer(customerId), tenantId } }));
  }

  async tenantForCustomer(customerId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.customer(customerId) }));
    return Item ? String(Item.tenantId) : undefined;
  }

  /** The tenant holding the subdomain's claim (an offboarded one until its claims are released). */
  async tenantBySubdomain(subdomain: string): Promise<Tenant | undefined> {
    const id = await this.tenantForSubdomain(subdomain);
    return id ? this.getTenant(id) : undefined;
  }

  async tenantForSubdomain(subdomain: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.subdomain(subdomain) }));
    return Item ? String(Item.tenantId) : undefined;
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

  /** Cheap round trip proving the table answers (health checks). */
  async ping(): Promise<void> {
    await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant('health-check') }));
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
}
