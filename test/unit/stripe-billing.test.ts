import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { StripeBilling } from '../../functions/providers/billing';
import { billingStateOf, type SubscriptionState } from '../../shared/billing';

// StripeBilling's calls against the official SDK, with the SDK's own fetch client pointed at a
// fetch this test answers: the requests are the SDK's real ones, nothing goes to the network.

type Sent = { method: string; path: string; query: URLSearchParams; form: URLSearchParams; idempotencyKey: string | null };
type Answer = { status?: number; body: unknown };

let sent: Sent[];
let routes: Map<string, (request: Sent) => Answer>;

const fakeFetch: typeof fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const headers = new Headers(init?.headers);
  const request: Sent = { method: init?.method ?? 'GET', path: url.pathname, query: url.searchParams, form: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''), idempotencyKey: headers.get('idempotency-key') };
  sent.push(request);
  const route = routes.get(`${request.method} ${request.path}`);
  const answer = route ? route(request) : { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No route ${request.method} ${request.path}` } } };
  return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { 'content-type': 'application/json', 'request-id': 'req_test' } });
};

const billing = () =>
  new StripeBilling(new Stripe('sk_test_unit', { httpClient: Stripe.createFetchHttpClient(fakeFetch), maxNetworkRetries: 0 }), { priceId: 'price_paid', webhookSecret: 'whsec_unit' });
const list = (data: unknown[], hasMore = false, url = '/v1/x') => ({ object: 'list', data, has_more: hasMore, url });
const subscription = (id: string, status: string, extra: Record<string, unknown> = {}) => ({ id, object: 'subscription', customer: 'cus_1', status, created: 1_764_000_000, metadata: {}, latest_invoice: null, ...extra });
const stripeError = (code: string) => ({ status: 400, body: { error: { type: 'invalid_request_error', code, message: code } } });

beforeEach(() => {
  sent = [];
  routes = new Map();
});

describe('StripeBilling, against the SDK', () => {
  it("lists every subscription of the customer, cancelled ones included, page by page", async () => {
    routes.set('GET /v1/subscriptions', ({ query }) =>
      query.get('starting_after') === 'sub_a'
        ? { body: list([subscription('sub_b', 'canceled', { created: 1_764_000_100 })], false, '/v1/subscriptions') }
        : { body: list([subscription('sub_a', 'active')], true, '/v1/subscriptions') },
    );
    expect(await billing().subscriptions('cus_1')).toEqual([
      { id: 'sub_a', customerId: 'cus_1', status: 'active', created: 1_764_000_000 },
      { id: 'sub_b', customerId: 'cus_1', status: 'canceled', created: 1_764_000_100 },
    ]);
    expect(sent).toHaveLength(2);
    for (const request of sent) expect(Object.fromEntries(request.query)).toMatchObject({ customer: 'cus_1', status: 'all' });

    // A customer deleted in Stripe has no subscriptions (its late events change nothing, and are not retried).
    routes.set('GET /v1/subscriptions', () => stripeError('resource_missing'));
    expect(await billing().subscriptions('cus_gone')).toEqual([]);
    // Any other failure is Stripe's retry to make.
    routes.set('GET /v1/subscriptions', () => ({ status: 500, body: { error: { type: 'api_error', message: 'Stripe is down' } } }));
    await expect(billing().subscriptions('cus_1')).rejects.toThrow('Stripe is down');
  });

  it('cancels a subscription at once, and counts one cancelled before (a retry) as done', async () => {
    routes.set('DELETE /v1/subscriptions/sub_dup', () => ({ body: subscription('sub_dup', 'canceled') }));
    await billing().cancelSubscription('sub_dup', 'Duplicate: tenant t-1 keeps sub_kept');
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /v1/subscriptions/sub_dup']);
    // The SDK sends a DELETE's parameters in the query string.
    expect(sent[0]!.query.get('cancellation_details[comment]')).toBe('Duplicate: tenant t-1 keeps sub_kept');

    sent = [];
    routes.set('DELETE /v1/subscriptions/sub_dup', () => stripeError('resource_missing'));
    routes.set('GET /v1/subscriptions/sub_dup', () => ({ body: subscription('sub_dup', 'canceled') }));
    await expect(billing().cancelSubscription('sub_dup', 'again')).resolves.toBeUndefined();

    // Refused while it still lives: an error, for the webhook to retry.
    routes.set('GET /v1/subscriptions/sub_dup', () => ({ body: subscription('sub_dup', 'active') }));
    await expect(billing().cancelSubscription('sub_dup', 'again')).rejects.toThrow('resource_missing');
  });

  it("refunds what the latest invoice collected, once per payment however often it is asked", async () => {
    routes.set('GET /v1/subscriptions/sub_dup', () => ({ body: subscription('sub_dup', 'canceled', { latest_invoice: 'in_1' }) }));
    routes.set('GET /v1/invoice_payments', () => ({ body: list([{ id: 'inpay_1', object: 'invoice_payment', status: 'paid', payment: { type: 'payment_intent', payment_intent: 'pi_1' } }]) }));
    routes.set('POST /v1/refunds', () => ({ body: { id: 're_1', object: 'refund', status: 'succeeded' } }));
    expect(await billing().refundLatestPayment('sub_dup')).toBe('refunded');
    const refund = sent.find((r) => r.path === '/v1/refunds')!;
    expect(Object.fromEntries(refund.form)).toMatchObject({ payment_intent: 'pi_1', reason: 'duplicate', 'metadata[subscriptionId]': 'sub_dup' });
    expect(refund.idempotencyKey).toBe('refund-pi_1');
    expect(Object.fromEntries(sent.find((r) => r.path === '/v1/invoice_payments')!.query)).toMatchObject({ invoice: 'in_1', status: 'paid' });

    // Asked again after the idempotency key expired: Stripe says it is refunded already.
    routes.set('POST /v1/refunds', () => stripeError('charge_already_refunded'));
    expect(await billing().refundLatestPayment('sub_dup')).toBe('refunded');
    // Any other refusal is the caller's to report (ops refund by hand).
    routes.set('POST /v1/refunds', () => stripeError('charge_disputed'));
    await expect(billing().refundLatestPayment('sub_dup')).rejects.toThrow('charge_disputed');
  });

  it('refunds nothing for a subscription whose latest invoice does not exist', async () => {
    routes.set('GET /v1/subscriptions/sub_new', () => ({ body: subscription('sub_new', 'incomplete') }));
    expect(await billing().refundLatestPayment('sub_new')).toBe('nothing-paid');
    expect(sent.map((r) => r.path)).toEqual(['/v1/subscriptions/sub_new']);
  });

  it("reuses a known customer's open checkout session, and opens one for a first checkout", async () => {
    const request = { tenantId: 't-1', email: 'bea@example.com', successUrl: 'https://spaceos.io/status/t-1?upgraded=1', cancelUrl: 'https://spaceos.io/status/t-1' };
    routes.set('GET /v1/checkout/sessions', () => ({ body: list([{ id: 'cs_open', object: 'checkout.session', url: 'https://checkout.stripe.com/c/cs_open', client_reference_id: 't-1' }]) }));
    routes.set('POST /v1/checkout/sessions', () => ({ body: { id: 'cs_new', object: 'checkout.session', url: 'https://checkout.stripe.com/c/cs_new' } }));

    expect(await billing().checkoutUrl({ ...request, customerId: 'cus_1' })).toBe('https://checkout.stripe.com/c/cs_open');
    expect(Object.fromEntries(sent[0]!.query)).toMatchObject({ customer: 'cus_1', status: 'open' });
    expect(sent.map((r) => r.method)).toEqual(['GET']);

    sent = [];
    expect(await billing().checkoutUrl(request)).toBe('https://checkout.stripe.com/c/cs_new');
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/checkout/sessions']);
    expect(Object.fromEntries(sent[0]!.form)).toMatchObject({ customer_email: 'bea@example.com', client_reference_id: 't-1', 'subscription_data[metadata][tenantId]': 't-1' });

    // A returning customer with no open session subscribes under the same customer.
    sent = [];
    routes.set('GET /v1/checkout/sessions', () => ({ body: list([]) }));
    expect(await billing().checkoutUrl({ ...request, customerId: 'cus_1' })).toBe('https://checkout.stripe.com/c/cs_new');
    expect(sent[1]!.form.get('customer')).toBe('cus_1');
    expect(sent[1]!.form.has('customer_email')).toBe(false);
  });
});

describe('billing state from the subscriptions as they are', () => {
  const sub = (id: string, status: string, created: number): SubscriptionState => ({ id, customerId: 'cus_1', status, created });

  it('keeps the recorded subscription while it lives, else the oldest, and calls every other live one a duplicate', () => {
    const older = sub('sub_old', 'active', 1);
    const newer = sub('sub_new', 'past_due', 2);
    expect(billingStateOf([newer, older])).toEqual({ kind: 'live', keep: older, status: 'ACTIVE', duplicates: [newer] });
    expect(billingStateOf([older, newer], 'sub_new')).toEqual({ kind: 'live', keep: newer, status: 'PAST_DUE', duplicates: [older] });
  });

  it('is ended once a subscription was cancelled and none lives, and none for a first payment that never went through', () => {
    expect(billingStateOf([sub('sub_1', 'canceled', 1), sub('sub_2', 'incomplete_expired', 2)])).toEqual({ kind: 'ended', last: sub('sub_1', 'canceled', 1) });
    expect(billingStateOf([sub('sub_2', 'incomplete_expired', 2), sub('sub_3', 'incomplete', 3)])).toEqual({ kind: 'none' });
    expect(billingStateOf([])).toEqual({ kind: 'none' });
  });
});
