import type { Environment } from '../../shared/instance';
import { servicesOf } from '../providers/compute';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { compute } from '../lambda/compute';

/** One tenant's way through a rollout: its environments in phases, one phase at a time. */
export interface TenantRolloutState {
  runId: string;
  tenantId: string;
  subdomain: string;
  version: string;
  phases: Environment[][];
  /** Index of the phase being deployed. */
  phase: number;
}

/**
 * Rolls the tenant's instances of the current phase onto the version; CheckVersion then waits
 * until they report it. (Needs only the id and subdomain it is given: no read per phase.)
 */
export const createDeployVersion = fleetStep('DeployVersion', async (input: TenantRolloutState, { compute, platform }) => {
  const envs = input.phases[input.phase] ?? [];
  await Promise.all(servicesOf(platform.instanceUrlTemplate, input, envs).map((service) => compute.deploy(service, input.version)));
  return { ...input, attempt: 0 };
});

export const handler = lambdaEntry(createDeployVersion, () => ({ ...core(), compute: compute(), platform: platform() }));
