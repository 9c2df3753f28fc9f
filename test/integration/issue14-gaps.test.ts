import { describe, expect, it } from 'vitest';
import { createMagicLinkHandler } from '../../functions/api/magic-link';
import { createSignupHandler } from '../../functions/api/signup';
import { createUpgradeLinkHandler } from '../../functions/api/upgrade-link';
import { createVerifyEmailHandler } from '../../functions/api/verify-email';
import type { Deps } from '../../functions/deps';
import { createStartPending, MAX_RECONCILER_RESTARTS } from '../../functions/reconciler/start-pending';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import { SIGNUP_LIMITS } from '../../shared/signup-limits';
import { apiEvent, parseBody, validSignup } from '../support/api-event';
import { RecordingWorkflows } from '../support/deps';
import { localDeps } from '../support/local-table';
import { VERIFICATION_SUBJECT } from '../support/verification';
import { recordingMail } from '../support/recording-mail';
import type { OutgoingMail } from '../../functions/providers/mail';

/**
 * Acceptance audit of issue 14: the points the existing tests did not pin down (limits, the
 * unconfirmed signup's mails, racing confirmations, stuck unconfirmed signups, and what the answer
 * of a signup says about an email that is taken).
 */

async function setup(signupLimits?: NonNullable<Deps['platform']['signupLimits']>) {
  const workflows = new RecordingWorkflows();
  const base = await localDeps(workflows);
  const { mail, sent } = recordingMail(base.mail);
  const deps: Deps = { ...base, mail, platform: { ...base.platform, ...(signupLimits ? { signupLimits } : {}) } };
  return { deps, sent, workflows };
}

const post = (body: unknown, sourceIp?: string) => apiEvent({ method: 'POST', path: '/api/signups', body, ...(sourceIp ? { sourceIp } : {}) });
const verify = (deps: Deps, body: unknown) => createVerifyEmailHandler(deps)(apiEvent({ method: 'POST', path: '/api/signups/verify', body }));
const to = (sent: OutgoingMail[], address: string, subject: RegExp) => sent.filter((m) => m.to.includes(address) && subject.test(m.subject));
/** Provisioned: PROVISIONING, then ACTIVE with its instance links (what MarkActive writes). */
async function live(deps: Deps, tenantId: string, subdomain: string) {
  await deps.tenants.transition(tenantId, 'PROVISIONING', deps.now().toISOString());
  await deps.tenants.transition(tenantId, 'ACTIVE', deps.now().toISOString(), { urls: { app: `http://${subdomain}.localhost`, staging: `http://${subdomain}-stg.localhost` } });
}
const WELCOME_SUBJECT = /is ready$/;
const MANY = { perClientPerHour: 1_000, perEmailDomainPerHour: 1_000, totalPerHour: 1_000, perMailboxPerHour: 1_000 };

describe('issue 14 audit: signup limits not covered elsewhere', () => {
  it('refuses the signup past the total per hour with a 429, whoever sends it (High 1: a bounded bill)', async () => {
    const { deps, workflows } = await setup({ ...MANY, totalPerHour: 2 });
    const signup = createSignupHandler(deps);
    const codes = [];
    // Each from its own address and organisation: only the total can refuse the third.
    for (let i = 0; i < 3; i++) codes.push((await signup(post(validSignup({ subdomain: `total${i}`, adminEmail: `a@total${i}.example` }), `198.51.100.${i + 1}`))).statusCode);
    expect(codes).toEqual([202, 202, 429]);
    expect(workflows.started).toHaveLength(2);
  });

  it('limits one mailbox however it is tagged (anna+1@, anna+2@...), 3 an hour by default', async () => {
    const { deps, sent } = await setup({ ...MANY, perMailboxPerHour: SIGNUP_LIMITS.perMailboxPerHour });
    const signup = createSignupHandler(deps);
    const codes = [];
    for (let i = 0; i <= SIGNUP_LIMITS.perMailboxPerHour; i++) codes.push((await signup(post(validSignup({ subdomain: `tagged${i}`, adminEmail: `Anna+${i}@tagged.example` }), `198.51.100.${i + 1}`))).statusCode);
    expect(codes).toEqual([...Array<number>(SIGNUP_LIMITS.perMailboxPerHour).fill(202), 429]);
    expect(sent.filter((m) => VERIFICATION_SUBJECT.test(m.subject))).toHaveLength(SIGNUP_LIMITS.perMailboxPerHour);
  });

  it('sends an unconfirmed signup its link again at most 3 times an hour, then 429 (no mail bomb through resends)', async () => {
    const { deps, sent } = await setup(MANY);
    const signup = createSignupHandler(deps);
    expect((await signup(post(validSignup({ subdomain: 'resent', adminEmail: 'owner@resent.example' })))).statusCode).toBe(202);
    const codes = [];
    for (let i = 0; i <= SIGNUP_LIMITS.resendsPerSignupPerHour; i++) codes.push((await signup(post(validSignup({ subdomain: `resent${i}`, adminEmail: 'owner@resent.example' })))).statusCode);
    expect(codes).toEqual([...Array<number>(SIGNUP_LIMITS.resendsPerSignupPerHour).fill(202), 429]);
    expect(to(sent, 'owner@resent.example', VERIFICATION_SUBJECT)).toHaveLength(1 + SIGNUP_LIMITS.resendsPerSignupPerHour);
  });
});

