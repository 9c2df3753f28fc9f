import { DESIRED_COUNT, servicesOf } from '../providers/compute';
import { ENVIRONMENTS } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { catchUpVersion, type CatchUpDeps } from '../fleet/catch-up-version';

/** The upgrade page for this tenant, with a fresh admin token (for mails and the suspended page). */
export async function upgradeUrl({ links, platform, now }: Pick<Deps, 'links' | 'platform' | 'now'>, tenant: Pick<Tenant, 'tenantId'>): Promise<string> {
  return `${platform.siteUrl}/upgrade/${tenant.tenantId}?token=${encodeURIComponent(await links.sign(tenant.tenantId, now()))}`;
}

/** What sizing takes: the compute port, and what a woken instance's catch-up with the fleet version needs. */
export type Sizing = CatchUpDeps;

/**
 * Runs the tenant's instances at the size its plan pays for; `suspended` stops them. Instances
 * woken from SUSPENDED (`wake`) first catch up with the fleet's version (`catchUpVersion` in functions/fleet/).
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
