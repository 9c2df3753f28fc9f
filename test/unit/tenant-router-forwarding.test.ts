import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../functions/providers/discovery';
import { createTenantRouter, type RouterDeps, type TenantRouter } from '../../router/tenant-router';
import { localRouterTimings } from '../../infra/local/launchpad';
import type { InstanceRecord } from '../../shared/instance-state';

/** Two instances as the contract has them: each answers only requests routed to itself (else 421), and echoes what it got. */
function instance(route: string): Promise<{ server: Server; endpoint: Endpoint; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.headers['x-spaceos-route'] !== route) {
      res.writeHead(421, { 'x-spaceos-route': route });
      return void res.end('misdirected');
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${route}`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, seen, endpoint: { host: '127.0.0.1', port: (server.address() as AddressInfo).port } })));
}

const record = (host: string, tenantId: string): InstanceRecord => ({ host, tenantId, subdomain: host, env: 'prod', plan: 'trial', desiredCount: 1, state: 'running', since: '2026-12-01T00:00:00.000Z', lastRequestAt: '2026-12-01T00:00:00.000Z' });

let a: Awaited<ReturnType<typeof instance>>;
let b: Awaited<ReturnType<typeof instance>>;
let front: Server;
let router: TenantRouter;
/** What discovery answers for host acme, in turn: first B's address (its task took the IP acme's had), then acme's own. */
let acmeEndpoints: Endpoint[][];

beforeAll(async () => {
  a = await instance('t-acme/prod');
  b = await instance('t-beta/prod');
  const deps: RouterDeps = {
    instances: {
      get: async (host) => (host === 'acme' ? record('acme', 't-acme') : host === 'beta' ? record('beta', 't-beta') : undefined),
      claimWake: async () => false,
      releaseWake: async () => false,
      markAwake: async () => false,
      recordRequest: async () => true,
    },
    tenants: { getTenant: async () => undefined },
    compute: { scale: async () => undefined },
    discovery: { endpoints: async (service) => (service.subdomain === 'acme' ? (acmeEndpoints.shift() ?? [a.endpoint]) : [b.endpoint]) },
    platform: { instanceUrlTemplate: 'https://{host}.spaceos.test', siteUrl: 'https://spaceos.test' },
    now: () => new Date(),
    log: { info: () => undefined, warn: () => undefined } as unknown as RouterDeps['log'],
  };
  router = createTenantRouter(deps, { ...localRouterTimings({ trialProductionMs: 3_600_000, stagingMs: 3_600_000 }), clientSource: 'socket' });
  front = createServer((req, res) => router.handle(req, res));
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => {
  router.close();
  for (const s of [front, a.server, b.server]) s.close();
});

function get(host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: (front.address() as AddressInfo).port, path: '/', headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tenant router forwarding', () => {
  it("never hands a visitor another tenant's answer: an instance at a reused address says 421, the router finds acme's own", async () => {
    acmeEndpoints = [[b.endpoint]];
    const answer = await get('acme.spaceos.test');
    expect(answer).toEqual({ status: 200, body: 'hello from t-acme/prod' });
    expect(b.seen.at(-1)?.['x-spaceos-route']).toBe('t-acme/prod'); // it was asked, and refused
  });

  it('writes the forwarding headers itself and drops hop-by-hop ones and anything a visitor forged', async () => {
    acmeEndpoints = [];
    await get('acme.spaceos.test', {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      forwarded: 'for=203.0.113.9',
      'x-spaceos-route': 't-beta/prod',
      'proxy-authorization': 'Basic eDp5',
      te: 'trailers',
      connection: 'keep-alive, x-secret',
      'x-secret': 'hop',
    });
    const seen = a.seen.at(-1)!;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-host']).toBe('acme.spaceos.test');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-spaceos-route']).toBe('t-acme/prod');
    for (const gone of ['forwarded', 'proxy-authorization', 'te', 'x-secret']) expect(seen[gone], gone).toBeUndefined();
  });
});
