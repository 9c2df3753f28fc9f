import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ARCHIVE_ROOT, SEED_PREFIX, tenantPrefix } from '../../shared/instance';
import type { LaunchpadFunction } from './constructs/launchpad-function';
import { tenantPolicies, type TenantResources } from './tenant-policies';

/** The steps that reach the private tenant database (so run in the VPC). */
const DATABASE_STEPS: ReadonlySet<string> = new Set(['CreateDatabases', 'ArchiveDatabases', 'DropDatabases']);

/**
 * What each step function of the workflows may do, by Task state name: exactly what it touches,
 * besides the tenant item it reads and updates (granted to every step by the Workflows stack).
 * The one place the per-step grants live, so a step catalogue can replace them here.
 */
export function stepGrants(scope: Construct, resources: TenantResources): { grants: Record<string, (fn: LaunchpadFunction) => void>; databaseSteps: ReadonlySet<string> } {
  const { tenancy, tenantBucket } = resources;
  const stack = Stack.of(scope);
  const { tenantSecrets, tenantObjects, sendMail, tenantServices, tenantRoles, withBoundary, ensureTenantRoles, deployVersions } = tenantPolicies(scope, resources);
  // Each step gets exactly what it touches, besides the tenant item it reads and updates.
  const stepPermissions: Record<string, (fn: LaunchpadFunction) => void> = {
    CreateDatabases: (fn) => {
      tenancy.database.adminSecret.grantRead(fn);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'], resources: [tenantSecrets] }));
      fn.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem'); // the RDS CA, for pg's TLS
    },
    PrepareStorage: (fn) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [tenantBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${SEED_PREFIX}*`] } } }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [tenantBucket.arnForObjects(`${SEED_PREFIX}*`)] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] }));
    },
    ConfigureMail: (fn) => fn.addToRolePolicy(new PolicyStatement({ actions: ['ses:GetIdentityVerificationAttributes'], resources: ['*'] })),
    RenderConfig: (fn) => fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] })),
    ConfigureDns: (fn) => tenancy.cloudflareToken.grantRead(fn),
    DeployServices: (fn) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:CreateService', 'ecs:TagResource'], resources: [stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${tenancy.cluster.clusterName}/spaceos-*` })] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:TagResource'], resources: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: 'spaceos-*:*' })] }));
      ensureTenantRoles(fn);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeRules'], resources: ['*'] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:AddTags'], resources: [stack.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: 'tg-*' })] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:CreateRule', 'elasticloadbalancing:AddTags'], resources: [tenancy.listener.listenerArn, stack.formatArn({ service: 'elasticloadbalancing', resource: 'listener-rule', resourceName: 'app/*' })] }));
    },
    SendWelcomeEmail: (fn) => {
      fn.addToRolePolicy(sendMail);
      tenancy.adminLinkKey.grantRead(fn); // the upgrade link in the welcome mail
    },
    NotifyOps: (fn) => fn.addToRolePolicy(sendMail),
    // upgrade-fleet: rolling a service onto another image tag (and back).
    DeployVersion: (fn) => deployVersions(fn),
    RollBackVersion: (fn) => deployVersions(fn),
    SummarizeUpgrade: (fn) => fn.addToRolePolicy(sendMail),
    // offboard-tenant
    RemoveServices: (fn) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:DeleteService'], resources: [tenantServices] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:ListTaskDefinitions', 'ecs:DeregisterTaskDefinition'], resources: ['*'] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups'], resources: ['*'] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DeleteRule'], resources: [stack.formatArn({ service: 'elasticloadbalancing', resource: 'listener-rule', resourceName: 'app/*' })] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DeleteTargetGroup'], resources: [stack.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: 'tg-*' })] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:ListRolePolicies', 'iam:DeleteRole'], resources: [tenantRoles] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:DeleteRolePolicy'], resources: [tenantRoles], conditions: withBoundary }));
    },
    RemoveDns: (fn) => tenancy.cloudflareToken.grantRead(fn),
    ArchiveDatabases: (fn) => {
      tenancy.database.adminSecret.grantRead(fn);
      fn.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem');
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(`${ARCHIVE_ROOT}*`)] }));
    },
    DropDatabases: (fn) => {
      tenancy.database.adminSecret.grantRead(fn);
      fn.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem');
    },
    ArchiveStorage: (fn) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [tenantBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${tenantPrefix('*')}*`] } } }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(`${ARCHIVE_ROOT}*`)] }));
    },
    RemoveSecrets: (fn) => fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:DeleteSecret'], resources: [tenantSecrets] })),
    NotifyOffboardingFailed: (fn) => fn.addToRolePolicy(sendMail),
  };
  return { grants: stepPermissions, databaseSteps: DATABASE_STEPS };
}
