import { UnknownTenantError } from './run-step';
import { fleetStep } from './fleet-step';
import { smokeTestAgainst } from './smoke-test';
import type { TenantRolloutState } from './deploy-version';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { probe } from '../lambda/probe';

/** The same checks as after provisioning, on the upgraded instances. */
export const createSmokeTestVersion = fleetStep('SmokeTestVersion', async (input: Pick<TenantRolloutState, 'tenantId'> & Partial<Pick<TenantRolloutState, 'subdomain'>>, deps) => {
  // Read while the instances are probed (staging too: the rollout just deployed and polled it, it is awake).
  const expected = deps.tenants.getTenant(input.tenantId).then((tenant) => tenant ?? Promise.reject(new UnknownTenantError(`No tenant ${input.tenantId}`)));
  // A run started before the ASL passed the subdomain keeps its definition: its tenant's own then.
  const subdomain = input.subdomain ?? (await expected).subdomain;
  await smokeTestAgainst(deps, { subdomain, staging: true }, expected);
  return input;
});

export const handler = lambdaEntry(createSmokeTestVersion, () => ({ ...core(), tenants: tables().tenants, probe: probe(), platform: platform() }));
