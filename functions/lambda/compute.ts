import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { EcsCompute, type EcsComputeConfig } from '../providers/ecs-compute';
import { TenantTaskRoles, type TenantTaskRolesConfig } from '../providers/tenant-task-roles';
import { once, required } from './env';

export const compute = once(() => {
  const { tenantRoles, ...ecs } = JSON.parse(required('ECS_CONFIG')) as EcsComputeConfig & { tenantRoles: TenantTaskRolesConfig };
  return new EcsCompute(new ECSClient({}), new ServiceDiscoveryClient({}), new TenantTaskRoles(new IAMClient({}), tenantRoles), ecs);
});
