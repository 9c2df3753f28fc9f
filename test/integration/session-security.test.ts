import { beforeEach, describe, expect, inject, it } from 'vitest';
import { createCheckoutHandler } from '../../functions/api/checkout';
import { createSessionHandler } from '../../functions/api/create-session';
import { createDeleteSessionHandler } from '../../functions/api/delete-session';
import { createGetSessionHandler } from '../../functions/api/get-session';
import { createGetSettingsHandler } from '../../functions/api/get-settings';
import { createLogoUploadHandler } from '../../functions/api/logo-upload';
import { createPutSettingsHandler } from '../../functions/api/put-settings';
import { createTestMailHandler } from '../../functions/api/test-mail';
import { issueSignInLink } from '../../functions/auth/sign-in-links';
import type { Deps } from '../../functions/deps';
import { SesMail } from '../../functions/providers/mail';
import { Storage } from '../../functions/providers/storage';
import { s3Client, sesClient } from '../../infra/local/emulators';
import { MAGIC_LINK_MINUTES } from '../../shared/auth';
import { initialSettings, type TenantSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import { apiEvent, parseBody } from '../support/api-event';
import { MemorySecrets, RecordingWorkflows, testPlatform } from '../support/deps';
import { localDeps } from '../support/local-table';
import { mailTo } from '../support/sent-mail';
import { TEST_BUCKET } from './global-setup';

const sesEndpoint = inject('sesEndpoint');
let deps: Deps;
let n = 0;

/** The site's own pages, another origin on the same site (a tenant's instance on AWS), and another site. */
const SITE = { origin: testPlatform.siteUrl, 'sec-fetch-site': 'same-origin' };
const TENANT_HOST = { origin: 'https://acme.spaceos.io', 'sec-fetch-site': 'same-site' };
const OTHER_SITE = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
/** What a `<form enctype="text/plain">` posts: a body that parses as JSON, under another type. */
const TEXT_PLAIN = { 'content-type': 'text/plain' };

type Answer = { statusCode: number; body?: string; cookies?: string[] };
const call = (create: (d: Deps) => (e: ReturnType<typeof apiEvent>) => Promise<unknown>, options: Parameters<typeof apiEvent>[0]) => create(deps)(apiEvent(options)) as Promise<Answer>;

async function activeTenant(): Promise<Tenant> {
  const id = `sec-${Date.now().toString(36)}-${++n}`;
  const at = '2026-11-26T10:00:00.000Z';
  const tenant: Tenant = {
    tenantId: id, subdomain: `sec-${Date.now().toString(36)}-${n}`, companyName: `Secure ${n}`, adminName: 'Ada', adminEmail: `ada+${id}@example.com`, primaryColor: '#123456',
    plan: 'trial', status: 'PENDING', createdAt: at, updatedAt: at, steps: {}, urls: { app: `https://s${n}.spaceos.io` }, version: 1,
  };
  await deps.signups.createSignup(tenant);
  await deps.tenants.transition(id, 'PROVISIONING', at);
  await deps.tenants.setIfAbsent(id, 'settings', initialSettings(tenant));
  await deps.tenants.transition(id, 'ACTIVE', at, { trialEndsAt: '2026-12-10T10:00:00.000Z' });
  return (await deps.tenants.getTenant(id))!;
}

const signInToken = async (tenant: Tenant) => new URL(await issueSignInLink(deps, tenant, MAGIC_LINK_MINUTES * 60_000)).searchParams.get('token')!;

/** Signs in as the sign-in page does (JSON from the site) and returns the cookie the browser would send. */
async function signIn(tenant: Tenant): Promise<string[]> {
  const session = await call(createSessionHandler, { method: 'POST', headers: SITE, body: { token: await signInToken(tenant) } });
  expect(session.statusCode).toBe(200);
  return session.cookies!.map((c) => c.split(';')[0]!);
}

const colourOf = async (tenant: Tenant) => (await deps.tenants.getTenant(tenant.tenantId))?.settings?.branding.primaryColor;
const withColour = (settings: TenantSettings, primaryColor: string): TenantSettings => ({ ...settings, branding: { ...settings.branding, primaryColor } });

beforeEach(async () => {
  const base = await localDeps(new RecordingWorkflows());
  deps = {
    ...base,
    secrets: new MemorySecrets(),
    storage: new Storage(s3Client(inject('s3Endpoint')), TEST_BUCKET),
    mail: new SesMail(sesClient(sesEndpoint), { checkDomainVerification: false }),
    platform: { ...base.platform, bucket: TEST_BUCKET },
  };
});

describe('cookie routes refuse requests that do not come from the site', () => {
  it('refuses a text/plain form posted from another origin with the admin cookie, and nothing happens', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const onTenant = { cookies, pathParameters: { id: tenant.tenantId } };
    const forms = await Promise.all(
      [TENANT_HOST, OTHER_SITE].flatMap((from) => [
        call(createTestMailHandler, { ...onTenant, method: 'POST', headers: { ...from, ...TEXT_PLAIN }, body: '{"x":"' }),
        call(createLogoUploadHandler, { ...onTenant, method: 'POST', headers: { ...from, ...TEXT_PLAIN }, body: { contentType: 'image/png', size: 100 } }),
        call(createCheckoutHandler, { ...onTenant, method: 'POST', headers: { ...from, ...TEXT_PLAIN }, body: {} }),
      ]),
    );
    expect(forms.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(parseBody(forms[0]!).errors).toHaveProperty('origin');
    expect(await mailTo(sesEndpoint, tenant.adminEmail)).toHaveLength(0);
  });

  it('refuses a change as JSON from another origin (403), one without Origin or Sec-Fetch-Site (403), and a non-JSON one from the site (415)', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const { settings } = (await deps.tenants.getTenant(tenant.tenantId))!;
    const put = (headers: Record<string, string | undefined>) =>
      call(createPutSettingsHandler, { method: 'PUT', cookies, pathParameters: { id: tenant.tenantId }, headers, body: { version: 1, settings: withColour(settings!, '#000000') } });
    expect((await put(TENANT_HOST)).statusCode).toBe(403);
    expect((await put({ origin: 'null', 'sec-fetch-site': undefined })).statusCode).toBe(403);
    expect((await put({ 'sec-fetch-site': undefined })).statusCode).toBe(403);
    expect((await put({ 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    const notJson = await put({ ...SITE, ...TEXT_PLAIN });
    expect(notJson.statusCode).toBe(415);
    expect((await put({ ...SITE, 'content-type': undefined })).statusCode).toBe(415);
    expect(await colourOf(tenant)).toBe('#123456');
    expect(await mailTo(sesEndpoint, tenant.adminEmail)).toHaveLength(0);
  });

  it('still works for the site: JSON with its Origin, or with Sec-Fetch-Site same-origin only; reads need neither', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const { settings } = (await deps.tenants.getTenant(tenant.tenantId))!;
    const saved = await call(createPutSettingsHandler, { method: 'PUT', cookies, pathParameters: { id: tenant.tenantId }, headers: { ...SITE, 'content-type': 'application/json; charset=utf-8' }, body: { version: 1, settings: withColour(settings!, '#0f766e') } });
    expect(saved.statusCode).toBe(200);
    expect(await colourOf(tenant)).toBe('#0f766e');
    const mailed = await call(createTestMailHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, headers: { origin: undefined, 'sec-fetch-site': 'same-origin' } });
    expect(mailed.statusCode).toBe(200);
    // A top-level navigation or a read from anywhere changes nothing: no origin is required.
    expect((await call(createGetSettingsHandler, { cookies, pathParameters: { id: tenant.tenantId }, headers: { ...OTHER_SITE, 'content-type': undefined } })).statusCode).toBe(200);
  });

  it('refuses sign-in and sign-out from another origin: the link is not spent and the session stays', async () => {
    const tenant = await activeTenant();
    const token = await signInToken(tenant);
    const elsewhere = await call(createSessionHandler, { method: 'POST', headers: { ...OTHER_SITE, ...TEXT_PLAIN }, body: { token } });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.cookies).toBeUndefined();
    expect((await call(createSessionHandler, { method: 'POST', headers: { ...SITE, ...TEXT_PLAIN }, body: { token } })).statusCode).toBe(415);
    const here = await call(createSessionHandler, { method: 'POST', headers: SITE, body: { token } });
    expect(here.statusCode).toBe(200);
    const cookies = here.cookies!.map((c) => c.split(';')[0]!);

    const signOut = await call(createDeleteSessionHandler, { method: 'DELETE', cookies, headers: { ...TENANT_HOST, ...TEXT_PLAIN } });
    expect(signOut.statusCode).toBe(403);
    expect((await call(createGetSessionHandler, { cookies })).statusCode).toBe(200);
  });
});

describe('signing out', () => {
  it('ends the session on the server: the same cookie is refused afterwards (401), other sessions stay', async () => {
    const tenant = await activeTenant();
    const laptop = await signIn(tenant);
    const phone = await signIn(tenant);
    expect((await call(createGetSessionHandler, { cookies: laptop })).statusCode).toBe(200);

    const out = await call(createDeleteSessionHandler, { method: 'DELETE', cookies: laptop, headers: SITE });
    expect(out.statusCode).toBe(204);
    expect(out.cookies?.[0]).toMatch(/^lp_session=; .*Max-Age=0$/);

    // A copy of the cookie (the browser forgets it; a copy kept elsewhere does not).
    expect((await call(createGetSessionHandler, { cookies: laptop })).statusCode).toBe(401);
    expect((await call(createGetSettingsHandler, { cookies: laptop, pathParameters: { id: tenant.tenantId } })).statusCode).toBe(401);
    const { settings } = (await deps.tenants.getTenant(tenant.tenantId))!;
    const put = await call(createPutSettingsHandler, { method: 'PUT', cookies: laptop, pathParameters: { id: tenant.tenantId }, headers: SITE, body: { version: 1, settings: withColour(settings!, '#000000') } });
    expect(put.statusCode).toBe(401);
    expect(await colourOf(tenant)).toBe('#123456');

    expect((await call(createGetSettingsHandler, { cookies: phone, pathParameters: { id: tenant.tenantId } })).statusCode).toBe(200);
    // Signing out without a session (or twice) is no error.
    expect((await call(createDeleteSessionHandler, { method: 'DELETE', cookies: laptop, headers: SITE })).statusCode).toBe(204);
  });
});

describe('logo upload', () => {
  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])('refuses the content type %s with a field error', async (contentType) => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const answer = await call(createLogoUploadHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, headers: SITE, body: { contentType, size: 100 } });
    expect(answer.statusCode).toBe(400);
    expect(parseBody(answer).errors?.contentType).toMatch(/PNG, JPG, WEBP/);
  });

  it('still hands out an upload for a PNG', async () => {
    const tenant = await activeTenant();
    const cookies = await signIn(tenant);
    const answer = await call(createLogoUploadHandler, { method: 'POST', cookies, pathParameters: { id: tenant.tenantId }, headers: SITE, body: { contentType: 'image/png', size: 100 } });
    expect(answer.statusCode).toBe(200);
    expect(parseBody(answer).key).toMatch(/^uploads\/logo-.+\.png$/);
  });
});
