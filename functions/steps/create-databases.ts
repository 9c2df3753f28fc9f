import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { databases } from '../lambda/databases';

/** How long staging's database waits to learn whether the signup took a pool instance (the claim takes ~0.1 s). */
const CLAIM_DECIDED_WITHIN_MS = 2000;

/**
 * Whether the claim beside this step took a pool instance. A warm-pool signup serves production
 * only at first (staging is created asleep), so its staging database is left to the hand-over, off
 * the critical path. Undecided in time: as if not (staging's database is created now).
 */
async function tookPoolInstance({ tenants }: Pick<Deps, 'tenants'>, tenantId: string): Promise<boolean> {
  for (const until = Date.now() + CLAIM_DECIDED_WITHIN_MS; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const tenant: Tenant | undefined = await tenants.getTenant(tenantId);
    if (tenant?.pooledInstance) return true;
    const claim = tenant?.steps.ClaimPoolInstance?.status;
    if (claim === 'SUCCEEDED' || claim === 'FAILED') return false;
  }
  return false;
}

/** A role and a database per environment on the shared Postgres server, seeded once; side by side. */
export const createCreateDatabases = defineStep('CreateDatabases', async (tenant, deps) => {
  const { databases } = deps;
  await Promise.all([
    databases.ensure(tenant, 'prod'),
    (async () => {
      if (tenant.pooledInstance || (await tookPoolInstance(deps, tenant.tenantId))) return;
      await databases.ensure(tenant, 'stg');
    })(),
  ]);
});

export const handler = lambdaEntry(createCreateDatabases, () => ({ ...core(), tenants: tables().tenants, databases: databases() }));
