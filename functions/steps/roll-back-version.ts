import { ENVIRONMENTS } from '../../shared/instance';
import type { UpgradeOutcome } from '../../shared/fleet';
import { lambdaEntry } from '../deps';
import type { TenantUpgrade } from './record-version';
import { UnknownTenantError } from './run-step';
import { fleetStep, servicesOf } from './fleet-step';

export interface FailedUpgrade extends TenantUpgrade {
  /** What the state machine caught. */
  error: { Error: string; Cause?: string };
}

export const describeFailure = (error: FailedUpgrade['error']) => `${error.Error}: ${(error.Cause ?? '').slice(0, 500)}`;

/**
 * The upgrade of this tenant failed: both instances go back to the version the tenant is
 * recorded on (RecordVersion never ran for it), and the run notes why. The rest of the wave
 * carries on.
 */
export const createRollBackVersion = fleetStep('RollBackVersion', async (input: FailedUpgrade, { store, compute, fleet, platform }): Promise<UpgradeOutcome> => {
  const tenant = await store.getTenant(input.tenantId);
  if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
  const previous = tenant.appVersion ?? platform.appVersion;
  await Promise.all(servicesOf(platform, tenant, ENVIRONMENTS).map((service) => compute.deploy(service, previous)));
  const outcome: UpgradeOutcome = { tenantId: input.tenantId, subdomain: input.subdomain, outcome: 'rolled-back', error: describeFailure(input.error) };
  await fleet.recordOutcome(input.runId, outcome);
  return outcome;
});

export const handler = lambdaEntry(createRollBackVersion);
