import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStacks } from './synth';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Principal?: unknown; Condition?: unknown };
const asList = <T,>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

describe('SES bounces and complaints reach their function', () => {
  const { stacks } = synthStacks();
  const operations = Template.fromStack(stacks.operations);
  const tenancy = Template.fromStack(stacks.tenancy);

  it("gives the tenants' configuration set an event destination for Bounce and Complaint, to an encrypted SNS topic SES may publish to", () => {
    const configurationSet = Object.values(tenancy.findResources('AWS::SES::ConfigurationSet'))[0] as { Properties: { Name: string } };
    const destinations = Object.values(operations.findResources('AWS::SES::ConfigurationSetEventDestination')) as Array<{ Properties: { ConfigurationSetName: unknown; EventDestination: { Enabled: boolean; MatchingEventTypes: string[]; SnsDestination?: { TopicARN: { Ref: string } } } } }>;
    expect(destinations).toHaveLength(1);
    const { ConfigurationSetName, EventDestination } = destinations[0]!.Properties;
    // The set every sender identity uses by default (defined in the Tenancy stack, imported here).
    expect(JSON.stringify(ConfigurationSetName)).toMatch(/MailConfiguration|launchpad-tenants/);
    expect(configurationSet.Properties.Name).toBe('launchpad-tenants');
    expect(EventDestination.Enabled).toBe(true);
    expect([...EventDestination.MatchingEventTypes].sort()).toEqual(['bounce', 'complaint']);

    const topicId = EventDestination.SnsDestination!.TopicARN.Ref;
    const topic = operations.findResources('AWS::SNS::Topic')[topicId] as { Properties: { KmsMasterKeyId?: unknown } };
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    const publish = (Object.values(operations.findResources('AWS::SNS::TopicPolicy')) as Array<{ Properties: { Topics: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } }>)
      .filter((p) => p.Properties.Topics.some((t) => t.Ref === topicId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => s.Effect === 'Allow' && asList(s.Action).includes('sns:Publish'));
    expect(publish).toHaveLength(1);
    expect(publish[0]!.Principal).toEqual({ Service: 'ses.amazonaws.com' });
    expect(JSON.stringify(publish[0]!.Condition)).toContain('configuration-set/');
  });

  it('subscribes the mail-events function with a dead-letter queue, and lets it touch the table only', () => {
    const roles = operations.findResources('AWS::IAM::Role', { Properties: { Description: 'Launchpad function mail-events/ses-events' } });
    const [roleId] = Object.keys(roles);
    expect(roleId).toBeDefined();
    const functions = operations.findResources('AWS::Lambda::Function', { Properties: { Role: { 'Fn::GetAtt': [roleId, 'Arn'] } } });
    const [functionId] = Object.keys(functions);
    expect(functionId).toBeDefined();

    operations.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [functionId, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetters'), 'Arn'] } },
    });
    operations.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] } });
    // SNS invokes asynchronously: a run that keeps throwing after Lambda's retries lands in the same queue (and its alarm).
    expect((functions[functionId!] as { Properties: { DeadLetterConfig?: unknown } }).Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetters/), 'Arn'] } });

    const statements = (Object.values(operations.findResources('AWS::IAM::Policy')) as Array<{ Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } }>)
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    // Besides logs and traces: sending its own failures to the dead-letter queue.
    const actions = statements.flatMap((s) => asList(s.Action)).filter((a) => !/^(logs|xray):/.test(a) && a !== 'sqs:SendMessage');
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^dynamodb:\w+$/);
    // The table (Data stack, imported) and its index, nothing else.
    for (const s of statements.filter((st) => asList(st.Action).some((a) => a.startsWith('dynamodb:')))) expect(JSON.stringify(s.Resource)).toMatch(/^\[\{"Fn::ImportValue":"Launchpad-Data:[^"]*DataTenants[^"]*"\}(,\{"Fn::Join":\["",\[\{"Fn::ImportValue":"Launchpad-Data:[^"]*DataTenants[^"]*"\},"\/index\/\*"\]\]\})?\]$/);
  });

  it('gives the welcome-mail retry job its schedule and what sending as the tenant needs', () => {
    const roles = operations.findResources('AWS::IAM::Role', { Properties: { Description: 'Launchpad function scheduled/retry-welcome-mail' } });
    const [roleId] = Object.keys(roles);
    expect(roleId).toBeDefined();
    const actions = (Object.values(operations.findResources('AWS::IAM::Policy')) as Array<{ Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } }>)
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s) => asList(s.Action)));
    expect(actions).toEqual(expect.arrayContaining(['ses:SendEmail', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue']));
    operations.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)', Description: Match.stringLikeRegexp('welcome mails') });
    // Its failures reach ops through the SNS alerts topic too (SES in its sandbox may refuse the ops mail).
    operations.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: Match.stringLikeRegexp('Welcome mail'), MetricTransformations: [Match.objectLike({ MetricName: 'WelcomeMailFailures' })] });
    operations.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'WelcomeMailFailures', AlarmActions: [{ Ref: Match.stringLikeRegexp('OperationsAlerts') }] });
  });

  it('adds no cdk-nag finding of its own (the dead-letter queue behind SNS is acknowledged with its reason)', () => {
    const { app } = synthStacks({}, (a) => Validations.of(a).addPlugins(new AwsSolutionsChecks(a)));
    // Errors anywhere make synth throw (test/infra/nag.test.ts holds the whole app to none); the report is written either way.
    let reportFile: string;
    try {
      reportFile = join(app.synth().directory, 'validation-report.json');
    } catch (error) {
      reportFile = /A copy of this report can be found in: (\S+validation-report\.json)/.exec(String((error as Error).message))?.[1] ?? '';
    }
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }> };
    const open = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!.violations.flatMap((v) => v.violatingConstructs.filter((c) => /MailEvents|WelcomeMailRetry/.test(c.constructPath)).map((c) => `${v.ruleName} at ${c.constructPath}`));
    expect(open).toEqual([]);
  });
});
