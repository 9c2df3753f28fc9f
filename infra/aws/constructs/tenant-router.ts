import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { AwsLogDriver, ContainerImage, CpuArchitecture, FargateService, FargateTaskDefinition, OperatingSystemFamily, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import { buildRouterImage } from '../router-image';
import { ROUTER_PROBE_KEY_VARIABLE } from '../../../functions/providers/probe-pass';
import { CONTAINER_PORT, type Tenancy } from './tenancy';

/** Requests per router task per minute before another task starts (a small Node process proxies thousands a second). */
export const ROUTER_REQUESTS_PER_TASK = 6000;

/**
 * The tenant router service (router/main.ts): at least two Fargate tasks across the zones, behind
 * the load balancer's one target group, scaled on request count. It reads instance records from
 * the table, wakes sleeping instances (UpdateService) and finds tasks through Cloud Map.
 */
export class TenantRouterService extends Construct {
  readonly service: FargateService;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: { config: DeployConfig; tenancy: Tenancy; table: ITableV2; siteUrl: string }) {
    super(scope, id);
    const { config, tenancy, table } = props;
    const stack = Stack.of(this);
    this.logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    task.addContainer('router', {
      image: ContainerImage.fromAsset(buildRouterImage(join('node_modules', '.cache', 'launchpad-router-image')), { platform: Platform.LINUX_ARM64 }),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      logging: new AwsLogDriver({ logGroup: this.logGroup, streamPrefix: 'router' }),
      environment: {
        TABLE_NAME: table.tableName,
        CLUSTER: tenancy.cluster.clusterName,
        NAMESPACE_NAME: tenancy.namespace.namespaceName,
        CONTAINER_PORT: String(CONTAINER_PORT),
        INSTANCE_URL_TEMPLATE: `https://{host}.${config.domain}`,
        SITE_URL: props.siteUrl,
        POWERTOOLS_SERVICE_NAME: 'tenant-router',
      },
      // The key of Launchpad's probe passes (router/main.ts), handed in at task start as the pool key is to pool tasks.
      secrets: { [ROUTER_PROBE_KEY_VARIABLE]: EcsSecret.fromSecretsManager(tenancy.routerProbeKey) },
      stopTimeout: Duration.seconds(30),
    });
    // Reads instance records and tenants (for its pages); writes only instance records (last requests, wake claims).
    const items = (prefixes: string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes } });
    task.taskRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn], conditions: items(['INSTANCE#*', 'TENANT#*']) }));
    task.taskRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn], conditions: items(['INSTANCE#*']) }));
    task.taskRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ecs:UpdateService'], resources: [stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${tenancy.cluster.clusterName}/spaceos-*` })] }),
    );
    // DiscoverInstances has no resource-level permissions; the condition holds it to the instance namespace.
    task.taskRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['servicediscovery:DiscoverInstances'], resources: ['*'], conditions: { StringEquals: { 'servicediscovery:NamespaceName': tenancy.namespace.namespaceName } } }));

    this.service = new FargateService(this, 'Service', {
      cluster: tenancy.cluster,
      taskDefinition: task,
      desiredCount: config.routerMinTasks,
      securityGroups: [tenancy.routerSecurityGroup],
      vpcSubnets: { subnetType: tenancy.privateSubnetType },
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      healthCheckGracePeriod: Duration.seconds(30),
    });
    this.service.attachToApplicationTargetGroup(tenancy.routerTargetGroup);
    const scaling = this.service.autoScaleTaskCount({ minCapacity: config.routerMinTasks, maxCapacity: config.routerMaxTasks });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: ROUTER_REQUESTS_PER_TASK, targetGroup: tenancy.routerTargetGroup, scaleInCooldown: Duration.minutes(5), scaleOutCooldown: Duration.seconds(60) });
  }
}
