import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ARCHIVE_ROOT, SEED_PREFIX, tenantPrefix } from '../../shared/instance';
import { stepFacts, type GrantName } from '../../shared/step-catalogue';
import type { LaunchpadFunction } from './constructs/launchpad-function';
import { instanceRoleArnIn, tenantPolicies, type TenantResources } from './tenant-policies';
import { POOL_ASSIGNER_TAG } from '../../functions/providers/tenant-task-roles';

/**
 * What each grant name of the step catalogue (shared/step-catalogue.ts) lets a step's function do,
 * as policy statements: the catalogue says which step needs what, this says what that means on AWS.
 * Every step also reads and writes the table (granted by the Workflows stack).
 */
export function stepGrants(scope: Construct, resources: TenantResources): { grant: (state: string, fn: LaunchpadFunction) => void; inVpc: (state: string) => boolean } {
  const { tenancy, tenantBucket } = resources;
  const stack = Stack.of(scope);
  const { tenantSecrets, instanceTokens, tenantObjects, sendMail, tenantServices, tenantRoles, withBoundary, ensureInstanceTokens, deployVersions, registerInstances, instanceRegistries, readSmtpSecret, renderTenantFiles, scaleServices, poolTasks, discoverInstances } = tenantPolicies(scope, resources);
  const instanceRoleArn = instanceRoleArnIn(stack);
  const statements = (fn: LaunchpadFunction, ...list: PolicyStatement[]) => list.forEach((s) => fn.addToRolePolicy(s));
  const GRANTS: Record<GrantName, (fn: LaunchpadFunction) => void> = {
    'database:admin': (fn) => {
      for (const server of tenancy.databaseServers) server.adminSecret.grantRead(fn);
      fn.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem'); // the RDS CA, for pg's TLS
    },
    'tenantSecrets:write': (fn) => statements(fn, new PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'], resources: [tenantSecrets] })),
    'tenantSecrets:delete': (fn) => statements(fn, new PolicyStatement({ actions: ['secretsmanager:DeleteSecret'], resources: [tenantSecrets] })),
    'smtpSecret:read': (fn) => statements(fn, readSmtpSecret),
    'seed:read': (fn) =>
      statements(
        fn,
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [tenantBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${SEED_PREFIX}*`] } } }),
        new PolicyStatement({ actions: ['s3:GetObject'], resources: [tenantBucket.arnForObjects(`${SEED_PREFIX}*`)] }),
      ),
    'tenantFiles:write': (fn) => statements(fn, renderTenantFiles),
    'tenantFiles:archive': (fn) =>
      statements(
        fn,
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [tenantBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${tenantPrefix('*')}*`] } } }),
        new PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] }),
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(`${ARCHIVE_ROOT}*`)] }),
      ),
    'archive:write': (fn) => statements(fn, new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(`${ARCHIVE_ROOT}*`)] })),
    'ses:checkIdentity': (fn) => statements(fn, new PolicyStatement({ actions: ['ses:GetIdentityVerificationAttributes'], resources: ['*'] })),
    'mail:send': (fn) => statements(fn, sendMail),
    'adminLinkKey:read': (fn) => tenancy.adminLinkKey.grantRead(fn),
    'ecs:createService': (fn) => {
      statements(
        fn,
        // UpdateService: DeployServices also sizes the instances (a resumed provisioning starts stopped ones).
        new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:CreateService', 'ecs:UpdateService', 'ecs:TagResource'], resources: [tenantServices] }),
        new PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }),
        new PolicyStatement({ actions: ['ecs:TagResource'], resources: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: 'spaceos-*:*' })] }),
        ...registerInstances,
      );
      ensureInstanceTokens(fn);
    },
    // Rolling a service onto another image tag (and back).
    'ecs:deployVersion': (fn) => deployVersions(fn),
    'ecs:removeServices': (fn) =>
      statements(
        fn,
        new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:DeleteService'], resources: [tenantServices] }),
        new PolicyStatement({ actions: ['ecs:ListTaskDefinitions', 'ecs:DeregisterTaskDefinition'], resources: ['*'] }),
        ...registerInstances,
        new PolicyStatement({ actions: ['servicediscovery:DeleteService'], resources: [instanceRegistries] }),
        new PolicyStatement({ actions: ['secretsmanager:DeleteSecret'], resources: [instanceTokens] }),
        // The role an instance had before the shared one (migration): deleted with the tenant.
        new PolicyStatement({ actions: ['iam:ListRolePolicies', 'iam:DeleteRole'], resources: [tenantRoles] }),
        new PolicyStatement({ actions: ['iam:DeleteRolePolicy'], resources: [tenantRoles], conditions: withBoundary }),
      ),
    'pool:assign': (fn) => {
      tenancy.poolKey.grantRead(fn);
      // The instance role trusts principals of this account tagged as the pool's assigner (infra/aws/constructs/tenancy.ts),
      // assumed with the tenant's session tags.
      Tags.of(fn.role!).add(POOL_ASSIGNER_TAG.key, POOL_ASSIGNER_TAG.value);
      statements(
        fn,
        new PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [instanceRoleArn] }),
        ...poolTasks.stop,
      );
    },
    'pool:handOver': (fn) => statements(fn, ...scaleServices, ...poolTasks.stop, discoverInstances),
  };
  const factsOf = (state: string) => {
    const facts = stepFacts(state);
    if (!facts) throw new Error(`Task ${state} is not in the step catalogue (shared/step-catalogue.ts)`);
    return facts;
  };
  return {
    grant: (state, fn) => {
      factsOf(state).grants.forEach((name) => GRANTS[name](fn));
      // A step that probes instances signs its probe pass for the tenant router (functions/lambda/probe.ts).
      if (factsOf(state).needs.includes('probe')) tenancy.routerProbeKey.grantRead(fn);
    },
    // Only the steps with the database admin grant reach the private database, so they run in the VPC...
    // ...and the steps that talk to instances' tasks directly (pool assignment, hand-over).
    inVpc: (state) => factsOf(state).grants.some((grant) => grant === 'database:admin' || grant === 'pool:assign' || grant === 'pool:handOver'),
  };
}
