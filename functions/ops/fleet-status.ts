import { instanceHosts } from '../../shared/instance';
import { RUNNING_STATUSES, TENANT_STATUSES, type TenantStatus } from '../../shared/lifecycle';
import type { Deps } from '../deps';
import { RECONCILE_GRACE_MS } from '../reconciler/provisioning-runs';

/** The fleet metrics customer success's dashboard and the StuckTenants alarm read (infra/aws/constructs/operations.ts). */
export const FLEET_METRICS = {
  tenantsByStatus: 'TenantsByStatus',
  statusDimension: 'Status',
  poolReady: 'PoolReady',
  sleeping: 'SleepingInstances',
  stuck: 'StuckTenants',
} as const;

/**
 * A tenant is stuck when it has been PENDING or PROVISIONING this long. The reconciler looks at
 * such tenants once they are past its grace (RECONCILE_GRACE_MS) and restarts a stopped execution
 * within a minute, up to 3 times, each restart moving the tenant on; a provisioning takes minutes
 * (the state machine's waits included). Past this, neither the execution nor the reconciler moved
 * it: a person must look.
 */
export const STUCK_AFTER_MS = RECONCILE_GRACE_MS + 30 * 60_000;

/** DELETED tenants are left out: they only grow, and nothing is to be done about them. */
export const COUNTED_STATUSES = TENANT_STATUSES.filter((status) => status !== 'DELETED');

export interface FleetStatus {
  byStatus: Record<Exclude<TenantStatus, 'DELETED'>, number>;
  poolReady: number;
  sleepingInstances: number;
  stuckTenants: number;
}

/**
 * The fleet as customer success watches it, from the table's status index (the reconciler's own
 * query, `listByStatus`, for the stuck ones): tenants per status, stuck provisionings, warm-pool
 * instances ready, and instances asleep (of the running tenants; sleeping records are not indexed).
 */
export async function fleetStatus({ tenants, instances, poolInstances, now }: Pick<Deps, 'tenants' | 'instances' | 'poolInstances' | 'now'>): Promise<FleetStatus> {
  const at = now();
  const everyone = '9999-12-31T23:59:59.999Z';
  const listed = new Map(await Promise.all(COUNTED_STATUSES.map(async (status) => [status, await tenants.listByStatus(status, everyone)] as const)));
  // The reconciler's own query (start-pending.ts), with the longer cut-off.
  const stuckBefore = new Date(at.getTime() - STUCK_AFTER_MS).toISOString();
  const stuck = (await Promise.all((['PENDING', 'PROVISIONING'] as const).map((status) => tenants.listByStatus(status, stuckBefore)))).flat();
  const hosts = RUNNING_STATUSES.flatMap((status) => listed.get(status) ?? []).flatMap((tenant) => instanceHosts(tenant.subdomain));
  const sleepingInstances = (await instances.getMany(hosts)).filter((record) => record.state === 'sleeping').length;
  return {
    byStatus: Object.fromEntries(COUNTED_STATUSES.map((status) => [status, listed.get(status)?.length ?? 0])) as FleetStatus['byStatus'],
    // The pool holds at most 100 (POOL_SIZE's limit).
    poolReady: (await poolInstances.ready(100)).length,
    sleepingInstances,
    stuckTenants: stuck.length,
  };
}
