import { TransientError } from './errors';
import type { Deps } from '../deps';
import { decodeEntities } from '../../shared/html';
import { instanceUrl } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import { settingsOf } from '../tenant/settings-of';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { probe } from '../lambda/probe';

export class SmokeTestFailedError extends Error {
  override name = 'SmokeTestFailedError';
}

/** What a proxy answers for an upstream it could not reach or that did not answer in time. */
const UNREACHABLE: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * The seed's manual QA, automated: branded home page in prod, its theme, and staging answering.
 * Run after provisioning and after every fleet rollout to the tenant.
 */
export function smokeTestInstance(deps: Pick<Deps, 'platform' | 'probe'>, tenant: Tenant): Promise<void> {
  // A warm-pool signup creates staging asleep: probing it would wake it for nobody.
  return smokeTestAgainst(deps, { subdomain: tenant.subdomain, staging: !tenant.pooledInstance }, Promise.resolve(tenant));
}

/**
 * The same checks, with the tenant (what the pages must show) still being read: a fleet wave's
 * tenants all end on this step, and on a busy table the read took as long as the probes.
 */
export async function smokeTestAgainst(deps: Pick<Deps, 'platform' | 'probe'>, instance: { subdomain: string; staging: boolean }, expected: Promise<Tenant>): Promise<void> {
  const { platform } = deps;
  const prod = instanceUrl(platform.instanceUrlTemplate, instance.subdomain, 'prod');
  const staging = instanceUrl(platform.instanceUrlTemplate, instance.subdomain, 'stg');
  const problems: string[] = [];
  // No answer in time (a busy or just-started instance), or the router (a load balancer on AWS)
  // answering for it that it could not reach it (502/503/504), is worth another try: the state
  // machine retries a TransientError with backoff; a wrong answer from the instance is a finding.
  const probe = async (url: string) => {
    const answer = await deps.probe(url).catch((error: unknown) => {
      throw new TransientError(`No answer from ${url}: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (UNREACHABLE.has(answer.status)) throw new TransientError(`${url} could not be reached through the router (${answer.status})`);
    return answer;
  };
  // Side by side: in a fleet wave every tenant's smoke test ends its own work, so three probes one
  // after another tripled the tail a busy wave waits for.
  const [tenant, home, theme, stagingHome] = await Promise.all([expected, probe(`${prod}/`), probe(`${prod}/theme.css`), instance.staging ? probe(`${staging}/`) : undefined]);
  if (home.status !== 200) problems.push(`${prod}/ answered ${home.status}`);
  else {
    if (!decodeEntities(home.body).includes(tenant.companyName)) problems.push(`${prod}/ does not show the company name`);
    if (!home.body.includes('/theme.css')) problems.push(`${prod}/ does not load the theme`);
  }
  const color = settingsOf(tenant).branding.primaryColor;
  if (theme.status !== 200 || !theme.body.includes(color)) problems.push(`${prod}/theme.css does not carry the brand colour ${color}`);
  if (stagingHome && stagingHome.status !== 200) problems.push(`${staging}/ answered ${stagingHome.status}`);
  if (problems.length > 0) throw new SmokeTestFailedError(problems.join('; '));
}

export const createSmokeTest = defineStep('SmokeTest', (tenant, deps) => smokeTestInstance(deps, tenant));

export const handler = lambdaEntry(createSmokeTest, () => ({ ...core(), tenants: tables().tenants, probe: probe(), platform: platform() }));
