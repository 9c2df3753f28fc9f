import * as z from 'zod/mini';
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
import { rolloutCandidateSchema, type RolloutCandidate } from '../../shared/fleet';
import type { PooledInstance } from '../../shared/pool';
import { batchGetAll, indexPartition, indexQueryBefore, isConditionFailure, keys, TABLE, TENANT_SORT_KEY, writtenUnlessRefused, type TransactItem } from './table';
import { transactUnlessRefused } from './transact-unless-refused';
import { welcomeMarkerPut } from './welcome-marker';

const { partitionKey: PK, sortKey: SK } = TABLE;

const lastUpgradeSchema = z.pick(tenantSchema, { tenantId: true, subdomain: true, lastUpgrade: true });
export type LastUpgrade = z.infer<typeof lastUpgradeSchema>;

/** Attributes a status change or a billing event may set on the tenant item. */
export type TenantChanges = Partial<Omit<Tenant, 'tenantId' | 'status' | 'version' | 'createdAt' | 'updatedAt'>>;
/**
 * `absent`: only if the tenant has none of these attributes yet (first writer wins). `holdingPooled`:
 * only while the tenant holds this pool instance (a hand-over must not bring back one discarded meanwhile).
 * `present`: only if the tenant has all of these. `sameRun`: only while the tenant's `resumes` is still
 * this (undefined: none claimed), i.e. no resume claimed a new execution since the caller read it, and
 * (with `status`) it is still in that status.
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
  /** Only if the item is still at this version (nobody wrote it since it was read). */
  version?: number;
  sameRun?: { resumes: number | undefined; status?: TenantStatus };
};

