import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/api/routes';
import { HANDLED_STRIPE_EVENTS } from '../../functions/billing/stripe-events';
import { SecretStripeKeys, stripeSetup, stripeWebhookUrl, STRIPE_SETUP_MARK } from '../../functions/ops/stripe-setup';

// stripe-setup against the official SDK, its fetch answered by a small stateful Stripe: what it
// creates is there on the next run, so idempotency is the real thing, not a second mock.

type Sent = { method: string; path: string; form: URLSearchParams };
let sent: Sent[];
let endpoints: Array<Record<string, unknown>>;
let portals: Array<Record<string, unknown>>;

const list = (data: unknown[]) => ({ object: 'list', data, has_more: false, url: '/v1/x' });
/** Stripe's form encoding back into an object: a[0]=x&a[1]=y, b[c][d]=z. */
function formObject(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const parts = key.split(/\[|\]\[|\]/).filter(Boolean);
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return root;
}
const values = (object: unknown) => Object.values((object ?? {}) as Record<string, string>);
const bool = (value: unknown) => value === true || value === 'true';

const fakeFetch: typeof fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const request = { method: init?.method ?? 'GET', path: url.pathname, form: new URLSearchParams(typeof init?.body === 'string' ? init.body : '') };
  sent.push(request);
  const body = formObject(request.form);
  let answer: unknown;
  const [, , resource, id] = request.path.split('/');
  if (request.path === '/v1/webhook_endpoints' && request.method === 'GET') answer = list(endpoints);
  else if (request.path === '/v1/webhook_endpoints' && request.method === 'POST') {
    const created = { id: `we_${endpoints.length + 1}`, object: 'webhook_endpoint', url: body.url, enabled_events: values(body.enabled_events), api_version: body.api_version, status: 'enabled', metadata: body.metadata };
    endpoints.push(created);
    answer = { ...created, secret: 'whsec_new' };
  } else if (resource === 'webhook_endpoints' && request.method === 'POST') {
    const existing = endpoints.find((e) => e.id === id)!;
    Object.assign(existing, { enabled_events: values(body.enabled_events), status: bool(body.disabled) ? 'disabled' : 'enabled' });
    answer = existing;
  } else if (request.path === '/v1/billing_portal/configurations' && request.method === 'GET') answer = list(portals);
  else if (request.path.startsWith('/v1/billing_portal/configurations') && request.method === 'POST') {
    const features = body.features as Record<string, Record<string, unknown>>;
    const configuration = {
      object: 'billing_portal.configuration',
      active: true,
      default_return_url: body.default_return_url,
      metadata: body.metadata,
      features: {
        subscription_cancel: { enabled: bool(features.subscription_cancel!.enabled), mode: features.subscription_cancel!.mode },
        payment_method_update: { enabled: bool(features.payment_method_update!.enabled) },
        invoice_history: { enabled: bool(features.invoice_history!.enabled) },
      },
    };
    const [, , , , portalId] = request.path.split('/');
    if (portalId) Object.assign(portals.find((p) => p.id === portalId)!, configuration);
    else portals.push({ id: `bpc_${portals.length + 1}`, ...configuration });
    answer = portals.find((p) => p.id === (portalId ?? `bpc_${portals.length}`));
  }
  if (answer === undefined) return new Response(JSON.stringify({ error: { type: 'invalid_request_error', message: `No route ${request.method} ${request.path}` } }), { status: 404 });
  return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_test' } });
};

const secretsManager = mockClient(SecretsManagerClient);
const stripe = () => new Stripe('sk_test_unit', { httpClient: Stripe.createFetchHttpClient(fakeFetch), maxNetworkRetries: 0 });
const keys = () => new SecretStripeKeys(new SecretsManagerClient({ region: 'eu-west-1' }));
const writes = () => sent.filter((r) => r.method !== 'GET');

beforeEach(() => {
  sent = [];
  endpoints = [];
  portals = [];
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand, { SecretId: 'launchpad/stripe' }).resolves({ SecretString: JSON.stringify({ secretKey: 'sk_live_kept', other: 'kept too' }) });
});

