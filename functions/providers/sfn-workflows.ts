import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RolloutRequestInput } from '../../shared/fleet';
import { startResumed, type ExecutionState, type ProvisionInput, type StartResult, type StateMachineName, type Workflows } from './workflows';

/** Workflows on AWS Step Functions: provision-tenant executions named after the tenant, roll-out-fleet runs by name. */
export class SfnWorkflows implements Workflows {
  constructor(
    private readonly sfn: SFNClient,
    private readonly provisionStateMachineArn: string,
    private readonly rolloutStateMachineArn?: string,
    private readonly offboardStateMachineArn?: string,
  ) {}

  startOffboarding(tenantId: string, name = `offboard-${tenantId}`): Promise<StartResult> {
    return this.start(this.arnOf('offboard-tenant'), name, { tenantId });
  }

  startProvisioning(input: ProvisionInput): Promise<StartResult> {
    return this.start(this.provisionStateMachineArn, input.tenantId, input);
  }

  /**
   * Under the name the caller claimed on the tenant. Step Functions refuses a name already used
   * (ExecutionAlreadyExists, for 90 days after the execution closed): `already-started`. (Same name and
   * same input as a still-running execution is accepted as that one: a double start starts nothing new.)
   */
  resumeProvisioning(tenantId: string, name: string): Promise<StartResult> {
    return startResumed(tenantId, name, (n, input) => this.start(this.provisionStateMachineArn, n, input));
  }

  startFleetRollout(request: RolloutRequestInput, name: string): Promise<StartResult> {
    return this.start(this.arnOf('roll-out-fleet'), name, { request });
  }

  async executionState(stateMachine: StateMachineName, name: string): Promise<ExecutionState | undefined> {
    // An execution's ARN is its state machine's with `execution` for `stateMachine` and the name appended.
    const executionArn = `${this.arnOf(stateMachine).replace(':stateMachine:', ':execution:')}:${name}`;
    try {
      const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { status: execution.status ?? 'UNKNOWN', ...(execution.error ? { error: execution.error, cause: execution.cause ?? '' } : {}) };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  /** The ARN of a state machine; the rollout and offboarding ones are set only for the functions that start them. */
  private arnOf(stateMachine: StateMachineName): string {
    const arn = { 'provision-tenant': this.provisionStateMachineArn, 'roll-out-fleet': this.rolloutStateMachineArn, 'offboard-tenant': this.offboardStateMachineArn }[stateMachine];
    if (!arn) throw new Error(`${stateMachine === 'roll-out-fleet' ? 'ROLLOUT' : 'OFFBOARD'}_STATE_MACHINE_ARN is not set for this function`);
    return arn;
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
