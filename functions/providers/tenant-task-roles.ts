import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Environment } from '../../shared/instance';
import { smtpSecretName, tenantPrefix } from '../../shared/instance';
import { defaultFromAddress } from '../../shared/settings';

export interface TenantTaskRolesConfig {
  /** IAM path of every tenant role; Launchpad's functions may only create, pass and delete roles on it. */
  path: string;
  /** Managed policy every tenant role is created with: caps what any tenant role can ever be granted. */
  permissionsBoundaryArn: string;
  /** The tenant bucket; a role reads its own tenant's prefix only. */
  bucketArn: string;
  accountId: string;
  /** Instances send as <subdomain>@<mailDomain> through SES (the default sender)... */
  mailDomain: string;
  /** ...on these SES resources (the sender identity and the configuration set). */
  sendMailArns: string[];
  /** `arn:<partition>:secretsmanager:<region>:<account>:secret:`, for the tenant's own SMTP password. */
  secretArnPrefix: string;
  /** aws, aws-cn, aws-us-gov (default aws). */
  partition?: string;
}

type TenantEnv = { tenantId: string; subdomain: string; env: Environment };

/** spaceos-<env>-<tenant id>: readable in the console, at most 64 characters for a UUID id. */
export const tenantRoleName = ({ tenantId, env }: Pick<TenantEnv, 'tenantId' | 'env'>) => `spaceos-${env}-${tenantId}`;
const POLICY = 'own-resources';

/** The only tags a tenant role is created with (Launchpad's functions may set no others: IAM condition on aws:TagKeys). */
export const TENANT_ROLE_TAG_KEYS = ['tenantId', 'environment'] as const;

/** The tag of the one function allowed to assume tenant roles: it hands their credentials to an assigned pool task. */
export const POOL_ASSIGNER_TAG = { key: 'launchpad:role', value: 'pool-assigner' } as const;

/** The role's ARN without asking IAM (it lives on the configured path). */
export const tenantRoleArn = (config: Pick<TenantTaskRolesConfig, 'path' | 'accountId'> & { partition?: string }, tenant: Pick<TenantEnv, 'tenantId' | 'env'>) =>
  `arn:${config.partition ?? 'aws'}:iam::${config.accountId}:role${config.path}${tenantRoleName(tenant)}`;

const isMissing = (error: unknown) => error instanceof NoSuchEntityException;

/**
 * One task role per tenant and environment, so a running instance reaches its own files, mail
 * sender and SMTP password and no other tenant's: the IAM side of "tenant A can never read tenant
 * B". Created with the permissions boundary (the functions' own IAM grants require it), converged
 * on every deploy.
 */
export class TenantTaskRoles {
  constructor(
    private readonly iam: IAMClient,
    private readonly config: TenantTaskRolesConfig,
  ) {}

  /** The role's ARN, creating it if needed and (re)writing its policy: safe to call on every deploy. */
  async ensure(tenant: TenantEnv): Promise<string> {
    const RoleName = tenantRoleName(tenant);
    let arn = await this.arnOf(RoleName);
    if (!arn) {
      try {
        const { Role } = await this.iam.send(
          new CreateRoleCommand({
            RoleName,
            Path: this.config.path,
            PermissionsBoundary: this.config.permissionsBoundaryArn,
            AssumeRolePolicyDocument: JSON.stringify(this.trustPolicy()),
            Description: `spaceOS instance of tenant ${tenant.tenantId} (${tenant.env})`,
            Tags: [
              { Key: TENANT_ROLE_TAG_KEYS[0], Value: tenant.tenantId },
              { Key: TENANT_ROLE_TAG_KEYS[1], Value: tenant.env },
            ],
          }),
        );
        arn = Role?.Arn;
      } catch (error) {
        // A retry racing the first attempt: the role is there now.
        if (!(error instanceof EntityAlreadyExistsException)) throw error;
        arn = await this.arnOf(RoleName);
      }
      // A new role takes a few seconds to become assumable; ECS keeps retrying the task launch meanwhile.
    }
    if (!arn) throw new Error(`IAM returned no ARN for role ${RoleName}`);
    await this.iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: POLICY, PolicyDocument: JSON.stringify(this.ownResourcesPolicy(tenant)) }));
    return arn;
  }

  /** Offboarding: the inline policies, then the role. */
  async remove(tenant: TenantEnv): Promise<'removed' | 'absent'> {
    const RoleName = tenantRoleName(tenant);
    try {
      const { PolicyNames = [] } = await this.iam.send(new ListRolePoliciesCommand({ RoleName }));
      for (const PolicyName of PolicyNames) await this.iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      await this.iam.send(new DeleteRoleCommand({ RoleName }));
      return 'removed';
    } catch (error) {
      if (isMissing(error)) return 'absent';
      throw error;
    }
  }

  private async arnOf(RoleName: string): Promise<string | undefined> {
    try {
      return (await this.iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private trustPolicy() {
    return {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:AssumeRole',
          // Confused-deputy guard: only ECS acting for this account may assume it.
          Condition: { StringEquals: { 'aws:SourceAccount': this.config.accountId } },
        },
        {
          // The step that assigns a warm-pool task to this tenant assumes the role for an hour and hands the
          // credentials to that task (functions/providers/instance-pool.ts); no other principal carries the tag.
          // Never a tenant role, whatever tags it got: one tenant's instance must not become another's.
          Effect: 'Allow',
          Principal: { AWS: `arn:${this.config.partition ?? 'aws'}:iam::${this.config.accountId}:root` },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { [`aws:PrincipalTag/${POOL_ASSIGNER_TAG.key}`]: POOL_ASSIGNER_TAG.value },
            ArnNotLike: { 'aws:PrincipalArn': `arn:${this.config.partition ?? 'aws'}:iam::${this.config.accountId}:role${this.config.path}*` },
          },
        },
      ],
    };
  }

  /** What the instance's config (`config.yml`) points it at: its files, its sender, its SMTP password. */
  private ownResourcesPolicy({ tenantId, subdomain }: TenantEnv) {
    return {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ReadOwnFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `${this.config.bucketArn}/${tenantPrefix(tenantId)}*` },
        {
          Sid: 'SendAsItself',
          Effect: 'Allow',
          Action: ['ses:SendEmail', 'ses:SendRawEmail'],
          Resource: this.config.sendMailArns,
          Condition: { StringEquals: { 'ses:FromAddress': defaultFromAddress(subdomain, this.config.mailDomain) } },
        },
        // Secret ARNs end in -<6 random characters>.
        { Sid: 'ReadOwnSmtpPassword', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `${this.config.secretArnPrefix}${smtpSecretName(tenantId)}-??????` },
      ],
    };
  }
}
