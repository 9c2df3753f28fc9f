import { UnknownTenantError } from './run-step';
import { fleetStep } from './fleet-step';
import { smokeTestInstance } from './smoke-test';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { probe } from '../lambda/probe';

/** The same checks as after provisioning, on the upgraded instances. */
export const createSmokeTestVersion = fleetStep('SmokeTestVersion', async (input: { tenantId: string }, deps) => {
  const tenant = await deps.tenants.getTenant(input.tenantId);
  if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
  await smokeTestInstance(deps, tenant);
  return input;
});

export const handler = lambdaEntry(createSmokeTestVersion, () => ({ ...core(), tenants: tables().tenants, probe: probe(), platform: platform() }));
