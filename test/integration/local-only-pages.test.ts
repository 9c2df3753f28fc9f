import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalOps } from '../../infra/ops/backend';
import { freePort } from '../../infra/local/free-port';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import type { Tenant } from '../../shared/tenant';
import { tempDir } from '../support/temp-dir';

const root = tempDir('launchpad-local-only-');
const webRoot = join(root, 'web');
mkdirSync(webRoot);
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>signup</title>');

let launchpad: Launchpad;
let port: number;

/** An address of this machine that is not loopback: a request to it arrives as if from the network. */
const lanAddress = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

/** A request with full control of its headers (Host, Origin, Sec-Fetch-Site), to `address` (default loopback). */
function send(path: string, { method = 'GET', headers = {}, body, address = '127.0.0.1' }: { method?: string; headers?: Record<string, string>; body?: string; address?: string } = {}) {
  return new Promise<{ status: number; text: string; location?: string }>((resolve, reject) => {
    const req = httpRequest({ host: address, port, path, method, headers: { host: `localhost:${port}`, ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const own = () => ({ origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' });
const OTHER_SITE = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const tokenIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

async function activeTenant(subdomain: string, status: 'ACTIVE' | 'FAILED' = 'ACTIVE'): Promise<Tenant> {
  const at = new Date().toISOString();
  const tenant: Tenant = {
    tenantId: randomUUID(), subdomain, companyName: `Local ${subdomain}`, adminName: 'Lou', adminEmail: `lou@${subdomain}.example`, primaryColor: '#123456',
    plan: 'trial', status: 'PENDING', createdAt: at, updatedAt: at, steps: {}, urls: { app: `http://${subdomain}.localhost:${port}` }, version: 1,
  };
  await launchpad.deps.signups.createSignup(tenant);
  await launchpad.deps.tenants.transition(tenant.tenantId, 'PROVISIONING', at);
  if (status === 'FAILED') await launchpad.deps.tenants.transition(tenant.tenantId, 'FAILED', at);
  else await launchpad.deps.tenants.transition(tenant.tenantId, 'ACTIVE', at, { trialEndsAt: new Date(Date.now() + 14 * 86_400_000).toISOString() });
  return tenant;
}
const statusOf = async (tenant: Tenant) => (await launchpad.deps.tenants.getTenant(tenant.tenantId))?.status;

beforeAll(async () => {
  port = await freePort();
  launchpad = await startLaunchpad({ port, dataDir: join(root, 'data'), webRoot, sesPort: 0 });
});

afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('/ops answers the local machine only', () => {
  it('shows the console on this machine, but not to the network nor under another host name', async () => {
    const tenant = await activeTenant('ops-local');
    const page = await send('/ops');
    expect(page.status).toBe(200);
    expect(page.text).toContain(tenant.subdomain);
    // A page of another site whose name was made to point at 127.0.0.1 (DNS rebinding).
    const rebound = await send('/ops/api/tenants', { headers: { host: `evil.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.text).not.toContain(tenant.subdomain);
  });

  it('refuses the tenant list to a request from the network', async () => {
    if (!lanAddress) throw new Error('This test sends a request from the network to this machine: it needs a network interface with a non-loopback IPv4 address (connect the machine to a network, e.g. `ip addr` shows one on eth0)');
    const tenant = await activeTenant('ops-lan');
    const fromNetwork = await send('/ops/api/tenants', { address: lanAddress! });
    expect(fromNetwork.status).toBe(403);
    expect(fromNetwork.text).not.toContain(tenant.adminEmail);
  });

  it('refuses offboarding and resuming posted from another site, and nothing happens', async () => {
    const tenant = await activeTenant('ops-csrf');
    const offboard = await send(`/ops/api/tenants/${tenant.subdomain}/offboard?force=1`, { method: 'POST', headers: { ...OTHER_SITE, 'content-type': 'text/plain' }, body: '{}' });
    expect(offboard.status).toBe(403);
    const noCors = await send(`/ops/api/tenants/${tenant.subdomain}/offboard?force=1`, { method: 'POST', headers: OTHER_SITE });
    expect(noCors.status).toBe(403);
    const resume = await send(`/ops/tenants/${tenant.tenantId}/resume`, { method: 'POST', headers: { ...OTHER_SITE, ...FORM }, body: '' });
    expect(resume.status).toBe(403);
    expect(await statusOf(tenant)).toBe('ACTIVE');
    expect(launchpad.workflows.list().filter((e) => (e.input as { tenantId?: string }).tenantId === tenant.tenantId)).toHaveLength(0);
  });

  it('takes the Resume form only with the token of its own page, and the API only as JSON or without a body', async () => {
    const tenant = await activeTenant('ops-form');
    // Same origin, but no token (a legacy browser posting another site's form without Origin looks like this).
    expect((await send(`/ops/tenants/${tenant.tenantId}/resume`, { method: 'POST', headers: FORM, body: 'csrf=guess' })).status).toBe(403);
    expect((await send(`/ops/api/tenants/${tenant.subdomain}/offboard`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(415);
    await activeTenant('ops-failed', 'FAILED'); // the page shows its Resume form, with the token
    const token = tokenIn((await send('/ops')).text);
    expect(token).toBeDefined();
    // With the page's token the form gets through to the ops service, which answers for itself: this tenant is running (409).
    const resumed = await send(`/ops/tenants/${tenant.tenantId}/resume`, { method: 'POST', headers: { ...own(), ...FORM }, body: `csrf=${encodeURIComponent(token!)}` });
    expect(resumed.status).toBe(409);
  });

  it('keeps working for the ops CLI (no Origin, no Sec-Fetch-Site)', async () => {
    const tenant = await activeTenant('ops-cli');
    const cli = new LocalOps(launchpad.url);
    expect((await cli.listTenants()).map((t) => t.subdomain)).toContain(tenant.subdomain);
    // Past the guard: the service itself answers (a running tenant is not resumed).
    const refusal = await cli.resume(tenant.subdomain).then(() => '', (error: Error) => error.message);
    expect(refusal).not.toBe('');
    expect(refusal).not.toMatch(/these pages|this machine|Open this page/);
  });
});

describe('the local checkout and billing portal', () => {
  it('refuses Pay and Cancel posted from another site or without the page token, and nothing happens', async () => {
    const tenant = await activeTenant('portal-csrf');
    const cancelPath = `/local-stripe/portal/cus_local_1?return=${encodeURIComponent(`${launchpad.url}/status/${tenant.tenantId}`)}`;
    const portal = await send(cancelPath);
    expect(portal.status).toBe(200);
    const cancelAction = /action="([^"]+\/cancel[^"]*)"/.exec(portal.text)![1]!.replaceAll('&amp;', '&');
    const crossSite = await send(cancelAction, { method: 'POST', headers: { ...OTHER_SITE, ...FORM }, body: '' });
    expect(crossSite.status).toBe(403);
    const noToken = await send(cancelAction, { method: 'POST', headers: { ...own(), ...FORM }, body: '' });
    expect(noToken.status).toBe(403);
    expect(await statusOf(tenant)).toBe('ACTIVE');

    const checkout = new URL(await launchpad.deps.billing.checkoutUrl({ tenantId: tenant.tenantId, email: tenant.adminEmail, successUrl: `${launchpad.url}/status/${tenant.tenantId}`, cancelUrl: launchpad.url }));
    const pay = await send(`${checkout.pathname}/pay`, { method: 'POST', headers: { ...OTHER_SITE, ...FORM }, body: '' });
    expect(pay.status).toBe(403);
    expect((await launchpad.deps.tenants.getTenant(tenant.tenantId))?.plan).toBe('trial');

    // The checkout is still there to pay, from its own page's form (paying through it in a browser: test/e2e/upgrade.test.ts).
    const page = await send(checkout.pathname);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<form method="post" action="[^"]+\/pay"><input type="hidden" name="csrf" value="[^"]+">/);
  });
});
