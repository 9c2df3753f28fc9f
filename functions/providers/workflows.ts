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
 * How many times a tenant's provisioning may be resumed. On Step Functions each attempt to find a
 * free name is one StartExecution call, so the search must end; a tenant that failed this often
 * needs a person to look at why, not another resume.
 */
export const MAX_RESUMES = 25;

/** The one naming rule for resumed provisionings: the n-th resume of a tenant is `<tenantId>-r<n>` (n from 1). */
export const resumedExecutionName = (tenantId: string, n: number) => `${tenantId}-r${n}`;

export class ResumeLimitError extends Error {
  override name = 'ResumeLimitError';
  constructor(readonly tenantId: string) {
    super(`Provisioning of ${tenantId} was resumed ${MAX_RESUMES} times already (${resumedExecutionName(tenantId, 1)} to ${resumedExecutionName(tenantId, MAX_RESUMES)}): find out why it keeps failing first`);
  }
}

/**
 * Starts a resumed provisioning under the first free name `<tenantId>-r1`, `-r2`, ... Both engines
 * refuse a name they have seen (`already-started`), so the free one is found by trying: no
 * engine-specific counting, and two resumes racing each other get different names. Returns the name.
 */
export async function startResumed(tenantId: string, start: (name: string) => Promise<StartResult>): Promise<string> {
  for (let n = 1; n <= MAX_RESUMES; n++) {
    const name = resumedExecutionName(tenantId, n);
    if ((await start(name)) === 'started') return name;
  }
  throw new ResumeLimitError(tenantId);
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
   * Starts provision-tenant again for a tenant (FAILED, its cause fixed) as a new execution named by
   * resumedExecutionName (via startResumed); the steps are idempotent, so finished work is not
   * redone. A new execution, not a redrive: a redrive would restart at the final Fail state.
   * Returns the execution's name.
   */
  resumeProvisioning(tenantId: string): Promise<string>;
  /** Starts a roll-out-fleet execution under `name` (one per run; a rerun is a new run). */
  startFleetRollout(request: RolloutRequestInput, name: string): Promise<StartResult>;
  /** Starts offboard-tenant; by default named offboard-<tenantId>, so the sweep starts it once. */
  startOffboarding(tenantId: string, name?: string): Promise<StartResult>;
  /** Where the named execution of that state machine stands; undefined if there is none. */
  executionState(stateMachine: StateMachineName, name: string): Promise<ExecutionState | undefined>;
}
