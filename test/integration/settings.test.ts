import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { createCheckoutHandler } from '../../functions/api/checkout';
import { createSessionHandler } from '../../functions/api/create-session';
import { createGetSettingsHandler } from '../../functions/api/get-settings';
import { createLogoUploadHandler } from '../../functions/api/logo-upload';
import { createMagicLinkHandler, MAGIC_LINK_ANSWER_MS } from '../../functions/api/magic-link';
import { createPutSettingsHandler } from '../../functions/api/put-settings';
import { createSettingsHistoryHandler } from '../../functions/api/settings-history';
import { createTestMailHandler } from '../../functions/api/test-mail';
import { createTestSmtpHandler } from '../../functions/api/test-smtp';
import { createBrandingHandler } from '../../functions/api/branding';
import { createOAuthCallbackHandler } from '../../functions/api/oauth-callback';
import { createOAuthStartHandler } from '../../functions/api/oauth-start';
import type { Deps } from '../../functions/deps';
import { SesMail } from '../../functions/providers/mail';
import { NodemailerSmtp } from '../../functions/providers/smtp';
import { Storage } from '../../functions/providers/storage';
import { createRenderPending } from '../../functions/reconciler/render-pending';
import { issueSignInLink } from '../../functions/auth/sign-in-links';
import { createSmtpCheck } from '../../functions/scheduled/smtp-check';
import { s3Client, sesClient } from '../../infra/local/emulators';
import { configKey, smtpSecretName, tenantPrefix } from '../../shared/instance';
import { MAGIC_LINK_MINUTES } from '../../shared/auth';
import { initialSettings, type SettingsView, type TenantSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import { apiEvent, parseBody } from '../support/api-event';
import { MemorySecrets, RecordingWorkflows } from '../support/deps';
import { localDeps } from '../support/local-table';
import { mailTo, signInLinkIn } from '../support/sent-mail';
import { TEST_BUCKET } from './global-setup';

const sesEndpoint = inject('sesEndpoint');
let deps: Deps;
let secrets: MemorySecrets;
let clock: Date;
let n = 0;

async function activeTenant(): Promise<Tenant> {
  const id = `t-${Date.now().toString(36)}-${++n}`;
  const at = '2026-11-26T10:00:00.000Z';
  const tenant: Tenant = {
    tenantId: id, subdomain: `set-${Date.now().toString(36)}-${n}`, companyName: `Tenant ${n}`, adminName: 'Ada', adminEmail: `ada+${id}@example.com`, primaryColor: '#123456',
    plan: 'trial', status: 'PENDING', createdAt: at, updatedAt: at, steps: {}, urls: { app: `https://x${n}.spaceos.io` }, version: 1,
  };
  await deps.signups.createSignup(tenant);
  await deps.tenants.transition(id, 'PROVISIONING', at);
  await deps.tenants.setIfAbsent(id, 'settings', initialSettings(tenant));
  await deps.tenants.transition(id, 'ACTIVE', at, { trialEndsAt: '2026-12-10T10:00:00.000Z' });
  return (await deps.tenants.getTenant(id))!;
}

const call = (create: (d: Deps) => (e: ReturnType<typeof apiEvent>) => Promise<{ statusCode?: number; body?: string; cookies?: string[]; headers?: Record<string, unknown> }>, options: Parameters<typeof apiEvent>[0]) =>
  create(deps)(apiEvent(options)) as Promise<{ statusCode: number; body?: string; cookies?: string[]; headers?: Record<string, string | number | boolean> }>;

/**
 * Signs the tenant's admin in with a link as the magic-link handler issues it (the sign-in tests
 * below go through the handler and the mail; this skips its constant answer time).
 */
async function signIn(tenant: Tenant): Promise<string[]> {
  const token = new URL(await issueSignInLink(deps, tenant, MAGIC_LINK_MINUTES * 60_000)).searchParams.get('token');
  const session = await call(createSessionHandler, { method: 'POST', body: { token } });
  expect(session.statusCode).toBe(200);
  return session.cookies!.map((c) => c.split(';')[0]!);
}

const settingsOf = async (tenant: Tenant, cookies: string[]) => parseBody(await call(createGetSettingsHandler, { cookies, pathParameters: { id: tenant.tenantId } })) as unknown as SettingsView;
const put = (tenant: Tenant, cookies: string[], version: number, settings: TenantSettings, smtpPassword?: string) =>
  call(createPutSettingsHandler, { method: 'PUT', cookies, pathParameters: { id: tenant.tenantId }, body: { version, settings, ...(smtpPassword ? { smtpPassword } : {}) } });
const withColour = (settings: TenantSettings, primaryColor: string): TenantSettings => ({ ...settings, branding: { ...settings.branding, primaryColor } });

beforeEach(async () => {
  clock = new Date();
  secrets = new MemorySecrets();
  const base = await localDeps(new RecordingWorkflows());
  deps = {
    ...base,
    secrets,
    storage: new Storage(s3Client(inject('s3Endpoint')), TEST_BUCKET),
    mail: new SesMail(sesClient(sesEndpoint), { checkDomainVerification: false }),
    now: () => clock,
    platform: { ...base.platform, bucket: TEST_BUCKET },
  };
});

describe('passwordless sign-in', () => {
  it('answers the same whether or not the address is the admin, and mails only the admin', async () => {
    const tenant = await activeTenant();
    // Each answer also takes the same minimum time (a floor, so this cannot flake): a real send
    // must not answer measurably later than an unknown address.
    const timed = async (body: { email: string; subdomain: string }) => {
      const started = performance.now();
      const answer = await call(createMagicLinkHandler, { method: 'POST', body });
      return { ...answer, ms: performance.now() - started };
    };
    const answers = await Promise.all([
      timed({ email: tenant.adminEmail.toUpperCase(), subdomain: tenant.subdomain }),
      timed({ email: 'mallory@example.com', subdomain: tenant.subdomain }),
      timed({ email: tenant.adminEmail, subdomain: 'no-such-instance' }),
    ]);
    expect(new Set(answers.map((a) => `${a.statusCode} ${a.body}`)).size).toBe(1);
    for (const { ms } of answers) expect(ms).toBeGreaterThanOrEqual(MAGIC_LINK_ANSWER_MS - 5); // timers may fire a millisecond or two early
    expect(answers[0]!.statusCode).toBe(202);
    expect(await mailTo(sesEndpoint, 'mallory@example.com')).toHaveLength(0);
    expect((await mailTo(sesEndpoint, tenant.adminEmail)).map((m) => m.subject)).toEqual([`Sign in to ${tenant.companyName} settings`]);
  });

  it('refuses a link used twice or after 15 minutes, and sets a hardened session cookie', async () => {
    const tenant = await activeTenant();
    const ask = () => call(createMagicLinkHandler, { method: 'POST', body: { email: tenant.adminEmail, subdomain: tenant.subdomain } });
    await Promise.all([ask(), ask()]);
    const links = (await mailTo(sesEndpoint, tenant.adminEmail)).map((m) => new URL(signInLinkIn(m)).searchParams.get('token'));
    const first = await call(createSessionHandler, { method: 'POST', body: { token: links[0] } });
    expect(first.statusCode).toBe(200);
    expect(first.cookies?.[0]).toMatch(/^lp_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200$/);
    expect((await call(createSessionHandler, { method: 'POST', body: { token: links[0] } })).statusCode).toBe(401);

    clock = new Date(clock.getTime() + 15 * 60_000 + 1000);
    const late = await call(createSessionHandler, { method: 'POST', body: { token: links[1] } });
    expect(late.statusCode).toBe(401);
    expect(parseBody(late).errors?.token).toMatch(/already used or has expired/);
  });

  it('rate-limits links per address, with the same answer for everyone', async () => {
    const tenant = await activeTenant();
    const ask = (email: string) => call(createMagicLinkHandler, { method: 'POST', body: { email, subdomain: tenant.subdomain }, sourceIp: `10.0.0.${n}` });
    const first = await Promise.all(Array.from({ length: 5 }, () => ask(tenant.adminEmail)));
    expect(first.map((a) => a.statusCode)).toEqual([202, 202, 202, 202, 202]);
    const limited = await ask(tenant.adminEmail);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers?.['retry-after']).toBe('900');
    expect((await mailTo(sesEndpoint, tenant.adminEmail)).length).toBe(5);
  });

  it('explains a malformed request per field', async () => {
    const bad = await call(createMagicLinkHandler, { method: 'POST', body: { email: 'nope', subdomain: '' } });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(parseBody(bad).errors ?? {})).toEqual(expect.arrayContaining(['email', 'subdomain']));
  });
});

