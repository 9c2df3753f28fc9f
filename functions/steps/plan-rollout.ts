import { MAX_ROLLOUT_WAVES, planRollout, rolloutRequestSchema, type RolloutRequest, type RolloutWave } from '../../shared/fleet';
import { RUNNING_STATUSES } from '../../shared/lifecycle';
import { fieldErrors } from '../../shared/signup';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

export class InvalidRolloutRequestError extends Error {
  override name = 'InvalidRolloutRequestError';
}

/**
 * The state of a roll-out-fleet execution between waves: small and of fixed size whatever the
 * fleet's (the plan itself is in the table, FleetStore.savePlan; only the wave under way is in the state).
 */
export interface RolloutRun {
  runId: string;
  startedAt: string;
  request: RolloutRequest;
  /** Per tenant, the environments deployed together, in order: [[stg], [prod]] with stagingFirst. */
  phases: Array<Array<'stg' | 'prod'>>;
  /** How many waves the plan has (the canary, if any, is the first). */
  waves: number;
  /** Index of the wave to run next. */
  wave: number;
  /** The wave to run next, with its tenants, read from the plan (absent once all ran): AssessWave puts the next one here. */
  current?: RolloutWave;
  /** Why the rollout stopped early, once it has. */
  stopped?: string;
}

/**
 * First state of roll-out-fleet: validates the request and plans the run over the tenants not yet
 * on the version (so a rerun picks up only what is left), keeping the plan in the table. A canary
 * that names no running tenant is refused: a typo must not turn into a rollout without a canary.
 * So is a plan of more waves than one execution's history holds (MAX_ROLLOUT_WAVES), naming the
 * wave size that fits.
 */
export const createPlanRollout = fleetStep('PlanRollout', async (input: { request: unknown; runId: string; startedAt: string }, { tenants, fleet, now }): Promise<RolloutRun> => {
  const parsed = rolloutRequestSchema.safeParse(input.request);
  if (!parsed.success) throw new InvalidRolloutRequestError(Object.entries(fieldErrors(parsed.error)).map(([f, m]) => `${f}: ${m}`).join('; '));
  const request = parsed.data;
  const before = now().toISOString();
  const running = (await Promise.all(RUNNING_STATUSES.map((status) => tenants.listRolloutTargets(status, before)))).flat();
  const { unknownCanary, canary, waves, skipped } = planRollout(running, request);
  if (unknownCanary.length > 0) throw new InvalidRolloutRequestError(`Canary ${unknownCanary.join(', ')} is not a running tenant`);
  const plan: RolloutWave[] = [
    ...(canary.length > 0 ? [{ label: 'Canary', toleratedFailurePercentage: 0, tenants: canary }] : []),
    ...waves.map((tenants, i) => ({ label: `Wave ${i + 1} of ${waves.length}`, toleratedFailurePercentage: request.toleratedFailurePercentage, tenants })),
  ];
  if (plan.length > MAX_ROLLOUT_WAVES) {
    const fits = Math.ceil(waves.flat().length / (MAX_ROLLOUT_WAVES - 1));
    throw new InvalidRolloutRequestError(`waveSize: ${plan.length} waves are more than one run holds (${MAX_ROLLOUT_WAVES}); use a wave size of at least ${fits}`);
  }
  await fleet.savePlan(input.runId, { waves: plan, skipped }, now());
  const first = plan[0];
  return {
    runId: input.runId,
    startedAt: input.startedAt,
    request,
    phases: request.stagingFirst ? [['stg'], ['prod']] : [['stg', 'prod']],
    waves: plan.length,
    wave: 0,
    ...(first ? { current: first } : {}),
  };
});

export const handler = lambdaEntry(createPlanRollout, () => ({ ...core(), tenants: tables().tenants, fleet: tables().fleet }));
