import { ArnFormat, CfnOutput, Duration, Names, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnLogGroup, LogGroup, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import type { Api } from '../constructs/api';
import type { Data } from '../constructs/data';
import { stepGrants } from '../step-grants';
import { LaunchpadFunction, type LaunchpadFunctionProps } from '../constructs/launchpad-function';
import { MailEvents } from '../constructs/mail-events';
import { Operations } from '../constructs/operations';
import type { Tenancy } from '../constructs/tenancy';
import { functionEnvironment } from '../environment';
import { tenantPolicies } from '../tenant-policies';
import { WorkflowsStack } from './workflows-stack';
import { DEFAULT_RDS_CLASS, rdsMaxConnections } from '../../../shared/database-servers';
import { dashboardUrl } from '../../../functions/ops/console-links';
import { SCHEDULED_JOBS, type ScheduledJobName } from '../../../functions/scheduled/jobs';
import type { StateMachineName } from '../../../functions/providers/workflows';

/** What customer success watches and what keeps things moving: the scheduled jobs, alarms and the dashboard. */
export class OperationsStack extends Stack {
  readonly operations: Operations;
  readonly mailEvents: MailEvents;
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
    // Ops mails (drift, welcome-mail alerts) link to the dashboard: on AWS <site>/ops is the signup page.
    const environment = { ...functionEnvironment(this, { config, table, tenancy, tenantBucket, siteUrl }), OPS_CONSOLE_URL: dashboardUrl(this.region) };
    const withMachine = { ...environment, PROVISION_STATE_MACHINE_ARN: provision.stateMachineArn };
    const { sendMail, tenantServices, scaleServices, renderTenantFiles, sendAsTenant, poolTasks } = tenantPolicies(this, { tenancy, tenantBucket });

    // What each job touches; a new row of SCHEDULED_JOBS does not compile until it has its entry here.
    const jobs: Record<ScheduledJobName, { environment: Record<string, string>; grant: (fn: LaunchpadFunction) => void; props?: Partial<LaunchpadFunctionProps> }> = {
      'start-pending': {
        environment: withMachine,
        grant: (fn) => {
          // Reads and claims tenants (a resume's number, FAILED when given up).
          table.grantReadWriteData(fn);
          provision.grantStartExecution(fn);
          // Where each stuck tenant's execution stands: on provision-tenant's executions only (by its fixed
          // name, so the resource reads as it is; nag-acknowledgements.ts accepts that prefix).
          const machine: StateMachineName = 'provision-tenant';
          const executions = this.formatArn({ service: 'states', resource: 'execution', resourceName: `${machine}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
          fn.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
          // The ops alert when it gives up (NotifyOps).
          fn.addToRolePolicy(sendMail);
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
      'retry-welcome-mail': {
        environment,
        grant: (fn) => {
          // The claim, the sign-in link and the outcome; the welcome mail as the tenant (its SMTP or SES), the ops alert.
          table.grantReadWriteData(fn);
          tenancy.adminLinkKey.grantRead(fn);
          sendAsTenant(fn);
        },
      },
      'capacity-check': {
        environment,
        grant: (fn) => {
          table.grantReadData(fn);
          // Read-only account figures: quota values (Service Quotas has no resource-level permissions), the account's role count, SES's send quota.
          fn.addToRolePolicy(new PolicyStatement({ actions: ['servicequotas:GetServiceQuota', 'servicequotas:GetAWSDefaultServiceQuota', 'ses:GetSendQuota'], resources: ['*'] }));
          // Counts only (roles, users, policies): no role's name or content.
          fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:GetAccountSummary'], resources: ['*'] }));
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
      api: { stage: api.stage, accessLogs: api.accessLogs },
      router: { loadBalancer: tenancy.loadBalancer, targetGroup: tenancy.routerTargetGroup },
      cluster: tenancy.cluster,
      // Launchpad's own instance is DEFAULT_RDS_CLASS (constructs/tenancy.ts); an existing server configured instead is watched by its owner.
      ...(tenancy.databaseInstance ? { database: { instance: tenancy.databaseInstance, maxConnections: rdsMaxConnections(DEFAULT_RDS_CLASS) } } : {}),
    });
    // SES bounces and complaints (the configuration set of every sender) -> SNS -> functions/mail-events/ses-events.ts.
    this.mailEvents = new MailEvents(this, 'MailEvents', {
      configurationSet: tenancy.configurationSet,
      table,
      environment: { TABLE_NAME: table.tableName },
      alerts: this.operations.alerts,
      welcomeRetryLogGroup: this.jobFunctions.get('retry-welcome-mail')!.logGroup,
    });

    // The step functions live in the workflows stack (launchpad.ts passes its state machines).
    const workflows = Stack.of(provision);
    const stepFunctions = workflows instanceof WorkflowsStack ? [...workflows.workflows.stepFunctions.values()] : [];
    const stepLogGroups = stepFunctions.map((fn) => this.weakly(fn.logGroup));
    this.operations.saveQueries({
      functionLogGroups: [...stepLogGroups, ...[...api.routeFunctions.values()].map((fn) => this.weakly(fn.logGroup)), ...this.jobs.map((fn) => fn.logGroup), this.mailEvents.fn.logGroup],
      stepLogGroups,
    });
    new CfnOutput(this, 'AlertsTopic', { value: this.operations.alerts.topicArn, description: `Alarms and fleet summaries, mailed to ${config.opsEmail} once the subscription mail is confirmed` });
  }

  /**
   * Another stack's log group for a saved query, by a weak reference (Fn::GetStackOutput): a query
   * must not stop that stack from removing a function, as an export would.
   */
  private weakly(group: ILogGroup): ILogGroup {
    const resource = group.node.defaultChild;
    // consumeReference takes the resource's own Ref (logGroupName wraps it).
    if (Stack.of(group) === this || !(resource instanceof CfnLogGroup)) return group;
    return LogGroup.fromLogGroupName(this, `Query${Names.nodeUniqueId(group.node)}`, Stack.consumeReference(resource.ref, ReferenceStrength.WEAK));
  }

  /** The scheduled jobs' functions. */
  get jobs(): LaunchpadFunction[] {
    return [...this.jobFunctions.values()];
  }
}
