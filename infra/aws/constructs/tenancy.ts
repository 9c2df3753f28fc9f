import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { InstanceClass, InstanceSize, InstanceType, Peer, Port, SecurityGroup, SubnetType, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, ContainerInsights, CpuArchitecture, FargateTaskDefinition, LogDrivers, OperatingSystemFamily, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import { ApplicationListener, ApplicationLoadBalancer, ApplicationProtocol, ApplicationTargetGroup, ListenerAction, Protocol, SslPolicy, TargetType } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PrivateDnsNamespace } from 'aws-cdk-lib/aws-servicediscovery';
import { AccountRootPrincipal, Effect, ManagedPolicy, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Credentials, DatabaseInstance, DatabaseInstanceEngine, PostgresEngineVersion, StorageType } from 'aws-cdk-lib/aws-rds';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ROUTER_HEALTH_PATH } from '../../../router/host';
import { tenantPrefix } from '../../../shared/instance';
import { POOL_KEY_SECRET_NAME } from '../../../functions/platform';
import { PROBE_KEY_SECRET } from '../../../functions/providers/probe-pass';
import { CREDENTIALS_VENDOR_TAG, INSTANCE_ROLE_NAME, INSTANCE_SESSION_TAG_KEYS, POOL_ASSIGNER_TAG, instanceRolePolicy } from '../../../functions/providers/tenant-task-roles';
import { ecrImageOf, ecrRepositoryArn } from '../../../functions/providers/image-source';
import { databaseServerCapacities, type DeployConfig } from '../config';
import { launchpadVpc } from './network';

/** Where tenants' database passwords live (functions/providers/tenant-databases.ts names them). */
export const TENANT_SECRETS_PREFIX = 'launchpad/tenants/';
export const CONTAINER_PORT = 8080;
/** The Cloud Map namespace tenant services register their tasks in; the tenant router discovers them there. */
export const INSTANCE_NAMESPACE = 'instances.launchpad.internal';
/** IAM path of the shared instance role (and of the per-tenant roles instances had before it, deleted at offboarding). */
export const TENANT_ROLE_PATH = '/launchpad/tenants/';

/**
 * What tenants run on: the network, the ECS cluster, the Cloud Map namespace their tasks register
 * in, the shared HTTPS load balancer (one wildcard entry, whose one target group is the tenant
 * router: nothing per tenant), the shared Postgres, the secrets Launchpad needs, and the SES
 * identities tenants send from.
 */
export class Tenancy extends Construct {
  readonly vpc: IVpc;
  readonly privateSubnetType = SubnetType.PRIVATE_WITH_EGRESS;
  readonly cluster: Cluster;
  readonly loadBalancer: ApplicationLoadBalancer;
  readonly listener: ApplicationListener;
  /** The one target group of the load balancer: the tenant router's tasks (Router stack). */
  readonly routerTargetGroup: ApplicationTargetGroup;
  readonly routerSecurityGroup: SecurityGroup;
  readonly namespace: PrivateDnsNamespace;
  readonly taskSecurityGroup: SecurityGroup;
  readonly databaseClientSecurityGroup: SecurityGroup;
  readonly database: { endpoint: string; port: number; adminSecret: ISecret };
  /** The RDS instance Launchpad created (its metrics and alarms); absent when an existing server is configured. */
  readonly databaseInstance?: DatabaseInstance;
  /** Every Postgres server tenants are placed on, `db-1` (the one above) first. */
  readonly databaseServers: Array<{ id: string; endpoint: string; port: number; adminSecret: ISecret; capacity: number }>;
  readonly cloudflareToken: Secret;
  readonly stripeKeys: Secret;
  readonly adminLinkKey: Secret;
  readonly sessionKey: Secret;
  readonly oauthStateKey: Secret;
  /** Signs the pass Launchpad's probes carry through the tenant router (functions/providers/probe-pass.ts). */
  readonly routerProbeKey: Secret;
  readonly executionRole: Role;
  /** The private registry's credentials (tenantImageCredentialsSecretArn), when the image is not in ECR. */
  readonly imageCredentials: ISecret | undefined;
  /** The warm pool (shared/pool.ts): the key assignments carry, and the task definition of unassigned instances. */
  readonly poolKey: Secret;
  readonly poolTaskDefinition: FargateTaskDefinition;
  /** The most any tenant's task role can be allowed: a role is created only with this boundary. */
  readonly tenantTaskBoundary: ManagedPolicy;
  /** The one role every tenant instance runs as, per tenant by session tags (functions/providers/tenant-task-roles.ts). */
  readonly instanceRole: Role;
  readonly taskLogGroup: LogGroup;
  readonly configurationSet: ConfigurationSet;
  readonly senderIdentities: EmailIdentity[];
  /** Where tenant instances send their mail through SES: the tenant sender identity and the configuration set. */
  readonly tenantSendMailArns: string[];

