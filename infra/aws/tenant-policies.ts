import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { tenantPrefix } from '../../shared/instance';
import { INSTANCE_ROLE_NAME } from '../../functions/providers/tenant-task-roles';
import type { LaunchpadFunction } from './constructs/launchpad-function';
import { TENANT_ROLE_PATH, TENANT_SECRETS_PREFIX, type Tenancy } from './constructs/tenancy';

/** The shared instance role's ARN from its fixed name and path (no cross-stack reference: Tenancy creates it). */
export const instanceRoleArnIn = (stack: Stack) => stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${TENANT_ROLE_PATH.slice(1)}${INSTANCE_ROLE_NAME}` });

export interface TenantResources {
  tenancy: Tenancy;
  tenantBucket: Bucket;
}

/**
 * What functions of several stacks (steps, routes, scheduled jobs) are granted alike on tenants'
 * secrets, files, services, instance tokens and mail. Built per stack (`scope`), so ARNs use its
 * account and region and other stacks' resources are imported.
 */
export function tenantPolicies(scope: Construct, { tenancy, tenantBucket }: TenantResources) {
  const stack = Stack.of(scope);
  const tenantSecrets = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const tenantObjects = `${tenantPrefix('*')}*`;
  const sendMail = new PolicyStatement({
    actions: ['ses:SendEmail'],
    resources: [...tenancy.senderIdentities.map((identity) => identity.emailIdentityArn), stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: tenancy.configurationSet.configurationSetName })],
  });

  const tenantServices = stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${tenancy.cluster.clusterName}/spaceos-*` });
  // Roles on the tenant path: the shared instance role (Tenancy) and the per-tenant roles instances had
  // before it, which functions only ever delete now (offboarding), their policies only under the boundary.
  const tenantRoles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${TENANT_ROLE_PATH.slice(1)}*` });
  const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': tenancy.tenantTaskBoundary.managedPolicyArn } };
  // Each instance's token (launchpad/tenants/<id>/<env>/instance-token, shared/instance-token.ts).
  const instanceTokens = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*/instance-token-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  // Task definitions name the execution role only: instances have no task role (their credentials are vended).
  const passTaskRoles = new PolicyStatement({ actions: ['iam:PassRole'], resources: [tenancy.executionRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } });
  /** What registering a tenant's task definition needs beside ECS: its instance token (created once) and passing the execution role. */
  const ensureInstanceTokens = (fn: LaunchpadFunction) => {
    // CreateSecret is authorized against the name before the random suffix exists.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:CreateSecret'], resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*/instance-token*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
    fn.addToRolePolicy(passTaskRoles);
  };
  const deployVersions = (fn: LaunchpadFunction) => {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [tenantServices] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'], resources: ['*'] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:TagResource'], resources: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: 'spaceos-*:*' })] }));
    ensureInstanceTokens(fn);
  };
  // Sizing, sleeping and stopping an instance is its desired count alone: the router answers for stopped ones.
  const scaleServices = [new PolicyStatement({ actions: ['ecs:UpdateService'], resources: [tenantServices] })];
  // Each instance's Cloud Map service (spaceos-<sub>-<env>) in the instance namespace: created with the
  // ECS service, found again by its creator request id, deleted at offboarding.
  const instanceRegistries = stack.formatArn({ service: 'servicediscovery', resource: 'service', resourceName: '*' });
  const registerInstances = [
    new PolicyStatement({ actions: ['servicediscovery:CreateService', 'servicediscovery:TagResource'], resources: [tenancy.namespace.namespaceArn, instanceRegistries] }),
    new PolicyStatement({ actions: ['servicediscovery:GetService'], resources: [instanceRegistries] }),
  ];

  // Sign-in and runtime settings. A tenant's SMTP password lives at launchpad/tenants/<id>/smtp.
  const smtpSecrets = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*/smtp*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const readSmtpSecret = new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [smtpSecrets] });
  const renderTenantFiles = new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] });
  /** Mail as the tenant: its own SMTP server while it works; else SES, re-rendering the config to match. */
  const sendAsTenant = (fn: LaunchpadFunction) => [sendMail, readSmtpSecret, renderTenantFiles].forEach((statement) => fn.addToRolePolicy(statement));

  // The warm pool's tasks: started from its task definition, stopped, described and listed in the cluster only.
  const inCluster = { ArnEquals: { 'ecs:cluster': tenancy.cluster.clusterArn } };
  const poolTasks = {
    run: [
      new PolicyStatement({ actions: ['ecs:RunTask'], resources: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: 'spaceos-pool:*' })], conditions: inCluster }),
      new PolicyStatement({ actions: ['ecs:TagResource'], resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${tenancy.cluster.clusterName}/*` })], conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } } }),
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [tenancy.executionRole.roleArn, tenancy.poolTaskDefinition.taskRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }),
      new PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${tenancy.cluster.clusterName}/*` })] }),
      new PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: inCluster }),
    ],
    // Pool tasks only (RunTask tags them): never a tenant's own task.
    stop: [new PolicyStatement({ actions: ['ecs:StopTask'], resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${tenancy.cluster.clusterName}/*` })], conditions: { StringEquals: { 'aws:ResourceTag/launchpad:role': 'pool' } } })],
  };
  // DiscoverInstances has no resource-level permissions; the condition holds it to the instance namespace.
  const discoverInstances = new PolicyStatement({ actions: ['servicediscovery:DiscoverInstances'], resources: ['*'], conditions: { StringEquals: { 'servicediscovery:NamespaceName': tenancy.namespace.namespaceName } } });
  return { poolTasks, discoverInstances, instanceTokens, tenantSecrets, tenantObjects, sendMail, tenantServices, tenantRoles, withBoundary, ensureInstanceTokens, deployVersions, scaleServices, registerInstances, instanceRegistries, smtpSecrets, readSmtpSecret, renderTenantFiles, sendAsTenant };
}
