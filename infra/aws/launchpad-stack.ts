import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { HttpMethods } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ARCHIVE_ROOT, SEED_PREFIX, tenantPrefix } from '../../shared/instance';
import { LOGO_UPLOAD_DIR } from '../../shared/settings';
import type { DeployConfig } from './config';
import { API_ROUTES } from '../../functions/api/routes';
import { Api } from './constructs/api';
import { Data } from './constructs/data';
import { LaunchpadFunction } from './constructs/launchpad-function';
import { Operations } from './constructs/operations';
import { Site } from './constructs/site';
import { CONTAINER_PORT, Tenancy, TENANT_ROLE_PATH, TENANT_SECRETS_PREFIX } from './constructs/tenancy';
import { Workflows } from './constructs/workflows';
import { acknowledgeFindings } from './nag-acknowledgements';

/** Offboarded tenants' files and final database dumps (under ARCHIVE_ROOT) are kept this long. */
const ARCHIVE_RETENTION_DAYS = 365;
const DATABASE_STEPS = new Set(['CreateDatabases', 'ArchiveDatabases', 'DropDatabases']);

export interface LaunchpadStackProps extends StackProps {
  config: DeployConfig;
  /** The built web app (npm run build). */
  webDist: string;
}

/** Launchpad on AWS: everything `npm start` runs locally, as managed services. */
export class LaunchpadStack extends Stack {
  readonly data: Data;
  readonly tenancy: Tenancy;
  readonly workflows: Workflows;
  readonly api: Api;
  readonly site: Site;
  readonly reconciler: LaunchpadFunction;
  readonly trialSweep: LaunchpadFunction;
  readonly smtpCheck: LaunchpadFunction;
  readonly detectDrift: LaunchpadFunction;
  readonly renderPending: LaunchpadFunction;

