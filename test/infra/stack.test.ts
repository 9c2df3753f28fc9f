import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/api/routes';
import { synthStacks, templatesOf } from './synth';

/** Each stack's template; assertions go to the stack that holds the resource. */
let templates: ReturnType<typeof templatesOf>;
let all: Template[];
// Synthesizing the app takes a while (longer than vitest's 10 s for hooks when files run in parallel).
beforeAll(() => {
  templates = templatesOf(synthStacks().stacks);
  all = Object.values(templates);
}, 180_000);
/** Resources of a type in every stack. */
const everywhere = (type: string) => all.flatMap((template) => Object.values(template.findResources(type)));
/** A reference to another stack's resource: CDK imports what the owning stack exports (the export name holds the logical id). */
const imported = (logicalId: RegExp) => ({ 'Fn::ImportValue': Match.stringLikeRegexp(logicalId.source) });

describe('data', () => {
  it('keeps tenants in an on-demand table with point-in-time recovery, TTL and the status index', () => {
    templates.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byStatus' })],
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
  });

  it('keeps tenant files in a private, encrypted, versioned, TLS-only bucket', () => {
    templates.data.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const policies = everywhere('AWS::S3::BucketPolicy');
    expect(policies.length).toBeGreaterThanOrEqual(3);
    for (const policy of policies) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });
});

describe('API', () => {
  it('has one ARM Node 24 function per route, traced', () => {
    const routes = templates.api.findResources('AWS::ApiGatewayV2::Route');
    expect(Object.values(routes).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const functions = everywhere('AWS::Lambda::Function') as Array<{ Properties: { Runtime: string; Environment?: { Variables?: Record<string, unknown> } } }>;
    const ours = functions.filter((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'launchpad');
    expect(ours.length).toBeGreaterThanOrEqual(API_ROUTES.length + 14);
    for (const fn of ours) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
  });

  it('throttles the stage and allows CORS from the site only', () => {
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 }, AccessLogSettings: Match.anyValue() });
    templates.site.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: { AllowOrigins: ['https://spaceos.example'], AllowHeaders: ['content-type', 'idempotency-key'] } });
  });
});

describe('workflows', () => {
  it('deploys provision-tenant from its ASL file as a Standard machine with full logging and X-Ray', () => {
    templates.workflows.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'provision-tenant',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      DefinitionSubstitutions: Match.objectLike({ MarkProvisioningFunctionArn: Match.anyValue(), CreateDatabasesFunctionArn: Match.anyValue(), NotifyOpsFunctionArn: Match.anyValue() }),
    });
  });

  it('deploys roll-out-fleet from its file, its Tasks by their catalogue names, and outputs each machine for npm run ops', () => {
    templates.workflows.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'roll-out-fleet',
      DefinitionSubstitutions: Match.objectLike({ PlanRolloutFunctionArn: Match.anyValue(), SummarizeRolloutFunctionArn: Match.anyValue() }),
    });
    expect(Object.keys(templates.workflows.findOutputs('*')).sort()).toEqual(expect.arrayContaining(['OffboardStateMachine', 'ProvisionStateMachine', 'RolloutStateMachine']));
    templates.workflows.hasOutput('RolloutStateMachine', { Description: 'LAUNCHPAD_ROLLOUT_ARN for npm run ops' });
  });

  it('lets roll-out-fleet run each tenant of a wave as a child execution of itself (Distributed Map), and nothing more', () => {
    templates.workflows.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'roll-out-fleet',
      DefinitionSubstitutions: Match.objectLike({ AssessWaveFunctionArn: Match.anyValue() }),
    });
    const policies = Object.values(templates.workflows.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('states:StartExecution'));
    expect(policies).toHaveLength(1);
    const statements = (policies[0] as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement;
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(['states:DescribeExecution', 'states:RedriveExecution', 'states:StartExecution', 'states:StopExecution']);
    // Its own machine and executions only.
    expect(JSON.stringify(statements)).toContain('roll-out-fleet');
    expect(JSON.stringify(statements)).not.toContain('provision-tenant');
  });

  it('runs the reconciler every minute', () => {
    templates.operations.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)' });
    templates.operations.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)' });
  });
});

