import { instanceHosts } from '../../shared/instance';
import { serviceOf } from '../providers/compute';
import { STALE_WAKE_MS, type InstanceRecord } from '../../shared/instance-state';
import { RUNNING_STATUSES } from '../../shared/lifecycle';
import { isEmailVerified, type Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { SleepTimes } from '../platform';
import { stopInstances } from '../tenant/instances';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { compute } from '../lambda/compute';
import { tables } from '../lambda/tables';

type SleepIdleDeps = Pick<Deps, 'compute' | 'instances' | 'logger' | 'now' | 'platform' | 'tenants'>;

/**
 * Instances that entered running (deployed, woken, rolled out) this recently have their tenant looked
 * at on every run even when they are not idle: an unconfirmed signup's must sleep at once, and
 * everything else started lately is few (the awake list's records are read whole, tenants only for these and the idle).
 */
export const RECENT_START_MS = 60 * 60_000;

/**
 * How long this instance may be idle before it sleeps; undefined: it does not sleep. A signup not
 * confirmed yet (its tenant given): 0, its instances wait asleep (the router wakes them for nobody
 * but Launchpad's probes until the admin confirms; then a visit wakes them as any other).
 */
export function idleLimit(sleep: SleepTimes, record: Pick<InstanceRecord, 'env' | 'plan'>, tenant?: Pick<Tenant, 'verifyBy' | 'emailVerifiedAt'>): number | undefined {
  if (tenant && !isEmailVerified(tenant)) return 0;
  if (record.env === 'stg') return sleep.stagingMs;
  return record.plan === 'paid' ? sleep.paidProductionMs : sleep.trialProductionMs;
}

/**
 * Scheduled (every 5 minutes in AWS; locally a fraction of SLEEP_AFTER): scales to zero every
 * running instance idle for longer than its limit, and every instance of a signup not confirmed yet
 * (limit 0). It reads the awake list (small records), then the tenants of only the instances idle
 * past the shortest limit or started within RECENT_START_MS (so a run costs those, not the fleet's
 * tenants). The sleep is a conditional write on the last request,
 * so a visit between the query and the write keeps the instance awake. Also stops the instances
 * of FAILED tenants (nobody can use them; Resume starts them again).
 */
export function createSleepIdle(deps: SleepIdleDeps) {
  const { instances, compute, tenants, platform, now, logger } = deps;
  return async (): Promise<{ slept: string[]; stopped: string[] }> => {
    const at = now();
    const limits = [platform.sleep.trialProductionMs, platform.sleep.stagingMs, platform.sleep.paidProductionMs].filter((ms): ms is number => ms !== undefined);
    const slept: string[] = [];
    const idleEnd = new Date(at.getTime() - Math.min(...limits)).toISOString();
    const startedAfter = new Date(at.getTime() - RECENT_START_MS).toISOString();
    // Filed by last request (running) or by the wake's claim (waking): the idle end, plus the instances started lately.
    const candidates = (await instances.idleSince(at.toISOString())).filter((r) => (r.state === 'running' ? r.lastRequestAt : r.since) < idleEnd || r.since >= startedAfter);
    // Only serving tenants' instances sleep: one still provisioning is being health-checked and smoke-tested.
    const serving = new Map((await tenants.getTenants([...new Set(candidates.map((c) => c.tenantId))])).filter((t) => (RUNNING_STATUSES as readonly string[]).includes(t.status)).map((t) => [t.tenantId, t]));
    for (const record of candidates) {
      const tenant = serving.get(record.tenantId);
      if (!tenant) continue;
      const limit = idleLimit(platform.sleep, record, tenant);
      if (limit === undefined) continue;
      const idleBefore = new Date(at.getTime() - limit).toISOString();
      const staleWakeBefore = new Date(at.getTime() - Math.max(limit, STALE_WAKE_MS)).toISOString();
      if (record.state === 'running' ? record.lastRequestAt >= idleBefore : record.since >= staleWakeBefore) continue;
      try {
        if (!(await instances.claimSleep(record.host, idleBefore, at.toISOString(), staleWakeBefore))) continue;
        await compute.scale(serviceOf(platform.instanceUrlTemplate, record), 0);
        slept.push(record.host);
      } catch (error) {
        // Recorded sleeping but still running is harmless: the next visit "wakes" it (scales to its size again).
        logger.error('Could not put an idle instance to sleep; next run retries', { host: record.host, error });
      }
    }

    const stopped: string[] = [];
    for (const tenant of await tenants.listByStatus('FAILED', at.toISOString())) {
      const records = await instances.getMany(instanceHosts(tenant.subdomain));
      if (records.every((r) => r.state === 'stopped')) continue;
      try {
        await stopInstances(deps, tenant);
        stopped.push(...records.map((r) => r.host));
      } catch (error) {
        logger.error('Could not stop a failed tenant\'s instances; next run retries', { tenantId: tenant.tenantId, error });
      }
    }
    if (slept.length || stopped.length) logger.info('Instances put to sleep or stopped', { slept, stopped });
    return { slept, stopped };
  };
}

export const handler = lambdaEntry(createSleepIdle, () => ({ ...core(), compute: compute(), instances: tables().instances, platform: platform(), tenants: tables().tenants }));
