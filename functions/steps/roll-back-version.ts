import { ENVIRONMENTS } from '../../shared/instance';
import { UnknownTenantError } from './run-step';
import { servicesOf } from '../providers/compute';
import type { TenantRolloutState } from './deploy-version';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { compute } from '../lambda/compute';

export interface FailedRollout {
  runId: string;
  tenantId: string;
  subdomain: string;
  version: string;
  /** What the state machine caught. */
  error: { Error: string; Cause?: string };
}

export const describeFailure = (error: FailedRollout['error']) => `${error.Error}: ${(error.Cause ?? '').slice(0, 500)}`;

/** A rollback under way: CheckRollBack polls until every instance reports `version` again. */
export type RollBack = TenantRolloutState & { attempt: number; failure: string };

/**
 * The rollout to this tenant failed: both instances go back to the version the tenant is
 * recorded on (it is recorded on the new one only once its wave is assessed). CheckRollBack then
 * waits until they answer on it, so "rolled back" in the summary means running again; the
 * outcome says why. The rest of the wave carries on.
 */
export const createRollBackVersion = fleetStep('RollBackVersion', async (input: FailedRollout, { tenants, compute, platform }): Promise<RollBack> => {
  const tenant = await tenants.getTenant(input.tenantId);
  if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
  const previous = tenant.appVersion ?? platform.appVersion;
  await Promise.all(servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map((service) => compute.deploy(service, previous)));
  return { runId: input.runId, tenantId: input.tenantId, subdomain: input.subdomain, version: previous, phases: [[...ENVIRONMENTS]], phase: 0, attempt: 0, failure: describeFailure(input.error) };
});

export const handler = lambdaEntry(createRollBackVersion, () => ({ ...core(), tenants: tables().tenants, compute: compute(), platform: platform() }));
