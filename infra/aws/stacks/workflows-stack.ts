import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import type { Data } from '../constructs/data';
import type { Tenancy } from '../constructs/tenancy';
import { Workflows } from '../constructs/workflows';
import { functionEnvironment } from '../environment';
import { stepGrants } from '../step-grants';

/** The state machines of statemachines/ and one function per Task step. */
export class WorkflowsStack extends Stack {
  readonly workflows: Workflows;
  readonly provision: StateMachine;
  readonly rolloutFleet: StateMachine;
  readonly offboard: StateMachine;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig; data: Data; tenancy: Tenancy; siteUrl: string }) {
    super(scope, id, props);
    const { config, tenancy, siteUrl } = props;
    const { table, tenantBucket } = props.data;
    const steps = stepGrants(this, { tenancy, tenantBucket });
    this.workflows = new Workflows(this, 'Workflows', {
      environment: functionEnvironment(this, { config, table, tenancy, tenantBucket, siteUrl }),
      // Only the steps with the database admin grant (step catalogue) reach the private database.
      network: (state) => (steps.inVpc(state) ? { vpc: tenancy.vpc, securityGroups: [tenancy.databaseClientSecurityGroup] } : undefined),
      configure: (state, fn) => {
        table.grantReadWriteData(fn);
        steps.grant(state, fn);
      },
    });
    const machine = (name: string) => this.workflows.stateMachines.get(name)!;
    this.provision = machine('provision-tenant');
    this.rolloutFleet = machine('roll-out-fleet');
    this.offboard = machine('offboard-tenant');

    new CfnOutput(this, 'ProvisionStateMachine', { value: this.provision.stateMachineArn, description: 'LAUNCHPAD_PROVISION_ARN for npm run ops' });
    new CfnOutput(this, 'RolloutStateMachine', { value: this.rolloutFleet.stateMachineArn, description: 'LAUNCHPAD_ROLLOUT_ARN for npm run ops' });
    new CfnOutput(this, 'OffboardStateMachine', { value: this.offboard.stateMachineArn, description: 'LAUNCHPAD_OFFBOARD_ARN for npm run ops' });
  }
}
