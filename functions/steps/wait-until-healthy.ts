import { ENVIRONMENTS, instanceUrl } from '../../shared/instance';
import type { ProvisionInput } from '../providers/workflows';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { probe } from '../lambda/probe';

export interface HealthInput extends ProvisionInput {
  attempt: number;
}
export interface HealthResult {
  healthy: boolean;
  attempt: number;
  detail: string;
}

/**
 * One poll of both instances' /health. Not healthy yet is a normal answer (the state machine
 * waits and asks again, up to its overall timeout), not an error.
 */
export const createWaitUntilHealthy = defineStep<'WaitUntilHealthy', HealthInput, HealthResult>(
  'WaitUntilHealthy',
  async (tenant, { platform, probe }, input) => {
    const answers = await Promise.all(
      // A warm-pool signup's staging is created asleep: only production must answer.
      (tenant.pooledInstance ? (['prod'] as const) : ENVIRONMENTS).map(async (env) => {
        const url = `${instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, env)}/health`;
        const status = await probe(url).then((r) => r.status, (e: unknown) => (e instanceof Error ? e.message : String(e)));
        return { url, status };
      }),
    );
    return {
      healthy: answers.every((a) => a.status === 200),
      attempt: input.attempt + 1,
      detail: answers.map((a) => `${a.url}: ${a.status}`).join('; '),
    };
  },
  { isComplete: (result) => result.healthy },
);

export const handler = lambdaEntry(createWaitUntilHealthy, () => ({ ...core(), tenants: tables().tenants, probe: probe(), platform: platform() }));
