import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { probe } from '../../functions/providers/instance-probe';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import { TransientError } from '../../functions/steps/errors';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { FAILED_STEP_MESSAGE } from '../../shared/public-status';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { signUpOn, verifyFromMail } from '../support/verification';
import { MANY_SIGNUPS } from '../support/signup-limits';

/** Faults by subdomain: how many calls of a provider still fail, and with what. */
type Fault = { provider: 'databases'; remaining: number; error: () => Error };
const faults = new Map<string, Fault>();
const calls = { databases: new Map<string, number>(), dns: new Map<string, number>() };

function failIfInjected(provider: Fault['provider'], subdomain: string): void {
  calls[provider].set(subdomain, (calls[provider].get(subdomain) ?? 0) + 1);
  const fault = faults.get(subdomain);
  if (fault?.provider === provider && fault.remaining > 0) {
    fault.remaining--;
    throw fault.error();
  }
}

/** Fault injection around the real adapters: the failure happens where a real one would. */
const injectFaults = (deps: Deps): Deps => ({
  ...deps,
  databases: {
    ensure: (tenant, env) => {
      failIfInjected('databases', tenant.subdomain);
      return deps.databases.ensure(tenant, env);
    },
    dump: (tenant, env) => deps.databases.dump(tenant, env),
    drop: (tenant, env) => deps.databases.drop(tenant, env),
    place: (tenant) => deps.databases.place(tenant),
    release: (tenant, at) => deps.databases.release(tenant, at),
    usage: () => deps.databases.usage(),
  },
});

const root = tempDir('launchpad-provisioning-');
const webRoot = join(root, 'web');
let launchpad: Launchpad;

beforeAll(async () => {
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot, sesPort: 0, fastTimers: true, opsEmail: 'cs@spaceos.test', decorate: injectFaults });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

const signup = (subdomain: string, options?: { verify?: boolean }) => signUpOn(launchpad, subdomain, options);

const statusOf = async (tenantId: string) => (await (await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`)).json()) as { status: string; steps: Array<{ name: string; status: string; error?: string }>; urls: { app?: string; staging?: string } };
const sentMail = async () => ((await (await fetch(`${launchpad.sesEndpoint}/store`)).json()) as { emails: Array<{ subject: string; destination: { to: string[] }; body: { text: string; html?: string } }> }).emails;
const settle = (name: string) => launchpad.workflows.settled(name);
/** Resume on the ops page, as the browser posts it: from the page's own origin, with the page's form token (one per server). */
let formToken: string | undefined;
async function pressResume(tenantId: string): Promise<Response> {
  formToken ??= /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${launchpad.url}/ops`)).text())?.[1];
  const token = formToken ?? '';
  return fetch(`${launchpad.url}/ops/tenants/${tenantId}/resume`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: launchpad.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: `csrf=${encodeURIComponent(token)}`,
  });
}

