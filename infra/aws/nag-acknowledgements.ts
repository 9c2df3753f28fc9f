import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ICluster } from 'aws-cdk-lib/aws-ecs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { API_ROUTES } from '../../functions/api/routes';

const ack = (scope: IConstruct, rule: string, reason: string) => Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });

/**
 * The cdk-nag AwsSolutions findings Launchpad accepts, each with the reason. Everything else must
 * be fixed (test/infra/nag.test.ts fails on any unacknowledged finding). Action wildcards are never
 * accepted: test/infra/iam.test.ts checks every policy statement separately.
 */
export interface PrefixScoped {
  table: ITableV2;
  tenantBucket: IBucket;
  siteBucket: IBucket;
  /** Log groups whose streams a role writes (`<group>:*`); of every stack (each stack acknowledges its own). */
  logGroups: ILogGroup[];
  /** Functions invoked with their versions and aliases (`<function>:*`); of every stack. */
  functions: IFunction[];
  cluster: ICluster;
}

/** A reference as cdk-nag prints it in a finding: `<Id>`, `<Id.Attr>`, or an import's export name. */
function flatten(resolved: unknown): string {
  const value = resolved as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::ImportValue'?: string };
  if (typeof resolved === 'string') return resolved;
  if (value.Ref) return `<${value.Ref}>`;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value['Fn::ImportValue']) return value['Fn::ImportValue'];
  return JSON.stringify(resolved);
}

