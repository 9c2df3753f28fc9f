import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { verifyStripeEvent, type Billing, type CheckoutRequest } from '../../functions/providers/billing';
import type { Secrets } from '../../functions/providers/secrets';

export const LOCAL_WEBHOOK_SECRET_NAME = 'launchpad/stripe-local-webhook-secret';

/** The local webhook secret: generated once per data dir, kept with the other local secrets. */
export async function localWebhookSecret(secrets: Secrets): Promise<string> {
  let secret = await secrets.get(LOCAL_WEBHOOK_SECRET_NAME);
  if (!secret) {
    secret = `whsec_${randomBytes(24).toString('hex')}`;
    await secrets.put(LOCAL_WEBHOOK_SECRET_NAME, secret);
  }
  return secret;
}

const id = (prefix: string) => `${prefix}_local_${randomBytes(8).toString('hex')}`;

/**
 * Billing on the embedded default without Stripe keys: checkout and portal are local pages, and
 * paying makes this server post correctly signed Stripe events (the SDK's own test signing) to
 * the real webhook endpoint, which verifies them exactly as it verifies Stripe's.
 */
export class LocalBilling implements Billing {
  private readonly sessions = new Map<string, CheckoutRequest>();

  constructor(
    /** This server's own URL: where the local checkout and portal pages live (local-stripe-pages.ts accepts changes only from there). */
    readonly baseUrl: string,
    private readonly webhookSecret: string,
  ) {}

  async checkoutUrl(request: CheckoutRequest): Promise<string> {
    const sessionId = id('cs');
    this.sessions.set(sessionId, request);
    return `${this.baseUrl}/local-stripe/checkout/${sessionId}`;
  }

  async portalUrl({ customerId, returnUrl }: { customerId: string; returnUrl: string }): Promise<string> {
    return `${this.baseUrl}/local-stripe/portal/${encodeURIComponent(customerId)}?return=${encodeURIComponent(returnUrl)}`;
  }

  async verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event> {
    return verifyStripeEvent(Stripe, rawBody, signature, this.webhookSecret);
  }

  session(sessionId: string): CheckoutRequest | undefined {
    return this.sessions.get(sessionId);
  }

  /** What Stripe does after a successful payment: checkout completed, then the first invoice paid. */
  async pay(sessionId: string): Promise<string> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`No checkout session ${sessionId}`);
    const customer = id('cus');
    const subscription = id('sub');
    const created = Math.floor(Date.now() / 1000);
    await this.deliver('checkout.session.completed', created, {
      id: sessionId, object: 'checkout.session', mode: 'subscription', status: 'complete', payment_status: 'paid',
      client_reference_id: session.tenantId, customer, subscription, customer_email: session.email, metadata: { tenantId: session.tenantId },
    });
    await this.deliver('invoice.paid', created + 1, { id: id('in'), object: 'invoice', customer, status: 'paid' });
    this.sessions.delete(sessionId);
    return session.successUrl;
  }

  /** What the billing portal's "cancel" does at the end of the period (here: at once). */
  async cancel(customerId: string, tenantId: string): Promise<void> {
    await this.deliver('customer.subscription.deleted', Math.floor(Date.now() / 1000), { id: id('sub'), object: 'subscription', customer: customerId, status: 'canceled', metadata: { tenantId } });
  }

  private async deliver(type: string, created: number, object: Record<string, unknown>): Promise<void> {
    const payload = JSON.stringify({ id: id('evt'), object: 'event', api_version: '2025-01-27.acacia', created, livemode: false, type, data: { object } });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.webhookSecret });
    const response = await fetch(`${this.baseUrl}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
    if (!response.ok) throw new Error(`The webhook answered ${response.status} to ${type}: ${await response.text()}`);
  }
}