describe('tenant isolation', () => {
  it("refuses A's session on B's settings, history, logo upload and checkout; no session is 401", async () => {
    const [a, b] = [await activeTenant(), await activeTenant()];
    const cookies = await signIn(a);
    const onB = { cookies, pathParameters: { id: b.tenantId } };
    const attempts = await Promise.all([
      call(createGetSettingsHandler, onB),
      call(createPutSettingsHandler, { ...onB, method: 'PUT', body: { version: 1, settings: withColour(b.settings!, '#000000') } }),
      call(createSettingsHistoryHandler, onB),
      call(createLogoUploadHandler, { ...onB, method: 'POST', body: { contentType: 'image/png', size: 100 } }),
      call(createCheckoutHandler, { ...onB, method: 'POST', body: {} }),
      call(createTestMailHandler, { ...onB, method: 'POST' }),
    ]);
    expect(attempts.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403, 403]);
    expect((await deps.tenants.getTenant(b.tenantId))?.settings?.branding.primaryColor).toBe('#123456');
    expect((await call(createGetSettingsHandler, { pathParameters: { id: b.tenantId } })).statusCode).toBe(401);
    // A forged cookie (B's id, A's signature) is no session at all.
    const forged = cookies[0]!.replace(/^lp_session=[^.]+/, `lp_session=${Buffer.from(JSON.stringify({ tenantId: b.tenantId, email: b.adminEmail, expiresAt: Date.now() + 1e6 })).toString('base64url')}`);
    expect((await call(createGetSettingsHandler, { cookies: [forged], pathParameters: { id: b.tenantId } })).statusCode).toBe(401);
    expect((await call(createGetSettingsHandler, { cookies, pathParameters: { id: a.tenantId } })).statusCode).toBe(200);
  });
});

