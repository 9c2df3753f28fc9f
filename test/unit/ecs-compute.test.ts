import { CreateServiceCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, EntityAlreadyExistsException, GetRoleCommand, IAMClient, ListRolePoliciesCommand, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../functions/providers/compute';
import { EcsCompute, ListenersFullError, targetGroupName } from '../../functions/providers/ecs-compute';
import { TenantTaskRoles, tenantRoleName } from '../../functions/providers/tenant-task-roles';
import { ECS_CONFIG, TENANT_ROLES } from '../support/deps';

const ecs = mockClient(ECSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const iam = mockClient(IAMClient);
const compute = () =>
  new EcsCompute(new ECSClient({ region: 'us-east-1' }), new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), new TenantTaskRoles(new IAMClient({ region: 'us-east-1' }), TENANT_ROLES), ECS_CONFIG);
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
const rules = (n: number, start = 1) => Array.from({ length: n }, (_, i) => ({ Priority: String(start + i), IsDefault: false, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`other${i}.spaceos.io`] } }] }));
const defaultRule = { Priority: 'default', IsDefault: true, Conditions: [] };

beforeEach(() => {
  ecs.reset();
  elb.reset();
  iam.reset();
  iam.on(GetRoleCommand).rejects(noSuchRole());
  iam.on(CreateRoleCommand).resolves({ Role: { Arn: TENANT_ROLE, RoleName: 'spaceos-prod-t-1', Path: '/launchpad/tenants/', RoleId: 'r', CreateDate: new Date() } });
  iam.on(PutRolePolicyCommand).resolves({});
  ecs.on(DescribeServicesCommand).resolves({ services: [] });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:task-def/spaceos-acme-prod:1' } });
  ecs.on(CreateServiceCommand).resolves({});
  elb.on(DescribeTargetGroupsCommand).rejects(new TargetGroupNotFoundException({ message: 'not found', $metadata: {} }));
  elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg/1' }] });
  elb.on(DescribeRulesCommand).resolves({ Rules: [defaultRule, ...rules(3)] });
  elb.on(CreateRuleCommand).resolves({});
});

