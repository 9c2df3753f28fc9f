import { CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateServiceCommand as CreateDiscoveryServiceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsCompute, type EcsComputeConfig } from '../../functions/providers/ecs-compute';
import { ECS_CONFIG } from '../support/deps';

// A tenant image from a private registry other than ECR: every task definition Launchpad registers
// names the credentials secret (ECS repositoryCredentials), so the execution role can pull it.

const ecs = mockClient(ECSClient);
const cloudMap = mockClient(ServiceDiscoveryClient);
const CREDENTIALS = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf';
const spec = {
  tenantId: 't-1',
  subdomain: 'acme',
  env: 'prod' as const,
  hostname: 'acme.spaceos.io',
  configKey: 'tenants/t-1/config/prod/config.yml',
  themeKey: 'tenants/t-1/theme.css',
  database: { host: 'db.internal', port: 5432, database: 't_acme_prod', user: 't_acme_prod', secretName: 'launchpad/tenants/t-1/prod/database' },
  version: '1.2.3',
};
// How the instance gets its tenant's AWS access is not what this test is about: any port answers.
const access = { ensure: async () => 'launchpad/tenants/t-1/prod/access', remove: async () => 'absent' } as unknown as ConstructorParameters<typeof EcsCompute>[2];
const compute = (extra: Partial<EcsComputeConfig> = {}) => new EcsCompute(new ECSClient({ region: 'us-east-1' }), new ServiceDiscoveryClient({ region: 'us-east-1' }), access, { ...ECS_CONFIG, ...extra } as EcsComputeConfig);
const registeredContainer = () => ecs.commandCalls(RegisterTaskDefinitionCommand).at(-1)!.args[0].input.containerDefinitions![0]!;

beforeEach(() => {
  ecs.reset();
  cloudMap.reset();
  ecs.on(DescribeServicesCommand).resolves({ services: [] });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:task-def/spaceos-acme-prod:1' } });
  ecs.on(CreateServiceCommand).resolves({});
  cloudMap.on(CreateDiscoveryServiceCommand).resolves({ Service: { Id: 'srv-acme', Arn: 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-acme' } });
});

describe('tenant task definitions and the image source', () => {
  it('names the registry credentials when configured, and nothing of the kind for ECR', async () => {
    await compute({ imageCredentialsSecretArn: CREDENTIALS }).ensureService(spec);
    expect(registeredContainer().repositoryCredentials).toEqual({ credentialsParameter: CREDENTIALS });

    await compute().ensureService(spec);
    expect(registeredContainer().repositoryCredentials).toBeUndefined();
  });
});