describe('npm run ops -- stripe-setup', () => {
  it('delivers to the route the webhook handler is mounted at', () => {
    expect(API_ROUTES.some((r) => r.method === 'POST' && stripeWebhookUrl('spaceos.io') === `https://spaceos.io${r.path}` && r.entry === 'stripe-webhook')).toBe(true);
  });

  it('creates the endpoint with the handled events and stores its signing secret next to the key; a second run changes nothing', async () => {
    const first = await stripeSetup(stripe(), keys(), 'spaceos.io');
    expect(first.changed).toBe(true);
    const create = sent.find((r) => r.method === 'POST' && r.path === '/v1/webhook_endpoints')!;
    const params = formObject(create.form);
    expect(params).toMatchObject({ url: 'https://spaceos.io/api/webhooks/stripe', api_version: Stripe.API_VERSION, metadata: STRIPE_SETUP_MARK });
    expect(values(params.enabled_events)).toEqual([...HANDLED_STRIPE_EVENTS]);
    // PutSecretValue (the stack owns the secret: never CreateSecret), keeping what was there.
    const put = secretsManager.commandCalls(PutSecretValueCommand);
    expect(put).toHaveLength(1);
    expect(put[0]!.args[0].input.SecretId).toBe('launchpad/stripe');
    expect(JSON.parse(put[0]!.args[0].input.SecretString!)).toEqual({ secretKey: 'sk_live_kept', other: 'kept too', webhookSecret: 'whsec_new' });
    expect(portals).toEqual([expect.objectContaining({ default_return_url: 'https://spaceos.io', metadata: STRIPE_SETUP_MARK, features: { subscription_cancel: { enabled: true, mode: 'at_period_end' }, payment_method_update: { enabled: true }, invoice_history: { enabled: true } } })]);
    expect(first.lines.at(-1)).toBe('Stripe is set up.');

    secretsManager.on(GetSecretValueCommand, { SecretId: 'launchpad/stripe' }).resolves({ SecretString: JSON.stringify({ secretKey: 'sk_live_kept', webhookSecret: 'whsec_new' }) });
    sent = [];
    const second = await stripeSetup(stripe(), keys(), 'spaceos.io');
    expect(second.changed).toBe(false);
    expect(writes()).toEqual([]);
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(second.lines).toEqual([
      'Webhook endpoint https://spaceos.io/api/webhooks/stripe (we_1): unchanged',
      'Billing portal configuration bpc_1: unchanged',
      'Nothing to change: Stripe was already set up.',
    ]);
  });

  it("sets an existing endpoint's events (and enables it) without touching its secret; says when the secret is not stored", async () => {
    endpoints.push({ id: 'we_hand', object: 'webhook_endpoint', url: 'https://spaceos.io/api/webhooks/stripe', enabled_events: ['invoice.paid'], status: 'disabled', api_version: null, metadata: {} });
    portals.push({ id: 'bpc_old', object: 'billing_portal.configuration', active: false, default_return_url: null, metadata: STRIPE_SETUP_MARK, features: { subscription_cancel: { enabled: false, mode: 'immediately' }, payment_method_update: { enabled: true }, invoice_history: { enabled: true } } });
    const result = await stripeSetup(stripe(), keys(), 'spaceos.io');
    expect(writes().map((r) => r.path)).toEqual(['/v1/webhook_endpoints/we_hand', '/v1/billing_portal/configurations/bpc_old']);
    expect(endpoints[0]).toMatchObject({ enabled_events: [...HANDLED_STRIPE_EVENTS], status: 'enabled' });
    expect(portals[0]).toMatchObject({ active: true, features: { subscription_cancel: { enabled: true, mode: 'at_period_end' } } });
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(result.lines[1]).toContain('Its signing secret is not in launchpad/stripe');
  });

  it('refuses before the stack exists (the secret it would write is the stack\'s)', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('no secret'), { name: 'ResourceNotFoundException' }));
    await expect(stripeSetup(stripe(), keys(), 'spaceos.io')).rejects.toThrow('deploy first');
    expect(writes()).toEqual([]);
  });
});
