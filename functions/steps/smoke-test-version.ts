import { UnknownTenantError } from './run-step';
import { fleetStep } from './fleet-step';
import { smokeTestAgainst } from './smoke-test';
import type { TenantRolloutState } from './deploy-version';
import { brandExpectationOf, brandExpectationSchema, type RolloutTarget } from '../../shared/fleet';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { probe } from '../lambda/probe';

type SmokeTestVersionInput = Pick<TenantRolloutState, 'tenantId'> & Partial<Pick<TenantRolloutState, 'subdomain'>> & { item?: RolloutTarget };

/**
 * The same checks as after provisioning, on the upgraded instances, against the branding kept in the
 * plan for the tenant (read only when the pages differ from it: changed since planning). A run whose
 * plan or definition is older than that, or than the ASL passing the subdomain, reads the tenant as it probes.
 */
export const createSmokeTestVersion = fleetStep('SmokeTestVersion', async (input: SmokeTestVersionInput, deps) => {
  const current = () => deps.tenants.getTenant(input.tenantId).then((tenant) => tenant ?? Promise.reject(new UnknownTenantError(`No tenant ${input.tenantId}`)));
  // From the state machine, which carries it from the plan: checked all the same, a malformed one is not used.
  const carried = brandExpectationSchema.safeParse(input.item?.expected).data;
  if (carried && input.subdomain) {
    await smokeTestAgainst(deps, { subdomain: input.subdomain, staging: true }, { expected: Promise.resolve(carried), current: () => current().then(brandExpectationOf) });
    return input;
  }
  // Read while the instances are probed (staging too: the rollout just deployed and polled it, it is awake).
  const tenant = current();
  const subdomain = input.subdomain ?? (await tenant).subdomain;
  await smokeTestAgainst(deps, { subdomain, staging: true }, { expected: tenant.then(brandExpectationOf) });
  return input;
});

export const handler = lambdaEntry(createSmokeTestVersion, () => ({ ...core(), tenants: tables().tenants, probe: probe(), platform: platform() }));