describe('settings changes', () => {
  it('saves with history, re-renders the instance files, and refuses a stale version with 409', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const view = await settingsOf(tenant, cookies);
    expect(view.version).toBe(1);
    const saved = await put(tenant, cookies, 1, { ...withColour(view.settings, '#0f766e'), mail: { ...view.settings.mail, footer: { ...view.settings.mail.footer, postalAddress: '1 Quay St' } } });
    expect(saved.statusCode).toBe(200);
    expect(parseBody(saved).version).toBe(2);

    const stale = await put(tenant, cookies, 1, withColour(view.settings, '#ff0000'));
    expect(stale.statusCode).toBe(409);
    expect(parseBody(stale)).toMatchObject({ currentVersion: 2 });
    expect((await deps.tenants.getTenant(tenant.tenantId))?.settings?.branding.primaryColor).toBe('#0f766e');

    const history = parseBody(await call(createSettingsHistoryHandler, { cookies, pathParameters: { id: tenant.tenantId } })) as unknown as { changes: Array<{ version: number; by: string; fields: string[] }> };
    expect(history.changes).toEqual([{ version: 2, at: clock.toISOString(), by: tenant.adminEmail, fields: ['branding.primaryColor', 'mail.footer.postalAddress'] }]);

    const config = parse((await deps.storage.getText(configKey(tenant.tenantId, 'prod', 'config.yml')))!) as { settings_version: number; branding: { primary_color: string }; mail: { footer: { lines: string[] } } };
    expect(config).toMatchObject({ settings_version: 2, branding: { primary_color: '#0f766e' }, mail: { footer: { lines: [`Tenant ${n} · powered by spaceOS`, '1 Quay St'] } } });
    expect(await deps.storage.getText(`${tenantPrefix(tenant.tenantId)}theme.css`)).toContain('--brand-primary: #0f766e;');
    expect(await deps.storage.getText(`${tenantPrefix(tenant.tenantId)}mail/layout.html`)).toContain('{{{content}}}');
  });

  it('keeps a change whose rendering failed, and RenderPending brings the instance files up to it', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const view = await settingsOf(tenant, cookies);
    const working = deps;
    deps = { ...working, storage: new Storage(s3Client(inject('s3Endpoint')), 'no-such-bucket') }; // S3 refuses every write
    const saved = await put(tenant, cookies, 1, withColour(view.settings, '#7c3aed'));
    deps = working;
    // Saved (a retry would only meet a 409), and the page is told the instance follows a little later.
    expect(saved.statusCode).toBe(200);
    expect(parseBody(saved)).toMatchObject({ version: 2, instanceUpdatePending: true });
    expect((await deps.tenants.getTenant(tenant.tenantId))?.settingsVersion).toBe(2);
    expect((await deps.storage.getText(`${tenantPrefix(tenant.tenantId)}theme.css`)) ?? '').not.toContain('#7c3aed');

    const renderPending = () => createRenderPending(deps)();
    expect((await renderPending()).rendered).not.toContain(tenant.tenantId); // a save may still be rendering
    clock = new Date(clock.getTime() + 2 * 60_000);
    expect((await renderPending()).rendered).toContain(tenant.tenantId);
    expect(await deps.storage.getText(`${tenantPrefix(tenant.tenantId)}theme.css`)).toContain('--brand-primary: #7c3aed;');
    expect((await renderPending()).rendered).not.toContain(tenant.tenantId); // done once

    // A save that renders leaves nothing to repair.
    expect((await put(tenant, cookies, 2, withColour(view.settings, '#0f766e'))).statusCode).toBe(200);
    clock = new Date(clock.getTime() + 2 * 60_000);
    expect(await deps.settingsStore.pendingRenders(clock.toISOString())).toEqual([]);
  });

  it.each([
    ['a colour that is not #rrggbb', (s: TenantSettings) => withColour(s, 'teal'), 'settings.branding.primaryColor'],
    ['a short colour', (s: TenantSettings) => ({ ...s, branding: { ...s.branding, accentColor: '#fff' } }), 'settings.branding.accentColor'],
    ['a GA4 id of the wrong form', (s: TenantSettings) => ({ ...s, analytics: { googleAnalyticsId: 'UA-1234-1' } }), 'settings.analytics.googleAnalyticsId'],
    ['an unknown time zone', (s: TenantSettings) => ({ ...s, locale: { ...s.locale, timezone: 'Mars/Olympus' } }), 'settings.locale.timezone'],
    ['a non-https social link', (s: TenantSettings) => ({ ...s, mail: { ...s.mail, footer: { ...s.mail.footer, socialLinks: { x: 'javascript:alert(1)' } } } }), 'settings.mail.footer.socialLinks.x'],
  ])('answers 400 on %s, naming the field', async (_, change, field) => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const result = await put(tenant, cookies, 1, change(tenant.settings!));
    expect(result.statusCode).toBe(400);
    expect(Object.keys(parseBody(result).errors ?? {})).toContain(field);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.settingsVersion).toBeUndefined();
  });
});

