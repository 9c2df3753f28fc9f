import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ICluster } from 'aws-cdk-lib/aws-ecs';
import { HttpCodeElb, HttpCodeTarget, type IApplicationLoadBalancer, type IApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Rule } from 'aws-cdk-lib/aws-events';
import { PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnResourcePolicy, FilterPattern, LogGroup, MetricFilter, QueryDefinition, QueryString, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { DatabaseInstance } from 'aws-cdk-lib/aws-rds';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CAPACITY_ALARM_PERCENT } from '../../../functions/ops/capacity';
import { consoleUrl, dashboardUrl, OPERATIONS_DASHBOARD } from '../../../functions/ops/console-links';
import { FLEET_METRICS, STUCK_AFTER_MS } from '../../../functions/ops/fleet-status';
import type { StateMachineName } from '../../../functions/providers/workflows';
import { CAPACITY_METRICS } from '../../../functions/scheduled/capacity-check';
import type { ScheduledJob } from '../../../functions/scheduled/jobs';
import { STEP_METRICS } from '../../../functions/steps/step-metrics';

/** What the alarms compare with, in one place (README "Watching provisioning" quotes them). */
export const ALARM_THRESHOLDS = {
  /** Task stops of crashed containers (EssentialContainerExited, TaskFailedToStart) in 15 minutes: one crash is a restart, three a loop. */
  crashedTasks: 3,
  /** Router 5xx (the load balancer's own and the router's answers) per 5 minutes, two periods running. */
  router5xx: 25,
  /** API 5xx per 5 minutes, two periods running. */
  api5xx: 5,
  /** API 429 answers per 5 minutes (the stage's throttle and the signup limits), two periods running. */
  api429: 50,
  /** Lambda errors across the account per 5 minutes, two periods running (steps' retried TransientErrors count too). */
  lambdaErrors: 10,
  /** RDS CPU %, 15 minutes running. */
  databaseCpuPercent: 80,
  /** RDS free storage below this (GiB): storage autoscaling grows the disk at 10 % free, so this is it not keeping up or at its maximum. */
  databaseFreeStorageGiB: 5,
  /** Share of max_connections in use, 15 minutes running. */
  databaseConnectionsShare: 0.8,
  /** SES reputation: AWS reviews an account at 10 % bounces and 0.5 % complaints (and may pause sending); these warn at half and a fifth of that. */
  sesBounceRate: 0.05,
  sesComplaintRate: 0.001,
} as const;

/** Where Step Functions writes each state machine's log (infra/aws/constructs/workflows.ts names them so). */
const stateMachineLogGroupName = (machine: StateMachineName) => `/aws/vendedlogs/states/${machine}`;
const STATE_MACHINES: readonly StateMachineName[] = ['provision-tenant', 'roll-out-fleet', 'offboard-tenant'];

/** The saved Logs Insights queries ask for a tenant id here: replace it before running. */
export const TENANT_ID_PLACEHOLDER = 'REPLACE-WITH-TENANT-ID';

export interface OperationsProps {
  provision: StateMachine;
  rolloutFleet: StateMachine;
  offboard: StateMachine;
  opsEmail: string;
  signupLogGroup: ILogGroup;
  stripeWebhookLogGroup: ILogGroup;
  /** One function per row of SCHEDULED_JOBS (functions/scheduled/jobs.ts). */
  jobs: ReadonlyArray<{ job: ScheduledJob; fn: IFunction }>;
  /** The HTTP API's stage and its access log (API Gateway's default CLF lines). */
  api: { stage: IHttpStage; accessLogs: ILogGroup };
  /** The tenant router's load balancer and target group (the router's tasks), the cluster of routers and instances. */
  router: { loadBalancer: IApplicationLoadBalancer; targetGroup: IApplicationTargetGroup };
  cluster: ICluster;
  /** The tenant database Launchpad created, with its max_connections; absent when an existing server is configured. */
  database?: { instance: DatabaseInstance; maxConnections: number };
}

/**
 * What customer success watches: the `launchpad-operations` dashboard (a row per concern, each
 * with a line saying what it shows), alarms mailed to the ops address (each saying what it means,
 * what to do and which console page explains it), the saved Logs Insights queries, and the
 * schedules that keep things moving.
 */
