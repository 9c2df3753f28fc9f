import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { SMTPServer } from 'smtp-server';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/api/routes';
import { issueSignInLink } from '../../functions/auth/sign-in-links';
import { LOCAL_WEBHOOK_SECRET_NAME } from '../../infra/local/local-billing';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { MAGIC_LINK_LIMIT, MAGIC_LINK_MINUTES } from '../../shared/auth';
import type { SettingsView } from '../../shared/settings';
import { validSignup } from '../support/api-event';
import { waitForMail } from '../support/sent-mail';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { VERIFICATION_SUBJECT, verificationLinkIn } from '../support/verification';

/**
 * Issue 17: every route of GET /api/openapi.json is driven on the embedded default with real
 * requests, valid and invalid, and each real answer is held to the document: its status must be one
 * the operation lists, its body must validate against that status's schema (ajv, JSON Schema
 * 2020-12 as OpenAPI 3.1 has it), and the headers the document calls required must be there.
 */

interface DocumentedAnswer {
  content?: Record<string, { schema: object }>;
  headers?: Record<string, { required?: boolean }>;
}
interface ApiDocument {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, DocumentedAnswer> }>>;
}

const root = tempDir('launchpad-openapi-');
const savedGoogleClient = process.env.GOOGLE_OAUTH_CLIENT_ID;
let launchpad: Launchpad;
let document: ApiDocument;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map<object, ValidateFunction>();
/** `METHOD path status` of every answer held to the document. */
const seen = new Set<string>();

beforeAll(async () => {
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html>');
  // Google's calendar app configured, Microsoft's not: /api/oauth/{provider}/start answers both ways.
  process.env.GOOGLE_OAUTH_CLIENT_ID = 'contract-google.apps.googleusercontent.com';
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), sesPort: 0, fastTimers: true });
  document = (await (await fetch(`${launchpad.url}/api/openapi.json`)).json()) as ApiDocument;
}, 120_000);

