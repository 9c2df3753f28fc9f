import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { createRetryWelcomeMail } from '../../functions/scheduled/retry-welcome-mail';
import { WELCOME_LEASE_MS } from '../../shared/mail-delivery';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { LocalOps } from '../../infra/ops/backend';
import { mailTo } from '../support/sent-mail';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { signUpOn, verifyFromMail } from '../support/verification';

/**
 * A welcome mail whose sender fails before it claims the send (the table unreachable longer than the
 * step's retries, the process gone): SendWelcomeEmail throws into WelcomeMailPending, the
 * confirmation logs it, and no claim exists. The marker written as the mail fell due (the trial
 * start, an invoiced tenant's ACTIVE) lets the retry job send it, once, with ops told of failures.
 */

/** While true, every welcome-mail claim fails as DynamoDB does when it cannot be reached. */
let claimsFail = false;
/** How far the Launchpad's clock is ahead of real time: lets a marker fall due without waiting for it. */
let aheadMs = 0;
const WELCOME_SUBJECT = /^Your spaceOS instance for .* is ready$/;

const outage = () => Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });

/** The real stores, with the table's outage (for the welcome mail's claim) while the test says so. */
const decorate = (deps: Deps): Deps => {
  const mailStore = Object.create(deps.mailStore) as Deps['mailStore'];
  mailStore.claimWelcome = async (...args) => {
    if (claimsFail) throw outage();
    return deps.mailStore.claimWelcome(...args);
  };
  return { ...deps, mailStore, now: () => new Date(Date.now() + aheadMs) };
};

const root = tempDir('launchpad-welcome-unclaimed-');
let launchpad: Launchpad;

beforeAll(async () => {
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), sesPort: 0, fastTimers: true, opsEmail: 'cs@spaceos.test', decorate });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

const tenantOf = async (tenantId: string) => (await launchpad.deps.tenants.getTenant(tenantId))!;
const welcomeMailsTo = async (address: string) => (await mailTo(launchpad.sesEndpoint, address)).filter((m) => WELCOME_SUBJECT.test(m.subject));
const opsAlertsAbout = async (subdomain: string) => (await mailTo(launchpad.sesEndpoint, 'cs@spaceos.test')).filter((m) => m.subject.includes(subdomain)).map((m) => m.subject);
const retryRun = () => createRetryWelcomeMail(launchpad.deps)();

