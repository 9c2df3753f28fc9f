import { subdomainCandidates, subdomainProblem } from '../../shared/subdomain';
import type { SubdomainAvailability } from '../../shared/signup';
import type { Deps } from '../deps';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

type SubdomainAvailabilityDeps = Pick<Deps, 'signups'>;

/** GET /api/subdomains/{name}: can this name be had, and if not, which similar one can. */
export function createSubdomainAvailabilityHandler({ signups }: SubdomainAvailabilityDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const raw = decodeURIComponent(event.pathParameters?.name ?? '');
    const name = raw.trim().toLowerCase();
    const candidates = subdomainCandidates(name);
    const problem = subdomainProblem(name);
    const taken = await signups.takenSubdomains(problem ? candidates : [name, ...candidates]);
    const suggestion = candidates.find((c) => c !== name && !taken.has(c));
    const body: SubdomainAvailability =
      problem !== undefined
        ? { available: false, reason: problem, suggestion }
        : taken.has(name)
          ? { available: false, reason: 'This address is already taken', suggestion }
          : { available: true };
    return json(200, body);
  };
}

export const handler = lambdaEntry(createSubdomainAvailabilityHandler, () => ({ ...core(), signups: tables().signups }));
