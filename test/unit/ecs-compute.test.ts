import { createHash } from 'node:crypto';
import { CreateServiceCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand,
  DeleteServiceCommand as DeleteDiscoveryServiceCommand,
  DiscoverInstancesCommand,
  GetServiceCommand as GetDiscoveryServiceCommand,
  NamespaceNotFound,
  ResourceInUse,
  ServiceAlreadyExists,
  ServiceDiscoveryClient,
  ServiceNotFound,
} from '@aws-sdk/client-servicediscovery';
import { DeleteRoleCommand, DeleteRolePolicyCommand, IAMClient, ListRolePoliciesCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { CreateSecretCommand, DeleteSecretCommand, ResourceExistsException, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../functions/providers/compute';
import { CloudMapDiscovery } from '../../functions/providers/discovery';
import { EcsCompute, StillRegisteredError } from '../../functions/providers/ecs-compute';
import { forStateMachine } from '../../functions/steps/errors';
import { TenantInstanceAccess } from '../../functions/providers/tenant-task-roles';
import { parseInstanceToken } from '../../shared/instance-token';
import { ECS_CONFIG } from '../support/deps';

const ecs = mockClient(ECSClient);
const cloudMap = mockClient(ServiceDiscoveryClient);
const iam = mockClient(IAMClient);
const secretsManager = mockClient(SecretsManagerClient);
const compute = () =>
  new EcsCompute(
    new ECSClient({ region: 'us-east-1' }),
    new ServiceDiscoveryClient({ region: 'us-east-1' }),
    new TenantInstanceAccess(new SecretsManagerClient({ region: 'us-east-1' }), new IAMClient({ region: 'us-east-1' })),
    ECS_CONFIG,
  );
const TOKEN_SECRET = 'launchpad/tenants/t-1/prod/instance-token';
/** How every instance's SDK finds and proves itself to the credentials route. */
const CREDENTIALS_ENV = { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'https://api.spaceos.io/api/instance-credentials' };
const TOKEN_FROM_SECRET = { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN', valueFrom: `${ECS_CONFIG.secretArnPrefix}${TOKEN_SECRET}` };
const noSuchRole = () => new NoSuchEntityException({ message: 'The role cannot be found.', $metadata: {} });

const spec: ServiceSpec = {
  tenantId: 't-1',
  subdomain: 'acme',
  env: 'prod',
  hostname: 'acme.spaceos.io',
  configKey: 'tenants/t-1/config/prod/config.yml',
  themeKey: 'tenants/t-1/theme.css',
  database: { host: 'db.internal', port: 5432, database: 't_acme_prod', user: 't_acme_prod', secretName: 'launchpad/tenants/t-1/prod/database' },
  version: '1.2.3',
};
const REGISTRY = 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-acme';
const alreadyRegistered = () => Object.assign(new ServiceAlreadyExists({ message: 'Service already exists', $metadata: {} }), { ServiceId: 'srv-acme' });

beforeEach(() => {
  ecs.reset();
  cloudMap.reset();
  iam.reset();
  secretsManager.reset();
  secretsManager.on(CreateSecretCommand).resolves({});
  ecs.on(DescribeServicesCommand).resolves({ services: [] });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:task-def/spaceos-acme-prod:1' } });
  ecs.on(CreateServiceCommand).resolves({});
  cloudMap.on(CreateDiscoveryServiceCommand).resolves({ Service: { Id: 'srv-acme', Arn: REGISTRY } });
  cloudMap.on(GetDiscoveryServiceCommand).resolves({ Service: { Id: 'srv-acme', Arn: REGISTRY } });
});

describe('ECS compute adapter', () => {
  it('creates a Cloud Map registration, a Graviton task definition and a Fargate service for a new instance, with no load-balancer resources', async () => {
    await expect(compute().ensureService(spec)).resolves.toEqual({ name: 'spaceos-acme-prod', created: true });

    expect(cloudMap.commandCalls(CreateDiscoveryServiceCommand)[0]!.args[0].input).toMatchObject({
      Name: 'spaceos-acme-prod',
      NamespaceId: 'ns-tenants',
      // Tenant and service, hashed: a subdomain signed up again by another tenant gets a Cloud Map service of its own.
      CreatorRequestId: createHash('sha256').update('t-1/spaceos-acme-prod').digest('hex'),
      DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 10 }] },
    });
    const definition = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
    expect(definition.runtimePlatform).toEqual({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
    const container = definition.containerDefinitions![0]!;
    expect(container.image).toBe('registry/spaceos:1.2.3');
    expect(container.environment).toEqual(expect.arrayContaining([{ name: 'CONFIG_KEY', value: spec.configKey }, { name: 'DATABASE_NAME', value: 't_acme_prod' }]));
    expect(container.secrets).toEqual([{ name: 'DATABASE_PASSWORD', valueFrom: `${ECS_CONFIG.secretArnPrefix}launchpad/tenants/t-1/prod/database` }, TOKEN_FROM_SECRET]);
    expect(container.environment).toContainEqual(CREDENTIALS_ENV);
    expect(JSON.stringify(container.environment)).not.toMatch(/password/i);
    // No task role: ECS would set AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which the SDKs prefer to the FULL_URI.
    expect(definition).toMatchObject({ executionRoleArn: ECS_CONFIG.executionRoleArn });
    expect(definition.taskRoleArn).toBeUndefined();
    const service = ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input;
    expect(service).toMatchObject({ cluster: 'spaceos', serviceName: 'spaceos-acme-prod', launchType: 'FARGATE', taskDefinition: 'arn:task-def/spaceos-acme-prod:1', serviceRegistries: [{ registryArn: REGISTRY }] });
    expect(service.loadBalancers).toBeUndefined();
  });

  it('describes before it creates: an existing service is left alone', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'ACTIVE' }] });
    await expect(compute().ensureService(spec)).resolves.toEqual({ name: 'spaceos-acme-prod', created: false });
    expect(ecs.commandCalls(CreateServiceCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(cloudMap.commandCalls(CreateDiscoveryServiceCommand)).toHaveLength(0);
  });

  it('reuses the Cloud Map service of an earlier attempt (found by its creator request id)', async () => {
    cloudMap.on(CreateDiscoveryServiceCommand).rejects(alreadyRegistered());
    await compute().ensureService(spec);
    expect(cloudMap.commandCalls(GetDiscoveryServiceCommand)[0]!.args[0].input).toEqual({ Id: 'srv-acme' });
    expect(ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input.serviceRegistries).toEqual([{ registryArn: REGISTRY }]);
  });

  it('puts an instance to sleep and wakes it with the desired count alone (no routing to change)', async () => {
    ecs.on(UpdateServiceCommand).resolves({});
    await compute().scale(spec, 0);
    await compute().scale(spec, 2);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'spaceos', service: 'spaceos-acme-prod', desiredCount: 0 },
      { cluster: 'spaceos', service: 'spaceos-acme-prod', desiredCount: 2 },
    ]);
  });

  it('rolls a service onto a new version: same task definition, image at the new tag, then the service update', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'ACTIVE', taskDefinition: 'arn:task-def/spaceos-acme-prod:1' }] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        family: 'spaceos-acme-prod', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], executionRoleArn: 'arn:exec', taskRoleArn: 'arn:task',
        containerDefinitions: [{ name: 'spaceos', image: 'registry:5000/spaceos:1.2.3', environment: [{ name: 'TENANT_ID', value: 't-1' }, { name: 'APP_VERSION', value: '1.2.3' }], secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: 'x' }] }],
      },
      tags: [{ key: 'tenantId', value: 't-1' }],
    });
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:task-def/spaceos-acme-prod:2' } });
    ecs.on(UpdateServiceCommand).resolves({});

    await compute().deploy(spec, '1.3.0');
    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
    // An instance still on a role of its own ('arn:task') moves onto vended credentials with the next version deployed.
    expect(registered).toMatchObject({ family: 'spaceos-acme-prod', executionRoleArn: 'arn:exec', tags: [{ key: 'tenantId', value: 't-1' }] });
    expect(registered.taskRoleArn).toBeUndefined();
    expect(registered.containerDefinitions![0]).toMatchObject({
      image: 'registry:5000/spaceos:1.3.0',
      environment: [{ name: 'TENANT_ID', value: 't-1' }, { name: 'APP_VERSION', value: '1.3.0' }, CREDENTIALS_ENV],
      secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: 'x' }, TOKEN_FROM_SECRET],
    });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({ cluster: 'spaceos', service: 'spaceos-acme-prod', taskDefinition: 'arn:task-def/spaceos-acme-prod:2' });
  });

  it('offboards an instance: service, Cloud Map service, task definitions, token and the role it had before the shared one; a rerun finds nothing left', async () => {
    secretsManager.on(DeleteSecretCommand).resolves({});
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'ACTIVE' }] });
    ecs.on(DeleteServiceCommand).resolves({});
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: ['arn:td/spaceos-acme-prod:1', 'arn:td/spaceos-acme-prod:2'] });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});
    cloudMap.on(CreateDiscoveryServiceCommand).rejects(alreadyRegistered());
    cloudMap.on(DeleteDiscoveryServiceCommand).resolves({});
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['own-resources'] });
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});

    await expect(compute().removeService(spec)).resolves.toBe('removed');
    expect(ecs.commandCalls(DeleteServiceCommand)[0]!.args[0].input).toEqual({ cluster: 'spaceos', service: 'spaceos-acme-prod', force: true });
    expect(cloudMap.commandCalls(DeleteDiscoveryServiceCommand)[0]!.args[0].input).toEqual({ Id: 'srv-acme' });
    expect(ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual(['arn:td/spaceos-acme-prod:1', 'arn:td/spaceos-acme-prod:2']);
    expect(secretsManager.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({ SecretId: TOKEN_SECRET, ForceDeleteWithoutRecovery: true });
    expect(iam.commandCalls(DeleteRoleCommand)[0]!.args[0].input).toEqual({ RoleName: 'spaceos-prod-t-1' });

    ecs.reset();
    cloudMap.reset();
    iam.reset();
    secretsManager.reset();
    iam.on(ListRolePoliciesCommand).rejects(noSuchRole());
    secretsManager.on(DeleteSecretCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'INACTIVE' }] });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    // Gone already: creating it by its request id makes a fresh one, which is deleted again and not counted.
    cloudMap.on(CreateDiscoveryServiceCommand).resolves({ Service: { Id: 'srv-new', Arn: 'arn:srv-new' } });
    cloudMap.on(DeleteDiscoveryServiceCommand).resolves({});
    await expect(compute().removeService(spec)).resolves.toBe('absent');
    expect(ecs.commandCalls(DeleteServiceCommand)).toHaveLength(0);
    expect(cloudMap.commandCalls(DeleteDiscoveryServiceCommand)[0]!.args[0].input).toEqual({ Id: 'srv-new' });
  });

  it('retries offboarding while Cloud Map still lists the draining tasks', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'DRAINING' }] });
    cloudMap.on(CreateDiscoveryServiceCommand).rejects(alreadyRegistered());
    cloudMap.on(DeleteDiscoveryServiceCommand).rejects(new ResourceInUse({ message: 'instances registered', $metadata: {} }));
    const error = await compute().removeService(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StillRegisteredError);
    // Retried by the offboarding workflow, not caught as a failure.
    expect(forStateMachine(error).name).toBe('TransientError');
  });

  it('gives each instance a random token of its own, <tenantId>.<env>.<random>, created once and kept by later deploys', async () => {
    await compute().ensureService(spec);
    const created = secretsManager.commandCalls(CreateSecretCommand)[0]!.args[0].input;
    expect(created.Name).toBe(TOKEN_SECRET);
    expect(parseInstanceToken(created.SecretString!)).toEqual({ tenantId: 't-1', env: 'prod' });
    await compute().ensureService({ ...spec, env: 'stg' });
    expect(secretsManager.commandCalls(CreateSecretCommand)[1]!.args[0].input.SecretString).not.toBe(created.SecretString);

    // There already (a retry, a later deploy): its value stays, running tasks keep working.
    secretsManager.reset();
    secretsManager.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    await expect(compute().ensureService(spec)).resolves.toEqual({ name: 'spaceos-acme-prod', created: true });
    expect(secretsManager.commandCalls(CreateSecretCommand)).toHaveLength(1);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand).at(-1)!.args[0].input.containerDefinitions![0]!.secrets).toContainEqual(TOKEN_FROM_SECRET);
  });
});

