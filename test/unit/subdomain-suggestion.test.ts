import { describe, expect, it } from 'vitest';
import { slugify, subdomainCandidates, subdomainProblem } from '../../shared/subdomain';

describe('subdomain suggestions from a company name', () => {
  it.each([
    ['Acme Spaces', 'acme-spaces'],
    ['Café Nord GmbH', 'cafe-nord-gmbh'],
    ['Smith & Sons', 'smith-and-sons'],
    ['  --WeWork!!  ', 'wework'],
  ])('%s -> %s', (company, slug) => {
    expect(slugify(company)).toBe(slug);
    expect(subdomainCandidates(company)[0]).toBe(slug);
  });

  it.each(['IO', 'Support', 'API', 'Northwind-stg', '東京', 'A very long company name that goes on and on forever'])(
    'offers only valid, distinct names for %j',
    (company) => {
      const names = subdomainCandidates(company);
      expect(names.length).toBeGreaterThan(3);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(subdomainProblem(name), name).toBeUndefined();
    },
  );

  it('numbers the alternatives after the plain name', () => {
    expect(subdomainCandidates('Acme', 3)).toEqual(['acme', 'acme-2', 'acme-3']);
  });
});