export class Operations extends Construct {
  readonly alerts: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly crashLog: ILogGroup;
  private readonly signupLogGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const dashboard = dashboardUrl(region);
    const key = new Key(this, 'AlertsKey', { enableKeyRotation: true, description: 'Launchpad ops alerts topic' });
    this.alerts = new Topic(this, 'Alerts', { displayName: 'Launchpad provisioning alerts', masterKey: key, enforceSSL: true });
    this.alerts.addSubscription(new EmailSubscription(props.opsEmail));
    // CloudWatch publishes the alarm to the encrypted topic.
    key.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));

    const period = Duration.minutes(5);
    const hour = Duration.hours(1);
    const alarmOn = (
      id: string,
      metric: IMetric,
      description: string,
      { threshold = 1, evaluationPeriods = 1, comparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD }: { threshold?: number; evaluationPeriods?: number; comparisonOperator?: ComparisonOperator } = {},
    ) => {
      const alarm = new Alarm(this, id, { alarmDescription: description, metric, threshold, evaluationPeriods, comparisonOperator, treatMissingData: TreatMissingData.NOT_BREACHING });
      alarm.addAlarmAction(new SnsAction(this.alerts));
      this.alarms.push(alarm);
      return alarm;
    };
    const executionsOf = (machine: StateMachine) => consoleUrl(region, 'states/home', `/statemachines/view/${machine.stateMachineArn}`);
    const logsInsights = consoleUrl(region, 'cloudwatch/home', 'logsV2:logs-insights');

    // Provisioning and the fleet workflows (ids kept: the alarms exist already).
    const failedOrTimedOut = (machine: StateMachine) =>
      new MathExpression({ label: 'Failed or timed out', expression: 'failed + timedOut', usingMetrics: { failed: machine.metricFailed({ period }), timedOut: machine.metricTimedOut({ period }) }, period });
    alarmOn('ProvisioningFailed', failedOrTimedOut(props.provision), `A provision-tenant execution failed or timed out: open it (named by tenant id) at ${executionsOf(props.provision)}; the NotifyOps mail has the step and the error. Resume once the cause is fixed`);
    // Tenants that fail inside a run are in its summary mail; these are runs that broke off themselves.
    alarmOn('FleetRolloutFailed', failedOrTimedOut(props.rolloutFleet), `A roll-out-fleet execution failed or timed out (the run itself, not a tenant inside it): ${executionsOf(props.rolloutFleet)}. Rerunning the same version rolls out only to what is left`);
    alarmOn('OffboardingFailed', failedOrTimedOut(props.offboard), `An offboard-tenant execution failed or timed out (named offboard-<tenant id>); the failure mail has the step: ${executionsOf(props.offboard)}. Running it again finishes the job`);
    const stuck = new Metric({ namespace: CAPACITY_METRICS.namespace, metricName: FLEET_METRICS.stuck, dimensionsMap: { service: CAPACITY_METRICS.serviceName }, statistic: 'Maximum', period: hour, label: 'Stuck tenants' });
    // The hourly capacity check publishes it; the 30-minute age is in the metric, so one datapoint is enough.
    alarmOn(
      'StuckTenants',
      stuck,
      `Tenants have been PENDING or PROVISIONING for over ${Math.round(STUCK_AFTER_MS / 60_000)} minutes although the reconciler restarts stopped executions every minute: neither moved them. \`npm run ops -- tenants list\` shows them; open their executions at ${executionsOf(props.provision)}, then resume or offboard. Dashboard: ${dashboard}`,
    );

    // Scheduled jobs repair and sweep; one that keeps throwing quietly stops doing so.
    for (const { job: { id: job }, fn } of props.jobs) {
      alarmOn(`${job}Errors`, fn.metricErrors({ period: hour, statistic: 'Sum' }), `The scheduled ${job} function threw in the last hour: its log group has the error (${consoleUrl(region, 'lambda/home', `/functions/${fn.functionName}?tab=monitoring`)})`);
    }
    const webhookFailures = new MetricFilter(this, 'StripeWebhookFailures', {
      logGroup: props.stripeWebhookLogGroup,
      filterPattern: FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricNamespace: 'Launchpad',
      metricName: 'StripeWebhookFailures',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period });
    alarmOn('StripeWebhookFailing', webhookFailures, `The Stripe webhook answered 500 (Stripe retries for up to 3 days; the event's change or its resize/mail is finished by the retry). Its log names the event; look if it repeats: ${logsInsights}`);

    // Quota headroom (functions/scheduled/capacity-check.ts publishes the highest usage of all fleet quotas hourly).
    const quotaUsed = new Metric({ namespace: CAPACITY_METRICS.namespace, metricName: CAPACITY_METRICS.max, dimensionsMap: { service: CAPACITY_METRICS.serviceName }, statistic: 'Maximum', period: hour });
    alarmOn(
      'CapacityHeadroom',
      quotaUsed,
      `A quota that grows with the fleet is at or above ${CAPACITY_ALARM_PERCENT} % of its limit: \`npm run ops -- capacity\` names it; ask for an increase in the Service Quotas console (${consoleUrl(region, 'servicequotas/home')}) before it stops signups`,
      { threshold: CAPACITY_ALARM_PERCENT },
    );

    // Crash loops: ECS reports every task stop; a container that exits (or a task that cannot start) again and again is a loop.
    // Counted from the events because RunningTaskCount needs Container Insights (off by default) and a crashing service's count still looks right between restarts.
    const crashLog = new LogGroup(this, 'CrashedTasks', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    new Rule(this, 'TaskCrashes', {
      description: 'Tasks of the tenant cluster (instances, pool, router) that stopped because a container exited or the task could not start',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [props.cluster.clusterArn], lastStatus: ['STOPPED'], stopCode: ['EssentialContainerExited', 'TaskFailedToStart'] },
      },
      // The log group's ARN itself: CloudWatchLogGroup would add its resource policy through a custom-resource Lambda; the plain policy below does it.
      targets: [{ bind: () => ({ arn: Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: crashLog.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) }) }],
    });
    new CfnResourcePolicy(this, 'CrashedTasksDelivery', {
      policyName: `${Stack.of(this).stackName}-crashed-tasks`,
      policyDocument: Stack.of(this).toJsonString(
        new PolicyDocument({
          statements: [new PolicyStatement({ principals: [new ServicePrincipal('events.amazonaws.com'), new ServicePrincipal('delivery.logs.amazonaws.com')], actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [crashLog.logGroupArn] })],
        }).toJSON(),
      ),
    });
    const crashes = new MetricFilter(this, 'CrashedTaskCount', { logGroup: crashLog, filterPattern: FilterPattern.allEvents(), metricNamespace: 'Launchpad', metricName: 'CrashedTasks', metricValue: '1' }).metric({
      statistic: 'Sum',
      period: Duration.minutes(15),
      label: 'Crashed tasks',
    });
    alarmOn(
      'InstanceCrashLoop',
      crashes,
      `Tasks keep crashing (${ALARM_THRESHOLDS.crashedTasks}+ in 15 minutes: a container exited or a task could not start): run the saved query "Launchpad/Crashed tasks" (${logsInsights}) for the service (spaceos-<sub>-<env>, the router or the pool) and its stop reason, then read that instance's log in /launchpad/tenants. A bad version: roll back`,
      { threshold: ALARM_THRESHOLDS.crashedTasks },
    );

    // The tenant router: its load balancer's own 5xx (no healthy router) and the router's (an instance that cannot be reached or woken).
    const elb5xx = props.router.loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum' });
    const router5xx = props.router.targetGroup.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' });
    alarmOn(
      'RouterErrors',
      new MathExpression({ label: 'Router 5xx', expression: 'FILL(elb, 0) + FILL(router, 0)', usingMetrics: { elb: elb5xx, router: router5xx }, period }),
      `Instance hosts answer 5xx (${ALARM_THRESHOLDS.router5xx}+ per 5 minutes for 10 minutes): ELB 5xx means no healthy router task, router 5xx an instance that does not answer or wake. Dashboard row "Router and instances": ${dashboard}`,
      { threshold: ALARM_THRESHOLDS.router5xx, evaluationPeriods: 2 },
    );
    const unhealthyRouters = props.router.targetGroup.metrics.unhealthyHostCount({ period, statistic: 'Maximum' });
    alarmOn('RouterUnhealthy', unhealthyRouters, `A router task fails its health check (10 minutes): ECS replaces it; if it repeats, see the router's log and the service's events in the ECS console (${consoleUrl(region, `ecs/v2/clusters/${props.cluster.clusterName}/services`)})`, {
      evaluationPeriods: 2,
    });

    // The API (signup, status, settings, webhooks): its 5xx, and 429s counted from the access log (API Gateway has no 429 metric).
    const api5xx = props.api.stage.metricServerError({ period, statistic: 'Sum' });
    alarmOn('ApiServerErrors', api5xx, `The API answered 5xx (${ALARM_THRESHOLDS.api5xx}+ per 5 minutes for 10 minutes): a route's function fails or times out. Dashboard row "API": ${dashboard}; the function's log says why`, {
      threshold: ALARM_THRESHOLDS.api5xx,
      evaluationPeriods: 2,
    });
    const api429 = new MetricFilter(this, 'ApiThrottledCount', {
      logGroup: props.api.accessLogs,
      // The stage's default access log format (CLF): ip caller user [time] "request" status size requestId.
      filterPattern: FilterPattern.spaceDelimited('ip', 'caller', 'user', 'time', 'request', 'status', 'size', 'requestId').whereString('status', '=', '429'),
      metricNamespace: 'Launchpad',
      metricName: 'Api429',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period, label: 'API 429' });
    alarmOn(
      'ApiThrottled',
      api429,
      `The API refused ${ALARM_THRESHOLDS.api429}+ requests per 5 minutes with 429 for 10 minutes: the stage's throttle or the signup limits. Run the saved query "Launchpad/Signups refused by limit" (${logsInsights}): one network or domain is abuse, everyone is a limit set too low`,
      { threshold: ALARM_THRESHOLDS.api429, evaluationPeriods: 2 },
    );

    // Lambda across the account (Launchpad's account: every function is Launchpad's), errors and throttles.
    const lambda = (metricName: string, label: string) => new Metric({ namespace: 'AWS/Lambda', metricName, statistic: 'Sum', period, label });
    alarmOn('LambdaErrors', lambda('Errors', 'Lambda errors'), `Launchpad's functions threw ${ALARM_THRESHOLDS.lambdaErrors}+ errors per 5 minutes for 10 minutes (steps retry TransientErrors, so a few are normal). The dashboard's "Errors by function" names it: ${dashboard}`, {
      threshold: ALARM_THRESHOLDS.lambdaErrors,
      evaluationPeriods: 2,
    });
    alarmOn('LambdaThrottles', lambda('Throttles', 'Lambda throttles'), `Lambda refused invocations for lack of concurrency: steps retry, signups may fail. Ask for a higher concurrent executions quota (${consoleUrl(region, 'servicequotas/home', '!/services/lambda/quotas')})`);

    // The tenant database.
    const db = props.database;
    if (db) {
      const rdsPage = consoleUrl(region, 'rds/home', `database:id=${db.instance.instanceIdentifier};is-cluster=false`);
      const connections = Math.floor(db.maxConnections * ALARM_THRESHOLDS.databaseConnectionsShare);
      alarmOn('DatabaseCpu', db.instance.metricCPUUtilization({ period, statistic: 'Average' }), `The tenant database's CPU is above ${ALARM_THRESHOLDS.databaseCpuPercent} % for 15 minutes: Performance Insights names the tenant's queries (${rdsPage}); a larger instance class or another server (TENANT_DB_SERVERS)`, {
        threshold: ALARM_THRESHOLDS.databaseCpuPercent,
        evaluationPeriods: 3,
      });
      alarmOn(
        'DatabaseStorage',
        db.instance.metricFreeStorageSpace({ period, statistic: 'Minimum' }),
        `The tenant database has under ${ALARM_THRESHOLDS.databaseFreeStorageGiB} GiB free for 15 minutes: storage autoscaling did not keep up or is at its maximum. Raise maxAllocatedStorage or free space (${rdsPage})`,
        { threshold: ALARM_THRESHOLDS.databaseFreeStorageGiB * 2 ** 30, evaluationPeriods: 3, comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD },
      );
      alarmOn(
        'DatabaseConnections',
        db.instance.metricDatabaseConnections({ period, statistic: 'Maximum' }),
        `The tenant database has ${connections}+ connections (${Math.round(ALARM_THRESHOLDS.databaseConnectionsShare * 100)} % of its max_connections, ${db.maxConnections}) for 15 minutes: new tenants' databases will be refused connections. \`npm run ops -- capacity\` shows each server; add one (TENANT_DB_SERVERS) (${rdsPage})`,
        { threshold: connections, evaluationPeriods: 3 },
      );
    }

    // SES reputation (account-wide, as a fraction: 0.05 is 5 %).
    const ses = (metricName: string, label: string) => new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.minutes(15), label });
    const sesPage = consoleUrl(region, 'ses/home', '/reputation');
    alarmOn(
      'SesBounceRate',
      ses('Reputation.BounceRate', 'Bounce rate'),
      `SES bounce rate is at or above ${ALARM_THRESHOLDS.sesBounceRate * 100} % (AWS reviews the account at 10 % and may pause sending): find the bouncing addresses (tenants' adminEmailBounce, \`npm run ops -- tenants list\`) and stop mailing them. ${sesPage}`,
      { threshold: ALARM_THRESHOLDS.sesBounceRate },
    );
    alarmOn(
      'SesComplaintRate',
      ses('Reputation.ComplaintRate', 'Complaint rate'),
      `SES complaint rate is at or above ${ALARM_THRESHOLDS.sesComplaintRate * 100} % (AWS reviews the account at 0.5 % and may pause sending): the tenants with complaints (complaintCount) send mail people do not want. ${sesPage}`,
      { threshold: ALARM_THRESHOLDS.sesComplaintRate },
    );

    // Business metrics from log lines: signups (functions/api/signup.ts) and trials converted (functions/billing/stripe-events.ts).
    const signups = new MetricFilter(this, 'Signups', {
      logGroup: props.signupLogGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', 'Signup accepted'),
      metricNamespace: 'Launchpad',
      metricName: 'SignupsAccepted',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: hour, label: 'Signups per hour' });
    const conversions = new MetricFilter(this, 'TrialConversions', {
      logGroup: props.stripeWebhookLogGroup,
      filterPattern: FilterPattern.booleanValue('$.trialConverted', true),
      metricNamespace: 'Launchpad',
      metricName: 'TrialConverted',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.days(1), label: 'Trials converted per day' });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: OPERATIONS_DASHBOARD, widgets: this.widgets(props, { signups, conversions, stuck, crashes, elb5xx, router5xx, api5xx, api429 }) });

    this.crashLog = crashLog;
    this.signupLogGroup = props.signupLogGroup;

    for (const { job, fn } of props.jobs) new Schedule(this, job.id, { description: job.description, schedule: ScheduleExpression.expression(job.awsSchedule), target: new LambdaInvoke(fn, {}) });
  }

  /** The dashboard: a line of text, then the graphs, per row. */
  private widgets(
    props: OperationsProps,
    m: { signups: IMetric; conversions: IMetric; stuck: IMetric; crashes: IMetric; elb5xx: Metric; router5xx: Metric; api5xx: IMetric; api429: IMetric },
  ): IWidget[][] {
    const hour = Duration.hours(1);
    const period = Duration.minutes(5);
    const hourly = (metric: Metric) => metric.with({ period: hour, statistic: 'Sum' });
    const search = (expression: string, statistic: string, seconds: number, label: string) =>
      new MathExpression({ expression: `SEARCH('${expression}', '${statistic}', ${seconds})`, usingMetrics: {}, label, period: Duration.seconds(seconds) });
    // What the capacity check publishes (hourly).
    const launchpad = (metricName: string, label: string) => new Metric({ namespace: CAPACITY_METRICS.namespace, metricName, dimensionsMap: { service: CAPACITY_METRICS.serviceName }, statistic: 'Maximum', period: hour, label });
    const row = (title: string, text: string, ...graphs: IWidget[]): IWidget[][] => [[new TextWidget({ markdown: `### ${title}\n${text}`, width: 24, height: 2 })], graphs];
    const stepDims = `{${STEP_METRICS.namespace},${STEP_METRICS.dimensions.stateMachine},${STEP_METRICS.dimensions.step},service}`;
    const db = props.database;

    return [
      [new TextWidget({ markdown: '## Launchpad operations\nEvery alarm below mails the ops address with what it means and what to do. Saved queries (Logs Insights): **Launchpad/One tenant\'s story**, **Launchpad/Failed steps**, **Launchpad/Signups refused by limit**, **Launchpad/Crashed tasks**.', width: 24, height: 2 })],
      [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 })],
      ...row(
        'Provisioning',
        'Executions of provision-tenant, the failed attempts of each step (a retried one counts) and how long a step takes (p95, polls included). A step that keeps failing is where to look first.',
        new GraphWidget({
          title: 'Provisioning executions per hour',
          left: [hourly(props.provision.metricStarted()), hourly(props.provision.metricSucceeded()), hourly(props.provision.metricFailed()), hourly(props.provision.metricTimedOut())],
          width: 6,
        }),
        new GraphWidget({ title: 'Provisioning duration (ms)', left: [props.provision.metricTime({ statistic: 'p50', label: 'p50' }), props.provision.metricTime({ statistic: 'p95', label: 'p95' })], width: 6 }),
        new GraphWidget({ title: 'Failed step attempts per hour', left: [search(`${stepDims} MetricName="${STEP_METRICS.failed}"`, 'Sum', 3600, '')], width: 6 }),
        new GraphWidget({ title: 'Step duration p95 (ms)', left: [search(`${stepDims} MetricName="${STEP_METRICS.duration}"`, 'p95', 3600, '')], width: 6 }),
      ),
      ...row(
        'Tenants',
        `Tenants by status, the warm pool's ready instances and instances asleep (hourly, from the capacity check). Stuck: PENDING or PROVISIONING for over ${Math.round(STUCK_AFTER_MS / 60_000)} minutes.`,
        new GraphWidget({ title: 'Tenants by status', left: [search(`{${CAPACITY_METRICS.namespace},${FLEET_METRICS.statusDimension},service} MetricName="${FLEET_METRICS.tenantsByStatus}"`, 'Maximum', 3600, '')], width: 8 }),
        new GraphWidget({ title: 'Pool ready and sleeping instances', left: [launchpad(FLEET_METRICS.poolReady, 'Pool ready'), launchpad(FLEET_METRICS.sleeping, 'Sleeping instances')], width: 8 }),
        new GraphWidget({ title: 'Stuck tenants', left: [m.stuck], width: 8 }),
      ),
      ...row(
        'Signups and conversions',
        'Signups accepted per hour (refused ones: the saved query) and trials that became paid per day.',
        new GraphWidget({ title: 'Signups per hour', left: [m.signups], width: 12 }),
        new GraphWidget({ title: 'Trials converted per day', left: [m.conversions], width: 12 }),
      ),
      ...row(
        'API',
        "The signup site's API: errors (4xx are mostly refused input; 429 are the throttle and the signup limits) and latency.",
        new GraphWidget({ title: 'API 4xx, 5xx, 429 per 5 minutes', left: [props.api.stage.metricClientError({ period, statistic: 'Sum', label: '4xx' }), m.api5xx, m.api429], width: 12 }),
        new GraphWidget({ title: 'API latency (ms)', left: [props.api.stage.metricLatency({ period, statistic: 'p50', label: 'p50' }), props.api.stage.metricLatency({ period, statistic: 'p95', label: 'p95' })], width: 12 }),
      ),
      ...row(
        'Router and instances',
        'The tenant router (every instance host): 5xx of its load balancer (no healthy router) and of the router (an instance not answering), its healthy tasks, tasks of the cluster running (Container Insights, if enabled) and crashed tasks.',
        new GraphWidget({ title: 'Router 5xx per 5 minutes', left: [m.elb5xx.with({ label: 'Load balancer 5xx' }), m.router5xx.with({ label: 'Router 5xx' })], width: 6 }),
        new GraphWidget({
          title: 'Router tasks healthy / unhealthy',
          left: [props.router.targetGroup.metrics.healthyHostCount({ period, statistic: 'Minimum', label: 'Healthy' }), props.router.targetGroup.metrics.unhealthyHostCount({ period, statistic: 'Maximum', label: 'Unhealthy' })],
          width: 6,
        }),
        new GraphWidget({
          title: 'Running tasks (cluster)',
          left: [new Metric({ namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', dimensionsMap: { ClusterName: props.cluster.clusterName }, statistic: 'Maximum', period, label: 'Running tasks' })],
          width: 6,
        }),
        new GraphWidget({ title: 'Crashed tasks per 15 minutes', left: [m.crashes], width: 6 }),
      ),
      ...row(
        'Lambda',
        'Errors and throttles of every function (the account is Launchpad\'s), and errors by function.',
        new GraphWidget({
          title: 'Lambda errors and throttles',
          left: [new Metric({ namespace: 'AWS/Lambda', metricName: 'Errors', statistic: 'Sum', period, label: 'Errors' }), new Metric({ namespace: 'AWS/Lambda', metricName: 'Throttles', statistic: 'Sum', period, label: 'Throttles' })],
          width: 12,
        }),
        new GraphWidget({ title: 'Errors by function', left: [search('{AWS/Lambda,FunctionName} MetricName="Errors"', 'Sum', 300, '')], width: 12 }),
      ),
      ...(db
        ? row(
            'Tenant database',
            `The shared Postgres: connections (max_connections ${db.maxConnections}), free storage, CPU.`,
            new GraphWidget({ title: 'Connections', left: [db.instance.metricDatabaseConnections({ period, statistic: 'Maximum' })], width: 8 }),
            new GraphWidget({ title: 'Free storage (bytes)', left: [db.instance.metricFreeStorageSpace({ period, statistic: 'Minimum' })], width: 8 }),
            new GraphWidget({ title: 'CPU %', left: [db.instance.metricCPUUtilization({ period, statistic: 'Average' })], width: 8 }),
          )
        : []),
      ...row(
        'Mail and quotas',
        "SES reputation (AWS reviews the account at 10 % bounces, 0.5 % complaints) and the highest fleet quota's use.",
        new GraphWidget({
          title: 'SES bounce and complaint rate',
          left: [
            new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum', period: Duration.minutes(15), label: 'Bounce rate' }),
            new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', statistic: 'Maximum', period: Duration.minutes(15), label: 'Complaint rate' }),
          ],
          width: 12,
        }),
        new GraphWidget({ title: 'Highest quota used (%)', left: [launchpad(CAPACITY_METRICS.max, 'Max quota used %')], width: 12 }),
      ),
    ];
  }

  /**
   * The saved Logs Insights queries (Launchpad/...), over every Launchpad function's log group
   * (steps, API routes, jobs, mail events) and the state machines' logs; `stepLogGroups` are the
   * step functions' (failed steps). Called once every function exists.
   */
  saveQueries(props: { functionLogGroups: readonly ILogGroup[]; stepLogGroups: readonly ILogGroup[] }): void {
    const { crashLog } = this;
    const machineLogs = STATE_MACHINES.map((machine) => LogGroup.fromLogGroupName(this, `${machine}Logs`, stateMachineLogGroupName(machine)));
    new QueryDefinition(this, 'TenantStory', {
      queryDefinitionName: "Launchpad/One tenant's story",
      // Function lines carry tenantId (the step runner's logger, the handlers' fields); Step Functions names executions by it.
      queryString: new QueryString({
        fields: ['@timestamp', '@log', 'level', 'message', 'step', 'error.message', 'type', 'execution_arn'],
        filterStatements: [`tenantId = "${TENANT_ID_PLACEHOLDER}" or execution_arn like "${TENANT_ID_PLACEHOLDER}"`],
        sort: '@timestamp asc',
        limit: 2000,
      }),
      logGroups: [...props.functionLogGroups, ...machineLogs],
    });
    new QueryDefinition(this, 'FailedSteps', {
      queryDefinitionName: 'Launchpad/Failed steps',
      queryString: new QueryString({
        fields: ['@timestamp', 'tenantId', 'step', 'error.name', 'error.message'],
        filterStatements: ['message = "Provisioning step failed" or message = "Fleet step failed"'],
        sort: '@timestamp desc',
        limit: 500,
      }),
      logGroups: [...props.stepLogGroups],
    });
    new QueryDefinition(this, 'SignupsRefused', {
      queryDefinitionName: 'Launchpad/Signups refused by limit',
      queryString: new QueryString({ filterStatements: ['message = "Signup refused by limit"'], statsStatements: ['count(*) as refused by limit, bin(1h)'] }),
      logGroups: [this.signupLogGroup],
    });
    new QueryDefinition(this, 'CrashedTasksQuery', {
      queryDefinitionName: 'Launchpad/Crashed tasks',
      queryString: new QueryString({
        fields: ['@timestamp', 'detail.group', 'detail.stopCode', 'detail.stoppedReason', 'detail.containers.0.reason', 'detail.containers.0.exitCode'],
        sort: '@timestamp desc',
        limit: 200,
      }),
      logGroups: [crashLog],
    });
  }
}