describe('drift lookups', () => {
  it('asks ECS about many services 10 names at a time and answers the ones that exist (scaled to zero or draining too, not deleted ones)', async () => {
    const services = Array.from({ length: 12 }, (_, i) => ({ tenantId: `t-${i}`, subdomain: `t${i}`, hostname: `t${i}.spaceos.io` })).flatMap((t) => (['prod', 'stg'] as const).map((env) => ({ ...t, env })));
    ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services.flatMap((name) => (name === 'spaceos-t3-stg' ? [] : [{ serviceName: name, status: name === 'spaceos-t5-prod' ? 'INACTIVE' : name === 'spaceos-t7-prod' ? 'DRAINING' : 'ACTIVE' }])),
      failures: input.services.filter((name) => name === 'spaceos-t3-stg').map((arn) => ({ arn, reason: 'MISSING' })),
    }));
    const existing = await compute().existingServices(services);
    const calls = ecs.commandCalls(DescribeServicesCommand).map((call) => call.args[0].input.services ?? []);
    expect(calls.map((names) => names.length)).toEqual([10, 10, 4]);
    expect(existing.size).toBe(22);
    expect(existing.has('spaceos-t3-stg') || existing.has('spaceos-t5-prod')).toBe(false);
    expect(existing.has('spaceos-t7-prod')).toBe(true);
  });
});

