import { DESIRED_COUNT, servicesOf } from '../providers/compute';
import { ENVIRONMENTS } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

/** The upgrade page for this tenant, with a fresh admin token (for mails and the suspended page). */
export async function upgradeUrl({ links, platform, now }: Pick<Deps, 'links' | 'platform' | 'now'>, tenant: Pick<Tenant, 'tenantId'>): Promise<string> {
  return `${platform.siteUrl}/upgrade/${tenant.tenantId}?token=${encodeURIComponent(await links.sign(tenant.tenantId, now()))}`;
}

export type Sizing = Pick<Deps, 'compute' | 'platform' | 'fleet' | 'tenants' | 'now' | 'logger'>;

/**
 * Runs the tenant's instances at the size its plan pays for; `suspended` stops them. Instances
 * woken from SUSPENDED (`wake`) first catch up with the fleet's version (see `catchUpVersion`).
 */
export async function sizeInstances(deps: Sizing, tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'appVersion' | 'lastUpgrade'>, size: 'trial' | 'paid' | 'suspended', { wake = false } = {}): Promise<void> {
  const { compute, platform } = deps;
  if (size !== 'suspended' && wake) await catchUpVersion(deps, tenant);
  const whileStopped = `${platform.siteUrl}/upgrade/${tenant.tenantId}`;
  await Promise.all(
    servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map((service) =>
      compute.scale(service, size === 'suspended' ? 0 : size === 'paid' ? DESIRED_COUNT.paid[service.env] : DESIRED_COUNT.trial, whileStopped),
    ),
  );
}

/**
 * Fleet upgrades pass over stopped instances (there is nothing to health-check), so a tenant
 * suspended during one wakes up behind: it is rolled onto the version the fleet reached before it
 * starts again. Not when that version was already rolled back for this tenant: it stays on the
 * version that worked for it, and the next upgrade run tries again.
 */
export async function catchUpVersion({ compute, platform, fleet, tenants, now, logger }: Sizing, tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'appVersion' | 'lastUpgrade'>): Promise<void> {
  const current = await fleet.currentVersion();
  if (!current || tenant.appVersion === current) return;
  if (tenant.lastUpgrade && tenant.lastUpgrade.outcome !== 'upgraded' && tenant.lastUpgrade.version === current) return;
  await Promise.all(servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map((service) => compute.deploy(service, current)));
  await tenants.setAttributes(tenant.tenantId, now().toISOString(), { appVersion: current });
  logger.info('Woken instance caught up with the fleet version', { tenantId: tenant.tenantId, from: tenant.appVersion, to: current });
}