describe('site', () => {
  it('serves the private web bucket through CloudFront with origin access control, /api/* to the API, SPA routes and security headers', () => {
    templates.site.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    templates.site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['spaceos.example'],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })] }),
        // After the cached public reads (api-edge.test.ts): the rest of /api/*.
        CacheBehaviors: Match.arrayWith([Match.objectLike({ PathPattern: '/api/*', AllowedMethods: Match.arrayWith(['POST']) })]),
      }),
    });
    templates.site.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({ SecurityHeadersConfig: Match.objectLike({ StrictTransportSecurity: Match.objectLike({ Override: true }), FrameOptions: { FrameOption: 'DENY', Override: true } }) }),
    });
  });
});

describe('tenancy', () => {
  it('runs tenants on a Fargate cluster (Container Insights off) whose tasks register in one Cloud Map namespace', () => {
    expect(everywhere('AWS::ECS::Cluster')).toHaveLength(1);
    templates.tenancy.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }] });
    templates.tenancy.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'instances.launchpad.internal' });
  });

  it('has one HTTPS entry whose one target is the tenant router: no per-tenant target group or rule', () => {
    templates.tenancy.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      DefaultActions: [Match.objectLike({ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('RouterTargets') } })],
    });
    expect(everywhere('AWS::ElasticLoadBalancingV2::ListenerRule')).toHaveLength(0);
    expect(everywhere('AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(1);
    templates.tenancy.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip', HealthCheckPath: '/_router/health' });
    // Instances take traffic from the router (and the steps that assign and hand over pool tasks), never from the load balancer.
    const intoTasks = Object.values(templates.tenancy.findResources('AWS::EC2::SecurityGroupIngress')).filter((rule) => JSON.stringify(rule).includes('"GroupId":{"Fn::GetAtt":["TenancyTaskSg'));
    expect(intoTasks.map((rule) => JSON.stringify((rule as { Properties: { SourceSecurityGroupId: unknown } }).Properties.SourceSecurityGroupId)).sort()).toEqual([expect.stringContaining('TenancyDatabaseClientSg'), expect.stringContaining('TenancyRouterSg')]);
  });

  it('runs the tenant router as at least two ARM tasks across the zones, scaled on request count', () => {
    templates.router.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2, LaunchType: 'FARGATE', LoadBalancers: [Match.objectLike({ ContainerPort: 8080 })] });
    templates.router.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
    templates.router.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    templates.router.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }) }),
    });
  });

  it('keeps tenant databases on an encrypted, multi-AZ, TLS-only Postgres in private subnets', () => {
    templates.tenancy.hasResourceProperties('AWS::RDS::DBInstance', { Engine: 'postgres', StorageEncrypted: true, MultiAZ: true, DeletionProtection: true, PubliclyAccessible: false });
    templates.tenancy.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
  });

  it('has secrets for the database admin, Cloudflare and Stripe, and SES identities with a configuration set', () => {
    for (const name of ['launchpad/tenant-db-admin', 'launchpad/cloudflare-token', 'launchpad/stripe']) templates.tenancy.hasResourceProperties('AWS::SecretsManager::Secret', { Name: name });
    templates.tenancy.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'clients.spaceos.example', ConfigurationSetAttributes: Match.anyValue() });
    templates.tenancy.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'launchpad-tenants' });
  });

  it("caps the instance role at tenant files, the tenant sender and tenants' SMTP passwords (its boundary)", () => {
    templates.tenancy.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      ManagedPolicyName: 'launchpad-tenant-task-boundary',
      PolicyDocument: {
        Statement: [
          { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [imported(/TenantAssets\w+Arn/), '/tenants/*/*']] } },
          { Action: ['ses:SendEmail', 'ses:SendRawEmail'], Effect: 'Allow', Resource: [Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('TenantSenders') })])]) }), Match.anyValue()] },
          { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':secret:launchpad/tenants/\\*/smtp-\\?\\?\\?\\?\\?\\?$')])] }) },
        ],
        Version: '2012-10-17',
      },
    });
    // No task role for instances: their SDK gets the shared instance role's session from the credentials route (STS, not ECS; test/infra/instance-role.test.ts). The router has its own pair.
    const ecsRoles = (template: Template) => Object.keys(template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] } } }));
    expect(ecsRoles(templates.router).sort()).toEqual([expect.stringMatching(/^RouterTaskExecutionRole/), expect.stringMatching(/^RouterTaskTaskRole/)]);
    expect(all.flatMap(ecsRoles)).toHaveLength(4);
    const taskRoles = Object.keys(templates.tenancy.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] } } }));
    expect(taskRoles.sort()).toEqual([expect.stringMatching(/^TenancyPoolTaskRole/), expect.stringMatching(/^TenancyTaskExecutionRole/)]);
    // The pool task's own role can do nothing: an unassigned instance reaches no tenant's files, secrets or mail.
    expect(Object.values(templates.tenancy.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('TenancyPoolTaskRole'))).toEqual([]);
  });
});

