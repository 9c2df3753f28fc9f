import { ECSClient } from '@aws-sdk/client-ecs';
import { STSClient } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { CloudMapDiscovery } from '../providers/discovery';
import { EcsCompute, type EcsComputeConfig } from '../providers/ecs-compute';
import { EcsPool, type EcsPoolConfig } from '../providers/instance-pool';
import { TenantTaskRoles, tenantRoleArn, type TenantTaskRolesConfig } from '../providers/tenant-task-roles';
import { once, required } from './env';

export const compute = once(() => {
  const { tenantRoles, ...ecs } = JSON.parse(required('ECS_CONFIG')) as EcsComputeConfig & { tenantRoles: TenantTaskRolesConfig };
  return new EcsCompute(new ECSClient({}), new ServiceDiscoveryClient({}), new TenantTaskRoles(new IAMClient({}), tenantRoles), ecs);
});

/** Cloud Map, where each tenant service registers its tasks (DISCOVERY_CONFIG: namespace name and container port). */
export const discovery = once(() => new CloudMapDiscovery(new ServiceDiscoveryClient({}), JSON.parse(required('DISCOVERY_CONFIG')) as { namespaceName: string; containerPort: number }));

/** The warm pool's ECS tasks (POOL_CONFIG); the credentials handed to an assigned task are its tenant's own role's. */
export const pool = once(() => {
  const config = JSON.parse(required('POOL_CONFIG')) as Omit<EcsPoolConfig, 'tenantRoleArn' | 'ensureTenantRole'>;
  // The tenant roles as the compute adapter creates them (ECS_CONFIG), so both agree on name, policy and boundary.
  const { tenantRoles } = JSON.parse(required('ECS_CONFIG')) as { tenantRoles: TenantTaskRolesConfig };
  const roles = new TenantTaskRoles(new IAMClient({}), tenantRoles);
  return new EcsPool(new ECSClient({}), new STSClient({}), { ...config, tenantRoleArn: (tenantId, env) => tenantRoleArn(tenantRoles, { tenantId, env }), ensureTenantRole: (tenant) => roles.ensure(tenant) });
});
