import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { probe } from '../../functions/providers/instance-probe';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { instanceUrl } from '../../shared/instance';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { signUpOn } from '../support/verification';

const SLEEP_MS = 1500;
const root = tempDir('launchpad-router-');
let launchpad: Launchpad;
/** Every scale-up the router or a step asked for, by service (a burst must wake an instance once). */
const scaleUps: string[] = [];

const recordScaleUps = (deps: Deps): Deps => ({
  ...deps,
  compute: {
    ...deps.compute,
    ensureService: (spec) => deps.compute.ensureService(spec),
    deploy: (service, version) => deps.compute.deploy(service, version),
    removeService: (service) => deps.compute.removeService(service),
    existingServices: (services) => deps.compute.existingServices(services),
    scale: (service, count) => {
      if (count > 0) scaleUps.push(`${service.subdomain}-${service.env}`);
      return deps.compute.scale(service, count);
    },
  },
  // A tenant whose smoke test finds its home page broken: provisioning fails after its instances started.
  probe: (url) => (url.startsWith(instanceUrl(deps.platform.instanceUrlTemplate, 'doomed', 'prod')) && url.endsWith('/') ? Promise.resolve({ status: 500, body: 'broken' }) : deps.probe(url)),
});

beforeAll(async () => {
  const webRoot = join(root, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS,
    port: 0,
    dataDir: join(root, 'data'),
    webRoot,
    sesPort: 0,
    fastTimers: true,
    sleep: { trialProductionMs: SLEEP_MS, stagingMs: SLEEP_MS },
    decorate: recordScaleUps,
  });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A confirmed signup (an unconfirmed one's instance is held back from visitors: test/integration/unconfirmed-instance.test.ts). */
async function signup(subdomain: string): Promise<string> {
  const tenantId = await signUpOn(launchpad, subdomain);
  await until(`${subdomain} to settle`, async () => {
    const tenant = await launchpad.deps.tenants.getTenant(tenantId);
    return tenant?.status === 'ACTIVE' || tenant?.status === 'FAILED' ? tenant.status : undefined;
  });
  return tenantId;
}

const url = (subdomain: string, env: 'prod' | 'stg', path = '/') => `${instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, env)}${path}`;

/** A request with the headers a browser or an API client sends (probe() cannot set Accept). */
function request(target: string, accept: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port, pathname } = new URL(target);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, headers: { host: `${hostname}:${port}`, accept } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}
const browser = (target: string) => request(target, 'text/html,application/xhtml+xml');
const api = (target: string) => request(target, 'application/json');
const stateOf = async (host: string) => (await launchpad.deps.instances.get(host, { consistent: true }))?.state;
const running = (name: string) => launchpad.compute.list().some((s) => s.name === name);

describe('tenant router', () => {
  it('routes production and staging by host to their own instances', async () => {
    await signup('routed');
    const prod = await probe(url('routed', 'prod'));
    expect(prod.status).toBe(200);
    expect(prod.body).toContain('routed Works');
    expect(prod.body).not.toContain('Staging');
    const staging = await probe(url('routed', 'stg'));
    expect(staging.status).toBe(200);
    expect(staging.body).toContain('Staging');
  });

  it('answers an unknown host with a 404 page of its own', async () => {
    const page = await browser(url('nobody-here', 'prod'));
    expect(page.status).toBe(404);
    expect(page.body).toContain('No spaceOS instance here');
    expect(page.body).toContain('nobody-here.localhost');
  });

  it('puts idle instances to sleep (their processes stop) and wakes one on the first visit, once for a burst, with a branded waking page', async () => {
    await signup('sleepy');
    await until('sleepy to fall asleep', async () => ((await stateOf('sleepy')) === 'sleeping' && (await stateOf('sleepy-stg')) === 'sleeping' ? true : undefined), { timeoutMs: 20_000 });
    expect(running('spaceos-sleepy-prod')).toBe(false);
    expect(running('spaceos-sleepy-stg')).toBe(false);
    const view = (await (await fetch(`${launchpad.url}/api/tenants/${(await launchpad.deps.signups.subdomainClaimHolder('sleepy'))!}/status`)).json()) as { instances?: Record<string, string> };
    expect(view.instances).toEqual({ prod: 'sleeping', stg: 'sleeping' });

    const before = scaleUps.filter((s) => s === 'sleepy-prod').length;
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? browser : api)(url('sleepy', 'prod'))));
    const pages = burst.filter((r) => r.headers['content-type']?.startsWith('text/html'));
    const answers = burst.filter((r) => r.headers['content-type']?.startsWith('application/json'));
    expect(pages).toHaveLength(50);
    for (const page of pages) {
      expect(page.status).toBe(503);
      expect(page.headers['retry-after']).toBe('1');
      expect(page.body).toContain('sleepy Works is waking up');
      expect(page.body).toContain('http-equiv="refresh"');
    }
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(JSON.parse(answer.body)).toEqual({ status: 'waking', retryAfterSeconds: 1 });
    }

    const woken = await until('sleepy to answer', async () => {
      const page = await browser(url('sleepy', 'prod'));
      return page.status === 200 ? page : undefined;
    });
    expect(woken.body).toContain('sleepy Works');
    expect(scaleUps.filter((s) => s === 'sleepy-prod').length - before).toBe(1);
    expect(await stateOf('sleepy')).toBe('running');
    expect(running('spaceos-sleepy-prod')).toBe(true);
    // Staging was not visited: it sleeps on.
    expect(await stateOf('sleepy-stg')).toBe('sleeping');
  }, 60_000);

  it('finishes a wake that one request started, without anyone coming back; crawlers and HEAD checks wake nothing', async () => {
    await signup('once');
    await until('once to fall asleep', async () => ((await stateOf('once')) === 'sleeping' ? true : undefined), { timeoutMs: 20_000 });
    const bot = (target: string, method = 'GET', agent = 'Mozilla/5.0 (compatible; Googlebot/2.1)') =>
      new Promise<number>((resolve, reject) => {
        const { hostname, port, pathname } = new URL(target);
        const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers: { host: `${hostname}:${port}`, 'user-agent': agent } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        req.on('error', reject);
        req.end();
      });
    expect(await bot(url('once', 'prod'))).toBe(503);
    expect(await bot(url('once', 'prod'), 'HEAD', 'Mozilla/5.0 Chrome/120')).toBe(503);
    await pause(500);
    expect(await stateOf('once')).toBe('sleeping');

    expect((await api(url('once', 'prod'))).status).toBe(503);
    // Nobody comes back: the router that woke it marks it running once it answers (its process up).
    await until('once to be running by itself', async () => ((await stateOf('once')) === 'running' && running('spaceos-once-prod') ? true : undefined), { timeoutMs: 30_000 });
  }, 60_000);

  it('keeps an instance awake while it is used', async () => {
    await until('routed to be running', async () => ((await browser(url('routed', 'prod'))).status === 200 ? true : undefined));
    for (let elapsed = 0; elapsed < SLEEP_MS * 2; elapsed += 250) {
      expect((await browser(url('routed', 'prod'))).status).toBe(200);
      await pause(250);
    }
    expect(await stateOf('routed')).toBe('running');
  }, 30_000);

  it("stops a failed tenant's instances; its address says so instead of waking them", async () => {
    const tenantId = await signup('doomed');
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.status).toBe('FAILED');
    await until('doomed to be stopped', async () => ((await stateOf('doomed')) === 'stopped' && (await stateOf('doomed-stg')) === 'stopped' ? true : undefined), { timeoutMs: 20_000 });
    expect(running('spaceos-doomed-prod')).toBe(false);
    const page = await browser(url('doomed', 'prod'));
    expect(page.status).toBe(503);
    expect(page.body).toContain('doomed Works is not available right now');
    await pause(500);
    expect(running('spaceos-doomed-prod')).toBe(false);
  }, 60_000);
});
