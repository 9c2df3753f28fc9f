import { randomUUID } from 'node:crypto';
import { instanceHost } from '../../shared/instance';
import type { PooledInstance, PoolInstance } from '../../shared/pool';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { serviceOf } from '../providers/compute';
import { answersUnassigned } from '../providers/instance-pool';
import { discardPooled } from '../tenant/instances';
import { ensureOwnServices, handOver, type HandOverDeps } from './hand-over';

export type KeeperDeps = HandOverDeps & Pick<Deps, 'logger'>;

/** A launched instance that never answered in this long is discarded (a bad image, no capacity). */
export const START_TIMEOUT_MS = 10 * 60_000;
/** A claim whose provisioning has not handed over in this long is finished by the keeper. */
export const HAND_OVER_TIMEOUT_MS = 15 * 60_000;
/**
 * An assigned pool instance serves this long at most: its tenant's credentials last an hour
 * (INSTANCE_CREDENTIALS_SECONDS in tenant-task-roles.ts), and the keeper runs once a minute.
 */
export const SERVING_LIMIT_MS = 45 * 60_000;
/** Longer than a pass may take (the job's timeout is 50 s), so a crashed pass's lease lapses by the next schedule. */
export const KEEPER_LEASE_MS = 55_000;
/** Tenants whose instances are not to run: a pool instance serving one is discarded. */
const ENDED = new Set(['FAILED', 'SUSPENDED', 'OFFBOARDING', 'DELETED']);

export interface KeeperReport {
  launched: number;
  ready: number;
  discarded: string[];
  /** Why the pass did nothing. */
  skipped?: string;
}

/** The host back to the tenant's own service: pin lifted, staging's database and both services there, production's started. */
async function giveHostBack(deps: KeeperDeps, tenant: Tenant, pooled: PooledInstance): Promise<void> {
  const host = instanceHost(tenant.subdomain, 'prod');
  const routing = await deps.instances.get(host, { consistent: true });
  if (routing && (await deps.instances.unpin(host, pooled.endpoint))) {
    await ensureOwnServices(deps, tenant);
    await deps.compute.scale(serviceOf(deps.platform.instanceUrlTemplate, { ...tenant, env: 'prod' }), routing.desiredCount);
  }
}

/**
 * One pass of the pool keeper (a scheduled job; an interval on the embedded default):
 * 1. reconcile: records whose instance is gone are dropped; instances no record knows (leaks) are
 *    stopped; a claim its tenant does not hold, or whose tenant ended, is discarded; a pinned host
 *    whose pool instance died, or that served 45 minutes (its credentials last an hour), is given
 *    back to the tenant's own service; a hand-over long overdue is carried on here;
 * 2. ready: launched instances that answer unassigned become claimable;
 * 3. refill: launches what the pool lacks. On the embedded default not while a signup provisions
 *    (the pool's processes would take the CPU its steps need), and one at a time.
 * One pass at a time (a lease in the table): a schedule delivered twice must not launch twice.
 */
export async function keepPool(deps: KeeperDeps): Promise<KeeperReport> {
  const { poolInstances, now } = deps;
  const holder = randomUUID();
  if (!(await poolInstances.takeKeeperLease(holder, now().toISOString(), new Date(now().getTime() + KEEPER_LEASE_MS).toISOString()))) {
    return { launched: 0, ready: 0, discarded: [], skipped: 'another pass holds the lease' };
  }
  try {
    return await keepPoolOnce(deps);
  } finally {
    await poolInstances.releaseKeeperLease(holder);
  }
}