  constructor(scope: Construct, id: string, props: LaunchpadStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.data = new Data(this, 'Data');
    const { table, tenantBucket, logBucket } = this.data;
    const tenancy = (this.tenancy = new Tenancy(this, 'Tenancy', { config, tenantBucket, logBucket }));
    const privateSubnets = tenancy.vpc.selectSubnets({ subnetType: tenancy.privateSubnetType }).subnetIds;

    // Deployment-wide settings the functions read (functions/platform.ts, functions/deps.ts):
    // names and addresses only, never a secret's value.
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      INSTANCE_URL_TEMPLATE: `https://{host}.${config.domain}`,
      MAIL_DOMAIN: `clients.${config.domain}`,
      LAUNCHPAD_SENDER: `spaceOS <launchpad@${config.domain}>`,
      OPS_EMAIL: config.opsEmail,
      TENANT_BUCKET: tenantBucket.bucketName,
      TENANT_DB_HOST: tenancy.database.endpoint,
      TENANT_DB_PORT: String(tenancy.database.port),
      TENANT_DB_ADMIN_SECRET: tenancy.database.adminSecret.secretArn,
      CLOUDFLARE_TOKEN_SECRET: tenancy.cloudflareToken.secretArn,
      STRIPE_SECRET: tenancy.stripeKeys.secretArn,
      STRIPE_PRICE_ID: config.stripePriceId,
      // The version new instances launch with: the configured image's tag.
      APP_VERSION: config.tenantImage.includes(':') ? config.tenantImage.slice(config.tenantImage.lastIndexOf(':') + 1) : 'latest',
      CLOUDFLARE_ZONE_ID: config.cloudflareZoneId,
      CLOUDFLARE_ZONE_NAME: config.domain,
      INSTANCE_LB_DNS_NAME: tenancy.loadBalancer.loadBalancerDnsName,
      EXECUTION_URL_TEMPLATE: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/v2/executions/details/arn:${this.partition}:states:${this.region}:${this.account}:execution:provision-tenant:{executionName}`,
      ...(config.googleOAuthClientId ? { GOOGLE_OAUTH_CLIENT_ID: config.googleOAuthClientId } : {}),
      ...(config.microsoftOAuthClientId ? { MICROSOFT_OAUTH_CLIENT_ID: config.microsoftOAuthClientId } : {}),
      RESUME_HOW: 'Fix the cause, then in the Step Functions console start provision-tenant with input {"tenantId": "{tenantId}"} named {tenantId}-r1 (-r2, ... for later attempts)',
      ECS_CONFIG: this.toJsonString({
        cluster: tenancy.cluster.clusterName,
        image: config.tenantImage,
        vpcId: tenancy.vpc.vpcId,
        subnets: privateSubnets,
        securityGroups: [tenancy.taskSecurityGroup.securityGroupId],
        executionRoleArn: tenancy.executionRole.roleArn,
        tenantRoles: {
          path: TENANT_ROLE_PATH,
          permissionsBoundaryArn: tenancy.tenantTaskBoundary.managedPolicyArn,
          bucketArn: tenantBucket.bucketArn,
          accountId: this.account,
          mailDomain: `clients.${config.domain}`,
          sendMailArns: tenancy.tenantSendMailArns,
          secretArnPrefix: `arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:`,
        },
        listenerArns: [tenancy.listener.listenerArn],
        bucket: tenantBucket.bucketName,
        logGroup: tenancy.taskLogGroup.logGroupName,
        region: this.region,
        // Same-region secrets may be named in valueFrom; a suffix-less ARN would not resolve.
        secretArnPrefix: '',
        containerPort: CONTAINER_PORT,
      }),
    };

    const tenantSecrets = this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const tenantObjects = `${tenantPrefix('*')}*`;
    const sendMail = new PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [...tenancy.senderIdentities.map((identity) => identity.emailIdentityArn), this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: tenancy.configurationSet.configurationSetName })],
    });

    const tenantServices = this.formatArn({ service: 'ecs', resource: 'service', resourceName: `${tenancy.cluster.clusterName}/spaceos-*` });
    // Tenant task roles: created, changed and deleted only on their path and only with the boundary.
    const tenantRoles = this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${TENANT_ROLE_PATH.slice(1)}*` });
    const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': tenancy.tenantTaskBoundary.managedPolicyArn } };
    const passTaskRoles = new PolicyStatement({ actions: ['iam:PassRole'], resources: [tenancy.executionRole.roleArn, tenantRoles], conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } });
    const ensureTenantRoles = (fn: LaunchpadFunction) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:GetRole', 'iam:TagRole'], resources: [tenantRoles] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:CreateRole', 'iam:PutRolePolicy'], resources: [tenantRoles], conditions: withBoundary }));
      fn.addToRolePolicy(passTaskRoles);
    };
    const deployVersions = (fn: LaunchpadFunction) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [tenantServices] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'], resources: ['*'] }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:TagResource'], resources: [this.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: 'spaceos-*:*' })] }));
      ensureTenantRoles(fn);
    };
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
        fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:CreateService', 'ecs:TagResource'], resources: [this.formatArn({ service: 'ecs', resource: 'service', resourceName: `${tenancy.cluster.clusterName}/spaceos-*` })] }));
        fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }));
        fn.addToRolePolicy(new PolicyStatement({ actions: ['ecs:TagResource'], resources: [this.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: 'spaceos-*:*' })] }));
        ensureTenantRoles(fn);
        fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeRules'], resources: ['*'] }));
        fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:AddTags'], resources: [this.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: 'tg-*' })] }));
        fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:CreateRule', 'elasticloadbalancing:AddTags'], resources: [tenancy.listener.listenerArn, this.formatArn({ service: 'elasticloadbalancing', resource: 'listener-rule', resourceName: 'app/*' })] }));
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
        fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DeleteRule'], resources: [this.formatArn({ service: 'elasticloadbalancing', resource: 'listener-rule', resourceName: 'app/*' })] }));
        fn.addToRolePolicy(new PolicyStatement({ actions: ['elasticloadbalancing:DeleteTargetGroup'], resources: [this.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: 'tg-*' })] }));
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
    this.workflows = new Workflows(this, 'Workflows', {
      environment,
      // Only the database steps reach the private database.
      network: (state) => (DATABASE_STEPS.has(state) ? { vpc: tenancy.vpc, securityGroups: [tenancy.databaseClientSecurityGroup] } : undefined),
      configure: (state, fn) => {
        table.grantReadWriteData(fn);
        stepPermissions[state]?.(fn);
      },
    });
    const provision = this.workflows.stateMachines.get('provision-tenant')!;
    const withMachine = { ...environment, PROVISION_STATE_MACHINE_ARN: provision.stateMachineArn };
    const offboard = this.workflows.stateMachines.get('offboard-tenant')!;
    tenantBucket.addLifecycleRule({ id: 'ExpireArchives', prefix: ARCHIVE_ROOT, expiration: Duration.days(ARCHIVE_RETENTION_DAYS), noncurrentVersionExpiration: Duration.days(7) });

    const siteOrigin = config.siteCertificateArn ? `https://${config.domain}` : 'https://*.cloudfront.net';
    this.api = new Api(this, 'Api', { siteOrigin, environment: withMachine });
    const route = (entry: string) => this.api.routeFunctions.get(entry)!;
    // Scaling an instance also points its host rule at the target group, or at the upgrade page while stopped.
    const scaleServices = [
      new PolicyStatement({ actions: ['ecs:UpdateService'], resources: [this.formatArn({ service: 'ecs', resource: 'service', resourceName: `${tenancy.cluster.clusterName}/spaceos-*` })] }),
      new PolicyStatement({ actions: ['elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups'], resources: ['*'] }),
      new PolicyStatement({ actions: ['elasticloadbalancing:ModifyRule'], resources: [this.formatArn({ service: 'elasticloadbalancing', resource: 'listener-rule', resourceName: 'app/*' })] }),
    ];
    table.grantReadWriteData(route('signup'));
    provision.grantStartExecution(route('signup'));
    tenancy.adminLinkKey.grantRead(route('signup'));
    for (const entry of ['subdomain-availability', 'tenant-status', 'health']) table.grantReadData(route(entry));
    for (const entry of ['checkout', 'billing-portal']) {
      table.grantReadData(route(entry));
      tenancy.adminLinkKey.grantRead(route(entry));
      tenancy.stripeKeys.grantRead(route(entry));
    }
    table.grantReadData(route('upgrade-link'));
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
    const smtpSecrets = this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*/smtp*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const readSmtpSecret = new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [smtpSecrets] });
    const renderTenantFiles = new PolicyStatement({ actions: ['s3:PutObject'], resources: [tenantBucket.arnForObjects(tenantObjects)] });
    /** Mail as the tenant: its own SMTP server while it works; else SES, re-rendering the config to match. */
    const sendAsTenant = (fn: LaunchpadFunction) => [sendMail, readSmtpSecret, renderTenantFiles].forEach((statement) => fn.addToRolePolicy(statement));
    for (const { entry, access } of API_ROUTES) if (access === 'session' || access === 'session-or-link') tenancy.sessionKey.grantRead(route(entry));
    table.grantReadWriteData(route('magic-link')); // stores the hashed token and counts requests
    route('magic-link').addToRolePolicy(sendMail);
    table.grantReadWriteData(route('create-session')); // spends the token
    tenancy.sessionKey.grantRead(route('create-session'));
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
    for (const fn of [webhook, this.workflows.stepFunctions.get('SendWelcomeEmail')!]) sendAsTenant(fn);
    tenantBucket.addCorsRule({ allowedMethods: [HttpMethods.POST], allowedOrigins: [siteOrigin], allowedHeaders: ['*'], maxAge: 3600 });

    this.reconciler = new LaunchpadFunction(this, 'Reconciler', { entry: 'reconciler/start-pending', environment: withMachine });
    table.grantReadData(this.reconciler);
    provision.grantStartExecution(this.reconciler);
    this.trialSweep = new LaunchpadFunction(this, 'TrialSweep', { entry: 'scheduled/trial-sweep', environment: { ...withMachine, OFFBOARD_STATE_MACHINE_ARN: offboard.stateMachineArn }, timeout: Duration.minutes(5) });
    offboard.grantStartExecution(this.trialSweep);
    table.grantReadWriteData(this.trialSweep);
    tenancy.adminLinkKey.grantRead(this.trialSweep);
    sendAsTenant(this.trialSweep);
    for (const statement of scaleServices) this.trialSweep.addToRolePolicy(statement);
    this.detectDrift = new LaunchpadFunction(this, 'DetectDrift', { entry: 'reconciler/detect-drift', environment, timeout: Duration.minutes(10) });
    table.grantReadWriteData(this.detectDrift);
    tenancy.cloudflareToken.grantRead(this.detectDrift);
    this.detectDrift.addToRolePolicy(new PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [tenantServices] }));
    this.detectDrift.addToRolePolicy(sendMail);
    this.smtpCheck = new LaunchpadFunction(this, 'SmtpCheck', { entry: 'scheduled/smtp-check', environment, timeout: Duration.minutes(5) });
    table.grantReadWriteData(this.smtpCheck);
    sendAsTenant(this.smtpCheck);
    this.renderPending = new LaunchpadFunction(this, 'RenderPending', { entry: 'reconciler/render-pending', environment, timeout: Duration.minutes(2) });
    table.grantReadWriteData(this.renderPending);
    this.renderPending.addToRolePolicy(renderTenantFiles);

    this.site = new Site(this, 'Site', { webDist: props.webDist, api: this.api.httpApi, logBucket, domain: config.domain, uploadOrigin: `https://${tenantBucket.bucketRegionalDomainName}`, ...(config.siteCertificateArn ? { certificateArn: config.siteCertificateArn } : {}) });
    // Links in mails and checkout return URLs point at the site, known only once CloudFront exists.
    const siteUrl = config.siteCertificateArn ? `https://${config.domain}` : `https://${this.site.distribution.distributionDomainName}`;
    const functions = [...this.workflows.stepFunctions.values(), ...this.api.routeFunctions.values(), this.reconciler, this.trialSweep, this.smtpCheck, this.detectDrift, this.renderPending];
    for (const fn of functions) fn.addEnvironment('SITE_URL', siteUrl);
    new Operations(this, 'Operations', { provision, upgradeFleet: this.workflows.stateMachines.get('upgrade-fleet')!, offboard, opsEmail: config.opsEmail, signupLogGroup: route('signup').logGroup, stripeWebhookLogGroup: webhook.logGroup, reconciler: this.reconciler, trialSweep: this.trialSweep, smtpCheck: this.smtpCheck, detectDrift: this.detectDrift, renderPending: this.renderPending });

    acknowledgeFindings(this, {
      table,
      tenantBucket,
      siteBucket: this.site.bucket,
      logGroups: [...functions.map((fn) => fn.logGroup), tenancy.taskLogGroup],
      functions,
      cluster: tenancy.cluster,
    });

    new CfnOutput(this, 'SiteUrl', { value: config.siteCertificateArn ? `https://${config.domain}` : `https://${this.site.distribution.distributionDomainName}` });
    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint });
    new CfnOutput(this, 'InstanceLoadBalancer', { value: tenancy.loadBalancer.loadBalancerDnsName, description: 'Cloudflare CNAMEs of instances point here' });
    new CfnOutput(this, 'ProvisionStateMachine', { value: provision.stateMachineArn, description: 'LAUNCHPAD_PROVISION_ARN for npm run ops' });
    new CfnOutput(this, 'UpgradeStateMachine', { value: this.workflows.stateMachines.get('upgrade-fleet')!.stateMachineArn, description: 'LAUNCHPAD_UPGRADE_ARN for npm run ops' });
    new CfnOutput(this, 'OffboardStateMachine', { value: offboard.stateMachineArn, description: 'LAUNCHPAD_OFFBOARD_ARN for npm run ops' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'LAUNCHPAD_TABLE for npm run ops' });
    new CfnOutput(this, 'CloudflareTokenSecret', { value: tenancy.cloudflareToken.secretName });
  }
}
