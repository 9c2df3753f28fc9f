import { claimPoolInstance } from '../pool/claim';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { pool } from '../lambda/compute';

/**
 * Takes a ready instance from the warm pool for the production host, side by side with the
 * database, files and mail (they are what the instance then loads). An empty or disabled pool is
 * not a failure: DeployServices then starts the tenant's own services, as without a pool.
 */
export const createClaimPoolInstance = defineStep('ClaimPoolInstance', async (tenant, deps) => {
  // The tenant's role is created now, so IAM propagates it while the databases are made (off the critical path).
  if (await claimPoolInstance(deps, tenant)) await deps.pool.prepare(tenant, 'prod');
});

export const handler = lambdaEntry(createClaimPoolInstance, () => ({ ...core(), tenants: tables().tenants, poolInstances: tables().poolInstances, pool: pool(), platform: platform() }));
