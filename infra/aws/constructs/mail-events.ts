import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { ConfigurationSetEventDestination, EmailSendingEvent, EventDestination, type IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LaunchpadFunction } from './launchpad-function';

/**
 * SES's feedback about mail already sent: the configuration set every Launchpad and tenant sender
 * uses publishes Bounce and Complaint events to an encrypted SNS topic, whose one subscriber is
 * functions/mail-events/ses-events.ts (hard bounces suppress the address and mark the tenant whose
 * admin it is; complaints are counted per tenant). SNS rather than EventBridge: the function gets
 * SES's own JSON as documented (no envelope to unwrap), and a notification that cannot be delivered
 * after SNS's and Lambda's retries lands in the subscription's dead-letter queue instead of being lost.
 */
export class MailEvents extends Construct {
  readonly topic: Topic;
  readonly fn: LaunchpadFunction;
  readonly deadLetters: Queue;

  constructor(
    scope: Construct,
    id: string,
    props: {
      configurationSet: IConfigurationSet;
      table: TableV2;
      environment: Record<string, string>;
      /** The ops alerts topic (mailed to opsEmail by SNS: it reaches ops even while SES is in its sandbox). */
      alerts: ITopic;
      /** The retry-welcome-mail job's log group: its failed attempts and give-ups raise an alarm. */
      welcomeRetryLogGroup: ILogGroup;
    },
  ) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', { enableKeyRotation: true, description: 'Launchpad SES bounce and complaint events' });
    // SES encrypts what it publishes to the topic with this key.
    key.grantEncryptDecrypt(new ServicePrincipal('ses.amazonaws.com'));
    this.topic = new Topic(this, 'Topic', { displayName: 'Launchpad SES bounces and complaints', masterKey: key, enforceSSL: true });
    new ConfigurationSetEventDestination(this, 'BouncesAndComplaints', {
      configurationSet: props.configurationSet,
      destination: EventDestination.snsTopic(this.topic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    this.deadLetters = new Queue(this, 'DeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    // SNS invokes the function asynchronously: once Lambda accepted an event, a run that keeps throwing
    // (after Lambda's two retries) lands in the queue through the function's own dead-letter setting,
    // not the subscription's (that one holds only what SNS could not hand to Lambda at all).
    this.fn = new LaunchpadFunction(this, 'Function', { entry: 'mail-events/ses-events', environment: props.environment, timeout: Duration.seconds(30), deadLetterQueue: this.deadLetters });
    // Suppressions, bounce and complaint marks on tenants, the once-only record of each event: the table only.
    props.table.grantReadWriteData(this.fn);
    this.topic.addSubscription(new LambdaSubscription(this.fn, { deadLetterQueue: this.deadLetters }));
    const alarm = (alarmId: string, metric: IMetric, alarmDescription: string) =>
      new Alarm(this, alarmId, { alarmDescription, metric, threshold: 1, evaluationPeriods: 1, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, treatMissingData: TreatMissingData.NOT_BREACHING }).addAlarmAction(
        new SnsAction(props.alerts),
      );
    alarm('UndeliveredEvents', this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }), 'SES bounce or complaint notifications could not be applied (table errors) and wait in the dead-letter queue: look at the mail-events function log, then redrive them');
    // Besides the ops mail the sender writes (which SES, still in its sandbox, may refuse to an unverified ops address).
    const welcomeFailures = new MetricFilter(this, 'WelcomeMailFailures', {
      logGroup: props.welcomeRetryLogGroup,
      filterPattern: FilterPattern.all(FilterPattern.stringValue('$.level', '=', 'ERROR'), FilterPattern.stringValue('$.message', '=', 'Welcome mail*')),
      metricNamespace: 'Launchpad',
      metricName: 'WelcomeMailFailures',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.minutes(15) });
    alarm('WelcomeMailFailing', welcomeFailures, "A tenant's welcome mail still cannot be sent (retried with backoff, then given up): the tenant is ACTIVE but its admin has no sign-in link. With SES in its sandbox, verify the address or request production access; the retry job's log names the tenant");
    // cdk-nag recognises a dead-letter queue only behind another SQS queue, not behind an SNS subscription.
    Validations.of(this.deadLetters).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the SES events subscription (SNS redrive policy); a DLQ needs none of its own' });
  }
}
