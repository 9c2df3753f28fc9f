import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
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

/**
 * What customer success watches: a dashboard of provisioning, an alarm mailed to the ops address
 * when an execution fails or times out, and the schedules that keep things moving.
 */
export class Operations extends Construct {
  readonly alerts: Topic;

  constructor(scope: Construct, id: string, props: { provision: StateMachine; opsEmail: string; signupLogGroup: ILogGroup; reconciler: IFunction; trialSweep: IFunction; smtpCheck: IFunction; detectDrift: IFunction; renderPending: IFunction }) {
    super(scope, id);
    const key = new Key(this, 'AlertsKey', { enableKeyRotation: true, description: 'Launchpad ops alerts topic' });
    this.alerts = new Topic(this, 'Alerts', { displayName: 'Launchpad provisioning alerts', masterKey: key, enforceSSL: true });
    this.alerts.addSubscription(new EmailSubscription(props.opsEmail));
    // CloudWatch publishes the alarm to the encrypted topic.
    key.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));

    const period = Duration.minutes(5);
    const failed = new MathExpression({
      label: 'Failed or timed out',
      expression: 'failed + timedOut',
      usingMetrics: { failed: props.provision.metricFailed({ period }), timedOut: props.provision.metricTimedOut({ period }) },
      period,
    });
    new Alarm(this, 'ProvisioningFailed', {
      alarmDescription: 'A provision-tenant execution failed or timed out: open it in the Step Functions console (named by tenant id); the NotifyOps mail has the details',
      metric: failed,
      threshold: 1,
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

    const schedules: Array<[id: string, fn: IFunction, every: Duration, description: string]> = [
      ['Reconciler', props.reconciler, Duration.minutes(1), 'Starts provisioning for signups whose StartExecution was lost'],
      ['RenderPending', props.renderPending, Duration.minutes(1), 'Renders instance files of settings saves whose own rendering failed'],
      ['TrialSweep', props.trialSweep, Duration.hours(1), 'Trial reminders, suspension at trial end, offboarding after retention, claims released after cooling-off'],
      ['DetectDrift', props.detectDrift, Duration.hours(1), 'Reports running tenants whose services or DNS records are missing'],
      ['SmtpCheck', props.smtpCheck, Duration.hours(1), "Re-verifies tenants' own SMTP servers; a failing one falls back to SES and the admin is told"],
    ];
    for (const [id, fn, every, description] of schedules) new Schedule(this, id, { description, schedule: ScheduleExpression.rate(every), target: new LambdaInvoke(fn, {}) });
  }
}