describe('logo upload', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

  async function upload(tenant: Tenant, cookies: string[], contentType: string, bytes: Buffer) {
    const ticket = await call(createLogoUploadHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, body: { contentType, size: bytes.length } });
    if (ticket.statusCode !== 200) return { ticket };
    const { url, fields, key } = parseBody(ticket) as unknown as { url: string; fields: Record<string, string>; key: string };
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }));
    const stored = await fetch(url, { method: 'POST', body: form });
    return { ticket, stored, key };
  }

  it('takes a PNG through a presigned POST into the tenant prefix and serves it publicly', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const { stored, key } = await upload(tenant, cookies, 'image/png', PNG);
    expect(stored?.status).toBe(204);
    expect(key).toMatch(/^uploads\/logo-[0-9a-f-]+\.png$/);
    const saved = await put(tenant, cookies, 1, { ...tenant.settings!, branding: { ...tenant.settings!.branding, logo: key! } });
    expect(saved.statusCode).toBe(200);
    const branding = parseBody(await call(createBrandingHandler, { pathParameters: { id: tenant.subdomain } })) as { logo: { url: string }; colors: { primary: string } };
    expect(branding).toMatchObject({ appName: tenant.companyName, colors: { primary: '#123456' }, logo: { url: `https://spaceos.io/api/tenants/${tenant.tenantId}/logo?v=2` } });
  });

  // Refused on asking (the declared type and size) or on saving (the stored bytes), never by the upload:
  // s3rver stores whatever is posted, ignoring the policy. test/unit/logo-upload-policy.test.ts reads the policy S3 enforces.
  it('answers 400 to a wrong type, an oversized file, a file that is not what it claims, and a key outside the tenant', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    expect((await upload(tenant, cookies, 'image/svg+xml', Buffer.from('<svg/>'))).ticket.statusCode).toBe(400);
    expect((await upload(tenant, cookies, 'image/png', Buffer.alloc(600 * 1024))).ticket.statusCode).toBe(400);
    const fake = await upload(tenant, cookies, 'image/png', Buffer.from('<script>alert(1)</script>'));
    const withLogo = (logo: string) => put(tenant, cookies, 1, { ...tenant.settings!, branding: { ...tenant.settings!.branding, logo } });
    const notPng = await withLogo(fake.key!);
    expect(notPng.statusCode).toBe(400);
    expect(parseBody(notPng).errors?.['settings.branding.logo']).toMatch(/not a PNG, JPEG or WebP/);
    expect((await withLogo(`../${tenant.tenantId}x/uploads/logo-12345678.png`)).statusCode).toBe(400);
    expect((await withLogo('uploads/logo-12345678-0000.png')).statusCode).toBe(400);
  });
});