describe('a welcome mail whose sender failed before claiming it', () => {
  it('self-signup: SendWelcomeEmail (and the confirmation, had it come after ACTIVE) could not claim it; the retry job sends it, once', async () => {
    claimsFail = true;
    const tenantId = await signUpOn(launchpad, 'unclaimed', { verify: true });
    // The failure is the mail's alone: provisioning ends as it would have.
    expect((await launchpad.workflows.settled(tenantId))?.status).toBe('SUCCEEDED');
    const before = await tenantOf(tenantId);
    expect(before).toMatchObject({ status: 'ACTIVE', trialEndsAt: expect.any(String) });
    expect(before.welcomeMail).toBeUndefined();
    expect(before.welcomeEmailSentAt).toBeUndefined();
    claimsFail = false;

    // Not before a sender claiming it at once would have had its lease run out: the normal path goes first.
    expect((await retryRun()).sent).not.toContain(tenantId);
    expect(await welcomeMailsTo('admin@unclaimed.example')).toHaveLength(0);

    // Due: the retry job claims and sends it (the job's own timer may get there first: one of them sends).
    aheadMs += WELCOME_LEASE_MS + 1000;
    await Promise.all([retryRun(), retryRun()]);
    const sent = await until('the welcome mail to be sent', async () => ((await tenantOf(tenantId)).welcomeEmailSentAt ? tenantOf(tenantId) : undefined));
    expect(sent.welcomeMail).toMatchObject({ status: 'sent', attempts: 1, by: 'retry' });
    aheadMs += 24 * 3_600_000;
    await retryRun();
    expect(await welcomeMailsTo('admin@unclaimed.example')).toHaveLength(1);
    expect(await opsAlertsAbout('unclaimed')).toEqual([]);
  });

  it('self-signup confirmed after ACTIVE: the confirmation could not claim it (confirmed all the same); the retry job sends it, once', async () => {
    const tenantId = await signUpOn(launchpad, 'latecomer', { verify: false });
    expect((await launchpad.workflows.settled(tenantId))?.status).toBe('SUCCEEDED');
    expect((await tenantOf(tenantId)).trialEndsAt).toBeUndefined();
    claimsFail = true;
    expect((await verifyFromMail(launchpad.url, launchpad.sesEndpoint, 'admin@latecomer.example')).status).toBe(200);
    const before = await tenantOf(tenantId);
    expect(before).toMatchObject({ status: 'ACTIVE', emailVerifiedAt: expect.any(String), trialEndsAt: expect.any(String) });
    expect(before.welcomeMail).toBeUndefined();
    claimsFail = false;

    aheadMs += WELCOME_LEASE_MS + 1000;
    await retryRun();
    const sent = await until('the welcome mail to be sent', async () => ((await tenantOf(tenantId)).welcomeEmailSentAt ? tenantOf(tenantId) : undefined));
    expect(sent.welcomeMail).toMatchObject({ status: 'sent', attempts: 1, by: 'retry' });
    await retryRun();
    expect(await welcomeMailsTo('admin@latecomer.example')).toHaveLength(1);
  });

  it('to a hard-bounced address: the retry job gives it up at once, ops are told and the status page says so', async () => {
    claimsFail = true;
    const tenantId = await signUpOn(launchpad, 'bounced', { verify: true });
    expect((await launchpad.workflows.settled(tenantId))?.status).toBe('SUCCEEDED');
    expect((await tenantOf(tenantId)).welcomeMail).toBeUndefined();
    claimsFail = false;
    await launchpad.deps.mailStore.suppress({ address: 'admin@bounced.example', since: launchpad.deps.now().toISOString(), bounceType: 'Permanent', bounceSubType: 'General', tenantId });

    aheadMs += WELCOME_LEASE_MS + 1000;
    await retryRun();
    const failed = await until('the welcome mail to be given up', async () => ((await tenantOf(tenantId)).welcomeMail?.status === 'failed' ? tenantOf(tenantId) : undefined));
    expect(failed.welcomeMail).toMatchObject({ attempts: 1, by: 'retry' });
    expect(await opsAlertsAbout('bounced')).toEqual(['[Launchpad] Welcome mail given up for bounced']);
    const status = (await (await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'ACTIVE', welcomeMail: 'failed' });
    // Given up: nothing more is tried.
    aheadMs += 24 * 3_600_000;
    await retryRun();
    expect(await welcomeMailsTo('admin@bounced.example')).toHaveLength(0);
    expect(await opsAlertsAbout('bounced')).toHaveLength(1);
  });

  it('invoiced tenant created by ops: its marker comes with ACTIVE, so the retry job sends the mail SendWelcomeEmail could not claim', async () => {
    claimsFail = true;
    const created = await new LocalOps(launchpad.url).createTenant({ companyName: 'Invoiced Corp', subdomain: 'invoiced', adminName: 'Ivy Invoiced', adminEmail: 'ivy@invoiced.example', plan: 'paid' });
    expect((await launchpad.workflows.settled(created.tenantId))?.status).toBe('SUCCEEDED');
    const before = await tenantOf(created.tenantId);
    expect(before).toMatchObject({ status: 'ACTIVE', plan: 'paid', billing: 'invoiced' });
    expect(before.trialEndsAt).toBeUndefined();
    expect(before.welcomeMail).toBeUndefined();
    claimsFail = false;

    aheadMs += WELCOME_LEASE_MS + 1000;
    await retryRun();
    const sent = await until('the welcome mail to be sent', async () => ((await tenantOf(created.tenantId)).welcomeEmailSentAt ? tenantOf(created.tenantId) : undefined));
    expect(sent.welcomeMail).toMatchObject({ status: 'sent', attempts: 1, by: 'retry' });
    await retryRun();
    expect(await welcomeMailsTo('ivy@invoiced.example')).toHaveLength(1);
    expect(await opsAlertsAbout('invoiced')).toEqual([]);
  });

  it('the normal path, claiming at once, sends it and leaves the retry job nothing (one mail)', async () => {
    const tenantId = await signUpOn(launchpad, 'claimed', { verify: true });
    expect((await launchpad.workflows.settled(tenantId))?.status).toBe('SUCCEEDED');
    await until('the welcome mail', async () => ((await tenantOf(tenantId)).welcomeEmailSentAt ? true : undefined));
    aheadMs += WELCOME_LEASE_MS + 1000;
    expect((await retryRun()).sent).not.toContain(tenantId);
    expect(await welcomeMailsTo('admin@claimed.example')).toHaveLength(1);
    expect((await tenantOf(tenantId)).welcomeMail).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
