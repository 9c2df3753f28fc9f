import { servicesOf } from '../providers/compute';
import { ENVIRONMENTS } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

export type CatchUpDeps = Pick<Deps, 'compute' | 'platform' | 'fleet' | 'tenants' | 'now' | 'logger'>;

/**
 * Fleet rollouts pass over stopped instances (there is nothing to health-check), so a tenant
 * suspended during one wakes up behind: it is rolled onto the version the fleet reached before it
 * starts again. Not when that version was already rolled back for this tenant: it stays on the
 * version that worked for it, and the next rollout tries again.
 */
export async function catchUpVersion({ compute, platform, fleet, tenants, now, logger }: CatchUpDeps, tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'appVersion' | 'lastUpgrade'>): Promise<void> {
  const current = await fleet.currentVersion();
  if (!current || tenant.appVersion === current) return;
  if (tenant.lastUpgrade && tenant.lastUpgrade.outcome !== 'upgraded' && tenant.lastUpgrade.version === current) return;
  await Promise.all(servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map((service) => compute.deploy(service, current)));
  await tenants.setAttributes(tenant.tenantId, now().toISOString(), { appVersion: current });
  logger.info('Woken instance caught up with the fleet version', { tenantId: tenant.tenantId, from: tenant.appVersion, to: current });
}