describe('custom SMTP', () => {
  const account = { user: 'mailer', password: 'right-horse-battery' };
  let accept = true;
  let server: SMTPServer;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, done) {
        if (accept && auth.username === account.user && auth.password === account.password) done(null, { user: auth.username });
        else done(new Error('Invalid username or password'));
      },
      onData(stream, _session, done) {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => (received.push(text), done()));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    accept = true;
    // The deployment-level allowance the embedded default sets (SMTP_ALLOWED_PRIVATE_HOSTS): this server is on loopback.
    deps = { ...deps, platform: { ...deps.platform, smtpAllowedPrivateHosts: ['127.0.0.1'] }, smtp: new NodemailerSmtp({ allowedPrivateHosts: ['127.0.0.1'] }) };
  });

  const smtpSettings = (settings: TenantSettings): TenantSettings => ({
    ...settings,
    mail: { ...settings.mail, sender: { kind: 'smtp', host: '127.0.0.1', port, secure: false, user: account.user, fromAddress: 'hello@tenant.example' } },
  });

  it('verifies credentials before saving: a wrong password is a 400 that does not quote the server, nothing saved', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const wrong = await put(tenant, cookies, 1, smtpSettings(tenant.settings!), 'wrong');
    expect(wrong.statusCode).toBe(400);
    expect(parseBody(wrong).errors).toEqual({ smtpPassword: 'The SMTP server did not accept this user name and password' });
    const tested = await call(createTestSmtpHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, body: { sender: smtpSettings(tenant.settings!).mail.sender, password: 'wrong' } });
    expect(tested.statusCode).toBe(400);
    expect(tested.body).not.toMatch(/Invalid username|535/);
    expect(await secrets.get(smtpSecretName(tenant.tenantId))).toBeUndefined();
    expect((await deps.tenants.getTenant(tenant.tenantId))?.settings?.mail.sender.kind).toBe('default');
  });

  it('saves good credentials to the secrets port only, sends through the server, and falls back to SES (telling the admin) when it later refuses', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const tested = await call(createTestSmtpHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, body: { sender: smtpSettings(tenant.settings!).mail.sender, password: account.password } });
    expect(tested.statusCode).toBe(200);
    const saved = await put(tenant, cookies, 1, smtpSettings(tenant.settings!), account.password);
    expect(saved.statusCode).toBe(200);
    expect(parseBody(saved)).toMatchObject({ smtpPasswordSet: true, smtpHealth: { state: 'ok' } });
    expect(JSON.stringify(await deps.tenants.getTenant(tenant.tenantId))).not.toContain(account.password);
    expect(await secrets.get(smtpSecretName(tenant.tenantId))).toContain(account.password);
    const config = parse((await deps.storage.getText(configKey(tenant.tenantId, 'prod', 'config.yml')))!) as { mail: Record<string, unknown> };
    expect(config.mail).toMatchObject({ transport: 'smtp', from: 'hello@tenant.example', smtp: { host: '127.0.0.1', user: 'mailer', password_secret: smtpSecretName(tenant.tenantId) } });

    const before = received.length;
    const viaSmtp = await call(createTestMailHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId } });
    expect(parseBody(viaSmtp)).toMatchObject({ via: 'smtp' });
    expect(received.length).toBe(before + 1);
    expect(received.at(-1)).toContain('Test mail from');

    accept = false; // the client's IT changed the password without telling anyone
    const viaSes = await call(createTestMailHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId } });
    expect(parseBody(viaSes)).toMatchObject({ via: 'ses' });
    expect((await mailTo(sesEndpoint, tenant.adminEmail)).map((m) => m.subject)).toEqual(
      expect.arrayContaining([expect.stringMatching(/going out through spaceOS: your SMTP server refused us/), `Test mail from ${tenant.companyName}`]),
    );
    // The page and the admin's mail say what failed in our words, not the server's.
    expect((await settingsOf(tenant, cookies)).smtpHealth).toMatchObject({ state: 'failing', error: 'The SMTP server did not accept this user name and password' });
    expect(JSON.stringify(await mailTo(sesEndpoint, tenant.adminEmail))).not.toContain('Invalid username');
    const fallback = parse((await deps.storage.getText(configKey(tenant.tenantId, 'prod', 'config.yml')))!) as { mail: { transport: string; from: string } };
    expect(fallback.mail).toMatchObject({ transport: 'ses', from: `${tenant.subdomain}@clients.spaceos.io` });

    // The scheduled re-check notices when it works again and switches back.
    accept = true;
    expect(await createSmtpCheck(deps)()).toMatchObject({ ok: expect.arrayContaining([tenant.tenantId]) });
    expect((await settingsOf(tenant, cookies)).smtpHealth?.state).toBe('ok');
    const restored = parse((await deps.storage.getText(configKey(tenant.tenantId, 'prod', 'config.yml')))!) as { mail: { transport: string } };
    expect(restored.mail.transport).toBe('smtp');
  });

  it('the scheduled check finds a server that stopped accepting and tells the admin once', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    expect((await put(tenant, cookies, 1, smtpSettings(tenant.settings!), account.password)).statusCode).toBe(200);
    accept = false;
    const check = createSmtpCheck(deps);
    expect((await check()).failing).toContain(tenant.tenantId);
    expect((await check()).failing).toContain(tenant.tenantId);
    const alerts = (await mailTo(sesEndpoint, tenant.adminEmail)).filter((m) => /SMTP server refused/.test(m.subject));
    expect(alerts).toHaveLength(1);
  });
});

