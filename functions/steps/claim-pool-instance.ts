import { claimPoolInstance } from '../pool/claim';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * Takes a ready instance from the warm pool for the production host, side by side with the
 * database, files and mail (they are what the instance then loads). An empty or disabled pool is
 * not a failure: DeployServices then starts the tenant's own services, as without a pool.
 */
export const createClaimPoolInstance = defineStep('ClaimPoolInstance', async (tenant, deps) => {
  await claimPoolInstance(deps, tenant);
});

export const handler = lambdaEntry(createClaimPoolInstance, () => ({ ...core(), tenants: tables().tenants, poolInstances: tables().poolInstances, platform: platform() }));
