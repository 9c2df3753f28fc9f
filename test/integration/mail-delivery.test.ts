import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageRejected } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import type { OutgoingMail } from '../../functions/providers/mail';
import { createRetryWelcomeMail } from '../../functions/scheduled/retry-welcome-mail';
import { settingsView } from '../../functions/settings/settings-view';
import { createSendWelcomeEmail } from '../../functions/steps/send-welcome-email';
import { startTrialIfDue } from '../../functions/tenant/email-verification';
import { sendAsTenant } from '../../functions/tenant/tenant-mail';
import { sendWelcomeEmail } from '../../functions/tenant/welcome';
import { WELCOME_LEASE_MS, WELCOME_RETRY_DELAYS_MS } from '../../shared/mail-delivery';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { mailTo } from '../support/sent-mail';
import { bounceNotification, complaintNotification } from '../support/ses-notifications';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { signUpOn } from '../support/verification';

/** Addresses SES refuses the welcome mail to, as in its sandbox (recipient not verified). */
const unverified = new Set<string>();
/** How far the Launchpad's clock is ahead of real time: lets a retry fall due without waiting for it. */
let aheadMs = 0;
const WELCOME_SUBJECT = /^Your spaceOS instance for .* is ready$/;

/** The real SES adapter (aws-ses-v2-local), refusing as SES's sandbox does where the test says so. */
const sandboxed = (deps: Deps): Deps => {
  const mail = Object.create(deps.mail) as Deps['mail'];
  mail.send = async (outgoing: OutgoingMail) => {
    const refused = outgoing.to.find((address) => unverified.has(address));
    if (refused && WELCOME_SUBJECT.test(outgoing.subject)) {
      throw new MessageRejected({ message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${refused}`, $metadata: { httpStatusCode: 400 } });
    }
    return deps.mail.send(outgoing);
  };
  return { ...deps, mail, now: () => new Date(Date.now() + aheadMs) };
};

const root = tempDir('launchpad-mail-delivery-');
let launchpad: Launchpad;

beforeAll(async () => {
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), sesPort: 0, fastTimers: true, opsEmail: 'cs@spaceos.test', decorate: sandboxed });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

const signup = (subdomain: string, options?: { verify?: boolean }) => signUpOn(launchpad, subdomain, options);
const welcomeMailsTo = async (address: string) => (await mailTo(launchpad.sesEndpoint, address)).filter((m) => WELCOME_SUBJECT.test(m.subject));
const tenantOf = async (tenantId: string) => (await launchpad.deps.tenants.getTenant(tenantId))!;
const opsApi = (path: string, body?: unknown) =>
  fetch(`${launchpad.url}/ops/api${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('a welcome mail SES refuses (sandbox)', () => {
  let tenantId: string;

  it('leaves provisioning SUCCEEDED and the tenant ACTIVE, with the mail retrying, ops alerted and the page saying so', async () => {
    unverified.add('admin@sesbox.example');
    tenantId = await signup('sesbox', { verify: true });
    const execution = await launchpad.workflows.settled(tenantId);
    expect(execution?.status).toBe('SUCCEEDED');
    // Whichever sent it (provisioning or the confirmation), the failure is the mail's alone.
    const tenant = await until('the welcome mail to be tried', async () => ((await tenantOf(tenantId)).welcomeMail?.status === 'retrying' ? tenantOf(tenantId) : undefined));
    expect(tenant.status).toBe('ACTIVE');
    expect(tenant.failure).toBeUndefined();
    expect(tenant.welcomeMail).toMatchObject({ attempts: 1, nextAttemptAt: expect.any(String) });
    expect(await welcomeMailsTo('admin@sesbox.example')).toHaveLength(0);

    const alerts = (await mailTo(launchpad.sesEndpoint, 'cs@spaceos.test')).filter((m) => m.subject.includes('sesbox'));
    expect(alerts.map((m) => m.subject)).toEqual(['[Launchpad] Welcome mail not delivered yet for sesbox']);

    const status = (await (await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'ACTIVE', welcomeMail: 'retrying' });
    expect(JSON.stringify(status)).not.toMatch(/not verified|MessageRejected/);
  });

  it('is sent by the retry job once SES accepts it: exactly one welcome mail', async () => {
    unverified.delete('admin@sesbox.example');
    aheadMs += WELCOME_RETRY_DELAYS_MS[0] + 5000;
    // The job's own timer may get there first: the claim lets one of them send.
    await Promise.all([createRetryWelcomeMail(launchpad.deps)(), createRetryWelcomeMail(launchpad.deps)()]);
    const tenant = await until('the welcome mail to be sent', async () => ((await tenantOf(tenantId)).welcomeMail?.status === 'sent' ? tenantOf(tenantId) : undefined));
    expect(tenant.welcomeEmailSentAt).toBeDefined();
    expect(await welcomeMailsTo('admin@sesbox.example')).toHaveLength(1);
    aheadMs += 24 * 3_600_000;
    await createRetryWelcomeMail(launchpad.deps)();
    expect(await welcomeMailsTo('admin@sesbox.example')).toHaveLength(1);
    expect(((await (await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`)).json()) as Record<string, unknown>).welcomeMail).toBeUndefined();
  });

  it('is sent once when the confirmation and SendWelcomeEmail race', async () => {
    const raced = await signup('racing', { verify: false });
    expect((await launchpad.workflows.settled(raced))?.status).toBe('SUCCEEDED');
    // The moment both sides race for: live, confirmed, trial started, no welcome mail yet.
    const deps = launchpad.deps;
    await deps.tenants.markEmailVerified(raced, deps.now().toISOString());
    await startTrialIfDue(deps, raced);
    const tenant = await tenantOf(raced);
    await Promise.all([
      createSendWelcomeEmail(deps)({ tenantId: raced }),
      sendWelcomeEmail(deps, tenant, 'verification'),
      createSendWelcomeEmail(deps)({ tenantId: raced }),
      sendWelcomeEmail(deps, tenant, 'verification'),
    ]);
    expect(await welcomeMailsTo('admin@racing.example')).toHaveLength(1);
    expect((await tenantOf(raced)).welcomeMail).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('claimed by a sender that died (a crash mid-send) is sent by the next retry run after a start, not once the lease runs out', async () => {
    const orphan = await signup('orphaned', { verify: false });
    expect((await launchpad.workflows.settled(orphan))?.status).toBe('SUCCEEDED');
    const deps = launchpad.deps;
    await deps.tenants.markEmailVerified(orphan, deps.now().toISOString());
    await startTrialIfDue(deps, orphan);
    // The sender claims, then its process is killed: nothing settles the claim.
    expect(await deps.mailStore.claimWelcome(await tenantOf(orphan), 'provisioning', deps.now(), WELCOME_LEASE_MS)).toMatchObject({ status: 'sending', attempts: 1 });
    await createRetryWelcomeMail(deps)();
    expect(await welcomeMailsTo('admin@orphaned.example')).toHaveLength(0);

    // What the embedded default does as it starts again on its data dir.
    expect(await deps.mailStore.endLeases(deps.now())).toEqual([orphan]);
    expect(await deps.mailStore.endLeases(deps.now())).toEqual([]);
    await createRetryWelcomeMail(deps)();
    expect(await welcomeMailsTo('admin@orphaned.example')).toHaveLength(1);
    expect((await tenantOf(orphan)).welcomeMail).toMatchObject({ status: 'sent', attempts: 2, by: 'retry' });
  });
});

describe('SES bounces and complaints on the embedded default (/ops/api/mail-events)', () => {
  it('suppresses a hard-bounced admin address, shows it on /ops and in settings, and sends it nothing more', async () => {
    const tenantId = await signup('bouncy', { verify: true });
    await launchpad.workflows.settled(tenantId);
    await until('the welcome mail', async () => ((await tenantOf(tenantId)).welcomeEmailSentAt ? true : undefined));
    const before = (await mailTo(launchpad.sesEndpoint, 'admin@bouncy.example')).length;

    // SES's sample bounce (no tenant tag: found by the admin's email claim).
    const answer = await opsApi('/mail-events', bounceNotification('admin@bouncy.example'));
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ kind: 'bounce', suppressed: ['admin@bouncy.example'], adminOf: [tenantId] });

    const rows = (await (await opsApi('/tenants')).json()) as Array<{ subdomain: string; adminEmailBouncedAt?: string }>;
    expect(rows.find((r) => r.subdomain === 'bouncy')?.adminEmailBouncedAt).toEqual(expect.any(String));
    expect(await (await fetch(`${launchpad.url}/ops`)).text()).toMatch(/data-admin-bounce><b>Admin address bounces<\/b>: admin@bouncy\.example/);
    expect((await settingsView(launchpad.deps, await tenantOf(tenantId))).adminEmailBouncedAt).toEqual(expect.any(String));

    // Mail as the tenant and Launchpad's own to that address is skipped.
    await sendAsTenant(launchpad.deps, await tenantOf(tenantId), { to: ['admin@bouncy.example'], subject: 'Your trial ends in 3 days', html: '<p>Hi</p>', text: 'Hi' });
    await launchpad.deps.mail.send({ from: 'launchpad@spaceos.test', to: ['admin@bouncy.example'], subject: 'Confirm your email address for spaceOS', html: '<p>Hi</p>', text: 'Hi' });
    expect(await mailTo(launchpad.sesEndpoint, 'admin@bouncy.example')).toHaveLength(before);
  });

  it('counts complaints per tenant, once per event', async () => {
    const tenantId = (await launchpad.deps.tenants.tenantBySubdomain('sesbox'))!.tenantId;
    const complaint = complaintNotification('admin@sesbox.example', { tags: { tenant: [tenantId] } });
    expect((await opsApi('/mail-events', complaint)).status).toBe(202);
    expect(await (await opsApi('/mail-events', complaint)).json()).toMatchObject({ kind: 'ignored' });
    expect((await tenantOf(tenantId)).complaintCount).toBe(1);
    expect(await (await fetch(`${launchpad.url}/ops`)).text()).toContain('data-complaints><b>1 complaint</b>');
  });

  it('refuses a malformed notification with field errors, and keeps serving', async () => {
    const broken = await opsApi('/mail-events', { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [] }, mail: {} });
    expect(broken.status).toBe(400);
    expect(Object.keys(((await broken.json()) as { errors: Record<string, string> }).errors)).toEqual(expect.arrayContaining(['bounce.bounceSubType', 'mail.messageId']));
    expect((await opsApi('/mail-events', 'not json')).status).toBe(400);
    expect((await fetch(`${launchpad.url}/api/health`)).status).toBe(200);
  });
});