describe('ECS compute adapter', () => {
  it('creates target group, host rule, task definition and Fargate service for a new instance', async () => {
    await expect(compute().ensureService(spec)).resolves.toEqual({ name: 'spaceos-acme-prod', created: true });

    const tg = elb.commandCalls(CreateTargetGroupCommand)[0]!.args[0].input;
    expect(tg).toMatchObject({ Name: targetGroupName(spec), TargetType: 'ip', HealthCheckPath: '/health', VpcId: 'vpc-1' });
    expect(tg.Name!.length).toBeLessThanOrEqual(32);
    expect(elb.commandCalls(CreateRuleCommand)[0]!.args[0].input).toEqual({
      ListenerArn: 'arn:listener/1',
      Priority: 4,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['acme.spaceos.io'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg/1' }],
    });
    const container = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.containerDefinitions![0]!;
    expect(container.image).toBe('registry/spaceos:1.2.3');
    expect(container.environment).toEqual(expect.arrayContaining([{ name: 'CONFIG_KEY', value: spec.configKey }, { name: 'DATABASE_NAME', value: 't_acme_prod' }]));
    expect(container.secrets).toEqual([{ name: 'DATABASE_PASSWORD', valueFrom: `${ECS_CONFIG.secretArnPrefix}launchpad/tenants/t-1/prod/database` }]);
    expect(JSON.stringify(container.environment)).not.toMatch(/password/i);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input).toMatchObject({ executionRoleArn: ECS_CONFIG.executionRoleArn, taskRoleArn: TENANT_ROLE });
    expect(ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input).toMatchObject({
      cluster: 'spaceos',
      serviceName: 'spaceos-acme-prod',
      launchType: 'FARGATE',
      taskDefinition: 'arn:task-def/spaceos-acme-prod:1',
      loadBalancers: [{ targetGroupArn: 'arn:tg/1', containerName: 'spaceos', containerPort: 8080 }],
    });
  });

  it('describes before it creates: an existing service is left alone', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'ACTIVE' }] });
    await expect(compute().ensureService(spec)).resolves.toEqual({ name: 'spaceos-acme-prod', created: false });
    expect(ecs.commandCalls(CreateServiceCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(elb.commandCalls(CreateRuleCommand)).toHaveLength(0);
  });

  it('reuses an existing target group and host rule when a previous attempt got that far', async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg/existing' }] });
    elb.on(DescribeRulesCommand, { ListenerArn: 'arn:listener/1' }).resolves({ Rules: [defaultRule, { Priority: '7', Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['acme.spaceos.io'] } }] }] });
    await compute().ensureService(spec);
    expect(elb.commandCalls(CreateTargetGroupCommand)).toHaveLength(0);
    expect(elb.commandCalls(CreateRuleCommand)).toHaveLength(0);
    expect(ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input.loadBalancers![0]!.targetGroupArn).toBe('arn:tg/existing');
  });

  it('moves on to the next listener from config when one is full', async () => {
    elb.on(DescribeRulesCommand, { ListenerArn: 'arn:listener/1' }).resolves({ Rules: [defaultRule, ...rules(100)] });
    elb.on(DescribeRulesCommand, { ListenerArn: 'arn:listener/2' }).resolves({ Rules: [defaultRule, ...rules(2, 1), ...rules(1, 4)] });
    await compute().ensureService(spec);
    expect(elb.commandCalls(CreateRuleCommand)[0]!.args[0].input).toMatchObject({ ListenerArn: 'arn:listener/2', Priority: 3 });
  });

  it('scales a suspended instance to zero and sends its address to the upgrade page, and back', async () => {
    const hostRule = { RuleArn: 'arn:rule/acme', Priority: '3', Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['acme.spaceos.io'] } }] };
    elb.on(DescribeRulesCommand, { ListenerArn: 'arn:listener/1' }).resolves({ Rules: [defaultRule, hostRule] });
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg/acme' }] });
    ecs.on(UpdateServiceCommand).resolves({});
    elb.on(ModifyRuleCommand).resolves({});

    await compute().scale(spec, 0, 'https://spaceos.io/upgrade/t-1');
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({ cluster: 'spaceos', service: 'spaceos-acme-prod', desiredCount: 0 });
    expect(elb.commandCalls(ModifyRuleCommand)[0]!.args[0].input).toEqual({
      RuleArn: 'arn:rule/acme',
      Actions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Host: 'spaceos.io', Path: '/upgrade/t-1', Query: '', StatusCode: 'HTTP_302' } }],
    });

    await compute().scale(spec, 2, 'https://spaceos.io/upgrade/t-1');
    expect(ecs.commandCalls(UpdateServiceCommand)[1]!.args[0].input.desiredCount).toBe(2);
    expect(elb.commandCalls(ModifyRuleCommand)[1]!.args[0].input).toEqual({ RuleArn: 'arn:rule/acme', Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg/acme' }] });
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

  it('offboards an instance: service, host rule, target group and task definitions; a rerun finds nothing left', async () => {
    const hostRule = { RuleArn: 'arn:rule/acme', Priority: '3', Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['acme.spaceos.io'] } }] };
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'ACTIVE' }] });
    ecs.on(DeleteServiceCommand).resolves({});
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: ['arn:td/spaceos-acme-prod:1', 'arn:td/spaceos-acme-prod:2'] });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});
    elb.on(DescribeRulesCommand, { ListenerArn: 'arn:listener/1' }).resolves({ Rules: [defaultRule, hostRule] });
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg/acme' }] });
    elb.on(DeleteRuleCommand).resolves({});
    elb.on(DeleteTargetGroupCommand).resolves({});
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['own-resources'] });
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});

    await expect(compute().removeService(spec)).resolves.toBe('removed');
    expect(iam.commandCalls(DeleteRolePolicyCommand)[0]!.args[0].input).toEqual({ RoleName: 'spaceos-prod-t-1', PolicyName: 'own-resources' });
    expect(iam.commandCalls(DeleteRoleCommand)[0]!.args[0].input).toEqual({ RoleName: 'spaceos-prod-t-1' });
    expect(ecs.commandCalls(DeleteServiceCommand)[0]!.args[0].input).toEqual({ cluster: 'spaceos', service: 'spaceos-acme-prod', force: true });
    expect(elb.commandCalls(DeleteRuleCommand)[0]!.args[0].input).toEqual({ RuleArn: 'arn:rule/acme' });
    expect(elb.commandCalls(DeleteTargetGroupCommand)[0]!.args[0].input).toEqual({ TargetGroupArn: 'arn:tg/acme' });
    expect(ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual(['arn:td/spaceos-acme-prod:1', 'arn:td/spaceos-acme-prod:2']);

    ecs.reset();
    elb.reset();
    iam.reset();
    iam.on(ListRolePoliciesCommand).rejects(noSuchRole());
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'spaceos-acme-prod', status: 'INACTIVE' }] });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    elb.on(DescribeRulesCommand).resolves({ Rules: [defaultRule] });
    elb.on(DescribeTargetGroupsCommand).rejects(new TargetGroupNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(compute().removeService(spec)).resolves.toBe('absent');
    expect(ecs.commandCalls(DeleteServiceCommand)).toHaveLength(0);
  });

  it("runs each instance under its own task role: bounded, assumable only by ECS for this account, reaching only its tenant's files, sender and SMTP password", async () => {
    await compute().ensureService(spec);
    const created = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(created).toMatchObject({ RoleName: 'spaceos-prod-t-1', Path: '/launchpad/tenants/', PermissionsBoundary: TENANT_ROLES.permissionsBoundaryArn });
    expect(JSON.parse(created.AssumeRolePolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }],
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

  it('fails permanently, naming the fix, when every listener is full', async () => {
    elb.on(DescribeRulesCommand).resolves({ Rules: [defaultRule, ...rules(100)] });
    await expect(compute().ensureService(spec)).rejects.toBeInstanceOf(ListenersFullError);
    expect(ecs.commandCalls(CreateServiceCommand)).toHaveLength(0);
  });
});