describe('issue 14 audit: nothing is handed to an unconfirmed signup', () => {
  it('mails neither a sign-in link nor an upgrade link for a live but unconfirmed signup, with the same answers as for a confirmed one', async () => {
    const { deps, sent } = await setup(MANY);
    const { tenantId } = parseBody(await createSignupHandler(deps)(post(validSignup({ subdomain: 'unconfirmed', adminEmail: 'owner@unconfirmed.example' })))) as { tenantId: string };
    await live(deps, tenantId, 'unconfirmed');
    const magic = () => createMagicLinkHandler(deps)(apiEvent({ method: 'POST', path: '/api/auth/magic-link', body: { email: 'owner@unconfirmed.example', subdomain: 'unconfirmed' } }));
    const upgrade = () => createUpgradeLinkHandler(deps)(apiEvent({ method: 'POST', path: `/api/tenants/${tenantId}/upgrade-link`, pathParameters: { id: tenantId } }));

    const [magicBefore, upgradeBefore] = [await magic(), await upgrade()];
    expect(sent.filter((m) => !VERIFICATION_SUBJECT.test(m.subject))).toEqual([]);

    await deps.tenants.markEmailVerified(tenantId, deps.now().toISOString());
    const [magicAfter, upgradeAfter] = [await magic(), await upgrade()];
    expect(sent.filter((m) => !VERIFICATION_SUBJECT.test(m.subject)).map((m) => m.to)).toEqual([['owner@unconfirmed.example'], ['owner@unconfirmed.example']]);
    expect([magicBefore.statusCode, magicBefore.body]).toEqual([magicAfter.statusCode, magicAfter.body]);
    expect([upgradeBefore.statusCode, upgradeBefore.body]).toEqual([upgradeAfter.statusCode, upgradeAfter.body]);
  });
});

describe('issue 14 audit: (c) racing confirmations', () => {
  it('sends one welcome mail when the same link is opened twice at once on a live signup; both answers carry the admin token', async () => {
    const { deps, sent } = await setup(MANY);
    const { tenantId } = parseBody(await createSignupHandler(deps)(post(validSignup({ subdomain: 'doubleclick', adminEmail: 'owner@doubleclick.example' })))) as { tenantId: string };
    await live(deps, tenantId, 'doubleclick');
    const token = await deps.links.signEmailVerification(tenantId, deps.now(), 3600);

    const answers = await Promise.all(Array.from({ length: 4 }, () => verify(deps, { tenantId, token })));

    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect(answers.every((a) => typeof parseBody(a).adminToken === 'string')).toBe(true);
    expect(to(sent, 'owner@doubleclick.example', WELCOME_SUBJECT)).toHaveLength(1);
    const tenant = (await deps.tenants.getTenant(tenantId))!;
    expect(tenant).toMatchObject({ welcomeMail: { status: 'sent', attempts: 1 }, trialEndsAt: expect.any(String) });
  });
});

