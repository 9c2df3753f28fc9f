import { driftEmail } from '../../shared/emails';
import { ENVIRONMENTS, instanceHosts } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { serviceName, servicesOf } from '../providers/compute';
import { RUNNING_STATUSES } from '../../shared/lifecycle';
import { opsConsoleUrl } from '../platform';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { compute } from '../lambda/compute';
import { mail } from '../lambda/mail';
import { tables } from '../lambda/tables';

/** Tenants checked together: their services in one batched ECS lookup, their routing records in one BatchGetItem. */
export const DRIFT_BATCH = 50;

/**
 * What of each tenant's instance is missing (its services and the routing records the tenant router
 * reads), for a batch of tenants at once: 2 tenants' services per DescribeServices call would be
 * 20,000 calls for 10,000 tenants; batched, 2,000.
 */
async function missingParts({ compute, instances, platform }: Pick<Deps, 'compute' | 'instances' | 'platform'>, batch: Tenant[]): Promise<Map<string, string[]>> {
  const servicesOfTenant = new Map(batch.map((tenant) => [tenant.tenantId, servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS)]));
  const [existing, records] = await Promise.all([
    compute.existingServices([...servicesOfTenant.values()].flat()),
    instances.getMany(batch.flatMap((tenant) => instanceHosts(tenant.subdomain))),
  ]);
  const recorded = new Set(records.map((r) => r.host));
  return new Map(
    batch.map((tenant) => [
      tenant.tenantId,
      [
        ...servicesOfTenant.get(tenant.tenantId)!.filter((service) => !existing.has(serviceName(service))).map((service) => `service ${service.env}`),
        ...instanceHosts(tenant.subdomain).filter((host) => !recorded.has(host)).map((host) => `routing ${host}`),
      ],
    ]),
  );
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
    const running = (await Promise.all(RUNNING_STATUSES.map((status) => tenants.listByStatus(status, at)))).flat();
    for (let i = 0; i < running.length; i += DRIFT_BATCH) {
      const batch = running.slice(i, i + DRIFT_BATCH);
      let missingOf: Map<string, string[]>;
      try {
        missingOf = await missingParts(deps, batch);
      } catch (error) {
        logger.error('Drift check failed for a batch of tenants; next run retries', { tenantIds: batch.map((t) => t.tenantId), error });
        continue;
      }
      for (const tenant of batch) {
        const missing = missingOf.get(tenant.tenantId) ?? [];
        try {
          if (missing.length > 0) {
            drifted.push({ subdomain: tenant.subdomain, missing });
            const known = tenant.drift && tenant.drift.missing.join() === missing.join();
            if (!known) fresh.push({ subdomain: tenant.subdomain, missing });
            // Written only when it changes: a steady fleet costs reads, not a write per tenant per run.
            if (!known) await tenants.setAttributes(tenant.tenantId, at, { drift: { missing, since: at, checkedAt: at } });
          } else if (tenant.drift) {
            await tenants.clearAttributes(tenant.tenantId, at, ['drift']);
          }
        } catch (error) {
          logger.error('Drift record not written for tenant; next run retries', { tenantId: tenant.tenantId, error });
        }
      }
    }
    if (fresh.length > 0) {
      const email = driftEmail(fresh, opsConsoleUrl(platform));
      await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
      logger.warn('Drift found', { drifted: fresh });
    }
    return { drifted };
  };
}

export const handler = lambdaEntry(createDetectDrift, () => ({ ...core(), compute: compute(), instances: tables().instances, mail: mail(), platform: platform(), tenants: tables().tenants }));
