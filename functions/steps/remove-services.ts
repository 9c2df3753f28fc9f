import { ENVIRONMENTS } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { servicesOf } from '../providers/compute';
import { offboardStep } from './offboard-step';

/** Both instances, their load-balancer rules and target groups, their task definitions. */
export const createRemoveServices = offboardStep('RemoveServices', async (tenant, { compute, platform }) => {
  for (const service of servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS)) await compute.removeService(service);
});

export const handler = lambdaEntry(createRemoveServices);
