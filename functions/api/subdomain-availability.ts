import { subdomainCandidates, subdomainProblem } from '../../shared/subdomain';
import type { SubdomainAvailability } from '../../shared/signup';
import type { Deps } from '../deps';
import { json, pathParameter, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { dns } from '../lambda/dns';
import { shadowedByZone } from '../tenant/zone';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

type SubdomainAvailabilityDeps = Pick<Deps, 'dns' | 'signups'>;

/** GET /api/subdomains/{name}: can this name be had, and if not, which similar one can. */
export function createSubdomainAvailabilityHandler({ dns, signups }: SubdomainAvailabilityDeps): ApiHandler {
  /** Names taken by a signup, or existing in the zone on their own (the wildcard would not answer them). */
  const takenOf = async (names: string[]) => {
    const [claimed, zoned] = await Promise.all([signups.takenSubdomains(names), Promise.all(names.map(async (n) => ((await shadowedByZone(dns, n)) ? [n] : [])))]);
    return new Set([...claimed, ...zoned.flat()]);
  };
  return async (event: ApiEvent) => {
    const raw = pathParameter(event, 'name');
    if (!raw.ok) return raw.response;
    const name = raw.value.trim().toLowerCase();
    const candidates = subdomainCandidates(name);
    const problem = subdomainProblem(name);
    const taken = await takenOf(problem ? candidates : [name, ...candidates]);
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

export const handler = lambdaEntry(createSubdomainAvailabilityHandler, () => ({ ...core(), dns: dns(), signups: tables().signups }));
