import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ArnFormat, Stack, Tags } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { TURNSTILE_SECRET_NAME } from './environment';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { API_ROUTES } from '../../functions/api/routes';
import { tenantPrefix } from '../../shared/instance';
import { LOGO_UPLOAD_DIR } from '../../shared/settings';
import type { LaunchpadFunction } from './constructs/launchpad-function';
import { instanceRoleArnIn, tenantPolicies, type TenantResources } from './tenant-policies';
import { CREDENTIALS_VENDOR_TAG } from '../../functions/providers/tenant-task-roles';

export interface RouteResources extends TenantResources {
  table: TableV2;
  /** provision-tenant, started by signups. */
  provision: IStateMachine;
}

/**
 * Grants each API route's function (by entry of functions/api/routes.ts) only what its route needs.
 * The one place the per-route grants live, next to the per-step ones (step-grants.ts).
 */
export function grantRoutes(scope: Construct, route: (entry: string) => LaunchpadFunction, resources: RouteResources): void {
  const { table, tenantBucket, tenancy, provision } = resources;
  const { sendMail, scaleServices, deployVersions, smtpSecrets, readSmtpSecret, renderTenantFiles, tenantObjects, sendAsTenant, instanceTokens } = tenantPolicies(scope, resources);

  // Instances' credentials: the instance role trusts this function by its tag (infra/aws/constructs/tenancy.ts); it reads
  // instance tokens (and no other secret), the tenant's status and its own rate-limit counters.
  const vend = route('instance-credentials');
  Tags.of(vend.role!).add(CREDENTIALS_VENDOR_TAG.key, CREDENTIALS_VENDOR_TAG.value);
  vend.addToRolePolicy(new PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [instanceRoleArnIn(Stack.of(scope))] }));
  vend.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [instanceTokens] }));
  table.grantReadWriteData(vend);

  table.grantReadWriteData(route('signup'));
  provision.grantStartExecution(route('signup'));
  tenancy.adminLinkKey.grantRead(route('signup'));
  route('signup').addToRolePolicy(sendMail); // the verification mail and the sign-in link to an email that already has an instance
  // Turnstile's secret key, when the operator configured the check (infra/aws/environment.ts).
  route('signup').addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TURNSTILE_SECRET_NAME}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
  // The verification: records it, starts the trial and sends the welcome mail (as the tenant, with a sign-in link).
  const verify = route('verify-email');
  table.grantReadWriteData(verify);
  tenancy.adminLinkKey.grantRead(verify);
  verify.addToRolePolicy(readSmtpSecret);
  sendAsTenant(verify);
  // Names with records of their own in the zone are refused (the wildcard would not answer them).
  for (const entry of ['signup', 'subdomain-availability']) tenancy.cloudflareToken.grantRead(route(entry));
  for (const entry of ['subdomain-availability', 'tenant-status', 'health']) table.grantReadData(route(entry));
  for (const entry of ['checkout', 'billing-portal']) {
    table.grantReadData(route(entry));
    tenancy.adminLinkKey.grantRead(route(entry));
    tenancy.stripeKeys.grantRead(route(entry));
  }
  table.grantReadWriteData(route('upgrade-link')); // counts requests per tenant and client address
  tenancy.adminLinkKey.grantRead(route('upgrade-link'));
  route('upgrade-link').addToRolePolicy(sendMail);
  const webhook = route('stripe-webhook');
  table.grantReadWriteData(webhook);
  tenancy.stripeKeys.grantRead(webhook);
  tenancy.adminLinkKey.grantRead(webhook);
  webhook.addToRolePolicy(sendMail);
  for (const statement of scaleServices) webhook.addToRolePolicy(statement);
  deployVersions(webhook); // an instance woken from SUSPENDED first catches up with the fleet's version

  // Sign-in and runtime settings. A tenant's SMTP password lives at launchpad/tenants/<id>/smtp.
  for (const { entry, access } of API_ROUTES) if (access === 'session' || access === 'session-or-link') tenancy.sessionKey.grantRead(route(entry));
  table.grantReadWriteData(route('magic-link')); // stores the hashed token and counts requests
  route('magic-link').addToRolePolicy(sendMail);
  table.grantReadWriteData(route('create-session')); // spends the token
  tenancy.sessionKey.grantRead(route('create-session'));
  table.grantReadWriteData(route('delete-session')); // signing out ends the session's record
  tenancy.sessionKey.grantRead(route('delete-session'));
  for (const entry of ['get-session', 'get-settings', 'settings-history', 'test-smtp', 'logo-upload', 'logo', 'branding', 'oauth-start', 'oauth-callback']) table.grantReadData(route(entry));
  for (const entry of ['get-settings', 'test-smtp']) route(entry).addToRolePolicy(readSmtpSecret);
  const putSettings = route('put-settings');
  table.grantReadWriteData(putSettings);
  putSettings.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'], resources: [smtpSecrets] }));
  putSettings.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [tenantBucket.arnForObjects(`${tenantPrefix('*')}${LOGO_UPLOAD_DIR}*`)] }));
  putSettings.addToRolePolicy(renderTenantFiles);
  table.grantReadWriteData(route('test-mail')); // records a failing SMTP server
  sendAsTenant(route('test-mail'));
  // The presigned POST is signed with this function's credentials: it may only put uploads.
  route('logo-upload').addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(`${tenantPrefix('*')}${LOGO_UPLOAD_DIR}*`)] }));
  route('logo').addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] }));
  for (const entry of ['oauth-start', 'oauth-callback']) tenancy.oauthStateKey.grantRead(route(entry));
  sendAsTenant(webhook);
}
