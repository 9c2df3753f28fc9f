import { instanceHosts } from '../../shared/instance';
import { serviceOf } from '../providers/compute';
import { STALE_WAKE_MS, type InstanceRecord } from '../../shared/instance-state';
import { RUNNING_STATUSES } from '../../shared/lifecycle';
import type { Deps } from '../deps';
import type { SleepTimes } from '../platform';
import { stopInstances } from '../tenant/instances';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { compute } from '../lambda/compute';
import { tables } from '../lambda/tables';

type SleepIdleDeps = Pick<Deps, 'compute' | 'instances' | 'logger' | 'now' | 'platform' | 'tenants'>;

/** How long this instance may be idle before it sleeps; undefined: it does not sleep. */
export function idleLimit(sleep: SleepTimes, record: Pick<InstanceRecord, 'env' | 'plan'>): number | undefined {
  if (record.env === 'stg') return sleep.stagingMs;
  return record.plan === 'paid' ? sleep.paidProductionMs : sleep.trialProductionMs;
}

/**
 * Scheduled (every 5 minutes in AWS; locally a fraction of SLEEP_AFTER): scales to zero every
 * running instance idle for longer than its limit, read from the awake list's idle end (so a run
 * costs the idle instances, not the fleet). The sleep is a conditional write on the last request,
 * so a visit between the query and the write keeps the instance awake. Also stops the instances
 * of FAILED tenants (nobody can use them; Resume starts them again).
 */
export function createSleepIdle(deps: SleepIdleDeps) {
  const { instances, compute, tenants, platform, now, logger } = deps;
  return async (): Promise<{ slept: string[]; stopped: string[] }> => {
    const at = now();
    const limits = [platform.sleep.trialProductionMs, platform.sleep.stagingMs, platform.sleep.paidProductionMs].filter((ms): ms is number => ms !== undefined);
    const slept: string[] = [];
    const candidates = await instances.idleSince(new Date(at.getTime() - Math.min(...limits)).toISOString());
    // Only serving tenants' instances sleep: one still provisioning is being health-checked and smoke-tested.
    const serving = new Set((await tenants.getTenants(candidates.map((c) => c.tenantId))).filter((t) => (RUNNING_STATUSES as readonly string[]).includes(t.status)).map((t) => t.tenantId));
    for (const record of candidates) {
      if (!serving.has(record.tenantId)) continue;
      const limit = idleLimit(platform.sleep, record);
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
