import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { EcsCompute, type EcsComputeConfig } from '../providers/ecs-compute';
import { TenantTaskRoles, type TenantTaskRolesConfig } from '../providers/tenant-task-roles';
import { once, required } from './env';

export const compute = once(() => {
  const { tenantRoles, ...ecs } = JSON.parse(required('ECS_CONFIG')) as EcsComputeConfig & { tenantRoles: TenantTaskRolesConfig };
  return new EcsCompute(new ECSClient({}), new ElasticLoadBalancingV2Client({}), new TenantTaskRoles(new IAMClient({}), tenantRoles), ecs);
});
