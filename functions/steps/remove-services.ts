import { ENVIRONMENTS, instanceHost } from '../../shared/instance';
import { servicesOf } from '../providers/compute';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { compute } from '../lambda/compute';

/** Both instances (services, Cloud Map registrations, task definitions, roles) and their routing records. */
export const createRemoveServices = offboardStep('RemoveServices', async (tenant, { compute, instances, platform }) => {
  for (const service of servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS)) {
    // The record first: the router then answers the host itself instead of waking a removed service.
    await instances.remove(instanceHost(tenant.subdomain, service.env));
    await compute.removeService(service);
  }
});

export const handler = lambdaEntry(createRemoveServices, () => ({ ...core(), tenants: tables().tenants, instances: tables().instances, compute: compute(), platform: platform() }));