afterAll(async () => {
  await launchpad?.stop();
  if (savedGoogleClient === undefined) delete process.env.GOOGLE_OAUTH_CLIENT_ID;
  else process.env.GOOGLE_OAUTH_CLIENT_ID = savedGoogleClient;
  rmSync(root, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Call {
  /** Values of the path's {placeholders}, inserted as they are (tests of broken encoding send them broken). */
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  cookie?: string;
}

/**
 * Sends one request the way the site's pages do (JSON, from the site's origin) unless the call says
 * otherwise, and holds the answer to the document. Returns the status, headers and parsed body.
 */
async function call(method: Method, path: string, { params = {}, query, body, headers = {}, cookie }: Call = {}) {
  const target = path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
  const url = `${launchpad.url}${target}${query ? `?${new URLSearchParams(query)}` : ''}`;
  const response = await fetch(url, {
    method,
    redirect: 'manual',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), origin: launchpad.url, ...(cookie ? { cookie } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const label = `${method} ${target} -> ${response.status}: ${bytes.toString('utf8').slice(0, 300)}`;
  const operation = document.paths[path]?.[method.toLowerCase()];
  expect(operation, `${method} ${path} is not in the document`).toBeDefined();
  const answer = operation!.responses[String(response.status)];
  expect(answer, `status not documented: ${label}`).toBeDefined();
  for (const [name, header] of Object.entries(answer!.headers ?? {})) {
    if (header.required) expect(response.headers.get(name), `header ${name} missing: ${label}`).not.toBeNull();
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  let json: unknown;
  if (!answer!.content) {
    expect(bytes.length, `a body where the document has none: ${label}`).toBe(0);
  } else if (answer!.content['application/json']) {
    expect(type, label).toBe('application/json');
    json = JSON.parse(bytes.toString('utf8'));
    const schema = answer!.content['application/json'].schema;
    const validate = validators.get(schema) ?? ajv.compile(schema);
    validators.set(schema, validate);
    expect(validate(json) ? [] : validate.errors, `body does not match the document: ${label}`).toEqual([]);
  } else {
    expect(Object.keys(answer!.content), label).toContain(type);
  }
  seen.add(`${method} ${path} ${response.status}`);
  return { status: response.status, headers: response.headers, json: json as Record<string, unknown> };
}

const signupOf = (subdomain: string, email = `admin@${subdomain}.example`) => validSignup({ subdomain, companyName: `${subdomain} Works`, adminEmail: email, primaryColor: '#0f766e' });

let tenantId: string;
let subdomain: string;
let cookie: string;

describe('every route answers as /api/openapi.json documents', () => {
  it('serves the document, and 304 for a copy still current', async () => {
    const first = await call('GET', '/api/openapi.json');
    expect(first.status).toBe(200);
    expect((await call('GET', '/api/openapi.json', { headers: { 'if-none-match': first.headers.get('etag')! } })).status).toBe(304);
    expect((await call('GET', '/api/health')).status).toBe(200);
    // Instances' credentials are AWS's alone (STS): not served on the embedded default, as documented.
    expect((await call('GET', '/api/instance-credentials', { headers: { authorization: 'some-tenant.prod.not-a-token' } })).status).toBe(404);
  });

  it('describes exactly the routes of API_ROUTES', () => {
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(API_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('signup: accepted, invalid, taken, resent, idempotency key misused; verification valid and invalid', async () => {
    subdomain = `oas-${Date.now().toString(36)}`;
    const accepted = await call('POST', '/api/signups', { body: signupOf(subdomain) });
    expect(accepted.status).toBe(202);
    tenantId = String(accepted.json.tenantId);

    expect((await call('POST', '/api/signups', { body: { ...signupOf('x'), adminEmail: 'not-an-email' } })).status).toBe(400);
    expect((await call('POST', '/api/signups', { body: '{not json' })).status).toBe(400);
    expect((await call('POST', '/api/signups', { body: signupOf(subdomain, 'other@elsewhere.example') })).status).toBe(409);
    expect((await call('POST', '/api/signups', { body: signupOf(`${subdomain}-k`), headers: { 'idempotency-key': 'short' } })).status).toBe(400);
    const key = `contract-${Date.now()}`;
    expect((await call('POST', '/api/signups', { body: signupOf(`${subdomain}-k`), headers: { 'idempotency-key': key } })).status).toBe(202);
    expect((await call('POST', '/api/signups', { body: signupOf(`${subdomain}-l`), headers: { 'idempotency-key': key } })).status).toBe(422);
    // The same email again while its signup is unverified: the link goes out again, and the answer says only "check your inbox".
    const resent = await call('POST', '/api/signups', { body: signupOf(`${subdomain}-m`, `admin@${subdomain}-k.example`) });
    expect(resent).toMatchObject({ status: 202, json: { checkInbox: true } });

    expect((await call('POST', '/api/signups/verify', { body: { tenantId, token: 'forged' } })).status).toBe(400);
    expect((await call('POST', '/api/signups/verify', { body: {} })).status).toBe(400);
    const link = verificationLinkIn(await waitForMail(launchpad.sesEndpoint, `admin@${subdomain}.example`, VERIFICATION_SUBJECT));
    expect((await call('POST', '/api/signups/verify', { body: { tenantId: link.tenantId, token: link.token } })).status).toBe(200);
  });

  it('subdomain availability and tenant status, found and not', async () => {
    expect((await call('GET', '/api/subdomains/{name}', { params: { name: subdomain } })).json).toMatchObject({ available: false });
    expect((await call('GET', '/api/subdomains/{name}', { params: { name: 'free-name-oas' } })).json).toMatchObject({ available: true });
    expect((await call('GET', '/api/subdomains/{name}', { params: { name: '%' } })).status).toBe(400);
    expect((await call('GET', '/api/tenants/{id}/status', { params: { id: 'no-such-tenant' } })).status).toBe(404);
    await launchpad.workflows.settled(tenantId);
    const status = await until('the tenant to be active', async () => {
      const answer = await call('GET', '/api/tenants/{id}/status', { params: { id: tenantId } });
      return answer.json.status === 'ACTIVE' ? answer : undefined;
    });
    expect(status.status).toBe(200);
  });

  it('sign-in: a link spent for a session, spent twice, from another site, not JSON; who is signed in', async () => {
    const tenant = (await launchpad.deps.tenants.getTenant(tenantId))!;
    const token = new URL(await issueSignInLink(launchpad.deps, tenant, MAGIC_LINK_MINUTES * 60_000)).searchParams.get('token')!;
    expect((await call('POST', '/api/auth/session', { body: { token }, headers: { origin: 'https://elsewhere.example' } })).status).toBe(403);
    expect((await call('POST', '/api/auth/session', { body: JSON.stringify({ token }), headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call('POST', '/api/auth/session', { body: '{' })).status).toBe(400);
    const session = await call('POST', '/api/auth/session', { body: { token } });
    expect(session.status).toBe(200);
    cookie = session.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await call('POST', '/api/auth/session', { body: { token } })).status).toBe(401);
    expect((await call('GET', '/api/auth/session', { cookie })).status).toBe(200);
    expect((await call('GET', '/api/auth/session')).status).toBe(401);
  });

  it('settings: read, saved, stale, invalid, history, test mail, test SMTP, logo upload; refused without or with another session', async () => {
    const id = { id: tenantId };
    const view = (await call('GET', '/api/tenants/{id}/settings', { params: id, cookie })).json as unknown as SettingsView;
    expect((await call('GET', '/api/tenants/{id}/settings', { params: id })).status).toBe(401);
    const otherCookie = (await launchpad.deps.sessions.cookieFor('another-tenant', 'someone@else.example', new Date())).cookie.split(';')[0]!;
    expect((await call('GET', '/api/tenants/{id}/settings', { params: id, cookie: otherCookie })).status).toBe(403);

    // Google Calendar on: the OAuth test below needs it.
    const settings = { ...view.settings, integrations: { ...view.settings.integrations, googleCalendar: true } };
    expect((await call('PUT', '/api/tenants/{id}/settings', { params: id, cookie, body: { version: view.version, settings } })).status).toBe(200);
    expect((await call('PUT', '/api/tenants/{id}/settings', { params: id, cookie, body: { version: view.version, settings } })).status).toBe(409);
    expect((await call('PUT', '/api/tenants/{id}/settings', { params: id, cookie, body: { version: view.version + 1, settings: { ...settings, locale: { language: 'xx' } } } })).status).toBe(400);
    expect((await call('PUT', '/api/tenants/{id}/settings', { params: id, cookie, body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call('GET', '/api/tenants/{id}/settings/history', { params: id, cookie })).json.changes).toHaveLength(1);
    expect((await call('POST', '/api/tenants/{id}/settings/test-mail', { params: id, cookie, body: {} })).status).toBe(200);

    const server = new SMTPServer({ authMethods: ['PLAIN', 'LOGIN'], allowInsecureAuth: true, disabledCommands: ['STARTTLS'], onAuth: (auth, _session, done) => done(null, { user: auth.username }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const sender = { kind: 'smtp', host: '127.0.0.1', port: (server.server.address() as AddressInfo).port, secure: false, user: 'mailer', fromAddress: 'hello@tenant.example' };
      expect((await call('POST', '/api/tenants/{id}/settings/test-smtp', { params: id, cookie, body: { sender, password: 'secret' } })).status).toBe(200);
      expect((await call('POST', '/api/tenants/{id}/settings/test-smtp', { params: id, cookie, body: { sender: { ...sender, port: 0 } } })).status).toBe(400);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    expect((await call('POST', '/api/tenants/{id}/logo-upload', { params: id, cookie, body: { contentType: 'image/png', size: 1000 } })).status).toBe(200);
    expect((await call('POST', '/api/tenants/{id}/logo-upload', { params: id, cookie, body: { contentType: 'image/svg+xml', size: 1000 } })).status).toBe(400);
  });

  it('branding and logo, found and not', async () => {
    expect((await call('GET', '/api/tenants/{id}/branding.json', { params: { id: subdomain } })).status).toBe(200);
    expect((await call('GET', '/api/tenants/{id}/branding.json', { params: { id: 'no-such-tenant' } })).status).toBe(404);
    // The default logo every tenant starts with (an SVG: only uploads are raster).
    expect((await call('GET', '/api/tenants/{id}/logo', { params: { id: tenantId } })).status).toBe(200);
    expect((await call('GET', '/api/tenants/{id}/logo', { params: { id: 'no-such-tenant' } })).status).toBe(404);
  });

  it('billing: checkout by session, by a wrong token, for no tenant, without either; portal of a trial; upgrade links up to the limit', async () => {
    const id = { id: tenantId };
    expect((await call('POST', '/api/tenants/{id}/checkout', { params: id, cookie, body: {} })).status).toBe(200);
    expect((await call('POST', '/api/tenants/{id}/checkout', { params: id, body: { token: 'forged' } })).status).toBe(403);
    expect((await call('POST', '/api/tenants/{id}/checkout', { params: { id: 'no-such-tenant' }, body: { token: 'forged' } })).status).toBe(404);
    expect((await call('POST', '/api/tenants/{id}/checkout', { params: id, body: {} })).status).toBe(401);
    expect((await call('POST', '/api/tenants/{id}/checkout', { params: id, body: { token: 42 } })).status).toBe(400);
    const token = await launchpad.deps.links.sign(tenantId, new Date());
    expect((await call('POST', '/api/tenants/{id}/billing-portal', { params: id, body: { token } })).status).toBe(409);
    expect((await call('POST', '/api/tenants/{id}/billing-portal', { params: id, body: {}, headers: { 'content-type': 'text/plain' } })).status).toBe(415);

    // Per client address: 10 an hour, whatever the tenant.
    const answers = await Promise.all(Array.from({ length: 11 }, () => call('POST', '/api/tenants/{id}/upgrade-link', { params: id })));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(10).fill(202), 429]);
  });

  it('the Stripe webhook: signed events, a duplicate, a bad signature, a signed body that is no event', async () => {
    const secret = (await launchpad.deps.secrets.get(LOCAL_WEBHOOK_SECRET_NAME))!;
    const signed = (payload: string) => ({ body: payload, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) } });
    const event = JSON.stringify({ id: `evt_contract_${Date.now()}`, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), livemode: false, data: { object: { id: 'cus_contract' } } });
    expect((await call('POST', '/api/webhooks/stripe', signed(event))).status).toBe(200);
    expect((await call('POST', '/api/webhooks/stripe', signed(event))).json).toMatchObject({ duplicate: true });
    expect((await call('POST', '/api/webhooks/stripe', { body: event, headers: { 'stripe-signature': 't=1,v1=00' } })).status).toBe(400);
    expect((await call('POST', '/api/webhooks/stripe', signed('{"hello":"world"}'))).status).toBe(400);
  });

  it('magic links: sent, invalid, and refused past the limit with Retry-After', async () => {
    const body = { email: `admin@${subdomain}.example`, subdomain };
    expect((await call('POST', '/api/auth/magic-link', { body: { email: 'nope' } })).status).toBe(400);
    const answers = await Promise.all(Array.from({ length: MAGIC_LINK_LIMIT.perWindow + 1 }, () => call('POST', '/api/auth/magic-link', { body })));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(MAGIC_LINK_LIMIT.perWindow).fill(202), 429]);
  });

  it('calendar OAuth: start and callback redirect; unknown provider, tenant or state; an app not configured', async () => {
    const start = await call('GET', '/api/oauth/{provider}/start', { params: { provider: 'google' }, query: { tenant: subdomain } });
    expect(start.status).toBe(302);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    expect((await call('GET', '/api/oauth/{provider}/callback', { params: { provider: 'google' }, query: { state, code: 'abc' } })).status).toBe(302);
    expect((await call('GET', '/api/oauth/{provider}/callback', { params: { provider: 'google' }, query: { state: 'forged' } })).status).toBe(400);
    expect((await call('GET', '/api/oauth/{provider}/callback', { params: { provider: 'yahoo' }, query: { state } })).status).toBe(404);
    expect((await call('GET', '/api/oauth/{provider}/start', { params: { provider: 'yahoo' }, query: { tenant: subdomain } })).status).toBe(404);
    expect((await call('GET', '/api/oauth/{provider}/start', { params: { provider: 'google' }, query: { tenant: 'no-such-tenant' } })).status).toBe(404);
    expect((await call('GET', '/api/oauth/{provider}/start', { params: { provider: 'microsoft' }, query: { tenant: subdomain } })).status).toBe(503);
  });

  it('signs out (also from another site: refused), and refuses verification attempts past the limit', async () => {
    expect((await call('DELETE', '/api/auth/session', { cookie, body: {}, headers: { origin: 'https://elsewhere.example' } })).status).toBe(403);
    expect((await call('DELETE', '/api/auth/session', { cookie, body: {} })).status).toBe(204);
    expect((await call('GET', '/api/auth/session', { cookie })).status).toBe(401);
    // Last: 30 attempts an hour per client, the ones above included; this client cannot verify any more.
    const answers = await Promise.all(Array.from({ length: 31 }, () => call('POST', '/api/signups/verify', { body: {} })));
    expect(answers.some((a) => a.status === 429)).toBe(true);
  });

  it('drove every route of the document', () => {
    const driven = new Set([...seen].map((answer) => answer.split(' ').slice(0, 2).join(' ')));
    expect(API_ROUTES.map((route) => `${route.method} ${route.path}`).filter((key) => !driven.has(key))).toEqual([]);
  });
});
