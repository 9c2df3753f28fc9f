import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CAPACITY_ALARM_PERCENT } from '../../../functions/ops/capacity';
import { CAPACITY_METRICS } from '../../../functions/scheduled/capacity-check';
import type { ScheduledJob } from '../../../functions/scheduled/jobs';

/**
 * What customer success watches: a dashboard of provisioning, an alarm mailed to the ops address
 * when an execution fails or times out, and the schedules that keep things moving.
 */
export class Operations extends Construct {
  readonly alerts: Topic;

  constructor(
    scope: Construct,
    id: string,
    props: {
      provision: StateMachine;
      rolloutFleet: StateMachine;
      offboard: StateMachine;
      opsEmail: string;
      signupLogGroup: ILogGroup;
      stripeWebhookLogGroup: ILogGroup;
      /** One function per row of SCHEDULED_JOBS (functions/scheduled/jobs.ts). */
      jobs: ReadonlyArray<{ job: ScheduledJob; fn: IFunction }>;
    },
  ) {
    super(scope, id);
    const key = new Key(this, 'AlertsKey', { enableKeyRotation: true, description: 'Launchpad ops alerts topic' });
    this.alerts = new Topic(this, 'Alerts', { displayName: 'Launchpad provisioning alerts', masterKey: key, enforceSSL: true });
    this.alerts.addSubscription(new EmailSubscription(props.opsEmail));
    // CloudWatch publishes the alarm to the encrypted topic.
    key.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));

    const period = Duration.minutes(5);
    const alarm = (id: string, metric: IMetric, alarmDescription: string) =>
      new Alarm(this, id, {
        alarmDescription,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new SnsAction(this.alerts));
    const failedOrTimedOut = (machine: StateMachine) =>
      new MathExpression({ label: 'Failed or timed out', expression: 'failed + timedOut', usingMetrics: { failed: machine.metricFailed({ period }), timedOut: machine.metricTimedOut({ period }) }, period });
    alarm('ProvisioningFailed', failedOrTimedOut(props.provision), 'A provision-tenant execution failed or timed out: open it in the Step Functions console (named by tenant id); the NotifyOps mail has the details');
    // Tenants that fail inside a run are in its summary mail; these are runs that broke off themselves.
    alarm('FleetRolloutFailed', failedOrTimedOut(props.rolloutFleet), 'A roll-out-fleet execution failed or timed out (not a tenant inside it: the run itself). Open it in the Step Functions console; rerunning the same version rolls out only to what is left');
    alarm('OffboardingFailed', failedOrTimedOut(props.offboard), 'An offboard-tenant execution failed or timed out (named offboard-<tenant id>); the failure mail has the step. Running it again finishes the job');
    // Scheduled jobs repair and sweep; one that keeps throwing quietly stops doing so.
    for (const { job: { id: job }, fn } of props.jobs) alarm(`${job}Errors`, fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), `The scheduled ${job} function threw in the last hour: see its log group for the error`);
    const webhookFailures = new MetricFilter(this, 'StripeWebhookFailures', {
      logGroup: props.stripeWebhookLogGroup,
      filterPattern: FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricNamespace: 'Launchpad',
      metricName: 'StripeWebhookFailures',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period });
    alarm('StripeWebhookFailing', webhookFailures, "The Stripe webhook answered 500 (Stripe retries for up to 3 days; the event's change or its resize/mail is finished by the retry). Its log names the event; look if it repeats");

    // Quota headroom (functions/scheduled/capacity-check.ts publishes the highest usage of all fleet quotas hourly).
    const quotaUsed = new Metric({ namespace: CAPACITY_METRICS.namespace, metricName: CAPACITY_METRICS.max, dimensionsMap: { service: CAPACITY_METRICS.serviceName }, statistic: 'Maximum', period: Duration.hours(1) });
    new Alarm(this, 'CapacityHeadroom', {
      alarmDescription: `A quota that grows with the fleet is at or above ${CAPACITY_ALARM_PERCENT} % of its limit: \`npm run ops -- capacity\` names it; ask for an increase in the Service Quotas console before it stops signups`,
      metric: quotaUsed,
      threshold: CAPACITY_ALARM_PERCENT,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(this.alerts));

    const signups = new MetricFilter(this, 'Signups', {
      logGroup: props.signupLogGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', 'Signup accepted'),
      metricNamespace: 'Launchpad',
      metricName: 'SignupsAccepted',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.hours(1), label: 'Signups per hour' });
    const hourly = (m: Metric) => m.with({ period: Duration.hours(1), statistic: 'Sum' });
    new Dashboard(this, 'Dashboard', {
      dashboardName: 'launchpad-provisioning',
      widgets: [
        [
          new GraphWidget({ title: 'Signups per hour', left: [signups], width: 8 }),
          new GraphWidget({
            title: 'Provisioning executions per hour',
            left: [hourly(props.provision.metricStarted()), hourly(props.provision.metricSucceeded()), hourly(props.provision.metricFailed()), hourly(props.provision.metricTimedOut())],
            width: 8,
          }),
          new GraphWidget({
            title: 'Provisioning duration (ms)',
            left: [props.provision.metricTime({ statistic: 'p50', label: 'p50' }), props.provision.metricTime({ statistic: 'p95', label: 'p95' })],
            width: 8,
          }),
        ],
      ],
    });

    for (const { job, fn } of props.jobs) new Schedule(this, job.id, { description: job.description, schedule: ScheduleExpression.expression(job.awsSchedule), target: new LambdaInvoke(fn, {}) });
  }
}
