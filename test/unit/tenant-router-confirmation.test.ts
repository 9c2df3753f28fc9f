import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROBE_PASS_HEADER, PROBE_PASS_SECONDS, ProbePass } from '../../functions/providers/probe-pass';
import type { Secrets } from '../../functions/providers/secrets';
import { createTenantRouter, type RouterDeps, type TenantRouter } from '../../router/tenant-router';
import { localRouterTimings } from '../../infra/local/launchpad';
import type { InstanceRecord } from '../../shared/instance-state';
import type { Tenant } from '../../shared/tenant';
import { tenantFixture } from '../support/tenants';

/** The router's decision for an instance whose signup is not confirmed: held back from visitors, open to Launchpad's probes. */

const memorySecrets = (): Secrets => {
  const values = new Map<string, string>();
  return { get: async (name) => values.get(name), put: async (name, value) => void values.set(name, value), delete: async (name) => void values.delete(name) };
};

const PHISHING = 'PayPal Security: verify at paypa1.example';
let instance: Server;
let seen: IncomingHttpHeaders[];
let front: Server;
let router: TenantRouter;
const pass = new ProbePass(memorySecrets());
const tenants = new Map<string, Tenant>();
let tenantReads = 0;
const states = new Map<string, InstanceRecord['state']>();
const wakes: string[] = [];

const record = (host: string, tenantId: string): InstanceRecord => ({ host, tenantId, subdomain: host, env: 'prod', plan: 'trial', desiredCount: 1, state: states.get(host) ?? 'running', since: '2026-12-01T00:00:00.000Z', lastRequestAt: '2026-12-01T00:00:00.000Z' });
const unconfirmed = (tenantId: string, subdomain: string): Tenant => tenantFixture(subdomain, { tenantId, companyName: PHISHING, primaryColor: '#ff0000', verifyBy: '2099-01-01T00:00:00.000Z' });

beforeAll(async () => {
  seen = [];
  instance = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1>${PHISHING}</h1>`);
  });
  await new Promise<void>((r) => instance.listen(0, '127.0.0.1', () => r()));
  const endpoint = { host: '127.0.0.1', port: (instance.address() as AddressInfo).port };
  const deps: RouterDeps = {
    instances: {
      get: async (host) => (host.startsWith('nobody') ? undefined : record(host, `t-${host}`)),
      claimWake: async (host) => (wakes.push(host), false),
      releaseWake: async () => false,
      markAwake: async () => false,
      recordRequest: async () => true,
    },
    tenants: {
      getTenant: async (tenantId) => {
        tenantReads++;
        return tenants.get(tenantId);
      },
    },
    compute: { scale: async () => undefined },
    discovery: { endpoints: async () => [endpoint] },
    platform: { instanceUrlTemplate: 'https://{host}.spaceos.test', siteUrl: 'https://spaceos.test' },
    now: () => new Date(),
    log: { info: () => undefined, warn: () => undefined } as unknown as RouterDeps['log'],
    probePass: pass,
  };
  router = createTenantRouter(deps, { ...localRouterTimings({ trialProductionMs: 3_600_000, stagingMs: 3_600_000 }), pendingTtlMs: 0, routeTtlMs: 0, endpointsTtlMs: 0 });
  front = createServer((req, res) => router.handle(req, res));
  front.on('upgrade', (req, socket, head: Buffer) => router.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => {
  router.close();
  for (const s of [front, instance]) s.close();
});
beforeEach(() => {
  tenants.clear();
  states.clear();
  wakes.length = 0;
  seen.length = 0;
});

function get(host: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: (front.address() as AddressInfo).port, path: '/', headers: { host, accept: 'text/html', ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('an instance whose signup is not confirmed', () => {
  it('is not forwarded to a visitor: a fixed 403 page with nothing the signer typed, not cached', async () => {
    tenants.set('t-paypal', unconfirmed('t-paypal', 'paypal'));
    const answer = await get('paypal.spaceos.test');
    expect(answer.status).toBe(403);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toContain('This spaceOS instance is being set up');
    for (const typed of ['PayPal', 'paypa1', '#ff0000', 'paypal.spaceos.test']) expect(answer.body).not.toContain(typed);
    expect(seen).toHaveLength(0);
  });

  it('is not woken by a visitor', async () => {
    tenants.set('t-asleep', unconfirmed('t-asleep', 'asleep'));
    states.set('asleep', 'sleeping');
    expect((await get('asleep.spaceos.test')).status).toBe(403);
    expect(wakes).toEqual([]);
  });

  it('answers Launchpad\'s probe with a pass for its host, and the instance never sees the pass', async () => {
    tenants.set('t-paypal', unconfirmed('t-paypal', 'paypal'));
    const answer = await get('paypal.spaceos.test', { [PROBE_PASS_HEADER]: await pass.issue('paypal.spaceos.test', new Date()) });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(PHISHING);
    expect(seen).toHaveLength(1);
    expect(seen[0]![PROBE_PASS_HEADER]).toBeUndefined();
  });

  it('refuses a forged, another host\'s, an old or a future pass, and one signed with another key', async () => {
    tenants.set('t-paypal', unconfirmed('t-paypal', 'paypal'));
    const now = new Date();
    const other = new ProbePass(memorySecrets());
    const valid = await pass.issue('paypal.spaceos.test', now);
    const refused = [
      'anything',
      '',
      `${valid}.x`,
      valid.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      await pass.issue('other.spaceos.test', now),
      await pass.issue('paypal.spaceos.test', new Date(now.getTime() - (PROBE_PASS_SECONDS + 5) * 1000)),
      await pass.issue('paypal.spaceos.test', new Date(now.getTime() + (PROBE_PASS_SECONDS + 5) * 1000)),
      await other.issue('paypal.spaceos.test', now),
    ];
    for (const forged of refused) expect((await get('paypal.spaceos.test', { [PROBE_PASS_HEADER]: forged })).status, forged).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it('refuses a WebSocket upgrade from a visitor', async () => {
    tenants.set('t-paypal', unconfirmed('t-paypal', 'paypal'));
    const closed = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: (front.address() as AddressInfo).port, path: '/', headers: { host: 'paypal.spaceos.test', connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('upgrade', () => resolve('upgraded'));
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', () => resolve('closed'));
      req.end();
    });
    expect(closed).toBe('closed');
    expect(seen).toHaveLength(0);
  });

  it('is served to visitors once confirmed, at the next read (pendingTtl), and a confirmed tenant is not read again', async () => {
    tenants.set('t-paypal', unconfirmed('t-paypal', 'paypal'));
    expect((await get('paypal.spaceos.test')).status).toBe(403);
    tenants.set('t-paypal', { ...unconfirmed('t-paypal', 'paypal'), emailVerifiedAt: new Date().toISOString() });
    expect((await get('paypal.spaceos.test')).status).toBe(200);
    const reads = tenantReads;
    expect((await get('paypal.spaceos.test')).status).toBe(200);
    expect(tenantReads).toBe(reads);
  });

  it('serves as before a tenant with nothing to confirm (created by ops, or before verification existed)', async () => {
    tenants.set('t-acme', tenantFixture('acme', { tenantId: 't-acme' }));
    expect((await get('acme.spaceos.test')).status).toBe(200);
  });
});
