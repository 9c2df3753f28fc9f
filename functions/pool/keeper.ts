import { instanceHost } from '../../shared/instance';
import type { PoolInstance } from '../../shared/pool';
import type { Deps } from '../deps';
import { serviceOf } from '../providers/compute';
import { answersUnassigned } from '../providers/instance-pool';
import { ensureOwnServices, handOver, type HandOverDeps } from './hand-over';

export type KeeperDeps = HandOverDeps & Pick<Deps, 'logger'>;

/** A launched instance that never answered in this long is discarded (a bad image, no capacity). */
export const START_TIMEOUT_MS = 10 * 60_000;
/** A claim whose provisioning has not handed over in this long is finished by the keeper. */
export const HAND_OVER_TIMEOUT_MS = 15 * 60_000;
/** Tenants whose instances are not to run: a pool instance serving one is discarded. */
const ENDED = new Set(['FAILED', 'SUSPENDED', 'OFFBOARDING', 'DELETED']);

export interface KeeperReport {
  launched: number;
  ready: number;
  discarded: string[];
}

/**
 * One pass of the pool keeper (a scheduled job; an interval on the embedded default):
 * 1. reconcile: records whose instance is gone are dropped; instances no record knows (leaks) are
 *    stopped; a claim its tenant does not hold, or whose tenant ended, is discarded; a pinned host
 *    whose pool instance died is given back to the tenant's own service; a hand-over long overdue
 *    is carried on here;
 * 2. ready: launched instances that answer unassigned become claimable;
 * 3. refill: launches what the pool lacks. On the embedded default not while a signup provisions
 *    (the pool's processes would take the CPU its steps need), and one at a time.
 */
export async function keepPool(deps: KeeperDeps): Promise<KeeperReport> {
  const { pool, poolInstances, tenants, instances, compute, platform, now, logger } = deps;
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
        if (endpoint && (await answersUnassigned(endpoint))) {
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
    if (!tenant || tenant.pooledInstance?.id !== record.id || ENDED.has(tenant.status)) {
      if (tenant?.pooledInstance?.id === record.id) await instances.unpin(instanceHost(tenant.subdomain, 'prod'), tenant.pooledInstance.endpoint);
      await discard(record.id, tenant ? `tenant ${tenant.tenantId} is ${tenant.status} or holds another instance` : 'its tenant does not exist');
      if (tenant?.pooledInstance?.id === record.id) await tenants.clearAttributes(tenant.tenantId, now().toISOString(), ['pooledInstance']);
      return false;
    }
    const pooled = tenant.pooledInstance;
    // Not running by the list read at the start of this pass; a hand-over may have discarded it since (then its record is gone too).
    if (!running.has(record.id) && (await poolInstances.get(record.id))) {
      // Died while serving: the host goes to the tenant's own service at once (the router shows the waking page meanwhile).
      const host = instanceHost(tenant.subdomain, 'prod');
      const routing = await instances.get(host, { consistent: true });
      if (routing && (await instances.unpin(host, pooled.endpoint))) {
        await ensureOwnServices(deps, tenant);
        await compute.scale(serviceOf(platform.instanceUrlTemplate, { ...tenant, env: 'prod' }), routing.desiredCount);
      }
      await poolInstances.remove(record.id);
      await tenants.clearAttributes(tenant.tenantId, now().toISOString(), ['pooledInstance']);
      logger.warn('Pool instance serving a tenant stopped; its own service takes over', { id: record.id, tenantId: tenant.tenantId });
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