/** A resume's claim on the tenant (TenantStore.claimExecution). */
export interface ExecutionClaim {
  /** The status the claimer saw: the claim holds only while the tenant is still in it. */
  status: TenantStatus;
  /** The `resumes` the claimer saw (undefined: none yet). */
  seen: number | undefined;
  /** The number claimed, and the execution named after it. */
  resumes: number;
  executionName: string;
  /** The reconciler's restarts count to set; undefined clears it (ops resumed, a fresh budget). */
  reconcilerRestarts?: number;
}

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
export function tenantUpdateParams(tableName: string, tenantId: string, { to, at, set = {}, remove = [], newerThan, absent = [], present = [], holdingPooled, sameRun, version }: TenantUpdate) {
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
  if (sameRun) {
    names['#resumes'] = 'resumes';
    if (sameRun.status) {
      names['#status'] = 'status';
      values[':statusSeen'] = sameRun.status;
      conditions.push('#status = :statusSeen');
    }
    if (sameRun.resumes === undefined) conditions.push('attribute_not_exists(#resumes)');
    else {
      values[':resumesSeen'] = sameRun.resumes;
      conditions.push('#resumes = :resumesSeen');
    }
  }
  if (version !== undefined) {
    values[':readVersion'] = version;
    conditions.push('#version = :readVersion');
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
/** A tenant change written only under `condition`: `set` (and `add`) with the tenant's updatedAt and version. */
export interface TenantCondition {
  set: string;
  add?: string;
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** The UpdateItem of a TenantCondition (alone, or one write of a transaction). */
function tenantConditionParams(tableName: string, tenantId: string, at: string, { set, add, condition, names, values }: TenantCondition) {
  return {
    TableName: tableName,
    Key: keys.tenant(tenantId),
    UpdateExpression: `SET ${set}, #updatedAt = :at ADD #version :one${add ? `, ${add}` : ''}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: { '#pk': PK, '#updatedAt': 'updatedAt', '#version': 'version', ...names },
    ExpressionAttributeValues: { ':at': at, ':one': 1, ...values },
  };
}

/** Writes a TenantCondition; false when the condition refused it. Shared by the stores that change tenant items. */
export function updateTenantIf(db: DynamoDBDocumentClient, tableName: string, tenantId: string, at: string, change: TenantCondition): Promise<boolean> {
  return writtenUnlessRefused(db.send(new UpdateCommand(tenantConditionParams(tableName, tenantId, at, change))));
}

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

  /** Each tenant's last rollout outcome by id (missing tenants left out), projected: a summary of 10,000 tenants need not parse 10,000 whole records. */
  async lastUpgrades(tenantIds: readonly string[]): Promise<LastUpgrade[]> {
    return (await batchGetAll(this.db, this.tableName, tenantIds.map((id) => keys.tenant(id)), { consistent: true, attributes: ['tenantId', 'subdomain', 'lastUpgrade'] })).map((item) => lastUpgradeSchema.parse(item));
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

  /**
   * What a rollout plan needs of each tenant in `status` (id, subdomain, version, age, and the
   * branding its smoke test expects), oldest first, read with a projection: planning 10,000 tenants
   * parsed 10,000 whole tenant records (settings, steps, history) only to keep a few fields.
   */
  async listRolloutTargets(status: TenantStatus, before: string): Promise<RolloutCandidate[]> {
    const targets: RolloutCandidate[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const query = indexQueryBefore(this.tableName, indexPartition.status(status), before);
      const page = await this.db.send(
        new QueryCommand({
          ...query,
          ProjectionExpression: '#id, #sub, #ver, #created, #name, #color, #settings.#branding.#color',
          ExpressionAttributeNames: {
            ...query.ExpressionAttributeNames,
            ...{ '#id': 'tenantId', '#sub': 'subdomain', '#ver': 'appVersion', '#created': 'createdAt', '#name': 'companyName', '#color': 'primaryColor', '#settings': 'settings', '#branding': 'branding' },
          },
          ExclusiveStartKey,
        }),
      );
      targets.push(...(page.Items ?? []).map((item) => rolloutCandidateSchema.parse(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return targets;
  }

  /** The tenant holding the subdomain's claim (an offboarded one until its claims are released). */
  async tenantBySubdomain(subdomain: string): Promise<Tenant | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.subdomain(subdomain) }));
    return Item ? this.getTenant(String(Item.tenantId)) : undefined;
  }

  /**
   * Moves a tenant to `to` if the lifecycle table allows it from where it is now (checked by
   * DynamoDB, so two racing writers cannot both win). Moving to the status it is already in is a
   * no-op success, which keeps retried steps harmless. With `welcomeDueAt` (the move makes the
   * welcome mail due: an invoiced tenant's ACTIVE) the welcome mail's marker is written with it,
   * in one transaction, filed under that time.
   */
  async transition(tenantId: string, to: TenantStatus, at: string, extra: TenantChanges = {}, { welcomeDueAt }: { welcomeDueAt?: string } = {}): Promise<void> {
    const update: TenantUpdate = { to, at, set: extra };
    const moved = welcomeDueAt
      ? await transactUnlessRefused(this.db, { TransactItems: [{ Update: tenantUpdateParams(this.tableName, tenantId, update) }, welcomeMarkerPut(this.tableName, tenantId, welcomeDueAt)] })
      : await this.update(tenantId, update);
    if (!moved) throw new TransitionRefusedError(tenantId, to);
  }

  /**
   * Applies a billing change: the transition (if any) and the Stripe fields, only if the tenant is
   * still at `ifVersion` (the version the change was worked out from): a change derived from an
   * older read must not overwrite one from a newer read (see functions/billing/stripe-events.ts).
   * `alongside` (the event's effects on its ledger claim, see StripeEventLedger.effectsWrite) is
   * written in the same transaction: the change and its to-do list are stored together or not at
   * all. A concurrent transaction on the item counts as not applied: the caller reads again.
   */
  async applyBillingEvent(
    tenantId: string,
    change: { to?: TenantStatus; at: string; ifVersion?: number; set?: TenantChanges; remove?: Array<keyof Tenant> },
    alongside?: TransactItem,
  ): Promise<'applied' | 'stale-or-refused'> {
    const update: TenantUpdate = {
      ...(change.to ? { to: change.to } : {}),
      at: change.at,
      set: change.set ?? {},
      remove: change.remove ?? [],
      ...(change.ifVersion === undefined ? {} : { version: change.ifVersion }),
    };
    if (!alongside) return (await this.update(tenantId, update)) ? 'applied' : 'stale-or-refused';
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [{ Update: tenantUpdateParams(this.tableName, tenantId, update) }, alongside] }));
      return 'applied';
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : [];
      if (reasons[0] === 'ConditionalCheckFailed' || reasons.includes('TransactionConflict')) return 'stale-or-refused';
      throw error;
    }
  }

  /** Sets attributes on an existing tenant (no status change). */
  async setAttributes(tenantId: string, at: string, set: TenantChanges): Promise<void> {
    await this.update(tenantId, { at, set });
  }

  /**
   * Claims the tenant's next provisioning execution (a resume): `resumes` and `executionName` are
   * written together, only while the tenant is still in the status and at the `resumes` the claimer
   * read. Of two resumes racing, one wins; the other gets false and starts nothing.
   */
  async claimExecution(tenantId: string, at: string, claim: ExecutionClaim): Promise<boolean> {
    const names: Record<string, string> = { '#pk': PK, '#updatedAt': 'updatedAt', '#version': 'version', '#status': 'status', '#resumes': 'resumes', '#executionName': 'executionName', '#restarts': 'reconcilerRestarts' };
    const values: Record<string, unknown> = { ':at': at, ':one': 1, ':status': claim.status, ':resumes': claim.resumes, ':name': claim.executionName };
    const sets = ['#updatedAt = :at', '#resumes = :resumes', '#executionName = :name'];
    if (claim.reconcilerRestarts !== undefined) {
      values[':restarts'] = claim.reconcilerRestarts;
      sets.push('#restarts = :restarts');
    }
    if (claim.seen !== undefined) values[':seen'] = claim.seen;
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: `SET ${sets.join(', ')}${claim.reconcilerRestarts === undefined ? ' REMOVE #restarts' : ''} ADD #version :one`,
          ConditionExpression: `attribute_exists(#pk) AND #status = :status AND ${claim.seen === undefined ? 'attribute_not_exists(#resumes)' : '#resumes = :seen'}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /**
   * Moves a tenant whose provisioning execution is gone to FAILED with `failure`, only while it is as
   * the caller read it (`status`, `resumes`: no resume claimed a new execution, no MarkFailed got there
   * first) and the lifecycle allows it; false otherwise.
   */
  async failLostExecution(tenantId: string, at: string, seen: Pick<Tenant, 'status' | 'resumes'>, failure: NonNullable<Tenant['failure']>): Promise<boolean> {
    return this.update(tenantId, { to: 'FAILED', at, set: { failure }, sameRun: { resumes: seen.resumes, status: seen.status } });
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
   * The welcome mail falls due with the trial: its marker is written in the same transaction, filed
   * under `welcomeDueAt`, so a sender failing before its claim (the table unreachable, the process
   * gone) still leaves the retry job a mail to send.
   */
  async startTrial(tenantId: string, at: string, trialEndsAt: string, welcomeDueAt: string): Promise<boolean> {
    const start = tenantConditionParams(this.tableName, tenantId, at, {
      set: 'trialEndsAt = :trialEndsAt',
      condition: 'attribute_exists(#pk) AND #status = :active AND #plan = :trial AND attribute_not_exists(trialEndsAt) AND (attribute_not_exists(verifyBy) OR attribute_exists(emailVerifiedAt))',
      names: { '#status': 'status', '#plan': 'plan' },
      values: { ':trialEndsAt': trialEndsAt, ':active': 'ACTIVE', ':trial': 'trial' },
    });
    return transactUnlessRefused(this.db, { TransactItems: [{ Update: start }, welcomeMarkerPut(this.tableName, tenantId, welcomeDueAt)] });
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
    return writtenUnlessRefused(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: 'SET #field = :value',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#field)',
          ExpressionAttributeNames: { '#field': field, '#pk': PK },
          ExpressionAttributeValues: { ':value': value },
        }),
      ),
    );
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