describe('SMTP settings cannot reach private networks (no allowance, as on AWS)', () => {
  const connected: string[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    // A server that would accept anyone: reaching it at all is the failure.
    server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], onConnect: (session, done) => (connected.push(session.remoteAddress), done()), onAuth: (_auth, _session, done) => done(null, { user: 'x' }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sender = (host: string, p = port) => ({ kind: 'smtp' as const, host, port: p, secure: false, user: 'mailer', fromAddress: 'hello@tenant.example' });

  it.each(['127.0.0.1', 'localhost', '2130706433', '0x7f000001', '127.1', '10.0.0.1', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0'])(
    'refuses %s in test-smtp and in PUT settings with a field error on the host, and never connects',
    async (host) => {
      const tenant = await activeTenant();
      const cookies = await signIn(tenant);
      const tested = await call(createTestSmtpHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, body: { sender: sender(host), password: 'pw' } });
      expect(tested.statusCode).toBe(400);
      const testErrors = parseBody(tested).errors ?? {};
      expect(Object.keys(testErrors)).toEqual(['sender.host']);
      expect(testErrors['sender.host']).toMatch(/^Enter (the public host name of your SMTP server|a host name)/);

      // Without a password too: the host is the problem, not the missing password.
      for (const smtpPassword of ['pw', undefined]) {
        const saved = await put(tenant, cookies, 1, { ...tenant.settings!, mail: { ...tenant.settings!.mail, sender: sender(host) } }, smtpPassword);
        expect(saved.statusCode).toBe(400);
        expect(Object.keys(parseBody(saved).errors ?? {})).toEqual(['settings.mail.sender.host']);
      }
      expect((await deps.tenants.getTenant(tenant.tenantId))?.settings?.mail.sender.kind).toBe('default');
      expect(await secrets.get(smtpSecretName(tenant.tenantId))).toBeUndefined();
      expect(connected).toEqual([]);
    },
  );

  it('refuses a port that is not an SMTP port on a public address, with a field error on the port', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const tested = await call(createTestSmtpHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, body: { sender: sender('93.184.215.14', 6379), password: 'pw' } });
    expect(parseBody(tested).errors).toEqual({ 'sender.port': 'Use one of the SMTP ports 25, 465, 587 or 2525' });
    const saved = await put(tenant, cookies, 1, { ...tenant.settings!, mail: { ...tenant.settings!.mail, sender: sender('93.184.215.14', 6379) } }, 'pw');
    expect(parseBody(saved).errors).toEqual({ 'settings.mail.sender.port': 'Use one of the SMTP ports 25, 465, 587 or 2525' });
  });

  it('the scheduled check does not connect to a stored private host either: it marks the sender failing', async () => {
    // A tenant saved before this check existed (or while an allowance was set): the next check refuses it.
    const tenant = await activeTenant();
    await deps.settingsStore.update(tenant.tenantId, 1, { ...tenant.settings!, mail: { ...tenant.settings!.mail, sender: sender('127.0.0.1') } }, { at: clock.toISOString(), by: 'test', fields: ['mail.sender'] }, { state: 'ok', checkedAt: clock.toISOString() });
    await secrets.put(smtpSecretName(tenant.tenantId), JSON.stringify({ host: '127.0.0.1', user: 'mailer', password: 'pw' }));
    expect((await createSmtpCheck(deps)()).failing).toContain(tenant.tenantId);
    expect(connected).toEqual([]);
  });
});

