import type { ProvisionInput } from '../providers/workflows';
import { handOver } from '../pool/hand-over';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { handOverDeps } from '../lambda/hand-over';

export interface HandOverInput extends ProvisionInput {
  handOver?: { done: boolean; attempt: number };
}
export interface HandOverResult {
  done: boolean;
  attempt: number;
}

/**
 * One poll of the hand-over from the pool instance to the tenant's own service (functions/pool/hand-over.ts);
 * the state machine waits and asks again until done. Nothing to do for a signup that took the cold path.
 */
export const createHandOverFromPool = defineStep<'HandOverFromPool', HandOverInput, HandOverResult>(
  'HandOverFromPool',
  async (tenant, deps, input) => ({ done: (await handOver(deps, tenant)) === 'done', attempt: (input.handOver?.attempt ?? 0) + 1 }),
  { isComplete: (result) => result.done },
);

export const handler = lambdaEntry(createHandOverFromPool, handOverDeps);
