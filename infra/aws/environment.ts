import { Stack } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config';
import { CONTAINER_PORT } from './constructs/tenancy';
import { apiOriginHost } from './constructs/api';
import { INSTANCE_CREDENTIALS_PATH } from '../../shared/instance-token';
import { instanceRoleArnIn, type TenantResources } from './tenant-policies';

export interface EnvironmentResources extends TenantResources {
  config: DeployConfig;
  table: TableV2;
  /** Where links in mails and checkout return URLs point (the Site stack's siteUrl). */
  siteUrl: string;
}

/**
 * Deployment-wide settings the functions read (functions/platform.ts, functions/deps.ts): names and
 * addresses only, never a secret's value. Built in each stack with functions (`scope`); what other
 * stacks own is imported.
 */
/** Where the operator stores Turnstile's secret key (README, Deploy). */
export const TURNSTILE_SECRET_NAME = 'launchpad/turnstile-secret-key';

export function functionEnvironment(scope: Construct, { config, table, tenancy, tenantBucket, siteUrl }: EnvironmentResources): Record<string, string> {
  const stack = Stack.of(scope);
  const privateSubnets = tenancy.vpc.selectSubnets({ subnetType: tenancy.privateSubnetType }).subnetIds;
  return {
    TABLE_NAME: table.tableName,
    INSTANCE_URL_TEMPLATE: `https://{host}.${config.domain}`,
    MAIL_DOMAIN: `clients.${config.domain}`,
    LAUNCHPAD_SENDER: `spaceOS <launchpad@${config.domain}>`,
    OPS_EMAIL: config.opsEmail,
    TENANT_BUCKET: tenantBucket.bucketName,
    TENANT_DB_HOST: tenancy.database.endpoint,
    TENANT_DB_PORT: String(tenancy.database.port),
    TENANT_DB_ADMIN_SECRET: tenancy.database.adminSecret.secretArn,
    // The servers tenants are placed on (shared/database-servers.ts); tokens inside, so the stack renders the JSON.
    TENANT_DB_SERVERS: stack.toJsonString(tenancy.databaseServers.map((s) => ({ id: s.id, host: s.endpoint, port: s.port, adminSecretName: s.adminSecret.secretArn, capacity: s.capacity }))),
    CLOUDFLARE_TOKEN_SECRET: tenancy.cloudflareToken.secretArn,
    STRIPE_SECRET: tenancy.stripeKeys.secretArn,
    STRIPE_PRICE_ID: config.stripePriceId,
    // The version new instances launch with: the configured image's tag.
    APP_VERSION: config.tenantImage.includes(':') ? config.tenantImage.slice(config.tenantImage.lastIndexOf(':') + 1) : 'latest',
    CLOUDFLARE_ZONE_ID: config.cloudflareZoneId,
    CLOUDFLARE_ZONE_NAME: config.domain,
    INSTANCE_LB_DNS_NAME: tenancy.loadBalancer.loadBalancerDnsName,
    SLEEP_AFTER_TRIAL_PROD: config.sleepAfterTrialProd,
    SLEEP_AFTER_STAGING: config.sleepAfterStaging,
    ...(config.sleepAfterPaidProd ? { SLEEP_AFTER_PAID_PROD: config.sleepAfterPaidProd } : {}),
    EXECUTION_URL_TEMPLATE: `https://${stack.region}.console.aws.amazon.com/states/home?region=${stack.region}#/v2/executions/details/arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:provision-tenant:{executionName}`,
    ...(config.googleOAuthClientId ? { GOOGLE_OAUTH_CLIENT_ID: config.googleOAuthClientId } : {}),
    ...(config.microsoftOAuthClientId ? { MICROSOFT_OAUTH_CLIENT_ID: config.microsoftOAuthClientId } : {}),
    RESUME_HOW: 'Fix the cause, then run npm run ops -- resume <subdomain> with the stack outputs set (it starts {tenantId}-r<n>, the first free n); or in the Step Functions console start provision-tenant with input {"tenantId": "{tenantId}"} named {tenantId}-r1 (-r2, ... if taken)',
    ECS_CONFIG: stack.toJsonString({
      cluster: tenancy.cluster.clusterName,
      image: config.tenantImage,
      cpuArchitecture: config.instanceArchitecture,
      namespaceId: tenancy.namespace.namespaceId,
      subnets: privateSubnets,
      securityGroups: [tenancy.taskSecurityGroup.securityGroupId],
      executionRoleArn: tenancy.executionRole.roleArn,
      // Every instance's SDK asks here for its tenant's credentials (HTTPS: the SDKs refuse a plain non-loopback FULL_URI).
      instanceCredentialsUrl: `https://${apiOriginHost(config.domain)}${INSTANCE_CREDENTIALS_PATH}`,
      // A private registry other than ECR: the task definitions name its credentials (the execution role reads that one secret).
      ...(config.tenantImageCredentialsSecretArn ? { imageCredentialsSecretArn: config.tenantImageCredentialsSecretArn } : {}),
      bucket: tenantBucket.bucketName,
      logGroup: tenancy.taskLogGroup.logGroupName,
      region: stack.region,
      // Same-region secrets may be named in valueFrom; a suffix-less ARN would not resolve.
      secretArnPrefix: '',
      containerPort: CONTAINER_PORT,
    }),
    // The warm pool (functions/providers/instance-pool.ts) and Cloud Map discovery (the hand-over finds the tenant's own task).
    POOL_SIZE: String(config.poolSize),
    POOL_CONFIG: stack.toJsonString({
      cluster: tenancy.cluster.clusterName,
      taskDefinition: tenancy.poolTaskDefinition.family,
      subnets: privateSubnets,
      securityGroups: [tenancy.taskSecurityGroup.securityGroupId],
      containerPort: CONTAINER_PORT,
    }),
    // The shared instance role (Tenancy), by name rather than reference: the credentials route and the pool's assigner assume it.
    INSTANCE_ROLE_ARN: instanceRoleArnIn(stack),
    DISCOVERY_CONFIG: stack.toJsonString({ namespaceName: tenancy.namespace.namespaceName, containerPort: CONTAINER_PORT }),
    SITE_URL: siteUrl,
    ...(config.turnstileSiteKey ? { TURNSTILE_SITE_KEY: config.turnstileSiteKey, TURNSTILE_SECRET_NAME } : {}),
  };
}
