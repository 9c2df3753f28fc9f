import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudflareDns } from '../../functions/providers/dns';

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
        res.end(JSON.stringify({ success: true, errors: [], messages: [], result: existing, result_info: { page: 1, per_page: 100, count: existing.length, total_count: existing.length } }));
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

const dns = () => new CloudflareDns(new Cloudflare({ apiToken: 'test-token', baseURL, maxRetries: 0 }), { id: 'zone-1', name: 'spaceos.io', target: 'alb-123.eu-west-1.elb.amazonaws.com' });

describe('Cloudflare DNS adapter', () => {
  it('creates a proxied CNAME to the load balancer when the record is missing', async () => {
    await expect(dns().upsert('acme')).resolves.toBe('created');
    expect(requests[0]).toMatchObject({ method: 'GET' });
    expect(requests[0]!.path).toMatch(/^\/client\/v4\/zones\/zone-1\/dns_records\?/);
    expect(decodeURIComponent(requests[0]!.path)).toContain('name.exact=acme.spaceos.io');
    expect(requests[1]).toEqual({
      method: 'POST',
      path: '/client/v4/zones/zone-1/dns_records',
      body: { type: 'CNAME', name: 'acme.spaceos.io', content: 'alb-123.eu-west-1.elb.amazonaws.com', proxied: true, ttl: 1 },
    });
  });

  it('changes nothing when the record is already right (rerun)', async () => {
    existing = [{ id: 'rec-1', type: 'CNAME', name: 'acme.spaceos.io', content: 'alb-123.eu-west-1.elb.amazonaws.com', proxied: true, ttl: 1 }];
    await expect(dns().upsert('acme')).resolves.toBe('unchanged');
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('updates a record that points elsewhere', async () => {
    existing = [{ id: 'rec-1', type: 'CNAME', name: 'acme-stg.spaceos.io', content: 'old-alb.example.com', proxied: true, ttl: 1 }];
    await expect(dns().upsert('acme-stg')).resolves.toBe('updated');
    expect(requests[1]).toMatchObject({ method: 'PUT', path: '/client/v4/zones/zone-1/dns_records/rec-1', body: { content: 'alb-123.eu-west-1.elb.amazonaws.com', name: 'acme-stg.spaceos.io' } });
  });

  it('removes the record when there is one, and does nothing when there is none', async () => {
    existing = [{ id: 'rec-1', type: 'CNAME', name: 'acme.spaceos.io', content: 'alb-123.eu-west-1.elb.amazonaws.com', proxied: true }];
    await expect(dns().remove('acme')).resolves.toBe('removed');
    expect(requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['GET /client/v4/zones/zone-1/dns_records', 'DELETE /client/v4/zones/zone-1/dns_records/rec-1']);
    requests = [];
    existing = [];
    await expect(dns().remove('acme')).resolves.toBe('absent');
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });
});
