import { ENVIRONMENTS } from '../../shared/instance';
import { servicesOf } from '../providers/compute';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { compute } from '../lambda/compute';

/** Both instances, their load-balancer rules and target groups, their task definitions. */
export const createRemoveServices = offboardStep('RemoveServices', async (tenant, { compute, platform }) => {
  for (const service of servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS)) await compute.removeService(service);
});

export const handler = lambdaEntry(createRemoveServices, () => ({ ...core(), tenants: tables().tenants, compute: compute(), platform: platform() }));
