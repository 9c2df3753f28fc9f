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
export interface Workflows {
  startProvisioning(input: ProvisionInput): Promise<StartResult>;
}
