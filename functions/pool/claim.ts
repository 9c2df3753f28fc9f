import type { PooledInstance } from '../../shared/pool';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

export type ClaimDeps = Pick<Deps, 'poolInstances' | 'tenants' | 'platform' | 'now'>;

/**
 * Takes a ready pool instance for the tenant's production host, or none (the pool is off or empty:
 * provisioning takes the cold path). One transaction claims the instance and records it on the
 * tenant, so a retried step finds its own claim and never takes a second instance.
 */
export async function claimPoolInstance({ poolInstances, tenants, platform, now }: ClaimDeps, tenant: Pick<Tenant, 'tenantId' | 'pooledInstance'>): Promise<PooledInstance | undefined> {
  if (tenant.pooledInstance) return tenant.pooledInstance;
  if (platform.pool.size === 0) return undefined;
  // The index is eventually consistent: an instance another signup just took can still be listed, so
  // a lost race moves on to the next one (and a round reads the list again).
  for (let round = 0; round < 3; round++) {
    const ready = await poolInstances.ready(10);
    if (ready.length === 0) return undefined;
    for (const candidate of ready) {
      if (!candidate.endpoint) continue;
      const at = now().toISOString();
      const outcome = await poolInstances.claim({ ...candidate, endpoint: candidate.endpoint }, tenant.tenantId, at);
      if (outcome === 'claimed') return { id: candidate.id, endpoint: candidate.endpoint, claimedAt: at };
      if (outcome === 'tenant-has-one') return (await tenants.getTenant(tenant.tenantId))?.pooledInstance;
    }
  }
  return undefined;
}
