import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSignupHandler } from '../../functions/api/signup';
import { createVerifyEmailHandler, VERIFY_ATTEMPTS_PER_CLIENT_PER_HOUR } from '../../functions/api/verify-email';
import { createSubdomainAvailabilityHandler } from '../../functions/api/subdomain-availability';
import { createTenantStatusHandler } from '../../functions/api/tenant-status';
import type { Deps } from '../../functions/deps';
import { createStartPending } from '../../functions/reconciler/start-pending';
import { LocalDns } from '../../infra/local/local-dns';
import { LocalWorkflows } from '../../infra/local/local-workflows';
import { apiEvent, parseBody, validSignup } from '../support/api-event';
import { RecordingWorkflows } from '../support/deps';
import { localDeps } from '../support/local-table';
import { recordingMail } from '../support/recording-mail';
import { createSessionHandler } from '../../functions/api/create-session';
import { EXISTING_INSTANCE_SUBJECT } from '../../shared/existing-instance-email';
import { VERIFICATION_SUBJECT } from '../support/verification';

const VERIFICATION_MAIL = expect.stringMatching(VERIFICATION_SUBJECT);

const post = (body: unknown, headers: Record<string, string> = {}) => apiEvent({ method: 'POST', path: '/api/signups', body, headers });
const statusOf = (deps: Deps, id: string) =>
  createTenantStatusHandler(deps)(apiEvent({ path: `/api/tenants/${id}/status`, pathParameters: { id } })).then(parseBody);

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('signups against DynamoDB Local', () => {
  it('lets exactly one of 50 concurrent signups for one subdomain through; the rest get 409 on subdomain', async () => {
    const workflows = new RecordingWorkflows();
    const signup = createSignupHandler(await localDeps(workflows));

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signup(post(validSignup({ subdomain: 'contested', adminEmail: `admin${i}@acme.com` })))),
    );

    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(49);
    for (const result of results.filter((r) => r.statusCode === 409)) expect(Object.keys(parseBody(result).errors!)).toEqual(['subdomain']);
    expect(workflows.started).toHaveLength(1);
  });

  it('refuses names the zone already holds (a record at a name, below a name, at its staging host): the wildcard would not reach them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'launchpad-zone-'));
    dirs.push(dir);
    const zone = new LocalDns(join(dir, 'dns.json'));
    // The zone file, as someone editing it would: a record at atelier-stg (a staging-looking name) and one below workshop.
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'dns.json'), 'utf8')), 'atelier-stg': 'own record', 'mail.workshop': 'own record', kiosk: 'own record' }));
    const deps = { ...(await localDeps(new RecordingWorkflows())), dns: zone };
    const signup = createSignupHandler(deps);
    const available = createSubdomainAvailabilityHandler(deps);
    // The seeded names (autodiscover, mta-sts, ...) are reserved as well, so refused before the zone is asked.
    expect(parseBody(await signup(post(validSignup({ subdomain: 'autodiscover', adminEmail: 'owner@autodiscover.example' })))).errors).toEqual({ subdomain: 'This name is reserved' });
    for (const name of ['kiosk', 'atelier', 'workshop']) {
      const result = await signup(post(validSignup({ subdomain: name, adminEmail: `owner@${name}.example` })));
      expect(result.statusCode, name).toBe(409);
      expect(parseBody(result).errors, name).toEqual({ subdomain: 'This address is already taken; try another one' });
      expect(parseBody(await available(apiEvent({ path: `/api/subdomains/${name}`, pathParameters: { name } }))), name).toMatchObject({ available: false });
    }
    expect((await signup(post(validSignup({ subdomain: 'atelier-one', adminEmail: 'owner@atelier-one.example' })))).statusCode).toBe(202);
  });

  it('allows one trial per email: a second signup mails the first one\'s address (its link again, then a sign-in link once verified), answering 202 checkInbox both times', async () => {
    const workflows = new RecordingWorkflows();
    const base = await localDeps(workflows);
    const { mail, sent } = recordingMail(base.mail);
    const deps = { ...base, mail };
    const signup = createSignupHandler(deps);
    const first = await signup(post(validSignup({ subdomain: 'first', adminEmail: 'Owner@Acme.com' })));
    expect(first.statusCode).toBe(202);

    // The real owner of the address, or the first signer again: the link goes out again, nothing new is set up.
    const again = await signup(post(validSignup({ subdomain: 'second', adminEmail: 'owner@acme.com' })));
    expect(again.statusCode).toBe(202);
    expect(parseBody(again)).toEqual({ checkInbox: true });
    expect(workflows.started).toEqual([parseBody(first).tenantId]);
    expect(sent.map((m) => m.subject)).toEqual([VERIFICATION_MAIL, VERIFICATION_MAIL]);

    await deps.tenants.markEmailVerified(String(parseBody(first).tenantId), new Date().toISOString());
    const second = await signup(post(validSignup({ subdomain: 'second', companyName: 'PayPal Security: verify at paypa1.example', adminEmail: 'owner@acme.com' })));
    expect(second.statusCode).toBe(202);
    expect(parseBody(second)).toEqual({ checkInbox: true });
    const signIn = sent.slice(2);
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ subject: EXISTING_INSTANCE_SUBJECT, from: deps.platform.launchpadSender, to: ['owner@acme.com'] });
    expect(JSON.stringify(signIn[0])).not.toMatch(/PayPal|paypa1|Acme Spaces/);
    expect(workflows.started).toEqual([parseBody(first).tenantId]);
  });

  it('the sign-in link mailed for a taken email signs its admin in, once (the magic link\'s kind)', async () => {
    const base = await localDeps(new RecordingWorkflows());
    const { mail, sent } = recordingMail(base.mail);
    const deps = { ...base, mail };
    const signup = createSignupHandler(deps);
    const { tenantId } = parseBody(await signup(post(validSignup({ subdomain: 'owned', adminEmail: 'owner@owned.example' })))) as { tenantId: string };
    await deps.tenants.markEmailVerified(tenantId, new Date().toISOString());
    await signup(post(validSignup({ subdomain: 'owned-again', adminEmail: 'owner@owned.example' })));

    const token = new URL(/https?:\/\/\S+\/signin\?token=\S+/.exec(sent.at(-1)!.text)![0]).searchParams.get('token');
    const session = createSessionHandler(deps);
    const signIn = () => session(apiEvent({ method: 'POST', path: '/api/auth/session', body: { token } }));
    const first = await signIn();
    expect(first.statusCode).toBe(200);
    expect(parseBody(first)).toMatchObject({ tenantId, subdomain: 'owned' });
    expect((await signIn()).statusCode).toBe(401);
  });

  it('mails a taken email at most 3 times an hour whether confirmed or not: the 4th signup is a 429, sending nothing', async () => {
    const base = await localDeps(new RecordingWorkflows());
    const { mail, sent } = recordingMail(base.mail);
    const signup = createSignupHandler({ ...base, mail });
    const { tenantId } = parseBody(await signup(post(validSignup({ subdomain: 'busy', adminEmail: 'owner@busy.example' })))) as { tenantId: string };
    // One resend before the confirmation, two sign-in links after: one budget per tenant.
    const again = (i: number) => signup(post(validSignup({ subdomain: `busy-${i}`, adminEmail: 'owner@busy.example' })));
    expect((await again(1)).statusCode).toBe(202);
    await base.tenants.markEmailVerified(tenantId, new Date().toISOString());
    const codes = [(await again(2)).statusCode, (await again(3)).statusCode];
    const fourth = await again(4);
    expect(codes).toEqual([202, 202]);
    expect(fourth.statusCode).toBe(429);
    expect(Number(fourth.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(parseBody(fourth)).toMatchObject({ error: expect.stringContaining('mailed this address a few times') });
    expect(sent.map((m) => m.subject)).toEqual([VERIFICATION_MAIL, VERIFICATION_MAIL, EXISTING_INSTANCE_SUBJECT, EXISTING_INSTANCE_SUBJECT]);
  });

  it('answers a signup whose subdomain and email are both taken with the subdomain\'s 409 alone, mailing no one', async () => {
    const base = await localDeps(new RecordingWorkflows());
    const { mail, sent } = recordingMail(base.mail);
    const signup = createSignupHandler({ ...base, mail });
    const { tenantId } = parseBody(await signup(post(validSignup({ subdomain: 'holder', adminEmail: 'owner@holder.example' })))) as { tenantId: string };
    await signup(post(validSignup({ subdomain: 'other-holder', adminEmail: 'someone@other-holder.example' })));
    await base.tenants.markEmailVerified(tenantId, new Date().toISOString());
    const before = sent.length;

    // Another tenant's subdomain, and one's own (a resubmitted form): neither tells that the email is taken.
    for (const subdomain of ['other-holder', 'holder']) {
      const result = await signup(post(validSignup({ subdomain, adminEmail: 'owner@holder.example' })));
      expect(result.statusCode, subdomain).toBe(409);
      expect(parseBody(result), subdomain).toEqual({ errors: { subdomain: 'This address is already taken; try another one' } });
    }
    expect(sent.length).toBe(before);
  });

  it('limits signups per client address with a clear 429, counted on the table', async () => {
    const base = await localDeps(new RecordingWorkflows());
    const signup = createSignupHandler({ ...base, platform: { ...base.platform, signupLimits: { perClientPerHour: 2, perEmailDomainPerHour: 100, totalPerHour: 100 } } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await signup(post(validSignup({ subdomain: `limited${i}`, adminEmail: `a${i}@limited${i}.example` })))).statusCode);
    expect(codes).toEqual([202, 202, 429]);
  });

  it('counts an IPv6 client by its /64: rotating addresses inside it does not buy more signups', async () => {
    const base = await localDeps(new RecordingWorkflows());
    const signup = createSignupHandler({ ...base, platform: { ...base.platform, signupLimits: { perClientPerHour: 1, perEmailDomainPerHour: 100, totalPerHour: 100 } } });
    const from = (sourceIp: string, i: number) => signup(apiEvent({ method: 'POST', path: '/api/signups', sourceIp, body: validSignup({ subdomain: `six${i}`, adminEmail: `a${i}@six${i}.example` }) }));
    expect((await from('2001:db8:1:2::a', 0)).statusCode).toBe(202);
    expect((await from('2001:db8:1:2:ffff::b', 1)).statusCode).toBe(429);
    // The neighbouring /64 is another subscriber.
    expect((await from('2001:db8:1:3::a', 2)).statusCode).toBe(202);
  });

  it('limits per organisation (subdomains of one registrable domain count together) but not per shared mail provider', async () => {
    const base = await localDeps(new RecordingWorkflows());
    const signup = createSignupHandler({ ...base, platform: { ...base.platform, signupLimits: { perClientPerHour: 100, perEmailDomainPerHour: 1, totalPerHour: 100 } } });
    const as = (adminEmail: string, subdomain: string) => signup(post(validSignup({ subdomain, adminEmail })));
    expect((await as('anna@sales.acme-spaces.co.uk', 'org-one')).statusCode).toBe(202);
    const second = await as('ben@support.acme-spaces.co.uk', 'org-two');
    expect(second.statusCode).toBe(429);
    expect(parseBody(second).error).toContain('acme-spaces.co.uk');
    // gmail.com is millions of unrelated people: one budget for all of them would lock everyone out.
    expect((await as('anna.spaces@gmail.com', 'free-one')).statusCode).toBe(202);
    expect((await as('ben.spaces@gmail.com', 'free-two')).statusCode).toBe(202);
  });

  it('returns the same 202 for a retried submit with the same Idempotency-Key, creating one tenant', async () => {
    const workflows = new RecordingWorkflows();
    const deps = await localDeps(workflows);
    const signup = createSignupHandler(deps);
    const headers = { 'idempotency-key': 'b0b5f1d4-retry-key' };

    const [first, retry] = [await signup(post(validSignup(), headers)), await signup(post(validSignup(), headers))];
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => signup(post(validSignup(), headers))));

    expect(first.statusCode).toBe(202);
    // The same signup back.
    for (const again of [retry, ...concurrent]) expect(parseBody(again)).toEqual(parseBody(first));
    expect(workflows.started).toEqual([parseBody(first).tenantId]);
    // Without the key, the same form is a second signup: its subdomain is taken (the first's), which is all the answer says.
    expect(parseBody(await signup(post(validSignup())))).toEqual({ errors: { subdomain: 'This address is already taken; try another one' } });
    expect(workflows.started).toEqual([parseBody(first).tenantId]);
  });

  it('shows a taken subdomain as unavailable with a free suggestion', async () => {
    const deps = await localDeps(new RecordingWorkflows());
    await createSignupHandler(deps)(post(validSignup({ subdomain: 'acme' })));
    const check = createSubdomainAvailabilityHandler(deps);
    const taken = await check(apiEvent({ pathParameters: { name: 'acme' } }));
    expect(parseBody(taken)).toEqual({ available: false, reason: 'This address is already taken', suggestion: 'acme-2' });
    expect(parseBody(await check(apiEvent({ pathParameters: { name: 'acme-2' } })))).toEqual({ available: true });
  });

  it('starts provision-tenant on the local engine once per tenant, also across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'launchpad-'));
    dirs.push(dataDir);
    let deps: Deps | undefined;
    const workflows = new LocalWorkflows(() => deps!, { dataDir, retryIntervalMs: 0 });
    deps = await localDeps(workflows);

    const accepted = await createSignupHandler(deps)(post(validSignup()));
    const { tenantId } = parseBody(accepted) as { tenantId: string };
    const execution = await workflows.settled(tenantId);

    expect(execution?.events.slice(0, 3).map((e) => [e.type, e.state])).toEqual([['ExecutionStarted', undefined], ['StateEntered', 'MarkProvisioning'], ['StateExited', 'MarkProvisioning']]);
    const status = await statusOf(deps, tenantId);
    expect((status.steps as unknown[])[0]).toEqual(expect.objectContaining({ name: 'MarkProvisioning', status: 'SUCCEEDED', startedAt: expect.any(String), endedAt: expect.any(String) }));
    // Same name again: the engine refuses to provision twice...
    await expect(workflows.startProvisioning({ tenantId })).resolves.toBe('already-started');
    // ...also after a restart, because executions are recorded under the data dir.
    await expect(new LocalWorkflows(() => deps!, { dataDir }).startProvisioning({ tenantId })).resolves.toBe('already-started');
  });

  it('keeps the tenant PENDING when the start fails, and the reconciler starts it later', async () => {
    const workflows = new RecordingWorkflows();
    workflows.failuresLeft = 1;
    let clock = new Date('2026-11-26T10:00:00Z');
    const deps = { ...(await localDeps(workflows)), now: () => clock };

    const accepted = await createSignupHandler(deps)(post(validSignup()));
    const { tenantId } = parseBody(accepted) as { tenantId: string };
    expect(accepted.statusCode).toBe(202);
    expect(workflows.started).toEqual([]);
    expect((await statusOf(deps, tenantId)).status).toBe('PENDING');

    const reconcile = createStartPending(deps);
    expect((await reconcile()).started).toEqual([]); // still within the grace period
    clock = new Date('2026-11-26T10:01:00Z');
    expect((await reconcile()).started).toEqual([tenantId]);
    expect((await reconcile()).started).toEqual([]); // already started: never twice
    expect(workflows.started).toEqual([tenantId]);
  });
});

