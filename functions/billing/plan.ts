import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { catchUpVersion, type CatchUpDeps } from '../fleet/catch-up-version';
import { runInstances, stopInstances, type InstanceDeps } from '../tenant/instances';

/** The upgrade page for this tenant, with a fresh admin token (for mails and the suspended page). */
export async function upgradeUrl({ links, platform, now }: Pick<Deps, 'links' | 'platform' | 'now'>, tenant: Pick<Tenant, 'tenantId'>): Promise<string> {
  return `${platform.siteUrl}/upgrade/${tenant.tenantId}?token=${encodeURIComponent(await links.sign(tenant.tenantId, now()))}`;
}

/** What sizing takes: the compute port and instance records, and what a woken instance's catch-up with the fleet version needs. */
export type Sizing = CatchUpDeps & InstanceDeps;

/**
 * Runs the tenant's instances at the size its plan pays for; `suspended` stops them. Instances
 * woken from SUSPENDED (`wake`) first catch up with the fleet's version (`catchUpVersion` in functions/fleet/).
 */
export async function sizeInstances(deps: Sizing, tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'appVersion' | 'lastUpgrade'>, size: 'trial' | 'paid' | 'suspended', { wake = false } = {}): Promise<void> {
  if (size === 'suspended') return stopInstances(deps, tenant);
  if (wake) await catchUpVersion(deps, tenant);
  await runInstances(deps, tenant, size);
}
