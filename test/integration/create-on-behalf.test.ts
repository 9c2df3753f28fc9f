import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import { createStripeEventHandler } from '../../functions/billing/stripe-events';
import { hasLiveSubscription } from '../../functions/billing/checkout';
import { statusView } from '../../shared/tenant';
import { offboardingRefusal } from '../../shared/fleet';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { LocalOps } from '../../infra/ops/backend';
import { runOps } from '../../infra/ops/cli';
import { mailTo } from '../support/sent-mail';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { VERIFICATION_SUBJECT } from '../support/verification';

const WELCOME_SUBJECT = /^Your spaceOS instance for .* is ready$/;
const DAY_MS = 86_400_000;

const root = tempDir('launchpad-on-behalf-');
let launchpad: Launchpad;
let ops: LocalOps;

beforeAll(async () => {
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), sesPort: 0, fastTimers: true, opsEmail: 'cs@spaceos.test' });
  ops = new LocalOps(launchpad.url);
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Runs the CLI against the local stack, keeping what it printed (stdout and stderr apart). */
async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(argv, ops, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}
const tenantAt = async (subdomain: string) => {
  const id = await launchpad.deps.signups.subdomainClaimHolder(subdomain);
  return id ? launchpad.deps.tenants.getTenant(id) : undefined;
};
const mailsTo = async (address: string, subject: RegExp) => (await mailTo(launchpad.sesEndpoint, address)).filter((m) => subject.test(m.subject));

