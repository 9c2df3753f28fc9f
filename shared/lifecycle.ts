import * as z from 'zod/mini';

export const TENANT_STATUSES = [
  'PENDING', 'PROVISIONING', 'ACTIVE', 'FAILED', 'PAST_DUE', 'SUSPENDED', 'DELETING', 'DELETED',
] as const;
export const tenantStatusSchema = z.enum(TENANT_STATUSES);
export type TenantStatus = z.infer<typeof tenantStatusSchema>;

export const PLANS = ['trial', 'paid'] as const;
export const planSchema = z.enum(PLANS);
export type Plan = z.infer<typeof planSchema>;

/**
 * The tenant lifecycle, the one place it is written down. The store turns a row of this table
 * into a DynamoDB condition, so a transition not listed here cannot happen, even under races.
 */
export const TRANSITIONS: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
  PENDING: ['PROVISIONING', 'FAILED', 'DELETING'],
  PROVISIONING: ['ACTIVE', 'FAILED'],
  // A failed provisioning is resumed (a new execution, <tenantId>-r<n>) once the cause is fixed, or given up.
  FAILED: ['PROVISIONING', 'DELETING'],
  ACTIVE: ['PAST_DUE', 'SUSPENDED', 'DELETING'],
  PAST_DUE: ['ACTIVE', 'SUSPENDED', 'DELETING'],
  SUSPENDED: ['ACTIVE', 'DELETING'],
  DELETING: ['DELETED'],
  DELETED: [],
};

export function canTransition(from: TenantStatus, to: TenantStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Statuses a tenant may be in for a write that moves it to `to` to succeed. `to` itself is
 * included so that a retried step (Step Functions retries, resumed executions) is a no-op, not an error.
 */
export function statusesAllowedBefore(to: TenantStatus): TenantStatus[] {
  return [to, ...TENANT_STATUSES.filter((from) => canTransition(from, to))];
}

/** Statuses whose instances run (a suspended tenant's are stopped): fleet rollouts and drift checks cover these. */
export const RUNNING_STATUSES = ['ACTIVE', 'PAST_DUE'] as const satisfies readonly TenantStatus[];

/** Statuses of a tenant whose instance exists and whose plan can be changed. */
export const HAS_INSTANCE: ReadonlySet<TenantStatus> = new Set(['ACTIVE', 'PAST_DUE', 'SUSPENDED']);

/** Statuses after which the provisioning page has nothing more to wait for. */
export const SETTLED_STATUSES: ReadonlySet<TenantStatus> = new Set([
  'ACTIVE', 'FAILED', 'PAST_DUE', 'SUSPENDED', 'DELETING', 'DELETED',
]);
