import { driftEmail } from '../../shared/emails';
import { ENVIRONMENTS, instanceHosts } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { servicesOf } from '../providers/compute';
import { RUNNING_STATUSES } from '../../shared/lifecycle';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { compute } from '../lambda/compute';
import { mail } from '../lambda/mail';
import { tables } from '../lambda/tables';

/** What of a running tenant's instance is missing: its services and the routing records the tenant router reads. */
async function missingParts({ compute, instances, platform }: Pick<Deps, 'compute' | 'instances' | 'platform'>, tenant: Tenant): Promise<string[]> {
  const missing: string[] = [];
  for (const service of servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS)) {
    if (!(await compute.hasService(service))) missing.push(`service ${service.env}`);
  }
  const hosts = instanceHosts(tenant.subdomain);
  const recorded = new Set((await instances.getMany(hosts)).map((r) => r.host));
  for (const host of hosts) if (!recorded.has(host)) missing.push(`routing ${host}`);
  return missing;
}

type DetectDriftDeps = Pick<Deps, 'compute' | 'instances' | 'logger' | 'mail' | 'now' | 'platform' | 'tenants'>;

/**
 * Scheduled (hourly in AWS, every 5 minutes locally): compares what running tenants should have
 * with what exists. Drift (a service or routing record deleted by hand, say) is recorded on the
 * tenant for /ops and mailed to ops once when it appears; it is not repaired automatically,
 * because a person deleted it for a reason or something else is wrong.
 */
export function createDetectDrift(deps: DetectDriftDeps) {
  const { tenants, now, logger, mail, platform } = deps;
  return async (): Promise<{ drifted: Array<{ subdomain: string; missing: string[] }> }> => {
    const at = now().toISOString();
    const drifted: Array<{ subdomain: string; missing: string[] }> = [];
    const fresh: Array<{ subdomain: string; missing: string[] }> = [];
    for (const status of RUNNING_STATUSES) {
      for (const tenant of await tenants.listByStatus(status, at)) {
        try {
          const missing = await missingParts(deps, tenant);
          if (missing.length > 0) {
            drifted.push({ subdomain: tenant.subdomain, missing });
            const known = tenant.drift && tenant.drift.missing.join() === missing.join();
            if (!known) fresh.push({ subdomain: tenant.subdomain, missing });
            await tenants.setAttributes(tenant.tenantId, at, { drift: { missing, since: known ? tenant.drift!.since : at, checkedAt: at } });
          } else if (tenant.drift) {
            await tenants.clearAttributes(tenant.tenantId, at, ['drift']);
          }
        } catch (error) {
          logger.error('Drift check failed for tenant; next run retries', { tenantId: tenant.tenantId, error });
        }
      }
    }
    if (fresh.length > 0) {
      const email = driftEmail(fresh, `${platform.siteUrl}/ops`);
      await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
      logger.warn('Drift found', { drifted: fresh });
    }
    return { drifted };
  };
}

export const handler = lambdaEntry(createDetectDrift, () => ({ ...core(), compute: compute(), instances: tables().instances, mail: mail(), platform: platform(), tenants: tables().tenants }));
