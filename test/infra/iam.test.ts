import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthStack } from './synth';

/** Actions AWS offers no resource-level permissions for: the only ones allowed on Resource "*". */
const NO_RESOURCE_LEVEL = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ses:GetIdentityVerificationAttributes',
  'ecs:RegisterTaskDefinition',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeRules',
  'ecr:GetAuthorizationToken',
  // Step Functions' log delivery to CloudWatch Logs (vended logs) is authorised account-wide.
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const asList = <T,>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

describe('IAM of our own resources', () => {
  const template = Template.fromStack(synthStack().stack);
  const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'));
  const statements = policies.flatMap(([id, p]) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement.map((s) => ({ id, ...s })));

  it('never grants a wildcard action', () => {
    expect(statements.length).toBeGreaterThan(30);
    for (const s of statements) for (const action of asList(s.Action)) expect(action, `${s.id}: ${action}`).not.toMatch(/\*/);
  });

  it('uses Resource "*" only for actions that cannot be scoped', () => {
    for (const s of statements.filter((st) => asList(st.Resource).includes('*'))) {
      for (const action of asList(s.Action)) expect(NO_RESOURCE_LEVEL.has(action), `${s.id}: ${action} on *`).toBe(true);
    }
  });

  it('gives the public API functions no access beyond the table and starting provisioning', () => {
    const api = statements.filter((s) => /^Api/.test(s.id));
    const actions = new Set(api.flatMap((s) => asList(s.Action)));
    for (const action of actions) expect(action, action).toMatch(/^(dynamodb:|states:StartExecution$|logs:|xray:)/);
  });

  it('attaches no AWS managed policies to our roles', () => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) => !id.startsWith('CustomCDKBucketDeployment') && !id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'));
    for (const [id, role] of roles) expect((role as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns, id).toBeUndefined();
  });
});
