import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_DASHBOARD } from '../../functions/ops/console-links';
import { TENANT_ID_PLACEHOLDER } from '../../infra/aws/constructs/operations';
import { synthStacks } from './synth';

type Resource = { Properties: Record<string, unknown> };
let operations: Template;
let dashboardBody: string;

beforeAll(() => {
  operations = Template.fromStack(synthStacks().stacks.operations);
  const [dashboard] = Object.values(operations.findResources('AWS::CloudWatch::Dashboard', { Properties: { DashboardName: OPERATIONS_DASHBOARD } })) as Resource[];
  // The body is an Fn::Join of text and tokens: the text is what is asserted on.
  dashboardBody = JSON.stringify(dashboard!.Properties.DashboardBody);
}, 180_000);

const text = (value: unknown) => JSON.stringify(value);
/**
 * The alarm whose logical id starts with the construct id (Operations<Id>...), its single metric's
 * fields lifted to the top as for an alarm without a label (a labelled metric is rendered as `Metrics`).
 */
function alarm(id: string): Resource {
  const found = Object.entries(operations.findResources('AWS::CloudWatch::Alarm')).filter(([logicalId]) => logicalId.startsWith(`Operations${id}`));
  expect(found.map(([logicalId]) => logicalId), `one alarm ${id}`).toHaveLength(1);
  const { Properties } = found[0]![1] as Resource;
  const metrics = Properties.Metrics as Array<{ MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: unknown }; Period: number; Stat: string } }> | undefined;
  const stat = metrics?.length === 1 ? metrics[0]!.MetricStat : undefined;
  return { Properties: stat ? { ...Properties, ...stat.Metric, Period: stat.Period, Statistic: stat.Stat } : Properties };
}

describe('alarms customer success is mailed', () => {
  it('every alarm mails the alerts topic and says what to do with a console link', () => {
    // MailEvents' own alarms (constructs/mail-events.ts) are not these.
    const ours = Object.entries(operations.findResources('AWS::CloudWatch::Alarm')).filter(([logicalId]) => logicalId.startsWith('Operations'));
    expect(ours.length).toBeGreaterThanOrEqual(20);
    for (const [, { Properties }] of ours as Array<[string, Resource]>) {
      expect(Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^OperationsAlerts/) }]);
      expect(text(Properties.AlarmDescription)).toMatch(/console\.aws\.amazon\.com/);
      // CloudWatch's limit is 1024 characters; the template's Fn::Join text is longer than the resolved one.
      expect(text(Properties.AlarmDescription).length).toBeLessThan(1024);
    }
  });

  it('keeps the ids of the alarms that existed', () => {
    for (const id of ['ProvisioningFailed', 'FleetRolloutFailed', 'OffboardingFailed', 'StripeWebhookFailing', 'CapacityHeadroom', 'ReconcilerErrors']) alarm(id);
  });

  it('StuckTenants: the capacity check metric, any at all', () => {
    expect(alarm('StuckTenants').Properties).toMatchObject({ Namespace: 'Launchpad', MetricName: 'StuckTenants', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Dimensions: [{ Name: 'service', Value: 'launchpad' }] });
  });

  it('crash loops: ECS task stops of crashed containers, as events to a log group counted by a metric filter', () => {
    operations.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'], detail: { lastStatus: ['STOPPED'], stopCode: ['EssentialContainerExited', 'TaskFailedToStart'] } },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    operations.hasResourceProperties('AWS::Logs::MetricFilter', { MetricTransformations: [Match.objectLike({ MetricNamespace: 'Launchpad', MetricName: 'CrashedTasks' })] });
    // Delivery allowed by a plain resource policy, not a custom-resource Lambda.
    const [policy] = Object.values(operations.findResources('AWS::Logs::ResourcePolicy')) as Resource[];
    expect(text(policy!.Properties.PolicyDocument)).toContain('events.amazonaws.com');
    expect(operations.findResources('Custom::CloudwatchLogResourcePolicy')).toEqual({});
    expect(alarm('InstanceCrashLoop').Properties).toMatchObject({ MetricName: 'CrashedTasks', Threshold: 3, Period: 900 });
  });

  it('router: load balancer and router 5xx together, and unhealthy router tasks', () => {
    const router = text(alarm('RouterErrors').Properties.Metrics);
    expect(router).toContain('HTTPCode_ELB_5XX_Count');
    expect(router).toContain('HTTPCode_Target_5XX_Count');
    expect(alarm('RouterUnhealthy').Properties).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'UnHealthyHostCount' });
  });

  it('API: 5xx from API Gateway and 429 counted from the access log', () => {
    expect(alarm('ApiServerErrors').Properties).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Threshold: 5, EvaluationPeriods: 2 });
    operations.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: Match.stringLikeRegexp('status = "429"'), MetricTransformations: [Match.objectLike({ MetricName: 'Api429' })] });
    expect(alarm('ApiThrottled').Properties).toMatchObject({ Namespace: 'Launchpad', MetricName: 'Api429' });
  });

  it('Lambda errors and throttles across the account', () => {
    expect(alarm('LambdaErrors').Properties).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarm('LambdaErrors').Properties.Dimensions).toBeUndefined();
    expect(alarm('LambdaThrottles').Properties).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1 });
  });

  it('RDS: CPU, free storage and connections from the instance size', () => {
    expect(alarm('DatabaseCpu').Properties).toMatchObject({ Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Threshold: 80 });
    expect(alarm('DatabaseStorage').Properties).toMatchObject({ MetricName: 'FreeStorageSpace', ComparisonOperator: 'LessThanThreshold', Threshold: 5 * 2 ** 30 });
    // db.t4g.medium: max_connections about 405; 80 % of it.
    expect(alarm('DatabaseConnections').Properties).toMatchObject({ MetricName: 'DatabaseConnections', Threshold: Math.floor(405 * 0.8) });
  });

  it("SES: bounce rate at 5 % and complaint rate at 0.1 %, citing AWS's own review thresholds", () => {
    const bounce = alarm('SesBounceRate').Properties;
    expect(bounce).toMatchObject({ Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Threshold: 0.05 });
    expect(text(bounce.AlarmDescription)).toContain('10 %');
    const complaint = alarm('SesComplaintRate').Properties;
    expect(complaint).toMatchObject({ Namespace: 'AWS/SES', MetricName: 'Reputation.ComplaintRate', Threshold: 0.001 });
    expect(text(complaint.AlarmDescription)).toContain('0.5 %');
  });

  it('quota headroom links the Service Quotas console', () => {
    expect(text(alarm('CapacityHeadroom').Properties.AlarmDescription)).toContain('servicequotas/home');
  });
});