async function keepPoolOnce(deps: KeeperDeps): Promise<KeeperReport> {
  const { pool, poolInstances, tenants, platform, now, logger } = deps;
  const report: KeeperReport = { launched: 0, ready: 0, discarded: [] };
  const discard = async (id: string, why: string) => {
    await poolInstances.remove(id);
    await pool.discard(id);
    report.discarded.push(id);
    logger.info('Pool instance discarded', { id, why });
  };
  const records = await poolInstances.all();
  const running = new Set(await pool.running());
  const known = new Set(records.map((r) => r.id));
  for (const id of running) if (!known.has(id)) await discard(id, 'no record (a launch whose record was never written)');

  const live: PoolInstance[] = [];
  for (const record of records) {
    // One record that keeps failing (its tenant's hand-over, say) must not stop the pass: the refill below keeps the pool full.
    try {
      if (await reconcile(record)) live.push(record);
    } catch (error) {
      logger.error('Pool keeper could not reconcile an instance; the next pass tries again', { id: record.id, error: String(error) });
    }
  }

  /** Reconciles one record; true when it stays in the pool (starting or ready). */
  async function reconcile(record: PoolInstance): Promise<boolean> {
    const age = now().getTime() - Date.parse(record.since);
    if (record.state === 'starting' || record.state === 'ready') {
      const endpoint = await pool.endpoint(record.id);
      if (endpoint === 'gone') {
        await poolInstances.remove(record.id);
        return false;
      }
      if (record.state === 'starting') {
        if (endpoint && (await answersUnassigned(endpoint, record.id))) {
          if (await poolInstances.markReady(record.id, endpoint, now().toISOString())) report.ready++;
        } else if (age > START_TIMEOUT_MS) {
          await discard(record.id, 'never answered');
          return false;
        }
      }
      return true;
    }
    // Claimed or assigned: it must be its tenant's, and that tenant must still want it.
    const tenant = record.tenantId ? await tenants.getTenant(record.tenantId) : undefined;
    const pooled = tenant?.pooledInstance?.id === record.id ? tenant.pooledInstance : undefined;
    if (!tenant || !pooled || ENDED.has(tenant.status)) {
      if (tenant && pooled) {
        await discardPooled(deps, tenant, pooled);
        report.discarded.push(record.id);
        logger.info('Pool instance discarded', { id: record.id, why: `tenant ${tenant.tenantId} is ${tenant.status}` });
      } else await discard(record.id, tenant ? `tenant ${tenant.tenantId} holds another instance` : 'its tenant does not exist');
      return false;
    }
    // Claimed, not assigned yet: its provisioning is on its way to DeployServices (which assigns it or discards it).
    if (record.state !== 'assigned') return false;
    // Not running by the list read at the start of this pass; a hand-over may have discarded it since (then its record is gone too).
    const died = !running.has(record.id) && (await poolInstances.get(record.id)) !== undefined;
    // Its credentials (one hour) must never run out while it serves: well before, the tenant's own service takes the host, ready or not.
    const outOfTime = !pooled.releasedAt && now().getTime() - Date.parse(record.since) > SERVING_LIMIT_MS;
    if (died || outOfTime) {
      await giveHostBack(deps, tenant, pooled);
      if (died) {
        await poolInstances.remove(record.id);
        await tenants.updatePooled(tenant.tenantId, now().toISOString(), pooled.id, undefined);
        logger.warn('Pool instance serving a tenant stopped; its own service takes over', { id: record.id, tenantId: tenant.tenantId });
      } else {
        await discardPooled(deps, tenant, pooled);
        // An alert: the tenant's own service did not answer in all this time (its visitors now see the waking page until it does).
        logger.error('Hand-over from the pool did not finish in time: the pool instance was discarded before its credentials expire', { id: record.id, tenantId: tenant.tenantId });
      }
      report.discarded.push(record.id);
      return false;
    }
    if (now().getTime() - Date.parse(pooled.claimedAt) > HAND_OVER_TIMEOUT_MS && (await handOver(deps, tenant)) === 'done') report.discarded.push(record.id);
    return false;
  }

  const missing = platform.pool.size - live.length;
  if (missing <= 0) return report;
  if (platform.pool.deferRefillWhileProvisioning && (await signupsInProgress(deps))) return report;
  for (let i = 0; i < (platform.pool.deferRefillWhileProvisioning ? 1 : missing); i++) {
    const id = await pool.launch();
    await poolInstances.addStarting(id, now().toISOString());
    report.launched++;
  }
  return report;
}

/** A signup accepted (PENDING) or provisioning: on the embedded default the refill waits for it. */
async function signupsInProgress({ tenants, now }: KeeperDeps): Promise<boolean> {
  const at = now().toISOString();
  for (const status of ['PENDING', 'PROVISIONING'] as const) if ((await tenants.listByStatus(status, at, 1)).length > 0) return true;
  return false;
}
