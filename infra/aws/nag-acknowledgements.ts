import { Token, Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { API_ROUTES } from '../../functions/api/routes';

const ack = (scope: IConstruct, rule: string, reason: string) => Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });

/**
 * The cdk-nag AwsSolutions findings Launchpad accepts, each with the reason. Everything else must
 * be fixed (test/infra/nag.test.ts fails on any unacknowledged finding). Action wildcards are never
 * accepted: test/infra/iam.test.ts checks every policy statement separately.
 */
export interface PrefixScoped {
  table: IConstruct;
  tenantBucket: IConstruct;
  siteBucket: IConstruct;
  /** Log groups whose streams a role writes (`<group>:*`). */
  logGroups: IConstruct[];
  /** Functions invoked with their versions and aliases (`<function>:*`). */
  functions: IConstruct[];
  cluster: IConstruct;
}

export function acknowledgeFindings(stack: Stack, scoped: PrefixScoped): void {
  ack(
    stack,
    'IAM5[Resource::*]',
    "Only for actions that have no resource-level permissions: X-Ray PutTraceSegments/PutTelemetryRecords, EC2 network-interface actions of the VPC function, ses:GetIdentityVerificationAttributes, ecs:RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions and DeregisterTaskDefinition, elasticloadbalancing:Describe*, ecr:GetAuthorizationToken, and Step Functions' vended log delivery (test/infra/iam.test.ts holds that list)",
  );
  // Resources scoped by prefix: what they cover is created at runtime, per tenant or per stream.
  const arn = (c: IConstruct) => `<${stack.getLogicalId(c.node.defaultChild as CfnElement)}.Arn>`;
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const prefixed: Array<[string, string]> = [
    [`${arn(scoped.table)}/index/*`, "the table's own indexes (the status index the reconciler and sweeps query)"],
    [`${arn(scoped.tenantBucket)}/tenants/*/*`, 'objects under tenants/<id>/, created per tenant at runtime'],
    [`${arn(scoped.tenantBucket)}/seed/*`, 'the seed assets every tenant starts with'],
    [`${arn(scoped.tenantBucket)}/archive/*`, 'archives of offboarded tenants (archive/<id>/), written at runtime'],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*`, "tenants' database passwords, created per tenant at runtime"],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*/smtp*`, "tenants' own SMTP passwords, saved from the settings page at runtime"],
    [`arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:launchpad/tenants/*/smtp-??????`, "the boundary of tenant task roles: each role itself reads only its own tenant's SMTP password"],
    [`${arn(scoped.tenantBucket)}/tenants/*/uploads/*`, 'logo uploads under tenants/<id>/uploads/, created per tenant at runtime'],
    [`arn:<AWS::Partition>:ecr:${region}:${account}:repository/*`, "pulling the spaceOS image from the account's registry"],
    [`arn:<AWS::Partition>:iam::${account}:role/launchpad/tenants/*`, 'task roles of tenant instances (one per tenant and environment), created at runtime; creating or changing one requires the tenant permissions boundary'],
    ...scoped.logGroups.map((group): [string, string] => [`${arn(group)}:*`, 'log streams of its own log group']),
    ...scoped.functions.map((fn): [string, string] => [`${arn(fn)}:*`, 'the versions and aliases of the one function it invokes']),
    [`arn:<AWS::Partition>:ecs:${region}:${account}:service/<${stack.getLogicalId(scoped.cluster.node.defaultChild as CfnElement)}>/spaceos-*`, 'tenant services spaceos-<sub>-<env> in the tenant cluster, created at runtime'],
    [`arn:<AWS::Partition>:ecs:${region}:${account}:task-definition/spaceos-*:*`, 'revisions of tenant task definitions spaceos-<sub>-<env>, registered at runtime'],
    [`arn:<AWS::Partition>:elasticloadbalancing:${region}:${account}:targetgroup/tg-*`, 'tenant target groups (tg-<env>-<hash>), created at runtime'],
    [`arn:<AWS::Partition>:elasticloadbalancing:${region}:${account}:listener-rule/app/*`, 'host-header rules for tenant instances, created at runtime'],
  ];
  for (const [resource, why] of prefixed) ack(stack, `IAM5[Resource::${resource}]`, `Scoped by prefix: ${why}`);

  const bucketDeployment = stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  for (const child of bucketDeployment) {
    const reason = 'The CDK-managed BucketDeployment handler (seed assets, web app): its role, policy and runtime are defined by aws-cdk-lib';
    ack(child, 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason);
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) ack(child, `IAM5[Action::${action}]`, reason);
    for (const resource of [`${arn(scoped.tenantBucket)}/*`, `${arn(scoped.siteBucket)}/*`, `arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`]) ack(child, `IAM5[Resource::${resource}]`, reason);
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
  if (loadBalancerSg) ack(loadBalancerSg, 'EC23', "Instances are reached through Cloudflare's proxy, whose edge ranges change; the listener only forwards known instance hosts (one rule each) and answers 404 otherwise");
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
  const distribution = find('Site/Distribution');
  if (distribution) {
    ack(distribution, 'CFR1', 'Signup is open worldwide: no geo restriction');
    ack(distribution, 'CFR2', 'A CloudFront WAF web ACL must live in us-east-1 (this stack is regional); the API is throttled at its stage and validates every input. Add a WAF from us-east-1 when abuse shows');
  }
}