  constructor(scope: Construct, id: string, props: { config: DeployConfig; tenantBucket: Bucket; logBucket: Bucket }) {
    super(scope, id);
    const { config } = props;

    this.vpc = launchpadVpc(this, config);

    // Container Insights bills metrics per task; with thousands of mostly idle tenants it is off unless asked for.
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: config.containerInsights ? ContainerInsights.ENABLED : ContainerInsights.DISABLED });
    this.namespace = new PrivateDnsNamespace(this, 'InstanceNamespace', { name: INSTANCE_NAMESPACE, vpc: this.vpc, description: 'Tasks of tenant instances, registered by their ECS services' });

    const albSecurityGroup = new SecurityGroup(this, 'LoadBalancerSg', { vpc: this.vpc, description: 'HTTPS from visitors (through Cloudflare) to the tenant router', allowAllOutbound: false });
    albSecurityGroup.addIngressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS');
    this.routerSecurityGroup = new SecurityGroup(this, 'RouterSg', { vpc: this.vpc, description: 'Tenant router: traffic only from the load balancer' });
    this.routerSecurityGroup.addIngressRule(albSecurityGroup, Port.tcp(CONTAINER_PORT), 'from the load balancer');
    albSecurityGroup.addEgressRule(this.routerSecurityGroup, Port.tcp(CONTAINER_PORT), 'to the tenant router');
    this.taskSecurityGroup = new SecurityGroup(this, 'TaskSg', { vpc: this.vpc, description: 'Tenant instances: traffic only from the tenant router' });
    this.taskSecurityGroup.addIngressRule(this.routerSecurityGroup, Port.tcp(CONTAINER_PORT), 'from the tenant router');

    this.loadBalancer = new ApplicationLoadBalancer(this, 'LoadBalancer', { vpc: this.vpc, internetFacing: true, securityGroup: albSecurityGroup, dropInvalidHeaderFields: true });
    this.loadBalancer.logAccessLogs(props.logBucket, 'alb');
    this.listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: ApplicationProtocol.HTTPS,
      sslPolicy: SslPolicy.RECOMMENDED_TLS,
      // A wildcard certificate (*.<domain>): every instance host, nothing per tenant.
      certificates: [Certificate.fromCertificateArn(this, 'InstanceCertificate', config.instanceCertificateArn)],
    });
    this.routerTargetGroup = new ApplicationTargetGroup(this, 'RouterTargets', {
      vpc: this.vpc,
      targetType: TargetType.IP,
      protocol: ApplicationProtocol.HTTP,
      port: CONTAINER_PORT,
      healthCheck: { path: ROUTER_HEALTH_PATH, protocol: Protocol.HTTP, interval: Duration.seconds(10), healthyThresholdCount: 2 },
      // The router finishes requests in flight on SIGTERM (router/main.ts).
      deregistrationDelay: Duration.seconds(30),
    });
    this.listener.addAction('Router', { action: ListenerAction.forward([this.routerTargetGroup]) });

    this.databaseClientSecurityGroup = new SecurityGroup(this, 'DatabaseClientSg', { vpc: this.vpc, description: 'Launchpad functions that manage tenant databases' });
    const dbSecurityGroup = new SecurityGroup(this, 'DatabaseSg', { vpc: this.vpc, description: 'Shared tenant Postgres', allowAllOutbound: false });
    dbSecurityGroup.addIngressRule(this.databaseClientSecurityGroup, Port.tcp(5432), 'Launchpad database steps');
    dbSecurityGroup.addIngressRule(this.taskSecurityGroup, Port.tcp(5432), 'tenant instances');
    // The steps in the VPC assign pool instances and check a tenant's own task before a hand-over.
    this.taskSecurityGroup.addIngressRule(this.databaseClientSecurityGroup, Port.tcp(CONTAINER_PORT), 'Launchpad steps: pool assignment and hand-over');
    if (config.databaseEndpoint && config.databaseAdminSecretArn) {
      const [host = '', port = '5432'] = config.databaseEndpoint.split(':');
      this.database = { endpoint: host, port: Number(port), adminSecret: Secret.fromSecretCompleteArn(this, 'DatabaseAdmin', config.databaseAdminSecretArn) };
    } else {
      const instance = new DatabaseInstance(this, 'Database', {
        engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_16 }),
        instanceType: InstanceType.of(InstanceClass.T4G, InstanceSize.MEDIUM),
        vpc: this.vpc,
        vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [dbSecurityGroup],
        credentials: Credentials.fromGeneratedSecret('launchpad_admin', { secretName: 'launchpad/tenant-db-admin' }),
        multiAz: true,
        storageEncrypted: true,
        storageType: StorageType.GP3,
        allocatedStorage: 50,
        maxAllocatedStorage: 500,
        backupRetention: Duration.days(14),
        deletionProtection: true,
        removalPolicy: RemovalPolicy.SNAPSHOT,
        cloudwatchLogsExports: ['postgresql'],
        enablePerformanceInsights: true,
        parameters: { 'rds.force_ssl': '1' },
      });
      this.database = { endpoint: instance.dbInstanceEndpointAddress, port: 5432, adminSecret: instance.secret! };
      this.databaseInstance = instance;
    }
    // The servers tenants are placed on: this one as db-1, then the configured ones (their security
    // groups must admit DatabaseClientSg and the task security group on 5432: README "Database placement").
    const capacities = databaseServerCapacities(config);
    this.databaseServers = [
      { id: capacities[0]!.id, ...this.database, capacity: capacities[0]!.capacity },
      ...(config.databaseServers ?? []).map((server, i) => {
        const [host = '', port = '5432'] = server.endpoint.split(':');
        return { id: server.id, endpoint: host, port: Number(port), adminSecret: Secret.fromSecretCompleteArn(this, `DatabaseAdmin-${server.id}`, server.adminSecretArn), capacity: capacities[i + 1]!.capacity };
      }),
    ];

    this.cloudflareToken = new Secret(this, 'CloudflareToken', {
      secretName: 'launchpad/cloudflare-token',
      description: 'Cloudflare API token with DNS read on the zone (subdomain checks against its records); replace the generated value after the first deploy',
    });
    this.stripeKeys = new Secret(this, 'StripeKeys', {
      secretName: 'launchpad/stripe',
      description: 'JSON {"secretKey": "sk_...", "webhookSecret": "whsec_..."}; set after the first deploy',
    });

    this.adminLinkKey = new Secret(this, 'AdminLinkKey', {
      secretName: 'launchpad/admin-link-key',
      description: 'Signs admin links in mails (upgrade, billing)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.sessionKey = new Secret(this, 'SessionKey', {
      secretName: 'launchpad/session-key',
      description: 'Signs tenant admin session cookies',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.oauthStateKey = new Secret(this, 'OAuthStateKey', {
      secretName: 'launchpad/oauth-state-key',
      description: 'Signs the OAuth state of the shared calendar redirect URI',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.routerProbeKey = new Secret(this, 'RouterProbeKey', {
      secretName: PROBE_KEY_SECRET,
      description: "Signs the pass the provisioning and rollout probes carry through the tenant router to an instance it holds back from visitors",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    this.taskLogGroup = new LogGroup(this, 'TenantLogs', { logGroupName: '/launchpad/tenants', retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    const stack = Stack.of(this);
    const tenantSecretsArn = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // Starts tasks: pull the image, write logs, hand the tenant's database password to the container.
    this.executionRole = new Role(this, 'TaskExecutionRole', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'), description: 'Starts spaceOS tenant tasks' });
    this.executionRole.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.taskLogGroup.logGroupArn}:*`] }));
    this.executionRole.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [tenantSecretsArn] }));
    // The image's own ECR repository, in whichever account and region (another account's repository
    // policy must allow this role too: README "Deploy to AWS"); a rollout only changes its tag. Any
    // other registry: anonymously, or with the credentials secret (read by the pool's container below).
    const ecrImage = ecrImageOf(config.tenantImage);
    if (ecrImage) {
      this.executionRole.addToPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
      this.executionRole.addToPolicy(new PolicyStatement({ actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], resources: [ecrRepositoryArn(ecrImage)] }));
    }
    this.imageCredentials = config.tenantImageCredentialsSecretArn ? Secret.fromSecretCompleteArn(this, 'TenantImageCredentials', config.tenantImageCredentialsSecretArn) : undefined;

    // The warm pool: unassigned spaceOS tasks (RunTask) told their tenant at signup. Their own role
    // reaches nothing of any tenant; an assigned task gets its tenant's session of the instance role,
    // assumed for an hour by the assigning step and handed over (functions/providers/instance-pool.ts).
    this.poolKey = new Secret(this, 'PoolKey', {
      secretName: POOL_KEY_SECRET_NAME,
      description: 'Key every warm-pool assignment carries (instance contract)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.poolTaskDefinition = new FargateTaskDefinition(this, 'PoolTask', {
      family: 'spaceos-pool',
      cpu: 256,
      memoryLimitMiB: 512,
      executionRole: this.executionRole,
      taskRole: new Role(this, 'PoolTaskRole', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'), description: 'Unassigned spaceOS pool tasks: no access to any tenant' }),
      runtimePlatform: { cpuArchitecture: config.instanceArchitecture === 'X86_64' ? CpuArchitecture.X86_64 : CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.poolTaskDefinition.addContainer('spaceos', {
      // With credentials, CDK grants the execution role read on that one secret (tenant task definitions reuse the role).
      image: ContainerImage.fromRegistry(config.tenantImage, this.imageCredentials ? { credentials: this.imageCredentials } : {}),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      environment: { PORT: String(CONTAINER_PORT), CONFIG_BUCKET: props.tenantBucket.bucketName, AWS_REGION: stack.region },
      secrets: { SPACEOS_POOL_KEY: EcsSecret.fromSecretsManager(this.poolKey) },
      logging: LogDrivers.awsLogs({ logGroup: this.taskLogGroup, streamPrefix: 'pool' }),
    });

    const senderDomain = `clients.${config.domain}`;
    this.configurationSet = new ConfigurationSet(this, 'MailConfiguration', { configurationSetName: 'launchpad-tenants' });
    this.senderIdentities = [senderDomain, config.domain].map(
      (domain, i) => new EmailIdentity(this, i === 0 ? 'TenantSenders' : 'LaunchpadSender', { identity: Identity.domain(domain), configurationSet: this.configurationSet }),
    );
    this.tenantSendMailArns = [this.senderIdentities[0]!.emailIdentityArn, stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName })];

    // Caps the role instances run as (below) to the kinds of access an instance needs: its
    // tenant's files, sender address and SMTP password, whatever its own policy says.
    this.tenantTaskBoundary = new ManagedPolicy(this, 'TenantTaskBoundary', {
      managedPolicyName: 'launchpad-tenant-task-boundary',
      description: 'Permissions boundary of every spaceOS tenant task role',
      statements: [
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [props.tenantBucket.arnForObjects(`${tenantPrefix('*')}*`)] }),
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: this.tenantSendMailArns }),
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${TENANT_SECRETS_PREFIX}*/smtp-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      ],
    });

    // Tenant isolation without a role per tenant (IAM allows 5,000 per account): every instance runs as
    // this role, assumed with the tenant's session tags, and its policy reaches what those tags name.
    // Only the credentials route (after checking the instance's token) and the pool's assigner may
    // assume it, and only naming all three tags and no others; never a role on the tenant path itself.
    const instancePrincipal = new AccountRootPrincipal()
      .withConditions({
        StringEquals: { [`aws:PrincipalTag/${POOL_ASSIGNER_TAG.key}`]: [POOL_ASSIGNER_TAG.value, CREDENTIALS_VENDOR_TAG.value] },
        ArnNotLike: { 'aws:PrincipalArn': stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${TENANT_ROLE_PATH.slice(1)}*` }) },
        StringLike: Object.fromEntries(INSTANCE_SESSION_TAG_KEYS.map((key) => [`aws:RequestTag/${key}`, '?*'])),
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...INSTANCE_SESSION_TAG_KEYS] },
      })
      .withSessionTags();
    this.instanceRole = new Role(this, 'InstanceRole', {
      roleName: INSTANCE_ROLE_NAME,
      path: TENANT_ROLE_PATH,
      description: 'Every spaceOS tenant instance; reaches its own tenant only, by session tags',
      assumedBy: instancePrincipal,
      permissionsBoundary: this.tenantTaskBoundary,
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        'own-resources': PolicyDocument.fromJson(
          instanceRolePolicy({
            bucketArn: props.tenantBucket.bucketArn,
            mailDomain: senderDomain,
            sendMailArns: this.tenantSendMailArns,
            secretArnPrefix: `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:`,
          }),
        ),
      },
    });
  }
}
