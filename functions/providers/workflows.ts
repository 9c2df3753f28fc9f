import type { RolloutRequestInput } from '../../shared/fleet';

/** What a provisioning execution is started with; steps read everything else from the tenant item. */
export interface ProvisionInput {
  tenantId: string;
}

export type StartResult = 'started' | 'already-started';

/** The state machines in statemachines/, by the name both engines know them under. */
export type StateMachineName = 'provision-tenant' | 'roll-out-fleet' | 'offboard-tenant';

/** Where an execution stands, as Step Functions' DescribeExecution reports it (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED...). */
export interface ExecutionState {
  status: string;
  error?: string;
  cause?: string;
}

/**
 * Whether an execution is still going (or about to go on): RUNNING, or PENDING_REDRIVE (a redrive
 * Step Functions accepted). Anything else (SUCCEEDED, FAILED, TIMED_OUT, ABORTED) has stopped.
 */
export const isRunning = (state: ExecutionState | undefined): boolean => state?.status === 'RUNNING' || state?.status === 'PENDING_REDRIVE';

/**
 * Which state machine an execution name belongs to: `offboard-<tenantId>[-<ms>]`, `rollout-<version>-<ms>`
 * (rolloutRunName; `upgrade-<version>-<ms>` for runs started before the rename), else a provisioning
 * (`<tenantId>`, `<tenantId>-r<n>`). Tenant ids are UUIDs, so they never start with any of these prefixes.
 */
export function stateMachineOfExecution(name: string): StateMachineName {
  if (name.startsWith('offboard-')) return 'offboard-tenant';
  if (name.startsWith('rollout-') || name.startsWith('upgrade-')) return 'roll-out-fleet';
  return 'provision-tenant';
}

/**
 * How many resumes the old rule (before resumes were counted on the tenant, `resumes`) could have
 * started: it took the first free `-r<n>` up to 25. Only to find a legacy tenant's names, never a limit.
 */
export const LEGACY_MAX_RESUMES = 25;

/** The one naming rule for resumed provisionings: the n-th resume of a tenant is `<tenantId>-r<n>` (n from 1). */
export const resumedExecutionName = (tenantId: string, n: number) => `${tenantId}-r${n}`;

/** Whether `name` is a resume of this tenant (`<tenantId>-r<n>`, n >= 1). */
export const isResumedExecutionName = (tenantId: string, name: string) =>
  name.startsWith(`${tenantId}-r`) && /^[1-9][0-9]*$/.test(name.slice(tenantId.length + 2));

/**
 * Starts the resumed provisioning `name` of a tenant on an engine's `start`. The number in the name
 * is claimed on the tenant first (functions/reconciler/provisioning-runs.ts), so two resumes never
 * ask for one name; the engines still refuse a name they have seen (`already-started`).
 */
export function startResumed(tenantId: string, name: string, start: (name: string, input: ProvisionInput) => Promise<StartResult>): Promise<StartResult> {
  // A name outside the rule would be an execution nothing can find again (stateMachineOfExecution, the reconciler).
  if (!isResumedExecutionName(tenantId, name)) return Promise.reject(new Error(`${name} is not a resume of ${tenantId} (<tenantId>-r<n>)`));
  return start(name, { tenantId });
}

/**
 * Port to the workflow engine. A provisioning is named by its tenant id, so starting one twice (a
 * retried submit, the reconciler racing the API) never provisions a tenant twice; offboardings and
 * rollouts are named as their methods say (stateMachineOfExecution maps a name back).
 * Adapters: Step Functions (sfn-workflows.ts) and aws-local-stepfunctions (infra/local).
 */
export interface Workflows {
  startProvisioning(input: ProvisionInput): Promise<StartResult>;
  /**
   * Starts provision-tenant again for a tenant (FAILED with its cause fixed, or stuck with its execution
   * gone) as a new execution under `name`, a resumedExecutionName the caller claimed on the tenant (via
   * startResumed); the steps are idempotent, so finished work is not redone. A new execution, not a
   * redrive: a redrive would restart at the final Fail state. `already-started` when the name was used.
   */
  resumeProvisioning(tenantId: string, name: string): Promise<StartResult>;
  /** Starts a roll-out-fleet execution under `name` (one per run; a rerun is a new run). */
  startFleetRollout(request: RolloutRequestInput, name: string): Promise<StartResult>;
  /** Starts offboard-tenant; by default named offboard-<tenantId>, so the sweep starts it once. */
  startOffboarding(tenantId: string, name?: string): Promise<StartResult>;
  /** Where the named execution of that state machine stands; undefined if there is none. */
  executionState(stateMachine: StateMachineName, name: string): Promise<ExecutionState | undefined>;
}