describe('confirming the email against DynamoDB Local', () => {
  const verify = (deps: Deps, body: unknown) => createVerifyEmailHandler(deps)(apiEvent({ method: 'POST', path: '/api/signups/verify', body }));
  async function signedUp() {
    const deps = await localDeps(new RecordingWorkflows());
    const { tenantId } = parseBody(await createSignupHandler(deps)(post(validSignup()))) as { tenantId: string };
    return { deps, tenantId, token: await deps.links.signEmailVerification(tenantId, deps.now(), 3600) };
  }

  it('hands the signup over for the right link only: a forged one, or an admin token, is refused', async () => {
    const { deps, tenantId, token } = await signedUp();
    expect((await verify(deps, { tenantId, token: '9999999999.forged' })).statusCode).toBe(400);
    expect((await verify(deps, { tenantId, token: await deps.links.sign(tenantId, deps.now()) })).statusCode).toBe(400);
    expect((await deps.tenants.getTenant(tenantId))?.emailVerifiedAt).toBeUndefined();

    const ok = await verify(deps, { tenantId, token });
    expect(ok.statusCode).toBe(200);
    expect(await deps.links.verify(tenantId, String(parseBody(ok).adminToken), deps.now())).toBe(true);
    expect((await deps.tenants.getTenant(tenantId))?.emailVerifiedAt).toBeDefined();
    // Again: the same answer, nothing new.
    expect((await verify(deps, { tenantId, token })).statusCode).toBe(200);
  });

  it('limits confirmation attempts per client address (guessing), with a clear 429', async () => {
    const { deps, tenantId } = await signedUp();
    const codes = [];
    for (let i = 0; i <= VERIFY_ATTEMPTS_PER_CLIENT_PER_HOUR; i++) codes.push((await verify(deps, { tenantId, token: `${i}.guess` })).statusCode);
    expect(codes.slice(0, -1).every((c) => c === 400)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });

  it('refuses a confirmation once the unconfirmed signup\'s removal has begun, and the removal never takes a confirmed one', async () => {
    const late = await signedUp();
    expect(await late.deps.tenants.requestUnverifiedRemoval(late.tenantId, late.deps.now().toISOString())).toBe(true);
    expect((await verify(late.deps, { tenantId: late.tenantId, token: late.token })).statusCode).toBe(410);

    const early = await signedUp();
    expect((await verify(early.deps, { tenantId: early.tenantId, token: early.token })).statusCode).toBe(200);
    expect(await early.deps.tenants.requestUnverifiedRemoval(early.tenantId, early.deps.now().toISOString())).toBe(false);
  });
});