describe('Cloud Map discovery', () => {
  const discovery = () => new CloudMapDiscovery(new ServiceDiscoveryClient({ region: 'us-east-1' }), { namespaceName: 'tenants.launchpad.internal', containerPort: 8080 });

  it("finds an instance's tasks by its service name, with the contract's port when ECS registers none", async () => {
    cloudMap.on(DiscoverInstancesCommand).resolves({
      Instances: [
        { InstanceId: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '10.40.32.7', ECS_SERVICE_NAME: 'spaceos-acme-prod' } },
        { InstanceId: 'task-2', Attributes: { AWS_INSTANCE_IPV4: '10.40.48.9', AWS_INSTANCE_PORT: '9090' } },
        { InstanceId: 'odd', Attributes: {} },
      ],
    });
    await expect(discovery().endpoints({ subdomain: 'acme', env: 'prod' })).resolves.toEqual([
      { host: '10.40.32.7', port: 8080 },
      { host: '10.40.48.9', port: 9090 },
    ]);
    expect(cloudMap.commandCalls(DiscoverInstancesCommand)[0]!.args[0].input).toMatchObject({ NamespaceName: 'tenants.launchpad.internal', ServiceName: 'spaceos-acme-prod', HealthStatus: 'HEALTHY_OR_ELSE_ALL' });
  });

  it('answers no endpoints for an instance without a registration (asleep before its first start, or removed)', async () => {
    cloudMap.on(DiscoverInstancesCommand).rejects(new ServiceNotFound({ message: 'no such service', $metadata: {} }));
    await expect(discovery().endpoints({ subdomain: 'gone', env: 'stg' })).resolves.toEqual([]);
    cloudMap.on(DiscoverInstancesCommand).rejects(new NamespaceNotFound({ message: 'no such namespace', $metadata: {} }));
    await expect(discovery().endpoints({ subdomain: 'gone', env: 'stg' })).resolves.toEqual([]);
  });
});
