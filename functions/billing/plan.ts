import { DESIRED_COUNT } from '../providers/compute';
import { ENVIRONMENTS, instanceUrl } from '../../shared/instance';
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
    ENVIRONMENTS.map((env) =>
      compute.scale(
        { tenantId: tenant.tenantId, subdomain: tenant.subdomain, env, hostname: new URL(instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, env)).hostname },
        size === 'suspended' ? 0 : size === 'paid' ? DESIRED_COUNT.paid[env] : DESIRED_COUNT.trial,
        whileStopped,
      ),
    ),
  );
}
