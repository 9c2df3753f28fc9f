import { DESIRED_COUNT, servicesOf } from '../providers/compute';
import { ENVIRONMENTS } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

/** The upgrade page for this tenant, with a fresh admin token (for mails and the suspended page). */
export async function upgradeUrl({ links, platform, now }: Pick<Deps, 'links' | 'platform' | 'now'>, tenant: Pick<Tenant, 'tenantId'>): Promise<string> {
  return `${platform.siteUrl}/upgrade/${tenant.tenantId}?token=${encodeURIComponent(await links.sign(tenant.tenantId, now()))}`;
}

/** Runs the tenant's instances at the size its plan pays for; `suspended` stops them. */
export async function sizeInstances({ compute, platform }: Pick<Deps, 'compute' | 'platform'>, tenant: Pick<Tenant, 'tenantId' | 'subdomain'>, size: 'trial' | 'paid' | 'suspended'): Promise<void> {
  const whileStopped = `${platform.siteUrl}/upgrade/${tenant.tenantId}`;
  await Promise.all(
    servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map((service) =>
      compute.scale(service, size === 'suspended' ? 0 : size === 'paid' ? DESIRED_COUNT.paid[service.env] : DESIRED_COUNT.trial, whileStopped),
    ),
  );
}