describe('creating a tenant on a client\'s behalf', () => {
  it('refuses bad input with one line per flag (exit 1) and claims nothing', async () => {
    const { code, out, err } = await cli('tenants', 'create', '--company', 'A', '--subdomain', 'admin', '--admin-email', 'not-an-email', '--color', 'red', '--plan', 'free');
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      '--company: Company name needs at least 2 characters',
      '--subdomain: This name is reserved',
      '--admin-name: Your name is required',
      '--admin-email: Enter a valid email address, like anna@example.com',
      '--color: Use a colour in the form #1a73e8',
      '--plan: Choose trial or paid',
    ]);
    expect(await launchpad.deps.signups.subdomainClaimHolder('admin')).toBeUndefined();
    expect(await launchpad.deps.signups.emailClaimHolder('not-an-email')).toBeUndefined();
    expect(await launchpad.deps.tenants.listTenants()).toEqual([]);

    // The API itself: 400 with the fields, never a 500, for a body that is not even JSON.
    const broken = await fetch(`${launchpad.url}/ops/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"companyName":' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: Record<string, string> }).errors).toHaveProperty('body');
  });

  it('provisions a trial with the welcome mail and no confirmation mail, and marks who created it', async () => {
    const { code, out, err } = await cli('tenants', 'create', '--company', 'Acme Spaces', '--subdomain', 'acme', '--admin-name', 'Anna Admin', '--admin-email', 'Anna@Acme.com', '--color', '#ff5500');
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out[0]).toMatch(/^Created acme \([0-9a-f-]{36}\); provisioning [0-9a-f-]{36} on local Launchpad at /);
    expect(out.at(-2)).toBe('  ACTIVE');
    expect(out.at(-1)).toBe('acme is live; the welcome mail goes to its admin.');

    const tenant = (await tenantAt('acme'))!;
    expect(tenant).toMatchObject({ status: 'ACTIVE', plan: 'trial', createdBy: 'ops', adminEmail: 'anna@acme.com', primaryColor: '#ff5500', trialEndsAt: expect.any(String) });
    expect(tenant.verifyBy).toBeUndefined();
    expect(tenant.billing).toBeUndefined();
    // The state machine sends the welcome mail before it ends, and ACTIVE comes first: wait for the run.
    await launchpad.workflows.settled(tenant.tenantId);
    const [welcome] = await mailsTo('anna@acme.com', WELCOME_SUBJECT);
    expect(welcome?.body.text).toMatch(/trial runs until/);
    expect(welcome?.body.text).toMatch(/Upgrade to the paid plan/);
    expect(await mailsTo('anna@acme.com', VERIFICATION_SUBJECT)).toEqual([]);

    const page = await (await fetch(`${launchpad.url}/ops`)).text();
    expect(page).toMatch(new RegExp(`id="tenant-${tenant.tenantId}"[\\s\\S]*data-created-by="ops"`));
  }, 120_000);

  it('refuses a subdomain or email already held, naming the flag, and the public signup refuses them too', async () => {
    const taken = await cli('tenants', 'create', '--company', 'Other Acme', '--subdomain', 'acme', '--admin-name', 'Otto Other', '--admin-email', 'anna@acme.com');
    expect(taken.code).toBe(1);
    expect(taken.err.sort()).toEqual(['--admin-email: This email already holds a tenant; use another address', '--subdomain: This address is already taken; choose another subdomain']);
    expect((await launchpad.deps.tenants.listTenants()).map((t) => t.subdomain)).toEqual(['acme']);
  });

  it('an invoiced (paid) tenant gets a welcome mail without a trial, is never swept, shows no upgrade, and Stripe leaves it alone', async () => {
    const created = await ops.createTenant({ companyName: 'Globex Corp', subdomain: 'globex', adminName: 'Gus Globex', adminEmail: 'gus@globex.example', plan: 'paid' });
    // --no-wait: the command returns at once with the run started.
    const noWait = await cli('tenants', 'create', '--company', 'Initech', '--subdomain', 'initech', '--admin-name', 'Ida Initech', '--admin-email', 'ida@initech.example', '--plan', 'paid', '--no-wait');
    expect(noWait.code).toBe(0);
    expect(noWait.out).toHaveLength(1);
    expect((await launchpad.workflows.settled(created.execution))?.status).toBe('SUCCEEDED');

    const tenant = (await launchpad.deps.tenants.getTenant(created.tenantId))!;
    expect(tenant).toMatchObject({ status: 'ACTIVE', plan: 'paid', billing: 'invoiced', createdBy: 'ops', primaryColor: '#4f46e5' });
    expect(tenant.trialEndsAt).toBeUndefined();
    expect(tenant.stripeCustomerId).toBeUndefined();
    const [welcome] = await mailsTo('gus@globex.example', WELCOME_SUBJECT);
    expect(welcome?.body.text).not.toMatch(/trial|upgrade/i);
    expect(await mailsTo('gus@globex.example', VERIFICATION_SUBJECT)).toEqual([]);

    // Far past any trial's end (and the retention after it): the trial sweep passes it by.
    const later = new Date(Date.now() + 120 * DAY_MS);
    const swept = await createTrialSweep({ ...launchpad.deps, now: () => later })();
    expect(Object.values(swept).flat()).not.toContain(tenant.tenantId);
    expect((await launchpad.deps.tenants.getTenant(tenant.tenantId))?.status).toBe('ACTIVE');
    // The trial created the same way is suspended at its end, as a self-signup's would be.
    const acme = (await tenantAt('acme'))!;
    expect(swept.suspended).toContain(acme.tenantId);

    // The status page shows the paid plan (no Upgrade button, no trial end); checkout counts it as paying.
    expect(statusView(tenant)).toMatchObject({ plan: 'paid', billing: 'invoiced' });
    expect(statusView(tenant)).not.toHaveProperty('trialEndsAt');
    // Offboarding asks for the contract's end first, not for a Stripe cancellation it has none of.
    expect(offboardingRefusal(tenant, false)).toBe('globex is billed by invoice (created by ops): end its contract first, then pass --force');
    expect(offboardingRefusal(tenant, true)).toBeUndefined();
    expect(await hasLiveSubscription(launchpad.deps, tenant)).toBe(true);
    // A Stripe event naming it (a stray checkout) changes nothing: billing is not even asked.
    const warnings: string[] = [];
    const logger = Object.create(launchpad.deps.logger) as typeof launchpad.deps.logger;
    logger.warn = ((message: unknown) => void warnings.push(String(message))) as typeof logger.warn;
    const billing = Object.create(launchpad.deps.billing) as typeof launchpad.deps.billing;
    billing.subscriptions = () => Promise.reject(new Error('billing asked about an invoiced tenant'));
    const handled = await createStripeEventHandler({ ...launchpad.deps, logger, billing })({
      id: 'evt_invoiced',
      type: 'checkout.session.completed',
      data: { object: { object: 'checkout.session', id: 'cs_1', client_reference_id: tenant.tenantId, customer: 'cus_stray', metadata: {} } },
    } as unknown as Parameters<ReturnType<typeof createStripeEventHandler>>[0]);
    expect(handled).toEqual({ outcome: 'ignored' });
    expect(warnings).toEqual(['Stripe event for an invoiced tenant; acknowledged, nothing changed']);
    expect(await launchpad.deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'paid', billing: 'invoiced' });
    expect((await launchpad.deps.tenants.getTenant(tenant.tenantId))?.stripeCustomerId).toBeUndefined();

    await launchpad.workflows.settled((await launchpad.deps.signups.subdomainClaimHolder('initech'))!);
  }, 120_000);
});
