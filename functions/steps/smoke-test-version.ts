import { lambdaEntry } from '../deps';
import { UnknownTenantError } from './run-step';
import { fleetStep } from './fleet-step';
import { smokeTestInstance } from './smoke-test';

/** The same checks as after provisioning, on the upgraded instances. */
export const createSmokeTestVersion = fleetStep('SmokeTestVersion', async (input: { tenantId: string }, deps) => {
  const tenant = await deps.store.getTenant(input.tenantId);
  if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
  await smokeTestInstance(deps, tenant);
  return input;
});

export const handler = lambdaEntry(createSmokeTestVersion);
