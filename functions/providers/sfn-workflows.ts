import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ProvisionInput, StartResult, Workflows } from './workflows';

/** Workflows on AWS Step Functions: provision-tenant executions named after the tenant. */
export class SfnWorkflows implements Workflows {
  constructor(
    private readonly sfn: SFNClient,
    private readonly provisionStateMachineArn: string,
  ) {}

  async startProvisioning(input: ProvisionInput): Promise<StartResult> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.provisionStateMachineArn,
          name: input.tenantId,
          input: JSON.stringify(input),
        }),
      );
      return 'started';
    } catch (error) {
      // Same name already used: this tenant's execution exists (running or finished).
      if (error instanceof ExecutionAlreadyExists) return 'already-started';
      throw error;
    }
  }
}
