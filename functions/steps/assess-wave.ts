import { failurePercentage, type UpgradeOutcome } from '../../shared/fleet';
import { lambdaEntry } from '../deps';
import { fleetStep } from './fleet-step';
import type { UpgradeRun } from './plan-upgrade';

/**
 * After each wave (the canary first): on to the next wave, or stop the rollout saying why when
 * more of this wave's tenants failed than it tolerates (the canary tolerates none).
 */
export const createAssessWave = fleetStep('AssessWave', async ({ outcomes, current, ...run }: UpgradeRun & { outcomes: UpgradeOutcome[] }): Promise<UpgradeRun> => {
  const label = current?.label ?? `Wave ${run.wave + 1}`;
  const tolerated = current?.toleratedFailurePercentage ?? run.request.toleratedFailurePercentage;
  const failed = outcomes.filter((o) => o.outcome !== 'upgraded');
  if (failurePercentage(outcomes) > tolerated) {
    return { ...run, stopped: `${label}: ${failed.length} of ${outcomes.length} tenants did not upgrade (${failed.map((f) => f.subdomain).join(', ')}); tolerated ${tolerated} %` };
  }
  const wave = run.wave + 1;
  const next = run.plan.waves[wave];
  return { ...run, wave, ...(next ? { current: next } : {}) };
});

export const handler = lambdaEntry(createAssessWave);
