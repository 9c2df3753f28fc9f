import type { Deps } from '../deps';
import { instanceUrl } from '../../shared/instance';
import type { TenantRolloutState } from './deploy-version';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { probe } from '../lambda/probe';

/** Polls (5 s apart in the ASL) before a version that never comes up is given up on: 5 minutes. */
export const VERSION_CHECKS = 60;

export class VersionNotLiveError extends Error {
  override name = 'VersionNotLiveError';
}

/**
 * One poll of the instances of the current phase: live once every one answers /health with the
 * new version (an old task still answering does not count); then on to the next phase (`done`
 * after the last). After VERSION_CHECKS polls it gives up, and the tenant is rolled back.
 */
export const createCheckVersion = fleetStep('CheckVersion', (input: TenantRolloutState & { attempt: number }, deps) => pollVersion(input, deps));

/** One poll (CheckVersion, and CheckRollBack for the version a tenant goes back to). */
export async function pollVersion(input: TenantRolloutState & { attempt: number }, { probe, platform }: Pick<Deps, 'probe' | 'platform'>) {
  const answers = await Promise.all(
    (input.phases[input.phase] ?? []).map(async (env) => {
      const url = `${instanceUrl(platform.instanceUrlTemplate, input.subdomain, env)}/health`;
      const reported = await probe(url).then(
        (r) => (r.status === 200 ? String((JSON.parse(r.body) as { version?: unknown }).version) : `HTTP ${r.status}`),
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      return { url, reported };
    }),
  );
  const live = answers.every((a) => a.reported === input.version);
  const attempt = input.attempt + 1;
  const detail = answers.map((a) => `${a.url}: ${a.reported}`).join('; ');
  if (!live && attempt >= VERSION_CHECKS) throw new VersionNotLiveError(`Version ${input.version} did not come up after ${attempt} checks (${detail})`);
  if (!live) return { ...input, attempt, live, detail };
  const phase = input.phase + 1;
  return { ...input, attempt, live, detail, phase, done: phase >= input.phases.length };
}

export const handler = lambdaEntry(createCheckVersion, () => ({ ...core(), probe: probe(), platform: platform() }));
