import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import type { Api } from '../constructs/api';
import type { Data } from '../constructs/data';
import { stepGrants } from '../step-grants';
import { LaunchpadFunction, type LaunchpadFunctionProps } from '../constructs/launchpad-function';
import { Operations } from '../constructs/operations';
import type { Tenancy } from '../constructs/tenancy';
import { functionEnvironment } from '../environment';
import { tenantPolicies } from '../tenant-policies';
import { SCHEDULED_JOBS, type ScheduledJobName } from '../../../functions/scheduled/jobs';

/** What customer success watches and what keeps things moving: the scheduled jobs, alarms and the dashboard. */
export class OperationsStack extends Stack {
  readonly operations: Operations;
  /** The scheduled jobs' functions, by job name (one per row of SCHEDULED_JOBS). */
  readonly jobFunctions = new Map<ScheduledJobName, LaunchpadFunction>();

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & { config: DeployConfig; data: Data; tenancy: Tenancy; siteUrl: string; provision: StateMachine; rolloutFleet: StateMachine; offboard: StateMachine; api: Api },
  ) {
    super(scope, id, props);
    const { config, tenancy, siteUrl, provision, rolloutFleet, offboard, api } = props;
    const { table, tenantBucket } = props.data;
    const environment = functionEnvironment(this, { config, table, tenancy, tenantBucket, siteUrl });
    const withMachine = { ...environment, PROVISION_STATE_MACHINE_ARN: provision.stateMachineArn };
    const { sendMail, tenantServices, scaleServices, renderTenantFiles, sendAsTenant, poolTasks } = tenantPolicies(this, { tenancy, tenantBucket });

    // What each job touches; a new row of SCHEDULED_JOBS does not compile until it has its entry here.
    const jobs: Record<ScheduledJobName, { environment: Record<string, string>; grant: (fn: LaunchpadFunction) => void; props?: Partial<LaunchpadFunctionProps> }> = {
      'start-pending': {
        environment: withMachine,
        grant: (fn) => {
          table.grantReadData(fn);
          provision.grantStartExecution(fn);
        },
      },
      'render-pending': {
        environment,
        grant: (fn) => {
          table.grantReadWriteData(fn);
          fn.addToRolePolicy(renderTenantFiles);
        },
      },
      'trial-sweep': {
        environment: { ...withMachine, OFFBOARD_STATE_MACHINE_ARN: offboard.stateMachineArn },
        grant: (fn) => {
          offboard.grantStartExecution(fn);
          table.grantReadWriteData(fn);
          tenancy.adminLinkKey.grantRead(fn);
          sendAsTenant(fn);
          for (const statement of scaleServices) fn.addToRolePolicy(statement);
        },
      },
      'detect-drift': {
        environment,
        grant: (fn) => {
          table.grantReadWriteData(fn);
          fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [tenantServices] }));
          fn.addToRolePolicy(sendMail);
        },
      },
      'keep-pool': {
        environment,
        grant: (fn) => {
          table.grantReadWriteData(fn);
          for (const statement of poolTasks.run) fn.addToRolePolicy(statement);
          // It finishes overdue hand-overs: what the hand-over step may do.
          stepGrants(this, { tenancy, tenantBucket }).grant('HandOverFromPool', fn);
        },
        // In the VPC to ask launched tasks for /health. No reserved concurrency (a new account's limit of 10
        // would refuse it): a run ends within its 50 s timeout, before the next minute's starts.
        props: { vpc: tenancy.vpc, securityGroups: [tenancy.databaseClientSecurityGroup] },
      },
      'sleep-idle': {
        environment,
        grant: (fn) => {
          table.grantReadWriteData(fn);
          for (const statement of scaleServices) fn.addToRolePolicy(statement);
        },
      },
      'smtp-check': {
        environment,
        grant: (fn) => {
          table.grantReadWriteData(fn);
          sendAsTenant(fn);
        },
      },
    };
    for (const job of SCHEDULED_JOBS) {
      const fn = new LaunchpadFunction(this, job.id, { entry: job.entry, environment: jobs[job.name].environment, timeout: Duration.seconds(job.timeoutSeconds), ...jobs[job.name].props });
      jobs[job.name].grant(fn);
      this.jobFunctions.set(job.name, fn);
    }

    const route = (entry: string) => api.routeFunctions.get(entry)!;
    this.operations = new Operations(this, 'Operations', {
      provision,
      rolloutFleet,
      offboard,
      opsEmail: config.opsEmail,
      signupLogGroup: route('signup').logGroup,
      stripeWebhookLogGroup: route('stripe-webhook').logGroup,
      jobs: SCHEDULED_JOBS.map((job) => ({ job, fn: this.jobFunctions.get(job.name)! })),
    });
  }

  /** The scheduled jobs' functions. */
  get jobs(): LaunchpadFunction[] {
    return [...this.jobFunctions.values()];
  }
}
