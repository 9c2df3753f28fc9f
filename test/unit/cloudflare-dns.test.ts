import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudflareDns, ForeignRecordError } from '../../functions/providers/dns';

/** HTTP interceptor: a local server in Cloudflare's place, recording what the SDK sends. */
let server: Server;
let baseURL: string;
let requests: Array<{ method: string; path: string; body: unknown }>;
let existing: Array<Record<string, unknown>>;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://cf');
      requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body: raw ? JSON.parse(raw) : undefined });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET') {
        // One page holds everything; later pages are empty (the SDK pages until one is).
        const page = Number(url.searchParams.get('page') ?? '1');
        const result = page === 1 ? existing : [];
        res.end(JSON.stringify({ success: true, errors: [], messages: [], result, result_info: { page, per_page: 100, count: result.length, total_count: existing.length, total_pages: 1 } }));
      } else res.end(JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'rec-new', ...(JSON.parse(raw || '{}') as object) } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  requests = [];
  existing = [];
});

let clock = 0;
const dns = () => new CloudflareDns(new Cloudflare({ apiToken: 'test-token', baseURL, maxRetries: 0 }), { id: 'zone-1', name: 'spaceos.io', target: 'alb-123.eu-west-1.elb.amazonaws.com' }, () => clock);
const record = (name: string, type = 'A') => ({ id: `rec-${name}`, type, name, content: '192.0.2.1', proxied: false, ttl: 1 });
/** `*.spaceos.io` as someone set it up by hand: no comment, so not ours. */
const wildcard = (content: string): Record<string, unknown> => ({ id: 'rec-wild', type: 'CNAME', name: '*.spaceos.io', content, proxied: true, ttl: 1 });

describe('Cloudflare DNS adapter', () => {
  it("refuses labels that exist in the zone on their own, at or below them (the wildcard would not answer them), but not the wildcard's own", async () => {
    existing = [record('www.spaceos.io', 'CNAME'), record('autodiscover.spaceos.io', 'CNAME'), record('mta-sts.spaceos.io'), record('_dmarc.spaceos.io', 'TXT'), record('mail.intranet.spaceos.io'), record('*.spaceos.io', 'CNAME'), record('spaceos.io')];
    const zone = dns();
    for (const taken of ['www', 'autodiscover', 'mta-sts', 'intranet', 'WWW']) expect(await zone.hasOwnRecord(taken), taken).toBe(true);
    for (const free of ['acme', 'mail', 'spaceos', '*']) expect(await zone.hasOwnRecord(free), free).toBe(false);
    expect(requests[0]!.path).toMatch(/^\/client\/v4\/zones\/zone-1\/dns_records\?/);
  });

  it('lists the zone once per five minutes, not once per availability check (Cloudflare allows 1,200 calls per 5 minutes)', async () => {
    existing = [record('www.spaceos.io')];
    const zone = dns();
    clock = 0;
    // A listing is its first page's request (the SDK then asks for the next, empty, page).
    const listings = () => requests.filter((r) => !/[?&]page=([2-9]|\d\d)/.test(r.path)).length;
    for (let i = 0; i < 20; i++) await zone.hasOwnRecord(`name${i}`);
    expect(listings()).toBe(1);
    existing = [record('www.spaceos.io'), record('shop.spaceos.io')];
    clock = 4 * 60_000;
    expect(await zone.hasOwnRecord('shop')).toBe(false);
    clock = 5 * 60_000 + 1;
    expect(await zone.hasOwnRecord('shop')).toBe(true);
    expect(listings()).toBe(2);
  });

  it('creates the proxied wildcard CNAME to the load balancer once, marked as ours, and changes nothing on a rerun', async () => {
    await expect(dns().ensureWildcard()).resolves.toBe('created');
    expect(decodeURIComponent(requests[0]!.path)).toContain('name.exact=*.spaceos.io');
    expect(requests[1]).toEqual({
      method: 'POST',
      path: '/client/v4/zones/zone-1/dns_records',
      body: { type: 'CNAME', name: '*.spaceos.io', content: 'alb-123.eu-west-1.elb.amazonaws.com', proxied: true, ttl: 1, comment: 'managed-by: spaceos-launchpad' },
    });
    requests = [];
    existing = [{ ...wildcard('alb-123.eu-west-1.elb.amazonaws.com'), comment: 'managed-by: spaceos-launchpad' }];
    await expect(dns().ensureWildcard()).resolves.toBe('unchanged');
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('points its own (marked) wildcard that goes elsewhere at the load balancer, keeping the mark', async () => {
    existing = [{ ...wildcard('old-alb.example.com'), comment: 'managed-by: spaceos-launchpad' }];
    await expect(dns().ensureWildcard()).resolves.toBe('updated');
    expect(requests[1]).toMatchObject({
      method: 'PUT',
      path: '/client/v4/zones/zone-1/dns_records/rec-wild',
      body: { content: 'alb-123.eu-west-1.elb.amazonaws.com', name: '*.spaceos.io', comment: 'managed-by: spaceos-launchpad' },
    });
  });

  it('refuses to change a wildcard CNAME it did not create, saying which record and how to hand it over', async () => {
    existing = [wildcard('someone-elses.example.com')];
    const attempt = dns().ensureWildcard();
    await expect(attempt).rejects.toThrow(ForeignRecordError);
    await expect(attempt).rejects.toThrow(/\*\.spaceos\.io.*someone-elses\.example\.com.*not created by Launchpad.*managed-by: spaceos-launchpad/);
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('refuses to put the wildcard beside a record of another type at that name that it did not create', async () => {
    existing = [{ id: 'rec-a', type: 'A', name: '*.spaceos.io', content: '192.0.2.7', proxied: false, ttl: 1 }];
    await expect(dns().ensureWildcard()).rejects.toThrow(ForeignRecordError);
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('leaves an unmarked wildcard that already points at the load balancer alone (nothing to change)', async () => {
    existing = [wildcard('alb-123.eu-west-1.elb.amazonaws.com')];
    await expect(dns().ensureWildcard()).resolves.toBe('unchanged');
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });
});