/** Acknowledges, on `stack`, the findings Launchpad accepts; applied to every stack of the app. */
export function acknowledgeFindings(stack: Stack, scoped: PrefixScoped): void {
  ack(
    stack,
    'IAM5[Resource::*]',
    "Only for actions that have no resource-level permissions: X-Ray PutTraceSegments/PutTelemetryRecords, EC2 network-interface actions of the VPC function, ses:GetIdentityVerificationAttributes, ecs:RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions and DeregisterTaskDefinition, servicediscovery:DiscoverInstances (held to the instance namespace by a condition), ecr:GetAuthorizationToken, the capacity check's read-only servicequotas:GetServiceQuota/GetAWSDefaultServiceQuota, iam:GetAccountSummary and ses:GetSendQuota, and Step Functions' vended log delivery (test/infra/iam.test.ts holds that list)",
  );
  // Resources scoped by prefix: what they cover is created at runtime, per tenant or per stream.
  // How this stack's template names an attribute of `owner`: directly in the owner's own stack, else
  // by the import of the export CDK creates for it (exportValue names it as that reference does, and
  // adds no export of its own as long as some stack imports the value: the table, the tenant bucket
  // and the cluster are imported by every stack with functions).
  const own = (c: IConstruct) => Stack.of(c) === stack;
  const ref = (owner: IConstruct, value: string) => flatten(stack.resolve(own(owner) ? value : Stack.of(owner).exportValue(value)));
  const tenantBucket = ref(scoped.tenantBucket, scoped.tenantBucket.bucketArn);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const prefixed: Array<[string, string]> = [
    [`${ref(scoped.table, scoped.table.tableArn)}/index/*`, "the table's own indexes (the status index the reconciler and sweeps query)"],
    [`${tenantBucket}/tenants/*/*`, 'objects under tenants/<id>/, created per tenant at runtime'],
    [`${tenantBucket}/seed/*`, 'the seed assets every tenant starts with'],
    [`${tenantBucket}/archive/*`, 'archives of offboarded tenants (archive/<id>/), written at runtime'],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*`, "tenants' database passwords, created per tenant at runtime"],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*/smtp*`, "tenants' own SMTP passwords, saved from the settings page at runtime"],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*/smtp-??????`, "the boundary of the instance role: a session itself reads only its own tenant's SMTP password"],
    // cdk-nag shows a policy variable ${...} as <...>.
    [`${tenantBucket}/tenants/<aws:PrincipalTag/tenantId>/*`, "the shared instance role: a session reads only the files of the tenant its tags name"],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*/instance-token-??????`, "instances' tokens for their credentials (launchpad/tenants/<id>/<env>/instance-token), created per tenant at runtime"],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*/instance-token*`, "creating instances' tokens (CreateSecret is authorized on the name, before its random suffix exists)"],
    [`${tenantBucket}/tenants/*/uploads/*`, 'logo uploads under tenants/<id>/uploads/, created per tenant at runtime'],
    [`arn:<AWS::Partition>:ecr:${region}:${account}:repository/*`, "pulling the spaceOS image from the account's registry"],
    [`arn:<AWS::Partition>:iam::${account}:role/launchpad/tenants/*`, 'task roles of tenant instances from before the shared instance role (one per tenant and environment), only deleted now, at offboarding'],
    ...scoped.logGroups.filter(own).map((group): [string, string] => [`${ref(group, group.logGroupArn)}:*`, 'log streams of its own log group']),
    ...scoped.functions.filter(own).map((fn): [string, string] => [`${ref(fn, fn.functionArn)}:*`, 'the versions and aliases of the one function it invokes']),
    [`arn:<AWS::Partition>:ecs:${region}:${account}:service/${ref(scoped.cluster, scoped.cluster.clusterName)}/spaceos-*`, 'tenant services spaceos-<sub>-<env> in the tenant cluster, created at runtime'],
    [`arn:<AWS::Partition>:ecs:${region}:${account}:task-definition/spaceos-*:*`, 'revisions of tenant task definitions spaceos-<sub>-<env>, registered at runtime'],
    [`arn:<AWS::Partition>:ecs:${region}:${account}:task/${ref(scoped.cluster, scoped.cluster.clusterName)}/*`, 'tasks in the tenant cluster: warm-pool tasks started at runtime (RunTask), described and stopped by their ids'],
    [`arn:<AWS::Partition>:ecs:${region}:${account}:task-definition/spaceos-pool:*`, "revisions of the warm pool's task definition (RunTask takes the family's latest)"],
    [`arn:<AWS::Partition>:servicediscovery:${region}:${account}:service/*`, 'Cloud Map services of tenant instances (spaceos-<sub>-<env>, ids assigned by Cloud Map), created at runtime in the instance namespace'],
    [`arn:<AWS::Partition>:states:${region}:${account}:execution:provision-tenant:*`, 'executions of provision-tenant (named per tenant at runtime): the reconciler describes them (states:DescribeExecution only)'],
    [`arn:<AWS::Partition>:states:${region}:${account}:execution:roll-out-fleet:*`, "roll-out-fleet's own executions: its Distributed Map describes and stops the runs it started"],
    [`arn:<AWS::Partition>:states:${region}:${account}:execution:roll-out-fleet/*`, "the child executions of roll-out-fleet's Distributed Map (roll-out-fleet/RolloutWave:<id>, one per tenant of a wave), started at runtime"],
  ];
  for (const [resource, why] of prefixed) ack(stack, `IAM5[Resource::${resource}]`, `Scoped by prefix: ${why}`);

  const bucketDeployment = stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  for (const child of bucketDeployment) {
    const reason = 'The CDK-managed BucketDeployment handler (seed assets, web app): its role, policy and runtime are defined by aws-cdk-lib';
    ack(child, 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason);
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) ack(child, `IAM5[Action::${action}]`, reason);
    // Each stack's handler deploys into that stack's own bucket.
    const buckets = [scoped.tenantBucket, scoped.siteBucket].filter(own).map((bucket) => `${ref(bucket, bucket.bucketArn)}/*`);
    for (const resource of [...buckets, `arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`]) ack(child, `IAM5[Resource::${resource}]`, reason);
    ack(child, 'L1', reason);
  }
  for (const route of API_ROUTES) {
    const construct = stack.node.tryFindChild('Api')?.node.tryFindChild('HttpApi')?.node.tryFindChild(`${route.method}${route.path.replace(/\//g, '--')}`);
    const reason = {
      stripe: 'Called by Stripe: authenticated by the Stripe signature over the raw body, checked before anything else',
      'session-or-link': "Authorised in the function by the tenant admin's signed session cookie or a signed admin token (HMAC, expiring) that only the tenant's admin holds",
      session: "Authorised in the function by the tenant admin's signed session cookie (HttpOnly, SameSite=Lax), checked against the tenant of the path",
      'oauth-state': 'Called by browsers on their way to and back from Google/Microsoft: the state is HMAC-signed, names one tenant and expires in 10 minutes',
      public: 'Public by design (signup, sign-in requests, status by unguessable id, branding): input is validated, the stage is throttled, and no private tenant data is exposed',
    }[route.access];
    if (construct) ack(construct, 'APIG4', reason);
  }
  const find = (path: string) => stack.node.findAll().find((c) => c.node.path === `${stack.node.path}/${path}`);
  const loadBalancerSg = find('Tenancy/LoadBalancerSg');
  if (loadBalancerSg) ack(loadBalancerSg, 'EC23', "Instances are reached through Cloudflare's proxy, whose edge ranges change; the listener forwards to the tenant router, which answers only known instance hosts and a 404 page otherwise");
  const cluster = find('Tenancy/Cluster');
  if (cluster) ack(cluster, 'ECS4', 'Container Insights is billed per task and metric; with thousands of mostly idle trial tasks it is off unless the containerInsights context value turns it on');
  const routerTask = find('Router/Task');
  if (routerTask) ack(routerTask, 'ECS2', 'Its environment holds names and addresses only (table, cluster, namespace, URL templates); the probe key comes from Secrets Manager');
  const database = find('Tenancy/Database');
  if (database) ack(database, 'RDS11', 'Reachable only from two security groups in private subnets; a non-default port would add nothing but configuration');
  const linkKey = find('Tenancy/AdminLinkKey');
  if (linkKey) ack(linkKey, 'SMG4', 'Rotating the admin-link key invalidates every outstanding upgrade link (valid 30 days); rotate by hand when it may have leaked');
  const sessionKey = find('Tenancy/SessionKey');
  if (sessionKey) ack(sessionKey, 'SMG4', 'Rotating the session key signs every admin out (sessions last 12 hours); rotate by hand when it may have leaked');
  const stateKey = find('Tenancy/OAuthStateKey');
  if (stateKey) ack(stateKey, 'SMG4', 'Signs OAuth state valid for 10 minutes; rotating it only fails consents in flight, so it is rotated by hand when it may have leaked');
  for (const secret of ['Tenancy/Database/Secret', 'Tenancy/CloudflareToken', 'Tenancy/StripeKeys']) {
    const construct = find(secret);
    if (construct) ack(construct, 'SMG4', secret.endsWith('Secret') ? 'Rotated by operators with the runbook in README (TenantDatabases re-reads it on each cold start); an automatic rotation Lambda would need its own VPC access and NAT path' : 'A third-party credential: rotated in the provider\'s dashboard, then put into the secret');
  }
  const originSecret = find('Site/OriginSecret');
  if (originSecret) ack(originSecret, 'SMG4', 'Set on the CloudFront origin and in the route functions by deploy-time references; rotating it means redeploying the Site and Api stacks, so it is rotated by hand when it may have leaked');
  const probeKey = find('Tenancy/RouterProbeKey');
  if (probeKey) ack(probeKey, 'SMG4', 'Signs probe passes valid for 2 minutes; router tasks get it at start and the probing steps on cold start, so it is rotated by hand (then the router tasks replaced) when it may have leaked');
  const poolKey = find('Tenancy/PoolKey');
  if (poolKey) ack(poolKey, 'SMG4', 'Read by pool tasks at start only; rotating it would leave running unassigned tasks unassignable until the pool keeper replaces them, so it is rotated by hand with a pool drain');
  const poolTask = find('Tenancy/PoolTask');
  if (poolTask) ack(poolTask, 'ECS2', 'Its environment holds the port, the bucket name and the region; the pool key comes from Secrets Manager');
  const distribution = find('Site/Distribution');
  if (distribution) {
    ack(distribution, 'CFR1', 'Signup is open worldwide: no geo restriction');
    ack(distribution, 'CFR2', 'A CloudFront WAF web ACL must live in us-east-1 (this stack is regional); the API is throttled at its stage and validates every input. Add a WAF from us-east-1 when abuse shows');
  }
}
