import { CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, GetRoleCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateServiceCommand as CreateDiscoveryServiceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeployServices } from '../../functions/steps/deploy-services';
import { sdkDeps } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const ecs = mockClient(ECSClient);
const cloudMap = mockClient(ServiceDiscoveryClient);
const iam = mockClient(IAMClient);
const secretsManager = mockClient(SecretsManagerClient);

const tenant = { pk: 'TENANT#t-1', sk: 'META', tenantId: 't-1', subdomain: 'acme', companyName: 'Acme', adminName: 'A', adminEmail: 'a@acme.example', primaryColor: '#336699', plan: 'trial', status: 'PROVISIONING', createdAt: '2026-11-26T10:00:00.000Z', updatedAt: '2026-11-26T10:00:00.000Z', steps: {}, urls: {}, version: 3, appVersion: '1.2.3' };

beforeEach(() => {
  for (const mock of [dynamo, ecs, cloudMap, iam, secretsManager]) mock.reset();
  // Both databases exist (CreateDatabases ran): nothing to create for staging here.
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'password' });
  dynamo.on(GetCommand, { Key: { pk: 'TENANT#t-1', sk: 'META' } }).resolves({ Item: tenant });
  dynamo.on(UpdateCommand).resolves({});
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no role', $metadata: {} }));
  iam.on(CreateRoleCommand).resolves({ Role: { Arn: 'arn:aws:iam::123456789012:role/launchpad/tenants/r', RoleName: 'r', Path: '/launchpad/tenants/', RoleId: 'r', CreateDate: new Date() } });
  iam.on(PutRolePolicyCommand).resolves({});
  cloudMap.on(CreateDiscoveryServiceCommand).resolves({ Service: { Id: 'srv-1', Arn: 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1' } });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/1' } });
  ecs.on(CreateServiceCommand).resolves({});
  ecs.on(UpdateServiceCommand).resolves({});
});

const instanceWrites = () => dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input).filter((i) => String(i.Key!.pk).startsWith('INSTANCE#'));

describe('DeployServices', () => {
  it('creates both services and records them running, without a second call per service to size what was just created', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    await createDeployServices(sdkDeps())({ tenantId: 't-1' });
    expect(ecs.commandCalls(CreateServiceCommand)).toHaveLength(2);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(instanceWrites().map((i) => [i.Key!.pk, i.ExpressionAttributeValues![':running'], i.ExpressionAttributeValues![':desiredCount']])).toEqual([
      ['INSTANCE#acme', 'running', 1],
      ['INSTANCE#acme-stg', 'running', 1],
    ]);
  });

  it('starts the existing services of a resumed provisioning again (they may have been stopped when it failed)', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'x', status: 'ACTIVE' }] });
    await createDeployServices(sdkDeps())({ tenantId: 't-1' });
    expect(ecs.commandCalls(CreateServiceCommand)).toHaveLength(0);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input).sort((a, b) => String(a.service).localeCompare(String(b.service)))).toEqual([
      { cluster: 'spaceos', service: 'spaceos-acme-prod', desiredCount: 1 },
      { cluster: 'spaceos', service: 'spaceos-acme-stg', desiredCount: 1 },
    ]);
    expect(instanceWrites()).toHaveLength(2);
  });
});
