import { randomBytes } from 'node:crypto';
import { DeleteRoleCommand, DeleteRolePolicyCommand, ListRolePoliciesCommand, NoSuchEntityException, type IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, DeleteSecretCommand, ResourceExistsException, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Environment } from '../../shared/instance';
import { TENANT_SECRETS_PREFIX } from '../../shared/instance';
import { instanceToken, instanceTokenSecretName } from '../../shared/instance-token';
import type { AssignedCredentials } from '../../shared/pool';
import { TransientError } from '../steps/errors';

/**
 * Tenant isolation on AWS without a role per tenant (IAM caps an account at 5,000 roles): every
 * instance runs as ONE shared role, assumed per tenant and environment with session tags, and the
 * role's policy reaches only what the session's tags name (ABAC). Who may assume it, with which tags,
 * is held by its trust policy (infra/aws/constructs/tenancy.ts): the credentials route, which checks
 * the instance's own token first, and the pool's assigner.
 */
export const INSTANCE_ROLE_NAME = 'launchpad-tenant-instance';

/** The session tags every assumption of the instance role carries, and the only ones its trust accepts. */
export const INSTANCE_SESSION_TAG_KEYS = ['tenantId', 'subdomain', 'environment'] as const;

/** The tag of the function that hands an assigned pool task its tenant's credentials (the role trusts it). */
export const POOL_ASSIGNER_TAG = { key: 'launchpad:role', value: 'pool-assigner' } as const;
/** The tag of the credentials route's function (functions/api/instance-credentials.ts), the other principal the role trusts. */
export const CREDENTIALS_VENDOR_TAG = { key: 'launchpad:role', value: 'instance-credentials' } as const;

type TenantEnv = { tenantId: string; subdomain: string; env: Environment };

const instanceSessionTags = ({ tenantId, subdomain, env }: TenantEnv) => [
  { Key: INSTANCE_SESSION_TAG_KEYS[0], Value: tenantId },
  { Key: INSTANCE_SESSION_TAG_KEYS[1], Value: subdomain },
  { Key: INSTANCE_SESSION_TAG_KEYS[2], Value: env },
];

const tag = (key: (typeof INSTANCE_SESSION_TAG_KEYS)[number]) => `\${aws:PrincipalTag/${key}}`;

export interface InstanceRolePolicyConfig {
  /** The tenant bucket; a session reads its own tenant's prefix only. */
  bucketArn: string;
  /** Instances send as <subdomain>@<mailDomain> through SES (defaultFromAddress, shared/settings.ts)... */
  mailDomain: string;
  /** ...on these SES resources (the sender identity and the configuration set). */
  sendMailArns: string[];
  /** `arn:<partition>:secretsmanager:<region>:<account>:secret:`, for the tenant's own SMTP password. */
  secretArnPrefix: string;
}

/**
 * The shared role's policy: what a per-tenant role used to be granted (its files, its sender, its SMTP
 * password), with the tenant named by the session's tags instead of written into the policy.
 * Mirrors tenantPrefix, defaultFromAddress and smtpSecretName with policy variables in place of values.
 */
export function instanceRolePolicy(config: InstanceRolePolicyConfig) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadOwnFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `${config.bucketArn}/tenants/${tag('tenantId')}/*` },
      {
        Sid: 'SendAsItself',
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: config.sendMailArns,
        Condition: { StringEquals: { 'ses:FromAddress': `${tag('subdomain')}@${config.mailDomain}` } },
      },
      // Secret ARNs end in -<6 random characters>.
      { Sid: 'ReadOwnSmtpPassword', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `${config.secretArnPrefix}${TENANT_SECRETS_PREFIX}${tag('tenantId')}/smtp-??????` },
    ],
  };
}

/** How long vended credentials last: the most STS allows a chained role; every SDK refreshes them before they expire. */
export const INSTANCE_CREDENTIALS_SECONDS = 3600;

/** STS AssumeRole of the shared instance role for one tenant and environment (its session tags say which). */
export class InstanceSessions {
  constructor(
    private readonly sts: STSClient,
    private readonly roleArn: string,
  ) {}

  /** `sessionName` is cut to STS's 64 characters. */
  async credentials(tenant: TenantEnv, sessionName: string): Promise<AssignedCredentials> {
    const { Credentials } = await this.sts.send(
      new AssumeRoleCommand({ RoleArn: this.roleArn, RoleSessionName: sessionName.slice(0, 64), DurationSeconds: INSTANCE_CREDENTIALS_SECONDS, Tags: instanceSessionTags(tenant) }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken || !Credentials.Expiration) throw new TransientError('STS returned no credentials');
    return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken, expiration: Credentials.Expiration.toISOString() };
  }
}

/** spaceos-<env>-<tenant id>: the role each instance had before the shared one; only ever deleted now. */
export const legacyTenantRoleName = ({ tenantId, env }: Pick<TenantEnv, 'tenantId' | 'env'>) => `spaceos-${env}-${tenantId}`;

/**
 * Each instance's token (a random secret per tenant and environment, which its task gets as
 * AWS_CONTAINER_AUTHORIZATION_TOKEN): created once, never rotated by a deploy (running tasks keep
 * the value they started with), deleted at offboarding together with the role an instance created
 * before the shared role may still have.
 */
export class TenantInstanceAccess {
  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly iam: IAMClient,
  ) {}

  /** The token secret's name, creating it if there is none: safe to call on every deploy. */
  async ensure(tenant: Pick<TenantEnv, 'tenantId' | 'env'>): Promise<string> {
    const Name = instanceTokenSecretName(tenant.tenantId, tenant.env);
    try {
      await this.secrets.send(
        new CreateSecretCommand({ Name, SecretString: instanceToken(tenant.tenantId, tenant.env, randomBytes(32).toString('base64url')), Description: `Token of tenant ${tenant.tenantId}'s ${tenant.env} instance for its AWS credentials` }),
      );
    } catch (error) {
      // There already: the value stays (a retry, or a deploy after the first).
      if (!(error instanceof ResourceExistsException)) throw error;
    }
    return Name;
  }

  /** Offboarding: the token (at once: a recovery window would only keep a dead tenant's token usable), then any legacy role. */
  async remove(tenant: Pick<TenantEnv, 'tenantId' | 'env'>): Promise<'removed' | 'absent'> {
    let removed = false;
    try {
      await this.secrets.send(new DeleteSecretCommand({ SecretId: instanceTokenSecretName(tenant.tenantId, tenant.env), ForceDeleteWithoutRecovery: true }));
      removed = true;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    return (await this.removeLegacyRole(tenant)) || removed ? 'removed' : 'absent';
  }

  /** Tenants created before the shared role have one of their own: its inline policies, then the role. */
  private async removeLegacyRole(tenant: Pick<TenantEnv, 'tenantId' | 'env'>): Promise<boolean> {
    const RoleName = legacyTenantRoleName(tenant);
    try {
      const { PolicyNames = [] } = await this.iam.send(new ListRolePoliciesCommand({ RoleName }));
      for (const PolicyName of PolicyNames) await this.iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      await this.iam.send(new DeleteRoleCommand({ RoleName }));
      return true;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return false;
      throw error;
    }
  }
}
