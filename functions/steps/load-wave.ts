import type { RolloutWave } from '../../shared/fleet';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * Before each wave: the wave (its tenants and tolerance), read from the plan PlanRollout kept in the
 * table, for the wave's Map to fan out over (one child execution per tenant on AWS). Only this wave's
 * tenants are ever in the run's state, and only until AssessWave has recorded them.
 */
export const createLoadWave = fleetStep('LoadWave', async (input: { runId: string; wave: number }, { fleet }): Promise<RolloutWave> => {
  const wave = await fleet.planWave(input.runId, input.wave);
  if (!wave) throw new Error(`Rollout ${input.runId} has no wave ${input.wave} in its plan`);
  return wave;
});

export const handler = lambdaEntry(createLoadWave, () => ({ ...core(), fleet: tables().fleet }));
