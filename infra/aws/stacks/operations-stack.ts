import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import type { Api } from '../constructs/api';
import type { Data } from '../constructs/data';
import { LaunchpadFunction } from '../constructs/launchpad-function';
import { Operations } from '../constructs/operations';
import type { Tenancy } from '../constructs/tenancy';
import { functionEnvironment } from '../environment';
import { tenantPolicies } from '../tenant-policies';

/** What customer success watches and what keeps things moving: the scheduled jobs, alarms and the dashboard. */
export class OperationsStack extends Stack {
  readonly operations: Operations;
  readonly reconciler: LaunchpadFunction;
  readonly trialSweep: LaunchpadFunction;
  readonly smtpCheck: LaunchpadFunction;
  readonly detectDrift: LaunchpadFunction;
  readonly renderPending: LaunchpadFunction;

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & { config: DeployConfig; data: Data; tenancy: Tenancy; siteUrl: string; provision: StateMachine; upgradeFleet: StateMachine; offboard: StateMachine; api: Api },
  ) {
    super(scope, id, props);
    const { config, tenancy, siteUrl, provision, upgradeFleet, offboard, api } = props;
    const { table, tenantBucket } = props.data;
    const environment = functionEnvironment(this, { config, table, tenancy, tenantBucket, siteUrl });
    const withMachine = { ...environment, PROVISION_STATE_MACHINE_ARN: provision.stateMachineArn };
    const { sendMail, tenantServices, scaleServices, renderTenantFiles, sendAsTenant } = tenantPolicies(this, { tenancy, tenantBucket });

    this.reconciler = new LaunchpadFunction(this, 'Reconciler', { entry: 'reconciler/start-pending', environment: withMachine });
    table.grantReadData(this.reconciler);
    provision.grantStartExecution(this.reconciler);
    this.trialSweep = new LaunchpadFunction(this, 'TrialSweep', { entry: 'scheduled/trial-sweep', environment: { ...withMachine, OFFBOARD_STATE_MACHINE_ARN: offboard.stateMachineArn }, timeout: Duration.minutes(5) });
    offboard.grantStartExecution(this.trialSweep);
    table.grantReadWriteData(this.trialSweep);
    tenancy.adminLinkKey.grantRead(this.trialSweep);
    sendAsTenant(this.trialSweep);
    for (const statement of scaleServices) this.trialSweep.addToRolePolicy(statement);
    this.detectDrift = new LaunchpadFunction(this, 'DetectDrift', { entry: 'reconciler/detect-drift', environment, timeout: Duration.minutes(10) });
    table.grantReadWriteData(this.detectDrift);
    tenancy.cloudflareToken.grantRead(this.detectDrift);
    this.detectDrift.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [tenantServices] }));
    this.detectDrift.addToRolePolicy(sendMail);
    this.smtpCheck = new LaunchpadFunction(this, 'SmtpCheck', { entry: 'scheduled/smtp-check', environment, timeout: Duration.minutes(5) });
    table.grantReadWriteData(this.smtpCheck);
    sendAsTenant(this.smtpCheck);
    this.renderPending = new LaunchpadFunction(this, 'RenderPending', { entry: 'reconciler/render-pending', environment, timeout: Duration.minutes(2) });
    table.grantReadWriteData(this.renderPending);
    this.renderPending.addToRolePolicy(renderTenantFiles);

    const route = (entry: string) => api.routeFunctions.get(entry)!;
    this.operations = new Operations(this, 'Operations', {
      provision,
      upgradeFleet,
      offboard,
      opsEmail: config.opsEmail,
      signupLogGroup: route('signup').logGroup,
      stripeWebhookLogGroup: route('stripe-webhook').logGroup,
      reconciler: this.reconciler,
      trialSweep: this.trialSweep,
      smtpCheck: this.smtpCheck,
      detectDrift: this.detectDrift,
      renderPending: this.renderPending,
    });
  }

  /** The scheduled jobs' functions. */
  get jobs(): LaunchpadFunction[] {
    return [this.reconciler, this.trialSweep, this.smtpCheck, this.detectDrift, this.renderPending];
  }
}
