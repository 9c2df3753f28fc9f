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

/**
 * A role and a database per environment on the tenant's Postgres server, seeded once; side by side.
 * The server is placed first (most room, recorded once: a retry or resume keeps it); none with room
 * fails the step with NoDatabaseRoom, and the pipeline's failure path alerts ops.
 */
export const createCreateDatabases = defineStep('CreateDatabases', async (tenant, deps) => {
  const { databases } = deps;
  const placed = { ...tenant, databaseServer: await databases.place(tenant) };
  await Promise.all([
    databases.ensure(placed, 'prod'),
    (async () => {
      if (tenant.pooledInstance || (await tookPoolInstance(deps, tenant.tenantId))) return;
      await databases.ensure(placed, 'stg');
    })(),
  ]);
});

export const handler = lambdaEntry(createCreateDatabases, () => ({ ...core(), tenants: tables().tenants, databases: databases() }));
