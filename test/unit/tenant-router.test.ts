import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../router/forwarded-headers';
import { hostLabel, instanceDomain } from '../../router/host';
import { MAX_BACKGROUND_REFRESHES, RouteTable, type RouteLoader } from '../../router/route-table';
import type { InstanceRecord } from '../../shared/instance-state';

describe('instance hosts', () => {
  it('finds the domain of a deployment from its URL template', () => {
    expect(instanceDomain('https://{host}.spaceos.io')).toBe('spaceos.io');
    expect(instanceDomain('http://{host}.localhost:3000')).toBe('localhost');
  });

  it('takes exactly one DNS label under the domain, whatever the case, port or trailing dot', () => {
    expect(hostLabel('acme.spaceos.io', 'spaceos.io')).toBe('acme');
    expect(hostLabel('ACME-stg.SpaceOS.io:443', 'spaceos.io')).toBe('acme-stg');
    expect(hostLabel('acme.spaceos.io.', 'spaceos.io')).toBe('acme');
    for (const other of [undefined, '', 'spaceos.io', 'a.b.spaceos.io', 'acme.spaceos.io.evil.example', 'acme.evilspaceos.io', '10.0.0.1', '-acme.spaceos.io', `${'a'.repeat(64)}.spaceos.io`, 'ac me.spaceos.io', 'acme_1.spaceos.io']) {
      expect(hostLabel(other, 'spaceos.io'), String(other)).toBeUndefined();
    }
  });
});

const record = (host: string, state: InstanceRecord['state'] = 'running'): InstanceRecord => ({ host, tenantId: `t-${host}`, subdomain: host, env: 'prod', plan: 'trial', desiredCount: 1, state, since: '2026-12-01T00:00:00.000Z', lastRequestAt: '2026-12-01T00:00:00.000Z' });
const TIMINGS = { routeTtlMs: 1000, endpointsTtlMs: 5000, pendingTtlMs: 100, idleEvictMs: 60_000, maxRoutes: 3 };

function table(states: Record<string, InstanceRecord['state'] | undefined>, maxRoutes = TIMINGS.maxRoutes) {
  let now = 0;
  const loads: string[] = [];
  const held: Array<() => void> = [];
  let hold = false;
  const load: RouteLoader = async (host) => {
    loads.push(host);
    if (hold) await new Promise<void>((r) => held.push(r));
    const state = states[host];
    return { record: state ? record(host, state) : undefined, endpoints: state === 'running' ? [{ host: '10.0.0.1', port: 8080 }] : [], endpointsAt: now };
  };
  const routes = new RouteTable(load, { ...TIMINGS, maxRoutes }, () => now);
  return { routes, loads, tick: (ms: number) => (now += ms), hold: (on: boolean) => (hold = on), release: () => held.splice(0).forEach((r) => r()) };
}

describe('the route table', () => {
  it('serves a running route from memory and refreshes it in the background once stale, never making a request wait', async () => {
    const { routes, loads, tick, hold, release } = table({ acme: 'running' });
    await routes.get('acme');
    await routes.get('acme');
    expect(loads).toEqual(['acme']);
    tick(1001);
    hold(true);
    const stale = await routes.get('acme'); // answered while the reload waits
    expect(stale.record?.state).toBe('running');
    expect(loads).toEqual(['acme', 'acme']);
    release();
  });

  it('refreshes at most MAX_BACKGROUND_REFRESHES stale routes at once; the others stay served as they are', async () => {
    const hosts = Array.from({ length: 50 }, (_, i) => `h${i}`);
    const { routes, loads, tick, hold, release } = table(Object.fromEntries(hosts.map((h) => [h, 'running' as const])), 100);
    for (const host of hosts) await routes.get(host);
    tick(1001);
    hold(true);
    const before = loads.length;
    const served = await Promise.all(hosts.map((host) => routes.get(host)));
    expect(served.every((r) => r.record?.state === 'running')).toBe(true);
    expect(loads.length - before).toBe(MAX_BACKGROUND_REFRESHES);
    release();
  });

  it('waits for a fresh read of a route that is not serving (sleeping, unknown), at most every pendingTtl', async () => {
    const { routes, loads, tick } = table({ sleepy: 'sleeping' });
    await routes.get('sleepy');
    await routes.get('nobody');
    await routes.get('sleepy');
    expect(loads).toEqual(['sleepy', 'nobody']);
    tick(101);
    await routes.get('sleepy');
    expect(loads).toEqual(['sleepy', 'nobody', 'sleepy']);
  });

  it('loads a host once for any number of concurrent requests', async () => {
    const { routes, loads, hold, release } = table({ acme: 'running' });
    hold(true);
    const burst = Promise.all(Array.from({ length: 100 }, () => routes.get('acme')));
    await new Promise((r) => setTimeout(r, 0));
    release();
    expect((await burst).every((r) => r.record?.host === 'acme')).toBe(true);
    expect(loads).toEqual(['acme']);
  });

  it('keeps at most maxRoutes, and made-up hosts apart: a flood of them never pushes out a real route', async () => {
    const { routes, loads } = table({ a: 'running', b: 'running', c: 'running', d: 'running' });
    for (const host of ['a', 'b', 'c', 'd']) await routes.get(host);
    expect(routes.size).toBe(3);
    for (let i = 0; i < 100; i++) await routes.get(`made-up-${i}`);
    expect(routes.size).toBe(3);
    const before = loads.length;
    await routes.get('d');
    expect(loads.length).toBe(before); // still known, not read again
  });

  it('forgets routes nobody asked for within idleEvict', async () => {
    const { routes, tick } = table({ acme: 'running', other: 'running' });
    await routes.get('acme');
    tick(30_000);
    await routes.get('other');
    tick(30_001);
    routes.evictIdle();
    expect(routes.size).toBe(1);
  });
});

describe('who the visitor is', () => {
  const req = (headers: Record<string, string>) => ({ headers, socket: { remoteAddress: '10.40.1.5' } }) as unknown as IncomingMessage;

  it("locally is the socket's peer, whatever headers say", () => {
    expect(clientAddress(req({ 'x-forwarded-for': '203.0.113.9', 'cf-connecting-ip': '198.51.100.1' }), 'socket')).toBe('10.40.1.5');
  });

  it("on AWS is Cloudflare's CF-Connecting-IP, else what the load balancer appended, never what a client wrote first", () => {
    expect(clientAddress(req({ 'cf-connecting-ip': '198.51.100.1', 'x-forwarded-for': '203.0.113.9, 172.70.1.1' }), 'cloudflare')).toBe('198.51.100.1');
    expect(clientAddress(req({ 'x-forwarded-for': '203.0.113.9, 172.70.1.1' }), 'cloudflare')).toBe('172.70.1.1');
    expect(clientAddress(req({ 'cf-connecting-ip': '<script>', 'x-forwarded-for': '172.70.1.1' }), 'cloudflare')).toBe('172.70.1.1');
    expect(clientAddress(req({}), 'cloudflare')).toBe('10.40.1.5');
  });
});
