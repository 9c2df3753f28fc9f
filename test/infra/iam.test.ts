import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthStacks } from './synth';

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
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitions',
  'ecs:DeregisterTaskDefinition',
  // Held to the instance namespace by a condition (checked below).
  'servicediscovery:DiscoverInstances',
  // Held to the tenant cluster by a condition (checked below): the pool keeper lists the pool's tasks.
  'ecs:ListTasks',
  'ecr:GetAuthorizationToken',
  // The capacity check's read-only account figures.
  'servicequotas:GetServiceQuota',
  'servicequotas:GetAWSDefaultServiceQuota',
  'iam:GetAccountSummary',
  'ses:GetSendQuota',
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
  // Every stack's resources (logical ids are unique across the app's stacks but for CDK's own handlers).
  const templates = synthStacks().all.map((stack) => Template.fromStack(stack));
  const resources = (type: string) => templates.flatMap((template) => Object.entries(template.findResources(type)));
  const policies = resources('AWS::IAM::Policy').filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'));
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

  it('gives each public API function only what its route needs', () => {
    const READ = /^(dynamodb:(GetItem|BatchGetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator))$/;
    const allowed: Record<string, RegExp> = {
      health: /^(dynamodb:(GetItem|BatchGetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator))$/,
      // ses:SendEmail: the verification mail (Launchpad's own sender).
      signup: /^(dynamodb:\w+|states:StartExecution|secretsmanager:(GetSecretValue|DescribeSecret)|ses:SendEmail)$/,
      // The verification starts the trial and sends the welcome mail as the tenant (s3:PutObject as for the webhook).
      verifyemail: /^(dynamodb:\w+|secretsmanager:(GetSecretValue|DescribeSecret)|ses:SendEmail|s3:PutObject)$/,
      checkout: /^(dynamodb:(GetItem|BatchGetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator)|secretsmanager:(GetSecretValue|DescribeSecret))$/,
      // s3:PutObject: mail as the tenant re-renders its config when its SMTP server fails.
      // ECS task definitions (with the instance token, and passing the execution role): a woken instance catches up with the fleet's version.
      stripewebhook: /^(dynamodb:\w+|secretsmanager:(GetSecretValue|DescribeSecret|CreateSecret)|ses:SendEmail|s3:PutObject|ecs:(UpdateService|DescribeServices|DescribeTaskDefinition|RegisterTaskDefinition|TagResource)|iam:PassRole)$/,
      // Instances' credentials: their tokens, the tenant's status and the rate counters, and the shared instance role.
      instancecredentials: /^(dynamodb:\w+|secretsmanager:GetSecretValue|sts:(AssumeRole|TagSession))$/,
      branding: READ,
      magiclink: /^(dynamodb:\w+|ses:SendEmail)$/,
      createsession: /^(dynamodb:\w+|secretsmanager:(GetSecretValue|DescribeSecret))$/,
      getsettings: new RegExp(`^(${READ.source.slice(2, -2)}|secretsmanager:(GetSecretValue|DescribeSecret))$`),
      putsettings: /^(dynamodb:\w+|secretsmanager:(GetSecretValue|DescribeSecret|CreateSecret|PutSecretValue)|s3:(GetObject|PutObject))$/,
      logoupload: new RegExp(`^(${READ.source.slice(2, -2)}|secretsmanager:(GetSecretValue|DescribeSecret)|s3:PutObject)$`),
      oauthcallback: new RegExp(`^(${READ.source.slice(2, -2)}|secretsmanager:(GetSecretValue|DescribeSecret))$`),
    };
    for (const [route, pattern] of Object.entries(allowed)) {
      const own = statements.filter((s) => s.id.toLowerCase().startsWith(`api${route}role`));
      expect(own.length, route).toBeGreaterThan(0);
      for (const action of own.flatMap((s) => asList(s.Action)).filter((a) => !/^(logs|xray):/.test(a))) expect(action, `${route}: ${action}`).toMatch(pattern);
    }
  });

  it('lets nothing create, change or delete load-balancer target groups or rules (the router is the one target)', () => {
    const granted = statements.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith('elasticloadbalancing:'));
    expect(granted).toEqual([]);
  });

  it('lets the router discover tasks in the instance namespace only, and wake instances only in the tenant cluster', () => {
    const discover = statements.filter((s) => asList(s.Action).includes('servicediscovery:DiscoverInstances'));
    // The router, and the warm pool's hand-over (the step and the keeper finishing an overdue one).
    expect(discover.map((s) => s.id).sort()).toEqual([expect.stringMatching(/^PoolKeeperRole/), expect.stringMatching(/^RouterTaskTaskRole/), expect.stringMatching(/^WorkflowsHandOverFromPoolRole/)]);
    for (const statement of discover) expect((statement as { Condition?: unknown }).Condition, statement.id).toEqual({ StringEquals: { 'servicediscovery:NamespaceName': expect.anything() } });
    const listTasks = statements.filter((s) => asList(s.Action).includes('ecs:ListTasks'));
    expect(listTasks.map((s) => s.id)).toEqual([expect.stringMatching(/^PoolKeeperRole/)]);
    expect((listTasks[0] as { Condition?: unknown }).Condition).toEqual({ ArnEquals: { 'ecs:cluster': expect.anything() } });
    const router = statements.filter((s) => s.id.startsWith('RouterTaskTaskRole'));
    expect(router.flatMap((s) => asList(s.Action)).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'ecs:UpdateService', 'servicediscovery:DiscoverInstances']);
    expect(JSON.stringify(router.find((s) => asList(s.Action).includes('ecs:UpdateService'))!.Resource)).toContain('/spaceos-*');
    // Items only: instance records (and tenants, read for its pages); nothing else of the table.
    const leadingKeys = (action: string) => (router.find((s) => asList(s.Action).includes(action)) as { Condition?: unknown }).Condition;
    expect(leadingKeys('dynamodb:GetItem')).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INSTANCE#*', 'TENANT#*'] } });
    expect(leadingKeys('dynamodb:UpdateItem')).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INSTANCE#*'] } });
  });

  it('lets no function create, tag or change a role: tenant roles from before the shared one are only deleted, on their path', () => {
    // The capacity check's account-wide role count is the one IAM read that is not about tenant roles.
    const accountSummary = statements.filter((s) => asList(s.Action).includes('iam:GetAccountSummary'));
    expect(accountSummary.map((s) => [asList(s.Action), s.Resource])).toEqual([[['iam:GetAccountSummary'], '*']]);
    const iamStatements = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('iam:')) && !asList(s.Action).includes('iam:GetAccountSummary'));
    const granted = new Set(iamStatements.flatMap((s) => asList(s.Action)));
    expect([...granted].sort()).toEqual(['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:PassRole']);
    for (const s of iamStatements) {
      const resources = JSON.stringify(s.Resource);
      if (asList(s.Action).includes('iam:PassRole')) {
        // The execution role, and the pool task's own role (the pool keeper's RunTask): never a tenant role, instances have none.
        for (const resource of asList(s.Resource)) expect(JSON.stringify(resource), s.id).toMatch(/TaskExecutionRole|PoolTaskRole/);
        expect((s as { Condition?: unknown }).Condition, s.id).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      } else {
        expect(resources, s.id).toMatch(/:role\/launchpad\/tenants\/\*"/);
      }
    }
  });

  it('lets only the credentials route and the pool assigner assume the shared instance role, always with session tags', () => {
    const assuming = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('sts:')));
    expect(new Set(assuming.map((s) => s.id.replace(/Role(DefaultPolicy)?\w*$/, ''))).size).toBeGreaterThan(0);
    for (const s of assuming) {
      expect(asList(s.Action).sort(), s.id).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      expect(JSON.stringify(s.Resource), s.id).toMatch(/:role\/launchpad\/tenants\/launchpad-tenant-instance"/);
      expect(s.id, s.id).toMatch(/^(Apiinstancecredentials|Workflows\w*(DeployServices|ClaimPoolInstance|AssignPoolInstance)\w*|\w*[Pp]ool\w*)/);
    }
    expect(assuming.some((s) => s.id.startsWith('Apiinstancecredentials'))).toBe(true);
  });

  it('lets the logo upload sign uploads into tenant upload folders only', () => {
    const puts = statements.filter((s) => s.id.toLowerCase().startsWith('apilogouploadrole') && asList(s.Action).includes('s3:PutObject'));
    expect(puts.length).toBeGreaterThan(0);
    for (const statement of puts) expect(JSON.stringify(statement.Resource)).toMatch(/\/tenants\/\*\/uploads\/\*"/);
  });

  it('attaches no AWS managed policies to our roles', () => {
    const roles = resources('AWS::IAM::Role').filter(([id]) => !id.startsWith('CustomCDKBucketDeployment') && !id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'));
    for (const [id, role] of roles) expect((role as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns, id).toBeUndefined();
  });
});
