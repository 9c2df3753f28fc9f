import type { UpgradeRequestInput } from '../../shared/fleet';

/** What a provisioning execution is started with; steps read everything else from the tenant item. */
export interface ProvisionInput {
  tenantId: string;
}

export type StartResult = 'started' | 'already-started';

/**
 * Port to the workflow engine. Executions are named by tenant id, so starting one twice (a
 * retried submit, the reconciler racing the API) never provisions a tenant twice.
 * Adapters: Step Functions (sfn-workflows.ts) and aws-local-stepfunctions (infra/local).
 */
/**
 * Offboarding started by ops: under the name the retention sweep would use (so the sweep does not
 * start it again), or, when that one ran already, as a repeat run of its own. Returns the name.
 */
export async function startOffboardingByOps(workflows: Workflows, tenantId: string, at: Date): Promise<string> {
  const name = `offboard-${tenantId}`;
  if ((await workflows.startOffboarding(tenantId, name)) === 'started') return name;
  await workflows.startOffboarding(tenantId, `${name}-${at.getTime()}`);
  return `${name}-${at.getTime()}`;
}

export interface Workflows {
  startProvisioning(input: ProvisionInput): Promise<StartResult>;
  /** Starts an upgrade-fleet execution under `name` (one per run; a rerun is a new run). */
  startFleetUpgrade(request: UpgradeRequestInput, name: string): Promise<StartResult>;
  /** Starts offboard-tenant; by default named offboard-<tenantId>, so the sweep starts it once. */
  startOffboarding(tenantId: string, name?: string): Promise<StartResult>;
}