describe(`the ${OPERATIONS_DASHBOARD} dashboard`, () => {
  it('has a row per concern, each explained, with the alarms at the top', () => {
    for (const title of ['Provisioning', 'Tenants', 'Signups and conversions', 'API', 'Router and instances', 'Lambda', 'Tenant database', 'Mail and quotas']) expect(dashboardBody).toContain(`### ${title}\\\\n`);
    expect(dashboardBody).toContain('"type\\":\\"alarm\\"');
  });

  it('graphs the step metrics, tenants by status, pool, sleeping, signups, conversions, API, router, ECS, Lambda, RDS, SES and quotas', () => {
    for (const piece of [
      'MetricName=\\\\\\"StepFailed\\\\\\"',
      'MetricName=\\\\\\"StepDuration\\\\\\"',
      'TenantsByStatus',
      'PoolReady',
      'SleepingInstances',
      'StuckTenants',
      'SignupsAccepted',
      'TrialConverted',
      'Api429',
      'HTTPCode_ELB_5XX_Count',
      'HealthyHostCount',
      'RunningTaskCount',
      'CrashedTasks',
      'Throttles',
      'DatabaseConnections',
      'FreeStorageSpace',
      'Reputation.BounceRate',
      'Reputation.ComplaintRate',
      'MaxQuotaUsedPercent',
    ]) {
      expect(dashboardBody, piece).toContain(piece);
    }
  });
});

describe('saved Logs Insights queries', () => {
  const queries = () => Object.values(operations.findResources('AWS::Logs::QueryDefinition')) as Resource[];
  const query = (name: string) => queries().find((q) => q.Properties.Name === name)!.Properties;

  it("tells one tenant's story across every function and the state machines, by tenant id", () => {
    const story = query("Launchpad/One tenant's story");
    expect(story.QueryString).toContain(`tenantId = "${TENANT_ID_PLACEHOLDER}"`);
    const groups = story.LogGroupNames as unknown[];
    // The step functions (weakly, by the workflows stack's outputs), the API routes, the jobs, mail events and the three state machines.
    expect(groups.length).toBeGreaterThan(40);
    expect(groups).toEqual(expect.arrayContaining(['/aws/vendedlogs/states/provision-tenant', '/aws/vendedlogs/states/roll-out-fleet', '/aws/vendedlogs/states/offboard-tenant']));
    expect(text(groups)).toContain('Fn::GetStackOutput');
    expect(text(groups)).not.toContain('Fn::ImportValue');
  });

  it('lists failed steps and signups refused by limit', () => {
    expect(query('Launchpad/Failed steps').QueryString).toContain('Provisioning step failed');
    expect((query('Launchpad/Failed steps').LogGroupNames as unknown[]).length).toBeGreaterThan(20);
    expect(query('Launchpad/Signups refused by limit').QueryString).toContain('Signup refused by limit');
    expect(query('Launchpad/Crashed tasks').LogGroupNames).toHaveLength(1);
  });
});

describe('ops mail links on AWS', () => {
  it('gives the scheduled jobs the dashboard as their ops console', () => {
    operations.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OPS_CONSOLE_URL: Match.anyValue() }) },
    });
    const functions = Object.values(operations.findResources('AWS::Lambda::Function')) as Resource[];
    const url = functions.map((f) => text((f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.OPS_CONSOLE_URL)).find((u) => u !== undefined && u !== 'undefined');
    expect(url).toContain(`dashboards/dashboard/${OPERATIONS_DASHBOARD}`);
  });
});
