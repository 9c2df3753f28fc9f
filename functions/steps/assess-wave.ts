import { failurePercentage, type RolloutOutcome } from '../../shared/fleet';
import { fleetStep } from './fleet-step';
import type { RolloutRun } from './plan-rollout';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * After each wave (the canary first): records every tenant's outcome on it (the new appVersion for
 * the upgraded, so a rerun skips them) in one transaction per 100 tenants, then goes on with the
 * next wave, or stops the rollout saying why when more of this wave's tenants failed than it
 * tolerates (the canary tolerates none). The wave's tenants and outcomes leave the run's state here
 * and the next wave's come in from the plan in the table (FleetStore.planWave), so the state stays the
 * same size from wave to wave; reading it here rather than in a Task of its own saves a state per wave. Recording per wave rather than per tenant saves a
 * Task and a write for each tenant; a run cut short mid-wave leaves that wave unrecorded, and a
 * rerun deploys those tenants again (idempotent, just slower).
 */
export const createAssessWave = fleetStep('AssessWave', async ({ outcomes, current, ...run }: RolloutRun & { outcomes: RolloutOutcome[] }, { fleet, now }): Promise<RolloutRun> => {
  const label = current?.label ?? `Wave ${run.wave + 1}`;
  const tolerated = current?.toleratedFailurePercentage ?? run.request.toleratedFailurePercentage;
  const failed = outcomes.filter((o) => o.outcome !== 'upgraded');
  const wave = run.wave + 1;
  const goesOn = failurePercentage(outcomes) <= tolerated;
  // The next wave is read while the outcomes are written: one round trip between waves, not two.
  const [, next] = await Promise.all([fleet.recordRolloutOutcomes(run.runId, run.request.version, outcomes, now().toISOString()), goesOn && wave < run.waves ? fleet.planWave(run.runId, wave) : undefined]);
  if (!goesOn) {
    const named = failed.slice(0, 20).map((f) => f.subdomain).join(', ') + (failed.length > 20 ? `, and ${failed.length - 20} more` : '');
    return { ...run, stopped: `${label}: ${failed.length} of ${outcomes.length} tenants did not upgrade (${named}); tolerated ${tolerated} %` };
  }
  if (wave < run.waves && !next) throw new Error(`Rollout ${run.runId} has no wave ${wave} in its plan`);
  return { ...run, wave, ...(next ? { current: next } : {}) };
});

export const handler = lambdaEntry(createAssessWave, () => ({ ...core(), fleet: tables().fleet }));
