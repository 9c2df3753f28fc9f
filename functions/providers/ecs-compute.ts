import { createHash } from 'node:crypto';
import { CreateServiceCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { CreateServiceCommand as CreateDiscoveryServiceCommand, DeleteServiceCommand as DeleteDiscoveryServiceCommand, GetServiceCommand as GetDiscoveryServiceCommand, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { CREATED_WITH, serviceName, type Compute, type ScaledService, type ServiceSpec } from './compute';
import type { TenantInstanceAccess } from './tenant-task-roles';

export interface EcsComputeConfig {
  cluster: string;
  image: string;
  /** Graviton (ARM64, ~20 % cheaper) unless the image is built for x86 only. */
  cpuArchitecture: 'ARM64' | 'X86_64';
  /** The Cloud Map namespace every instance registers its tasks in (the tenant router discovers them there). */
  namespaceId: string;
  subnets: string[];
  securityGroups: string[];
  /** Shared by every task: ECS uses it to pull the image, write logs and read the database password. */
  executionRoleArn: string;
  /** A private registry's credentials secret (not ECR): the container's repositoryCredentials. */
  imageCredentialsSecretArn?: string;
  bucket: string;
  logGroup: string;
  region: string;
  /** Prefix for a secret's name in valueFrom: '' for secrets in the task's own region (named), or a cross-region ARN prefix. */
  secretArnPrefix: string;
  containerPort?: number;
  /** The credentials route as every instance's AWS SDK asks it (`https://api.<domain>/api/instance-credentials`: the SDKs take a non-loopback FULL_URI over HTTPS only). */
  instanceCredentialsUrl: string;
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

const CONTAINER = 'spaceos';
/** What every AWS SDK's default credential chain reads in a container (the ECS container-credentials protocol). */
const CREDENTIALS_URI = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
const CREDENTIALS_TOKEN = 'AWS_CONTAINER_AUTHORIZATION_TOKEN';

/** The Cloud Map service still has registered tasks (they deregister as the ECS service drains): transient, the step is retried (functions/steps/errors.ts). */
export class StillRegisteredError extends Error {
  override name = 'StillRegisteredError';
}

/** UpdateService desiredCount: what sizing, sleep and wake come down to (the router wakes with this alone). */
export async function scaleEcsService(ecs: ECSClient, cluster: string, service: Pick<ScaledService, 'subdomain' | 'env'>, desiredCount: number): Promise<void> {
  await ecs.send(new UpdateServiceCommand({ cluster, service: serviceName(service), desiredCount }));
}

/**
 * spaceOS instances on ECS Fargate: the tenant's instance token, task definition, Cloud Map
 * registration and service. No load-balancer resources per tenant: the one wildcard entry sends
 * every host to the tenant router, which finds the tasks through Cloud Map. Describes before it
 * creates, so a rerun converges.
 */
/** DescribeServices' limit on names per request (ECS API reference). */
export const DESCRIBE_SERVICES_MAX = 10;

export class EcsCompute implements Compute {
  constructor(
    private readonly ecs: ECSClient,
    private readonly discovery: ServiceDiscoveryClient,
    private readonly access: TenantInstanceAccess,
    private readonly config: EcsComputeConfig,
  ) {}

  async ensureService(spec: ServiceSpec, { desiredCount = CREATED_WITH } = {}): Promise<{ name: string; created: boolean }> {
    const name = serviceName(spec);
    const { services = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: [name] }));
    if (services.some((s) => s.status === 'ACTIVE' || s.status === 'DRAINING')) return { name, created: false };

    const registry = await this.ensureRegistry(spec);
    const taskDefinition = await this.registerTaskDefinition(name, spec);
    await this.ecs.send(
      new CreateServiceCommand({
        cluster: this.config.cluster,
        serviceName: name,
        taskDefinition,
        desiredCount,
        launchType: 'FARGATE',
        // Same token for the same service: a retried create is deduplicated by ECS.
        clientToken: createHash('sha256').update(`${this.config.cluster}/${name}`).digest('hex').slice(0, 36),
        networkConfiguration: { awsvpcConfiguration: { subnets: this.config.subnets, securityGroups: this.config.securityGroups, assignPublicIp: 'DISABLED' } },
        serviceRegistries: [{ registryArn: registry.arn }],
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        tags: [{ key: 'tenantId', value: spec.tenantId }, { key: 'environment', value: spec.env }],
        propagateTags: 'SERVICE',
      }),
    );
    return { name, created: true };
  }

  async scale(service: ScaledService, desiredCount: number): Promise<void> {
    await scaleEcsService(this.ecs, this.config.cluster, service, desiredCount);
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
    const credentials = this.credentialsSource(await this.access.ensure(service));
    const containerDefinitions = (taskDefinition.containerDefinitions ?? []).map((container) =>
      container.name === CONTAINER
        ? {
            ...container,
            image: imageAt(container.image ?? this.config.image, version),
            // Converged on every deploy: also moves an instance that still ran as a role of its own onto the vended credentials.
            environment: [...(container.environment ?? []).filter((e) => e.name !== 'APP_VERSION' && e.name !== CREDENTIALS_URI), { name: 'APP_VERSION', value: version }, credentials.environment],
            secrets: [...(container.secrets ?? []).filter((s) => s.name !== CREDENTIALS_TOKEN), credentials.secret],
          }
        : container,
    );
    const { taskDefinition: registered } = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: taskDefinition.family ?? name,
        requiresCompatibilities: taskDefinition.requiresCompatibilities,
        networkMode: taskDefinition.networkMode,
        runtimePlatform: taskDefinition.runtimePlatform,
        cpu: taskDefinition.cpu,
        memory: taskDefinition.memory,
        executionRoleArn: taskDefinition.executionRoleArn,
        // No task role: ECS would then set AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which the SDKs prefer to the FULL_URI.
        containerDefinitions,
        ...(tags?.length ? { tags } : {}),
      }),
    );
    if (!registered?.taskDefinitionArn) throw new Error(`RegisterTaskDefinition returned no ARN for ${name}`);
    await this.ecs.send(new UpdateServiceCommand({ cluster: this.config.cluster, service: name, taskDefinition: registered.taskDefinitionArn }));
  }

  /**
   * DescribeServices takes at most 10 names; the calls go one after another, so a check of the whole
   * fleet stays a steady trickle inside ECS's shared read budget (see the README's ceiling table).
   */
  async existingServices(services: readonly ScaledService[]): Promise<Set<string>> {
    const names = [...new Set(services.map(serviceName))];
    const existing = new Set<string>();
    for (let i = 0; i < names.length; i += DESCRIBE_SERVICES_MAX) {
      const { services: found = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: names.slice(i, i + DESCRIBE_SERVICES_MAX) }));
      for (const s of found) if (s.serviceName && (s.status === 'ACTIVE' || s.status === 'DRAINING')) existing.add(s.serviceName);
    }
    return existing;
  }

  /**
   * Offboarding: the service (forced down), its Cloud Map service (once ECS has deregistered the
   * tasks; until then this throws StillRegisteredError and the step retries), its task definition
   * revisions, its instance token and any role of its own from before the shared one. Each part is looked up first, so a rerun removes only what is left.
   */
  async removeService(service: ScaledService): Promise<'removed' | 'absent'> {
    const name = serviceName(service);
    let removed = false;
    const { services = [] } = await this.ecs.send(new DescribeServicesCommand({ cluster: this.config.cluster, services: [name] }));
    if (services.some((s) => s.status === 'ACTIVE')) {
      await this.ecs.send(new DeleteServiceCommand({ cluster: this.config.cluster, service: name, force: true }));
      removed = true;
    }
    const registry = await this.ensureRegistry(service);
    try {
      await this.discovery.send(new DeleteDiscoveryServiceCommand({ Id: registry.id }));
      if (!registry.created) removed = true;
    } catch (error) {
      const code = (error as { name?: string }).name;
      if (code === 'ResourceInUse') throw new StillRegisteredError(`Cloud Map service ${name} still has tasks registered; they leave as the ECS service drains`);
      if (code !== 'ServiceNotFound') throw error;
    }
    let nextToken: string | undefined;
    do {
      const page = await this.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: name, status: 'ACTIVE', nextToken }));
      for (const arn of page.taskDefinitionArns ?? []) await this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
      nextToken = page.nextToken;
    } while (nextToken);
    if ((await this.access.remove(service)) === 'removed') removed = true;
    return removed ? 'removed' : 'absent';
  }

  /**
   * The instance's Cloud Map service (A records of its tasks' IPs), created on first use. Cloud
   * Map finds a service by id only, so the creator request id names it (tenant and service, hashed
   * to Cloud Map's 64 characters: a subdomain signed up again by another tenant gets a new one):
   * creating it again answers ServiceAlreadyExists with the id (`created` tells which happened).
   */
  private async ensureRegistry(service: Pick<ScaledService, 'tenantId' | 'subdomain' | 'env'>): Promise<{ id: string; arn: string; created: boolean }> {
    const name = serviceName(service);
    try {
      const { Service } = await this.discovery.send(
        new CreateDiscoveryServiceCommand({
          Name: name,
          NamespaceId: this.config.namespaceId,
          CreatorRequestId: createHash('sha256').update(`${service.tenantId}/${name}`).digest('hex'),
          DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 10 }] },
          Tags: [{ Key: 'service', Value: name }],
        }),
      );
      if (!Service?.Id || !Service.Arn) throw new Error(`Cloud Map CreateService returned no id for ${name}`);
      return { id: Service.Id, arn: Service.Arn, created: true };
    } catch (error) {
      const existing = error as { name?: string; ServiceId?: string };
      if (existing.name !== 'ServiceAlreadyExists' || !existing.ServiceId) throw error;
      // ServiceAlreadyExists names the id only; ECS wants the ARN.
      const { Service } = await this.discovery.send(new GetDiscoveryServiceCommand({ Id: existing.ServiceId }));
      if (!Service?.Arn) throw new Error(`Cloud Map service ${existing.ServiceId} (${name}) has no ARN`);
      return { id: existing.ServiceId, arn: Service.Arn, created: false };
    }
  }

  /** The container-credentials protocol: the URL in the environment, the token as a secret ECS reads at launch. */
  private credentialsSource(tokenSecretName: string) {
    return {
      environment: { name: CREDENTIALS_URI, value: this.config.instanceCredentialsUrl },
      secret: { name: CREDENTIALS_TOKEN, valueFrom: `${this.config.secretArnPrefix}${tokenSecretName}` },
    };
  }

  private get port() {
    return this.config.containerPort ?? 8080;
  }

  private async registerTaskDefinition(family: string, spec: ServiceSpec): Promise<string> {
    const credentials = this.credentialsSource(await this.access.ensure(spec));
    const { taskDefinition } = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        runtimePlatform: { cpuArchitecture: this.config.cpuArchitecture, operatingSystemFamily: 'LINUX' },
        cpu: '256',
        memory: '512',
        executionRoleArn: this.config.executionRoleArn,
        // No task role (see deploy): the instance's AWS SDK gets its tenant's credentials from the credentials route.
        containerDefinitions: [
          {
            name: CONTAINER,
            image: imageAt(this.config.image, spec.version),
            // A deploy copies the container definition, so later revisions keep it.
            ...(this.config.imageCredentialsSecretArn ? { repositoryCredentials: { credentialsParameter: this.config.imageCredentialsSecretArn } } : {}),
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
              credentials.environment,
            ],
            secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: `${this.config.secretArnPrefix}${spec.database.secretName}` }, credentials.secret],
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
}