describe('issue 14 audit: (d) an unconfirmed signup stuck before ACTIVE', () => {
  it('is given up by the reconciler (FAILED) once its execution keeps stopping, and then removed by the sweep after its deadline', async () => {
    const { deps } = await setup(MANY);
    const { tenantId } = parseBody(await createSignupHandler(deps)(post(validSignup({ subdomain: 'stuck', adminEmail: 'owner@stuck.example' })))) as { tenantId: string };
    // Provisioning began, then its execution vanished (never RUNNING in this engine's eyes).
    await deps.tenants.transition(tenantId, 'PROVISIONING', deps.now().toISOString());
    const gone: Deps['workflows'] = Object.assign(Object.create(deps.workflows) as Deps['workflows'], { executionState: async () => ({ status: 'FAILED' as const }) });
    const later = (hours: number) => () => new Date(Date.now() + hours * 3_600_000);
    // Each run restarts it (a new execution, written now); the run after the last restart gives up.
    for (let run = 0; run <= MAX_RECONCILER_RESTARTS; run++) await createStartPending({ ...deps, workflows: gone, now: later(1 + run) })();
    expect((await deps.tenants.getTenant(tenantId))?.status).toBe('FAILED');

    expect((await createTrialSweep({ ...deps, now: later(12) })()).unverifiedRemoved).not.toContain(tenantId);
    expect((await createTrialSweep({ ...deps, now: later(25) })()).unverifiedRemoved).toContain(tenantId);
  });

  it('GAP (d, edge): an unconfirmed signup whose provisioning never starts (PENDING) is removed after its deadline too', async () => {
    const { deps, workflows } = await setup(MANY);
    // StartExecution refused from the signup on: the reconciler keeps trying, the tenant stays PENDING.
    workflows.failuresLeft = 1_000;
    const { tenantId } = parseBody(await createSignupHandler(deps)(post(validSignup({ subdomain: 'neverstarted', adminEmail: 'owner@neverstarted.example' })))) as { tenantId: string };
    const later = (hours: number) => () => new Date(Date.now() + hours * 3_600_000);
    await createStartPending({ ...deps, now: later(1) })().catch(() => undefined);
    expect((await deps.tenants.getTenant(tenantId))?.status).toBe('PENDING');
    expect((await createTrialSweep({ ...deps, now: later(25) })()).unverifiedRemoved).toContain(tenantId);
  });
});

describe('issue 14 audit: (a) the answer for a taken email', () => {
  const answerFor = async (deps: Deps, subdomain: string, adminEmail: string) => {
    const result = await createSignupHandler(deps)(post(validSignup({ subdomain, adminEmail })));
    // What a prober sees: the status and the shape of the body (ids differ anyway).
    return { status: result.statusCode, keys: Object.keys(parseBody(result) ?? {}).sort() };
  };

  it('GAP (a): an unconfirmed email and a confirmed one get the same answer (202 {checkInbox}), a new one the same status; the confirmed owner gets a sign-in link', async () => {
    const { deps, sent } = await setup(MANY);
    const { tenantId } = parseBody(await createSignupHandler(deps)(post(validSignup({ subdomain: 'taken', adminEmail: 'owner@taken.example' })))) as { tenantId: string };
    await createSignupHandler(deps)(post(validSignup({ subdomain: 'confirmed', adminEmail: 'owner@confirmed.example' })));
    const confirmedId = (await deps.signups.emailClaimHolder('owner@confirmed.example'))!;
    await deps.tenants.markEmailVerified(confirmedId, deps.now().toISOString());
    expect(tenantId).toBeDefined();

    const fresh = await answerFor(deps, 'probe-new', 'someone@fresh.example');
    const unconfirmed = await answerFor(deps, 'probe-unconfirmed', 'owner@taken.example');
    const confirmed = await answerFor(deps, 'probe-confirmed', 'owner@confirmed.example');
    expect(unconfirmed).toEqual({ status: 202, keys: ['checkInbox'] });
    expect(confirmed).toEqual(unconfirmed);
    // A new signup's body still carries its status URL (the page follows it), so its keys differ: the status alone is the same.
    expect(fresh).toEqual({ status: 202, keys: ['statusUrl', 'tenantId'] });
    expect(to(sent, 'owner@confirmed.example', /already has a spaceOS instance$/)).toHaveLength(1);
  });
});
