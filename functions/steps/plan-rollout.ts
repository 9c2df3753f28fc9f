import { planRollout, rolloutRequestSchema, type RolloutRequest, type RolloutTarget } from '../../shared/fleet';
import { RUNNING_STATUSES } from '../../shared/lifecycle';
import { fieldErrors } from '../../shared/signup';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

export class InvalidRolloutRequestError extends Error {
  override name = 'InvalidRolloutRequestError';
}

export interface Wave {
  label: string;
  toleratedFailurePercentage: number;
  tenants: RolloutTarget[];
}

/** The state of a roll-out-fleet execution between waves. */
export interface RolloutRun {
  runId: string;
  startedAt: string;
  request: RolloutRequest;
  /** Per tenant, the environments deployed together, in order: [[stg], [prod]] with stagingFirst. */
  phases: Array<Array<'stg' | 'prod'>>;
  plan: {
    /** The canary (if any) is the first wave, tolerating no failure. */
    waves: Wave[];
    skipped: RolloutTarget[];
  };
  /** Index of the wave to run next, and that wave (absent once all ran). */
  wave: number;
  current?: Wave;
  /** Why the rollout stopped early, once it has. */
  stopped?: string;
}

/**
 * First state of roll-out-fleet: validates the request and plans the run over the tenants not yet
 * on the version (so a rerun picks up only what is left). A canary that names no running tenant
 * is refused: a typo must not turn into a rollout without a canary.
 */
export const createPlanRollout = fleetStep('PlanRollout', async (input: { request: unknown; runId: string; startedAt: string }, { tenants, now }): Promise<RolloutRun> => {
  const parsed = rolloutRequestSchema.safeParse(input.request);
  if (!parsed.success) throw new InvalidRolloutRequestError(Object.entries(fieldErrors(parsed.error)).map(([f, m]) => `${f}: ${m}`).join('; '));
  const request = parsed.data;
  const before = now().toISOString();
  const running = (await Promise.all(RUNNING_STATUSES.map((status) => tenants.listByStatus(status, before)))).flat();
  const { unknownCanary, canary, waves, skipped } = planRollout(running, request);
  if (unknownCanary.length > 0) throw new InvalidRolloutRequestError(`Canary ${unknownCanary.join(', ')} is not a running tenant`);
  const plan = {
    waves: [
      ...(canary.length > 0 ? [{ label: 'Canary', toleratedFailurePercentage: 0, tenants: canary }] : []),
      ...waves.map((tenants, i) => ({ label: `Wave ${i + 1} of ${waves.length}`, toleratedFailurePercentage: request.toleratedFailurePercentage, tenants })),
    ],
    skipped,
  };
  return {
    runId: input.runId,
    startedAt: input.startedAt,
    request,
    phases: request.stagingFirst ? [['stg'], ['prod']] : [['stg', 'prod']],
    plan,
    wave: 0,
    ...(plan.waves[0] ? { current: plan.waves[0] } : {}),
  };
});

export const handler = lambdaEntry(createPlanRollout, () => ({ ...core(), tenants: tables().tenants }));