describe('calendar OAuth through one redirect URI', () => {
  it('sends the user to Google with the shared redirect URI and forwards the code to the tenant named by the signed state', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const off = await call(createOAuthStartHandler, { pathParameters: { provider: 'google' }, query: { tenant: tenant.subdomain, env: 'prod' } });
    expect(off.statusCode).toBe(403);
    await put(tenant, cookies, 1, { ...tenant.settings!, integrations: { googleCalendar: true, outlook: false } });

    const start = await call(createOAuthStartHandler, { pathParameters: { provider: 'google' }, query: { tenant: tenant.subdomain, env: 'stg' } });
    expect(start.statusCode).toBe(302);
    const consent = new URL(String(start.headers?.location));
    expect(consent.origin + consent.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(consent.searchParams.get('redirect_uri')).toBe('https://spaceos.io/api/oauth/google/callback');
    const state = consent.searchParams.get('state')!;

    const back = await call(createOAuthCallbackHandler, { pathParameters: { provider: 'google' }, query: { code: 'auth-code-1', state } });
    expect(back.statusCode).toBe(302);
    const forwarded = new URL(String(back.headers?.location));
    expect(forwarded.origin + forwarded.pathname).toBe(`https://${tenant.subdomain}-stg.spaceos.io/oauth/google/callback`);
    expect(forwarded.searchParams.get('code')).toBe('auth-code-1');

    const tampered = state.replace(/^./, (c) => (c === 'e' ? 'f' : 'e'));
    expect((await call(createOAuthCallbackHandler, { pathParameters: { provider: 'google' }, query: { code: 'x', state: tampered } })).statusCode).toBe(400);
    expect((await call(createOAuthCallbackHandler, { pathParameters: { provider: 'microsoft' }, query: { code: 'x', state } })).statusCode).toBe(400);
    clock = new Date(clock.getTime() + 11 * 60_000);
    expect((await call(createOAuthCallbackHandler, { pathParameters: { provider: 'google' }, query: { code: 'x', state } })).statusCode).toBe(400);
  });
});
