import { ECSClient } from '@aws-sdk/client-ecs';
import { STSClient } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { CloudMapDiscovery } from '../providers/discovery';
import { EcsCompute, type EcsComputeConfig } from '../providers/ecs-compute';
import { EcsPool, type EcsPoolConfig } from '../providers/instance-pool';
import { InstanceSessions, TenantInstanceAccess } from '../providers/tenant-task-roles';
import { once, required } from './env';

export const compute = once(() => {
  const ecs = JSON.parse(required('ECS_CONFIG')) as EcsComputeConfig;
  // IAM only to delete the role an instance created before the shared one may still have.
  return new EcsCompute(new ECSClient({}), new ServiceDiscoveryClient({}), new TenantInstanceAccess(new SecretsManagerClient({}), new IAMClient({})), ecs);
});

/** Cloud Map, where each tenant service registers its tasks (DISCOVERY_CONFIG: namespace name and container port). */
export const discovery = once(() => new CloudMapDiscovery(new ServiceDiscoveryClient({}), JSON.parse(required('DISCOVERY_CONFIG')) as { namespaceName: string; containerPort: number }));

/** Sessions of the shared instance role (INSTANCE_ROLE_ARN), tagged per tenant: the pool's hand-over and the credentials route. */
export const instanceSessions = once(() => new InstanceSessions(new STSClient({}), required('INSTANCE_ROLE_ARN')));

/** The warm pool's ECS tasks (POOL_CONFIG); an assigned task gets its tenant's session of the shared instance role. */
export const pool = once(() => new EcsPool(new ECSClient({}), instanceSessions(), JSON.parse(required('POOL_CONFIG')) as EcsPoolConfig));