describe('operations', () => {
  it('alarms on failed or timed-out provisioning to an encrypted topic mailed to ops', () => {
    templates.operations.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut' })]), AlarmActions: [{ Ref: Match.stringLikeRegexp('Alerts') }] });
    templates.operations.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'customer-success@spaceos.example' });
    templates.operations.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('alarms ops when a rollout or offboarding run breaks off, a scheduled job throws, or the Stripe webhook fails', () => {
    expect(everywhere('AWS::CloudWatch::Alarm')).toHaveLength(Object.keys(templates.operations.findResources('AWS::CloudWatch::Alarm')).length);
    const alarms = Object.entries(templates.operations.findResources('AWS::CloudWatch::Alarm')).map(([id, r]) => ({ id, props: (r as { Properties: { AlarmActions: unknown[]; AlarmDescription: string } }).Properties }));
    const ids = alarms.map((a) => a.id.replace(/^Operations/, '').replace(/[0-9A-F]{8}$/, ''));
    expect(ids.sort()).toEqual(
      [
        ...['DetectDriftErrors', 'FleetRolloutFailed', 'OffboardingFailed', 'PoolKeeperErrors', 'ProvisioningFailed', 'ReconcilerErrors', 'RenderPendingErrors', 'SleepIdleErrors', 'SmtpCheckErrors', 'StripeWebhookFailing', 'TrialSweepErrors'],
        // Quota headroom (capacity.test.ts), the welcome-mail retry and SES events (mail-events.test.ts).
        ...['CapacityCheckErrors', 'CapacityHeadroom', 'WelcomeMailRetryErrors', 'MailEventsUndeliveredEvents', 'MailEventsWelcomeMailFailing'],
        // Customer success's console (console.test.ts): stuck tenants, crash loops, router, API, Lambda, database, SES reputation.
        ...['StuckTenants', 'InstanceCrashLoop', 'RouterErrors', 'RouterUnhealthy', 'ApiServerErrors', 'ApiThrottled', 'LambdaErrors', 'LambdaThrottles', 'DatabaseCpu', 'DatabaseStorage', 'DatabaseConnections', 'SesBounceRate', 'SesComplaintRate'],
      ].sort(),
    );
    for (const { id, props } of alarms) expect(props.AlarmActions, id).toEqual([{ Ref: expect.stringMatching(/Alerts/) }]);
    templates.operations.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.level = "ERROR" }', MetricTransformations: [Match.objectLike({ MetricName: 'StripeWebhookFailures' })] });
  });

  it('has a provisioning dashboard with signups, executions and duration percentiles', () => {
    const [dashboard] = Object.values(templates.operations.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard);
    for (const part of ['Signups per hour', 'ExecutionsStarted', 'ExecutionsFailed', 'ExecutionTime', 'p50', 'p95']) expect(body).toContain(part);
  });
});
