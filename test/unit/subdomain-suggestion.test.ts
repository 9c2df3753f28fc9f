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

  it.each([
    ['Autodiscover', 'autodiscover'],
    ['Autoconfig', 'autoconfig'],
    ['MTA STS', 'mta-sts'],
    ['WPAD', 'wpad'],
    ['Localhost', 'localhost'],
    ['Webmail', 'webmail'],
    ['ISATAP', 'isatap'],
    ['Proxy', 'proxy'],
    ['NS1', 'ns1'],
    ['WWW2', 'www2'],
    ['OpenPGPKey', 'openpgpkey'],
  ])('never proposes the infrastructure name itself for %j, nor any reserved name', (company, infrastructureName) => {
    const names = subdomainCandidates(company);
    expect(names).not.toContain(infrastructureName);
    expect(names[0]).toBe(`${infrastructureName}-hq`);
    for (const name of names) expect(subdomainProblem(name), name).toBeUndefined();
  });

  it('numbers the alternatives after the plain name', () => {
    expect(subdomainCandidates('Acme', 3)).toEqual(['acme', 'acme-2', 'acme-3']);
  });
});
