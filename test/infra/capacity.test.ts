import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStacks } from './synth';

let operations: Template;
beforeAll(() => {
  operations = Template.fromStack(synthStacks().stacks.operations);
}, 180_000);

describe('quota headroom on AWS', () => {
  it('alarms ops by mail when the highest fleet quota reaches 80 % of its limit', () => {
    operations.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Launchpad',
      MetricName: 'MaxQuotaUsedPercent',
      Dimensions: [{ Name: 'service', Value: 'launchpad' }],
      Statistic: 'Maximum',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
      AlarmDescription: Match.stringLikeRegexp('npm run ops -- capacity'),
    });
  });

  it('runs the capacity check hourly with read-only account permissions', () => {
    operations.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)', Description: Match.stringLikeRegexp('quota that grows with the fleet') });
    const policies = Object.values(operations.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p));
    const capacity = policies.filter((p) => p.includes('servicequotas:GetServiceQuota'));
    expect(capacity).toHaveLength(1);
    for (const action of ['servicequotas:GetAWSDefaultServiceQuota', 'iam:GetAccountSummary', 'ses:GetSendQuota']) expect(capacity[0]).toContain(action);
    expect(capacity[0]).not.toMatch(/"(dynamodb:PutItem|dynamodb:UpdateItem|dynamodb:DeleteItem)"/);
  });
});
