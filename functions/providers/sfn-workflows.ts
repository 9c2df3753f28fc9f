import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { UpgradeRequestInput } from '../../shared/fleet';
import type { ProvisionInput, StartResult, Workflows } from './workflows';

/** Workflows on AWS Step Functions: provision-tenant executions named after the tenant, upgrade-fleet runs by name. */
export class SfnWorkflows implements Workflows {
  constructor(
    private readonly sfn: SFNClient,
    private readonly provisionStateMachineArn: string,
    private readonly upgradeStateMachineArn?: string,
    private readonly offboardStateMachineArn?: string,
  ) {}

  startOffboarding(tenantId: string, name = `offboard-${tenantId}`): Promise<StartResult> {
    if (!this.offboardStateMachineArn) throw new Error('OFFBOARD_STATE_MACHINE_ARN is not set for this function');
    return this.start(this.offboardStateMachineArn, name, { tenantId });
  }

  startProvisioning(input: ProvisionInput): Promise<StartResult> {
    return this.start(this.provisionStateMachineArn, input.tenantId, input);
  }

  startFleetUpgrade(request: UpgradeRequestInput, name: string): Promise<StartResult> {
    if (!this.upgradeStateMachineArn) throw new Error('UPGRADE_STATE_MACHINE_ARN is not set for this function');
    return this.start(this.upgradeStateMachineArn, name, { request });
  }

  private async start(stateMachineArn: string, name: string, input: object): Promise<StartResult> {
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return 'started';
    } catch (error) {
      // Same name already used: this tenant's execution exists (running or finished).
      if (error instanceof ExecutionAlreadyExists) return 'already-started';
      throw error;
    }
  }
}
