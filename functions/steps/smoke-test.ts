import { TransientError } from './errors';
import type { Deps } from '../deps';
import { decodeEntities } from '../../shared/html';
import { instanceUrl } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import { brandExpectationOf, type BrandExpectation } from '../../shared/fleet';
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
  return smokeTestAgainst(deps, { subdomain: tenant.subdomain, staging: !tenant.pooledInstance }, { expected: Promise.resolve(brandExpectationOf(tenant)) });
}

/**
 * The same checks against what the pages must show: `expected` may still be being read (a fleet
 * wave's tenants all end on this step, and on a busy table the read took as long as the probes),
 * or be what was read when the rollout was planned; then `current` reads it again, and only when the
 * pages do not show the planned branding (it changed since), so a wave's smoke tests need no read.
 * Pages that show the planned branding pass: a version must render the tenant's branding, and one
 * that does so for the planned one does; a change saved mid-rollout is not waited for.
 */
export async function smokeTestAgainst(
  deps: Pick<Deps, 'platform' | 'probe'>,
  instance: { subdomain: string; staging: boolean },
  brand: { expected: Promise<BrandExpectation>; current?: () => Promise<BrandExpectation> },
): Promise<void> {
  const { platform } = deps;
  const prod = instanceUrl(platform.instanceUrlTemplate, instance.subdomain, 'prod');
  const staging = instanceUrl(platform.instanceUrlTemplate, instance.subdomain, 'stg');
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
  const [expected, home, theme, stagingHome] = await Promise.all([brand.expected, probe(`${prod}/`), probe(`${prod}/theme.css`), instance.staging ? probe(`${staging}/`) : undefined]);
  const problems: string[] = [];
  if (home.status !== 200) problems.push(`${prod}/ answered ${home.status}`);
  if (theme.status !== 200) problems.push(`${prod}/theme.css answered ${theme.status}`);
  if (stagingHome && stagingHome.status !== 200) problems.push(`${staging}/ answered ${stagingHome.status}`);
  if (home.status === 200 && !home.body.includes('/theme.css')) problems.push(`${prod}/ does not load the theme`);
  const unbranded = (shown: BrandExpectation): string[] => [
    ...(home.status === 200 && !decodeEntities(home.body).includes(shown.companyName) ? [`${prod}/ does not show the company name`] : []),
    ...(theme.status === 200 && !theme.body.includes(shown.primaryColor) ? [`${prod}/theme.css does not carry the brand colour ${shown.primaryColor}`] : []),
  ];
  let branding = unbranded(expected);
  if (branding.length > 0 && brand.current) branding = unbranded(await brand.current());
  problems.push(...branding);
  if (problems.length > 0) throw new SmokeTestFailedError(problems.join('; '));
}

export const createSmokeTest = defineStep('SmokeTest', (tenant, deps) => smokeTestInstance(deps, tenant));

export const handler = lambdaEntry(createSmokeTest, () => ({ ...core(), tenants: tables().tenants, probe: probe(), platform: platform() }));
