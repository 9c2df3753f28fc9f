import type { UpgradeOutcome } from '../../shared/fleet';
import { lambdaEntry } from '../deps';
import { fleetStep } from './fleet-step';
import { describeFailure, type FailedUpgrade } from './roll-back-version';

/** Even the rollback failed: the tenant needs a person. Recorded so the summary names it. */
export const createRecordUpgradeFailure = fleetStep('RecordUpgradeFailure', async (input: FailedUpgrade & { rollbackError: FailedUpgrade['error'] }, { fleet }): Promise<UpgradeOutcome> => {
  const outcome: UpgradeOutcome = { tenantId: input.tenantId, subdomain: input.subdomain, outcome: 'failed', error: `${describeFailure(input.error)}; rollback: ${describeFailure(input.rollbackError)}` };
  await fleet.recordOutcome(input.runId, outcome);
  return outcome;
});

export const handler = lambdaEntry(createRecordUpgradeFailure);
