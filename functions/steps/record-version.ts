import type { UpgradeOutcome } from '../../shared/fleet';
import { lambdaEntry } from '../deps';
import { fleetStep } from './fleet-step';

export interface TenantUpgrade {
  runId: string;
  tenantId: string;
  subdomain: string;
  version: string;
}

/** The tenant is on the new version: recorded on the tenant (a rerun skips it) and in the run. */
export const createRecordVersion = fleetStep('RecordVersion', async (input: TenantUpgrade, { store, fleet, now }): Promise<UpgradeOutcome> => {
  await store.setAttributes(input.tenantId, now().toISOString(), { appVersion: input.version });
  const outcome: UpgradeOutcome = { tenantId: input.tenantId, subdomain: input.subdomain, outcome: 'upgraded' };
  await fleet.recordOutcome(input.runId, outcome);
  return outcome;
});

export const handler = lambdaEntry(createRecordVersion);
