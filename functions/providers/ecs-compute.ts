import { createHash } from 'node:crypto';
import { CreateServiceCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ModifyRuleCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { serviceName, type Compute, type ScaledService, type ServiceSpec } from './compute';
import type { TenantTaskRoles } from './tenant-task-roles';

export interface EcsComputeConfig {
  cluster: string;
  image: string;
  vpcId: string;
  subnets: string[];
  securityGroups: string[];
  /** Shared by every task: ECS uses it to pull the image, write logs and read the database password. */
  executionRoleArn: string;
  /** HTTPS listeners of the shared load balancer(s), filled in order. */
  listenerArns: string[];
  bucket: string;
  logGroup: string;
  region: string;
  /** Prefix for a secret's name in valueFrom: '' for secrets in the task's own region (named), or a cross-region ARN prefix. */
  secretArnPrefix: string;
  containerPort?: number;
}

/** The configured image at another tag: registry:5000/spaceos:1.2 -> registry:5000/spaceos:<version>. */
export function imageAt(image: string, version: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repository = colon > slash ? image.slice(0, colon) : image;
  return `${repository}:${version}`;
}

/** The tenant's service has no task definition to roll forward (never deployed, or deleted). */
export class ServiceMissingError extends Error {
  override name = 'ServiceMissingError';
}

/** ALB limit: 100 rules per listener besides the default one. */
export const RULES_PER_LISTENER = 100;
const CONTAINER = 'spaceos';

/** Every listener has reached its rule limit: an operator must add one (permanent, not retried). */
export class ListenersFullError extends Error {
  override name = 'ListenersFullError';
}

const routesHost = (rule: Rule, hostname: string) =>
  rule.Conditions?.some((c) => c.Field === 'host-header' && (c.HostHeaderConfig?.Values ?? c.Values ?? []).includes(hostname)) ?? false;

/** Target group names are capped at 32 characters; derive a stable short one. */
export const targetGroupName = (spec: Pick<ServiceSpec, 'tenantId' | 'env'>) =>
  `tg-${spec.env}-${createHash('sha256').update(spec.tenantId).digest('hex').slice(0, 20)}`;

/**
 * spaceOS instances on ECS Fargate behind the shared ALB: the tenant's own task role, task
 * definition, target group, host-header rule, service. Describes before it creates, so a rerun
 * converges.
 */
export class EcsCompute implements Compute {
  constructor(
    private readonly ecs: ECSClient,
    private readonly elb: ElasticLoadBalancingV2Client,
    private readonly roles: TenantTaskRoles,
    private readonly config: EcsComputeConfig,
  ) {}

  async ensureService(spec: ServiceSpec): Promise<{ name: string; created: boolean }> {
    const name = serviceName(spec);
    const { services = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: [name] }));
    if (services.some((s) => s.status === 'ACTIVE' || s.status === 'DRAINING')) return { name, created: false };

    const targetGroupArn = await this.ensureTargetGroup(spec);
    await this.ensureHostRule(spec.hostname, targetGroupArn);
    const taskDefinition = await this.registerTaskDefinition(name, spec);
    await this.ecs.send(
      new CreateServiceCommand({
        cluster: this.config.cluster,
        serviceName: name,
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        // Same token for the same service: a retried create is deduplicated by ECS.
        clientToken: createHash('sha256').update(`${this.config.cluster}/${name}`).digest('hex').slice(0, 36),
        networkConfiguration: { awsvpcConfiguration: { subnets: this.config.subnets, securityGroups: this.config.securityGroups, assignPublicIp: 'DISABLED' } },
        loadBalancers: [{ targetGroupArn, containerName: CONTAINER, containerPort: this.port }],
        healthCheckGracePeriodSeconds: 30,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        tags: [{ key: 'tenantId', value: spec.tenantId }, { key: 'environment', value: spec.env }],
        propagateTags: 'SERVICE',
      }),
    );
    return { name, created: true };
  }

  /** Sets the task count; while stopped, the host's rule redirects to `whileStopped` instead of a 503. */
  async scale(service: ScaledService, desiredCount: number, whileStopped: string): Promise<void> {
    await this.ecs.send(new UpdateServiceCommand({ cluster: this.config.cluster, service: serviceName(service), desiredCount }));
    const rule = (await this.listenerRules()).flatMap((l) => l.rules).find((r) => routesHost(r, service.hostname));
    if (!rule?.RuleArn) return;
    if (desiredCount === 0) {
      const target = new URL(whileStopped);
      await this.elb.send(
        new ModifyRuleCommand({
          RuleArn: rule.RuleArn,
          Actions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Host: target.host, Path: target.pathname, Query: '', StatusCode: 'HTTP_302' } }],
        }),
      );
    } else {
      const { TargetGroups = [] } = await this.elb.send(new DescribeTargetGroupsCommand({ Names: [targetGroupName(service)] }));
      const TargetGroupArn = TargetGroups[0]?.TargetGroupArn;
      if (TargetGroupArn) await this.elb.send(new ModifyRuleCommand({ RuleArn: rule.RuleArn, Actions: [{ Type: 'forward', TargetGroupArn }] }));
    }
  }

  /**
   * A new revision of the service's task definition with the image at `version` (everything else
   * as it was), and the service moved onto it; the circuit breaker rolls back a deployment whose
   * tasks never become healthy.
   */
  async deploy(service: ScaledService, version: string): Promise<void> {
    const name = serviceName(service);
    const { services = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: [name] }));
    const current = services.find((s) => s.status === 'ACTIVE')?.taskDefinition;
    if (!current) throw new ServiceMissingError(`Service ${name} does not exist in ${this.config.cluster}`);
    const { taskDefinition, tags } = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current, include: ['TAGS'] }));
    if (!taskDefinition) throw new ServiceMissingError(`Task definition ${current} of ${name} was not found`);
    const containerDefinitions = (taskDefinition.containerDefinitions ?? []).map((container) =>
      container.name === CONTAINER
        ? { ...container, image: imageAt(container.image ?? this.config.image, version), environment: [...(container.environment ?? []).filter((e) => e.name !== 'APP_VERSION'), { name: 'APP_VERSION', value: version }] }
        : container,
    );
    const { taskDefinition: registered } = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: taskDefinition.family ?? name,
        requiresCompatibilities: taskDefinition.requiresCompatibilities,
        networkMode: taskDefinition.networkMode,
        cpu: taskDefinition.cpu,
        memory: taskDefinition.memory,
        executionRoleArn: taskDefinition.executionRoleArn,
        // Converged on every deploy: also moves an instance still on a shared role onto its own.
        taskRoleArn: await this.roles.ensure(service),
        containerDefinitions,
        ...(tags?.length ? { tags } : {}),
      }),
    );
    if (!registered?.taskDefinitionArn) throw new Error(`RegisterTaskDefinition returned no ARN for ${name}`);
    await this.ecs.send(new UpdateServiceCommand({ cluster: this.config.cluster, service: name, taskDefinition: registered.taskDefinitionArn }));
  }

  /**
   * Offboarding: the service (forced down), its host rule, its target group and its task
   * definition revisions. Each part is looked up first, so a rerun removes only what is left.
   */
  async hasService(service: ScaledService): Promise<boolean> {
    const { services = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: [serviceName(service)] }));
    return services.some((s) => s.status === 'ACTIVE' || s.status === 'DRAINING');
  }

  async removeService(service: ScaledService): Promise<'removed' | 'absent'> {
    const name = serviceName(service);
    let removed = false;
    const { services = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: [name] }));
    if (services.some((s) => s.status === 'ACTIVE')) {
      await this.ecs.send(new DeleteServiceCommand({ cluster: this.config.cluster, service: name, force: true }));
      removed = true;
    }
    const rule = (await this.listenerRules()).flatMap((l) => l.rules).find((r) => routesHost(r, service.hostname));
    if (rule?.RuleArn) {
      await this.elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
      removed = true;
    }
    try {
      const { TargetGroups = [] } = await this.elb.send(new DescribeTargetGroupsCommand({ Names: [targetGroupName(service)] }));
      for (const group of TargetGroups) {
        // Deleting the service may leave targets draining for a while; a retry of this step finishes it.
        await this.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: group.TargetGroupArn }));
        removed = true;
      }
    } catch (error) {
      if ((error as { name?: string }).name !== 'TargetGroupNotFoundException') throw error;
    }
    let nextToken: string | undefined;
    do {
      const page = await this.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: name, status: 'ACTIVE', nextToken }));
      for (const arn of page.taskDefinitionArns ?? []) await this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
      nextToken = page.nextToken;
    } while (nextToken);
    if ((await this.roles.remove(service)) === 'removed') removed = true;
    return removed ? 'removed' : 'absent';
  }

  private get port() {
    return this.config.containerPort ?? 8080;
  }

  private async registerTaskDefinition(family: string, spec: ServiceSpec): Promise<string> {
    const { taskDefinition } = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        executionRoleArn: this.config.executionRoleArn,
        taskRoleArn: await this.roles.ensure(spec),
        containerDefinitions: [
          {
            name: CONTAINER,
            image: imageAt(this.config.image, spec.version),
            essential: true,
            portMappings: [{ containerPort: this.port, protocol: 'tcp' }],
            // Where to read config at runtime; nothing tenant-specific is baked into the image.
            environment: [
              { name: 'PORT', value: String(this.port) },
              { name: 'TENANT_ID', value: spec.tenantId },
              { name: 'SPACEOS_ENV', value: spec.env },
              { name: 'CONFIG_BUCKET', value: this.config.bucket },
              { name: 'CONFIG_KEY', value: spec.configKey },
              { name: 'THEME_KEY', value: spec.themeKey },
              { name: 'DATABASE_HOST', value: spec.database.host },
              { name: 'DATABASE_PORT', value: String(spec.database.port) },
              { name: 'DATABASE_NAME', value: spec.database.database },
              { name: 'DATABASE_USER', value: spec.database.user },
              { name: 'APP_VERSION', value: spec.version },
            ],
            secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: `${this.config.secretArnPrefix}${spec.database.secretName}` }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': this.config.logGroup, 'awslogs-region': this.config.region, 'awslogs-stream-prefix': family },
            },
          },
        ],
        tags: [{ key: 'tenantId', value: spec.tenantId }],
      }),
    );
    if (!taskDefinition?.taskDefinitionArn) throw new Error(`RegisterTaskDefinition returned no ARN for ${family}`);
    return taskDefinition.taskDefinitionArn;
  }

  private async ensureTargetGroup(spec: ServiceSpec): Promise<string> {
    const Name = targetGroupName(spec);
    try {
      const { TargetGroups = [] } = await this.elb.send(new DescribeTargetGroupsCommand({ Names: [Name] }));
      if (TargetGroups[0]?.TargetGroupArn) return TargetGroups[0].TargetGroupArn;
    } catch (error) {
      if ((error as { name?: string }).name !== 'TargetGroupNotFoundException') throw error;
    }
    const { TargetGroups = [] } = await this.elb.send(
      new CreateTargetGroupCommand({
        Name,
        Protocol: 'HTTP',
        Port: this.port,
        VpcId: this.config.vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 2,
        Tags: [{ Key: 'tenantId', Value: spec.tenantId }],
      }),
    );
    const arn = TargetGroups[0]?.TargetGroupArn;
    if (!arn) throw new Error(`CreateTargetGroup returned no ARN for ${Name}`);
    return arn;
  }

  private async listenerRules(): Promise<Array<{ arn: string; rules: Rule[] }>> {
    const listeners: Array<{ arn: string; rules: Rule[] }> = [];
    for (const arn of this.config.listenerArns) {
      const rules: Rule[] = [];
      let Marker: string | undefined;
      do {
        const page = await this.elb.send(new DescribeRulesCommand({ ListenerArn: arn, Marker }));
        rules.push(...(page.Rules ?? []));
        Marker = page.NextMarker;
      } while (Marker);
      listeners.push({ arn, rules });
    }
    return listeners;
  }

  /** A host-header rule to the target group, on the first listener with room for one. */
  private async ensureHostRule(hostname: string, targetGroupArn: string): Promise<void> {
    const listeners = await this.listenerRules();
    if (listeners.some((l) => l.rules.some((rule) => routesHost(rule, hostname)))) return;
    const free = listeners.find((l) => l.rules.filter((r) => !r.IsDefault).length < RULES_PER_LISTENER);
    if (!free) throw new ListenersFullError(`All ${listeners.length} listeners have ${RULES_PER_LISTENER} rules; add a listener to the configuration`);
    const used = new Set(free.rules.map((r) => Number(r.Priority)).filter(Number.isFinite));
    let priority = 1;
    while (used.has(priority)) priority++;
    await this.elb.send(
      new CreateRuleCommand({
        ListenerArn: free.arn,
        Priority: priority,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [hostname] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
  }
}