describe('provision-tenant on the embedded default', () => {
  it('takes a signup to a branded, seeded, ACTIVE instance, handed over (trial, welcome mail, links) once the admin verifies the email', async () => {
    const tenantId = await signup('happy', { verify: false });
    expect((await settle(tenantId))?.status, JSON.stringify((await launchpad.deps.tenants.getTenant(tenantId))?.failure)).toBe('SUCCEEDED');

    // Live, but not the admin's yet: no links on the public page, no trial clock, only the fixed-text verification mail.
    const waiting = await statusOf(tenantId);
    expect(waiting).toMatchObject({ status: 'ACTIVE', urls: {}, awaitingEmailVerification: true });
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.trialEndsAt).toBeUndefined();
    const beforeVerifying = (await sentMail()).filter((m) => m.destination.to.includes('admin@happy.example'));
    expect(beforeVerifying.map((m) => m.subject)).toEqual(['Confirm your email address for spaceOS']);
    expect(beforeVerifying[0]!.body.text).not.toContain('happy');

    const verified = await verifyFromMail(launchpad.url, launchpad.sesEndpoint, 'admin@happy.example');
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ tenantId, adminToken: expect.any(String) });
    const status = await statusOf(tenantId);
    expect(status.status).toBe('ACTIVE');
    expect(status).not.toHaveProperty('awaitingEmailVerification');
    expect(status.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    expect(status.urls).toEqual({ app: launchpad.url.replace('localhost', 'happy.localhost'), staging: launchpad.url.replace('localhost', 'happy-stg.localhost') });

    // Unconfirmed until a moment ago, its instances may have been put to sleep meanwhile: the visit wakes them.
    const answered = (target: string) => until(`${target} to answer`, async () => probe(target).then((r) => (r.status === 200 ? r : undefined)));
    const home = await answered(`${status.urls.app}/`);
    expect(home.body).toContain('happy Works');
    expect(home.body).toContain('Meeting Room');
    expect((await probe(`${status.urls.app}/theme.css`)).body).toContain('--brand-primary: #0f766e;');
    expect(await answered(`${status.urls.staging}/health`)).toMatchObject({ status: 200 });

    const tenant = await launchpad.deps.tenants.getTenant(tenantId);
    expect(tenant?.trialEndsAt && Date.parse(tenant.trialEndsAt) - Date.parse(tenant.updatedAt)).toBeGreaterThan(13 * 86_400_000);
    const welcome = (await sentMail()).filter((m) => m.destination.to.includes('admin@happy.example') && !m.subject.startsWith('Confirm'));
    expect(welcome).toHaveLength(1);
    expect(welcome[0]!.subject).toBe('Your spaceOS instance for happy Works is ready');
    expect(welcome[0]!.body.html).toContain('#0f766e');
  });

  it('retries a step that fails twice transiently and still ends ACTIVE', async () => {
    faults.set('flaky', { provider: 'databases', remaining: 2, error: () => new TransientError('connection reset by the database') });
    const tenantId = await signup('flaky');
    const execution = await settle(tenantId);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.events.filter((e) => e.type === 'StateRetried' && e.state === 'CreateDatabases')).toHaveLength(2);
    expect((await statusOf(tenantId)).status).toBe('ACTIVE');
  });

  it('ends FAILED with the ops alert on a permanent failure; fixing and resuming completes it with nothing duplicated', async () => {
    const refused = () => Object.assign(new Error('password authentication failed for user "launchpad_admin"'), { name: 'AuthenticationError' });
    faults.set('broken', { provider: 'databases', remaining: Number.POSITIVE_INFINITY, error: refused });
    const tenantId = await signup('broken');
    expect(await settle(tenantId)).toMatchObject({ status: 'FAILED', error: 'ProvisioningFailed' });

    const failed = await statusOf(tenantId);
    expect(failed.status).toBe('FAILED');
    // The public page says it plainly; the cause is for ops (the tenant's failure, the alert).
    expect(failed.steps.find((s) => s.name === 'CreateDatabases')).toMatchObject({ status: 'FAILED', error: FAILED_STEP_MESSAGE });
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.failure).toMatchObject({ step: 'CreateDatabases', error: 'AuthenticationError' });
    const alert = (await sentMail()).filter((m) => m.destination.to.includes('cs@spaceos.test') && m.subject.includes('broken'));
    expect(alert).toHaveLength(1);
    expect(alert[0]!.subject).toBe('[Launchpad] Provisioning failed for broken at CreateDatabases');
    for (const part of [tenantId, 'AuthenticationError', 'password authentication failed', '/ops', 'Resume']) expect(alert[0]!.body.text).toContain(part);

    // The cause is fixed; customer success presses Resume on the ops page.
    faults.delete('broken');
    const resume = await pressResume(tenantId);
    expect(resume.status).toBe(303);
    const resumed = await settle(`${tenantId}-r1`);
    expect(resumed?.status, JSON.stringify((await launchpad.deps.tenants.getTenant(tenantId))?.failure)).toBe('SUCCEEDED');
    expect((await statusOf(tenantId)).status).toBe('ACTIVE');

    // Nothing twice: roles/databases (on the server placed at the first attempt), services, routing records, welcome mail.
    const admin = new pg.Client(launchpad.postgresServers[(await launchpad.deps.tenants.getTenant(tenantId))?.databaseServer ?? 'db-1']);
    await admin.connect();
    const roles = (await admin.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 't_broken_%' ORDER BY 1")).rows.map((r: { rolname: string }) => r.rolname);
    const dbs = (await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 't_broken_%' ORDER BY 1")).rows.map((r: { datname: string }) => r.datname);
    await admin.end();
    expect(roles).toEqual(['t_broken_prod', 't_broken_stg']);
    expect(dbs).toEqual(['t_broken_prod', 't_broken_stg']);
    expect(launchpad.compute.list().filter((s) => s.name.startsWith('spaceos-broken-')).map((s) => s.name).sort()).toEqual(['spaceos-broken-prod', 'spaceos-broken-stg']);
    expect((await launchpad.deps.instances.getMany(['broken', 'broken-stg'])).map((r) => `${r.host} ${r.state}`).sort()).toEqual(['broken running', 'broken-stg running']);
    expect((await sentMail()).filter((m) => m.destination.to.includes('admin@broken.example')).map((m) => m.subject)).toEqual(['Confirm your email address for spaceOS', 'Your spaceOS instance for broken Works is ready']);
    // A tenant that is not FAILED cannot be resumed.
    expect((await pressResume(tenantId)).status).toBe(409);
  });

  it('at the end of the trial stops the instance, whose address then offers the upgrade', async () => {
    const tenantId = await signup('expiring');
    await settle(tenantId);
    const tenant = (await launchpad.deps.tenants.getTenant(tenantId))!;
    const afterTrial = new Date(Date.parse(tenant.trialEndsAt!) + 1000);
    const sweep = createTrialSweep({ ...launchpad.deps, now: () => afterTrial });
    expect((await sweep()).suspended).toContain(tenantId);

    expect((await statusOf(tenantId)).status).toBe('SUSPENDED');
    expect(launchpad.compute.list().filter((s) => s.name.startsWith('spaceos-expiring-'))).toEqual([]);
    const page = await probe(`${tenant.urls.app}/`);
    expect(page.status).toBe(402);
    expect(page.body).toContain('The expiring Works trial has ended');
    expect(page.body).toContain(`/upgrade/${tenantId}`);
    expect((await sentMail()).filter((m) => m.destination.to.includes('admin@expiring.example')).map((m) => m.subject)).toContain('Your expiring Works trial has ended');
  });

  it('removes a signup never verified after a day, and frees its name and email at once', async () => {
    const tenantId = await signup('ghost', { verify: false });
    await settle(tenantId);
    const created = Date.parse((await launchpad.deps.tenants.getTenant(tenantId))!.createdAt);
    // Within the day: kept.
    expect((await createTrialSweep({ ...launchpad.deps, now: () => new Date(created + 23 * 3_600_000) })()).unverifiedRemoved).not.toContain(tenantId);
    const sweep = createTrialSweep({ ...launchpad.deps, now: () => new Date(created + 25 * 3_600_000) });
    expect((await sweep()).unverifiedRemoved).toContain(tenantId);
    expect((await settle(`offboard-${tenantId}`))?.status).toBe('SUCCEEDED');
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.status).toBe('DELETED');
    expect((await sweep()).claimsReleased).toContain(tenantId);
    // The real owner of the address (or anyone) can now take the name with that email.
    const again = await signup('ghost', { verify: false });
    expect(again).not.toBe(tenantId);
  });

  it('shows executions on the ops page as timelines', async () => {
    const page = await (await fetch(`${launchpad.url}/ops`)).text();
    expect(page).toContain('happy Works');
    expect(page).toMatch(/<svg role="img" aria-label="Timeline of /);
    const executions = (await (await fetch(`${launchpad.url}/ops/api/executions`)).json()) as Array<{ name: string; status: string; timeline: Array<{ state: string; outcome: string }> }>;
    expect(executions.length).toBeGreaterThanOrEqual(4);
    expect(executions.find((e) => e.status === 'SUCCEEDED' && !e.name.startsWith('offboard-'))?.timeline.map((t) => t.state)).toEqual(expect.arrayContaining(['CreateDatabases', 'WaitUntilHealthy', 'SendWelcomeEmail']));
    expect(executions.find((e) => e.status === 'FAILED')?.timeline.find((t) => t.state === 'CreateDatabases')?.outcome).toBe('failed');
  });
});
