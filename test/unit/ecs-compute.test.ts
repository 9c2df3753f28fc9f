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
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, EntityAlreadyExistsException, GetRoleCommand, IAMClient, ListRolePoliciesCommand, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../functions/providers/compute';
import { CloudMapDiscovery } from '../../functions/providers/discovery';
import { EcsCompute, StillRegisteredError } from '../../functions/providers/ecs-compute';
import { forStateMachine } from '../../functions/steps/errors';
import { TenantTaskRoles, tenantRoleName } from '../../functions/providers/tenant-task-roles';
import { ECS_CONFIG, TENANT_ROLES } from '../support/deps';

const ecs = mockClient(ECSClient);
const cloudMap = mockClient(ServiceDiscoveryClient);
const iam = mockClient(IAMClient);
const compute = () =>
  new EcsCompute(new ECSClient({ region: 'us-east-1' }), new ServiceDiscoveryClient({ region: 'us-east-1' }), new TenantTaskRoles(new IAMClient({ region: 'us-east-1' }), TENANT_ROLES), ECS_CONFIG);
const TENANT_ROLE = 'arn:aws:iam::123456789012:role/launchpad/tenants/spaceos-prod-t-1';
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
  iam.on(GetRoleCommand).rejects(noSuchRole());
  iam.on(CreateRoleCommand).resolves({ Role: { Arn: TENANT_ROLE, RoleName: 'spaceos-prod-t-1', Path: '/launchpad/tenants/', RoleId: 'r', CreateDate: new Date() } });
  iam.on(PutRolePolicyCommand).resolves({});
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
    expect(container.secrets).toEqual([{ name: 'DATABASE_PASSWORD', valueFrom: `${ECS_CONFIG.secretArnPrefix}launchpad/tenants/t-1/prod/database` }]);
    expect(JSON.stringify(container.environment)).not.toMatch(/password/i);
    expect(definition).toMatchObject({ executionRoleArn: ECS_CONFIG.executionRoleArn, taskRoleArn: TENANT_ROLE });
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
    // An instance still on a shared role ('arn:task') moves onto its own with the next version deployed.
    expect(registered).toMatchObject({ family: 'spaceos-acme-prod', executionRoleArn: 'arn:exec', taskRoleArn: TENANT_ROLE, tags: [{ key: 'tenantId', value: 't-1' }] });
    expect(registered.containerDefinitions![0]).toMatchObject({
      image: 'registry:5000/spaceos:1.3.0',
      environment: [{ name: 'TENANT_ID', value: 't-1' }, { name: 'APP_VERSION', value: '1.3.0' }],
      secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: 'x' }],
    });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({ cluster: 'spaceos', service: 'spaceos-acme-prod', taskDefinition: 'arn:task-def/spaceos-acme-prod:2' });
  });

  it('offboards an instance: service, Cloud Map service, task definitions and role; a rerun finds nothing left', async () => {
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
    expect(iam.commandCalls(DeleteRoleCommand)[0]!.args[0].input).toEqual({ RoleName: 'spaceos-prod-t-1' });

    ecs.reset();
    cloudMap.reset();
    iam.reset();
    iam.on(ListRolePoliciesCommand).rejects(noSuchRole());
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

  it("runs each instance under its own task role: bounded, assumable only by ECS for this account, reaching only its tenant's files, sender and SMTP password", async () => {
    await compute().ensureService(spec);
    const created = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(created).toMatchObject({ RoleName: 'spaceos-prod-t-1', Path: '/launchpad/tenants/', PermissionsBoundary: TENANT_ROLES.permissionsBoundaryArn });
    expect(JSON.parse(created.AssumeRolePolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } },
        // The warm pool's assigning step only (by its tag), to hand a pool task this tenant's credentials for an hour;
        // never another tenant's role, even one that got the tag.
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:PrincipalTag/launchpad:role': 'pool-assigner' }, ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/launchpad/tenants/*' } },
        },
      ],
    });
    const policy = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(policy.RoleName).toBe('spaceos-prod-t-1');
    expect(JSON.parse(policy.PolicyDocument!).Statement).toEqual([
      { Sid: 'ReadOwnFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::tenants-bucket/tenants/t-1/*' },
      { Sid: 'SendAsItself', Effect: 'Allow', Action: ['ses:SendEmail', 'ses:SendRawEmail'], Resource: TENANT_ROLES.sendMailArns, Condition: { StringEquals: { 'ses:FromAddress': 'acme@clients.spaceos.io' } } },
      { Sid: 'ReadOwnSmtpPassword', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:launchpad/tenants/t-1/smtp-??????' },
    ]);
    // A UUID tenant id in the longest environment name still fits IAM's 64 characters.
    expect(tenantRoleName({ tenantId: crypto.randomUUID(), env: 'prod' }).length).toBeLessThanOrEqual(64);
  });

  it('reuses the role of an earlier attempt (also one that raced this one), rewriting its policy', async () => {
    iam.on(GetRoleCommand).resolves({ Role: { Arn: TENANT_ROLE, RoleName: 'spaceos-prod-t-1', Path: '/launchpad/tenants/', RoleId: 'r', CreateDate: new Date() } });
    await compute().ensureService(spec);
    expect(iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
    expect(iam.commandCalls(PutRolePolicyCommand)).toHaveLength(1);

    iam.reset();
    iam.on(GetRoleCommand)
      .rejectsOnce(noSuchRole())
      .resolves({ Role: { Arn: TENANT_ROLE, RoleName: 'spaceos-prod-t-1', Path: '/launchpad/tenants/', RoleId: 'r', CreateDate: new Date() } });
    iam.on(CreateRoleCommand).rejects(new EntityAlreadyExistsException({ message: 'Role with name spaceos-prod-t-1 already exists.', $metadata: {} }));
    iam.on(PutRolePolicyCommand).resolves({});
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:task-def/spaceos-acme-prod:1' } });
    await compute().ensureService(spec);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand).at(-1)!.args[0].input.taskRoleArn).toBe(TENANT_ROLE);
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
