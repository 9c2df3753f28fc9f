import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { createSleepIdle } from '../../functions/scheduled/sleep-idle';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { instanceUrl } from '../../shared/instance';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { signUpOn, verifyFromMail } from '../support/verification';

/**
 * Issue 14 (b) and (d) on the embedded default: an unconfirmed signup's instance is provisioned and
 * smoke-tested through the router (with the probe pass) but never shown or woken for a visitor,
 * sleeps at the first sleep run, and is the admin's once confirmed; a signup whose provisioning
 * never started is removed after its deadline all the same.
 */

const root = tempDir('launchpad-unconfirmed-');
let launchpad: Launchpad;
/** While set, StartExecution fails (Step Functions unavailable): the signup stays PENDING. */
let refuseStarts = false;

const refusingStarts = (deps: Deps): Deps => {
  const workflows = deps.workflows;
  return {
    ...deps,
    workflows: {
      startProvisioning: (input) => (refuseStarts ? Promise.reject(new Error('Step Functions unavailable')) : workflows.startProvisioning(input)),
      resumeProvisioning: (tenantId, name) => workflows.resumeProvisioning(tenantId, name),
      startFleetRollout: (request, name) => workflows.startFleetRollout(request, name),
      startOffboarding: (tenantId, name) => workflows.startOffboarding(tenantId, name),
      executionState: (stateMachine, name) => workflows.executionState(stateMachine, name),
    },
  };
};

beforeAll(async () => {
  const webRoot = join(root, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({
    signupLimits: MANY_SIGNUPS,
    port: 0,
    dataDir: join(root, 'data'),
    webRoot,
    sesPort: 0,
    fastTimers: true,
    // Long idle times: what puts the instances to sleep here is their signup being unconfirmed, nothing else.
    sleep: { trialProductionMs: 3_600_000, stagingMs: 3_600_000 },
    decorate: refusingStarts,
  });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
});

const url = (subdomain: string, env: 'prod' | 'stg') => `${instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, env)}/`;

/** A visitor's browser: no probe pass, just the page. */
function visit(target: string): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(target);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, headers: { host: `${hostname}:${port}`, accept: 'text/html', 'user-agent': 'Mozilla/5.0 Chrome/120' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}
const stateOf = async (host: string) => (await launchpad.deps.instances.get(host, { consistent: true }))?.state;
const running = (name: string) => launchpad.compute.list().some((s) => s.name === name);

describe('an unconfirmed signup on the embedded default', () => {
  it('is provisioned and smoke-tested through the router, shown to nobody, asleep at the next sleep run, and the admin\'s once confirmed', async () => {
    const tenantId = await signUpOn(launchpad, 'held', { verify: false });
    await launchpad.workflows.settled(tenantId);
    const tenant = await launchpad.deps.tenants.getTenant(tenantId);
    expect(tenant?.status, tenant?.failure?.cause).toBe('ACTIVE');
    expect(tenant?.steps.WaitUntilHealthy?.status).toBe('SUCCEEDED');
    expect(tenant?.steps.SmokeTest?.status).toBe('SUCCEEDED');

    // A visitor gets the fixed page, not the instance (nothing of "held Works" on it).
    for (const env of ['prod', 'stg'] as const) {
      const page = await visit(url('held', env));
      expect(page.status, env).toBe(403);
      expect(page.body).toContain('This spaceOS instance is being set up');
      expect(page.body).not.toContain('held Works');
    }

    // The first sleep run puts both to sleep, however recently the probes used them (the job's own timer may have done it first).
    await createSleepIdle(launchpad.deps)();
    expect(await stateOf('held')).toBe('sleeping');
    expect(await stateOf('held-stg')).toBe('sleeping');
    expect(running('spaceos-held-prod')).toBe(false);
    expect(running('spaceos-held-stg')).toBe(false);

    // A visit wakes nothing while it waits.
    expect((await visit(url('held', 'prod'))).status).toBe(403);
    expect(await stateOf('held')).toBe('sleeping');

    // Confirmed: the next visit wakes it as any visit wakes a sleeping instance, and it is the admin's.
    expect((await verifyFromMail(launchpad.url, launchpad.sesEndpoint, 'admin@held.example')).status).toBe(200);
    const home = await until('the confirmed instance to answer a visitor', async () => {
      const page = await visit(url('held', 'prod'));
      return page.status === 200 ? page : undefined;
    }, { timeoutMs: 60_000 });
    expect(home.body).toContain('held Works');
    expect(await stateOf('held')).toBe('running');
  }, 180_000);

  it('is removed after its deadline even when its provisioning never started (PENDING), and its name and email are free again', async () => {
    refuseStarts = true;
    try {
      const tenantId = await signUpOn(launchpad, 'neverstarted', { verify: false });
      expect((await launchpad.deps.tenants.getTenant(tenantId))?.status).toBe('PENDING');
      const later = (hours: number) => () => new Date(Date.now() + hours * 3_600_000);

      expect((await createTrialSweep({ ...launchpad.deps, now: later(25) })()).unverifiedRemoved).toContain(tenantId);
      // Offboarding a tenant with nothing created yet: every step finds nothing to remove.
      const offboarding = await launchpad.workflows.settled(`offboard-${tenantId}`);
      expect(offboarding?.status, `${offboarding?.error}: ${offboarding?.cause}`).toBe('SUCCEEDED');
      expect((await launchpad.deps.tenants.getTenant(tenantId))?.status).toBe('DELETED');

      expect((await createTrialSweep({ ...launchpad.deps, now: later(26) })()).claimsReleased).toContain(tenantId);
      expect(await launchpad.deps.signups.subdomainClaimHolder('neverstarted')).toBeUndefined();
      expect(await launchpad.deps.signups.emailClaimHolder('admin@neverstarted.example')).toBeUndefined();
    } finally {
      refuseStarts = false;
    }
  }, 120_000);
});
