import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Stripe from 'stripe';
import * as z from 'zod/mini';
import { isLiveSubscription, type SubscriptionState } from '../../shared/billing';
import { verifyStripeEvent, type Billing, type CheckoutRequest, type RefundOutcome } from '../../functions/providers/billing';
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
const seconds = () => Math.floor(Date.now() / 1000);

/** The plan's price in cents (what a local payment collects). */
const PRICE_CENTS = 14_900;

const paymentSchema = z.object({ id: z.string(), amount: z.number(), at: z.number(), refunded: z.boolean() });
const subscriptionSchema = z.object({ id: z.string(), customerId: z.string(), tenantId: z.string(), status: z.string(), created: z.number(), payments: z.array(paymentSchema) });
const sessionSchema = z.object({
  id: z.string(), tenantId: z.string(), email: z.string(), customerId: z.optional(z.string()), successUrl: z.string(), cancelUrl: z.string(), status: z.enum(['open', 'complete']), created: z.number(),
});
/** What the local billing keeps, as Stripe keeps it: customers, their subscriptions (with payments), checkout sessions. */
const stateSchema = z.object({
  customers: z.record(z.string(), z.object({ id: z.string(), email: z.string(), tenantId: z.string() })),
  subscriptions: z.record(z.string(), subscriptionSchema),
  sessions: z.record(z.string(), sessionSchema),
});
type State = z.infer<typeof stateSchema>;
export type LocalSubscription = z.infer<typeof subscriptionSchema>;
export type LocalCheckoutSession = z.infer<typeof sessionSchema>;

/** Posts one signed event: to this server's webhook by default; tests collect them to deliver in any order. */
export type EventSender = (payload: string, signature: string) => Promise<void>;

/**
 * Billing on the embedded default without Stripe keys. It keeps customers, subscriptions and
 * checkout sessions in the data dir (`billing.json`, so they survive a restart) and answers the
 * Billing port's calls from them exactly as Stripe answers from its own: the same domain code runs
 * on both. Checkout and portal are local pages; paying, a failed renewal or a cancellation change
 * this state first and then post correctly signed Stripe events (the SDK's own test signing) to the
 * real webhook endpoint, which verifies them exactly as it verifies Stripe's and reads the state back.
 */
export class LocalBilling implements Billing {
  private state: State;
  private readonly send: EventSender;
  private readonly file: string | undefined;
  private readonly log: (line: string) => void;

  constructor(
    /** This server's own URL: where the local checkout and portal pages live (local-stripe-pages.ts accepts changes only from there). */
    readonly baseUrl: string,
    private readonly webhookSecret: string,
    options: { file?: string; send?: EventSender; log?: (line: string) => void } = {},
  ) {
    this.file = options.file;
    this.log = options.log ?? ((line) => console.warn(line));
    this.send = options.send ?? ((payload, signature) => this.post(payload, signature));
    this.state = this.load();
  }

  // --- the Billing port ------------------------------------------------------------------------

  async checkoutUrl(request: CheckoutRequest): Promise<string> {
    // As StripeBilling: a known customer's session still open is reused; otherwise a new one.
    const open = request.customerId ? Object.values(this.state.sessions).find((s) => s.status === 'open' && s.customerId === request.customerId && s.tenantId === request.tenantId) : undefined;
    const session: LocalCheckoutSession = open ?? {
      id: id('cs'), tenantId: request.tenantId, email: request.email, ...(request.customerId ? { customerId: request.customerId } : {}),
      successUrl: request.successUrl, cancelUrl: request.cancelUrl, status: 'open', created: seconds(),
    };
    this.update((state) => (state.sessions[session.id] = session));
    return `${this.baseUrl}/local-stripe/checkout/${session.id}`;
  }

  async portalUrl({ customerId, returnUrl }: { customerId: string; returnUrl: string }): Promise<string> {
    return `${this.baseUrl}/local-stripe/portal/${encodeURIComponent(customerId)}?return=${encodeURIComponent(returnUrl)}`;
  }

  async verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event> {
    return verifyStripeEvent(Stripe, rawBody, signature, this.webhookSecret);
  }

  async subscriptions(customerId: string): Promise<SubscriptionState[]> {
    return this.subscriptionsOf(customerId).map(({ id: subscriptionId, customerId: customer, status, created }) => ({ id: subscriptionId, customerId: customer, status, created }));
  }

  async cancelSubscription(subscriptionId: string, reason: string): Promise<void> {
    const subscription = this.state.subscriptions[subscriptionId];
    if (!subscription) throw new Error(`No such subscription: ${subscriptionId}`);
    if (!isLiveSubscription(subscription.status)) return;
    this.update((state) => (state.subscriptions[subscriptionId]!.status = 'canceled'));
    this.log(`Local billing: subscription ${subscriptionId} cancelled (${reason})`);
    // Stripe tells of it later, on its own: not part of this call's outcome.
    void this.deliver('customer.subscription.deleted', this.subscriptionObject(subscriptionId)).catch((error: unknown) => this.log(`Local billing: posting the cancellation failed: ${String(error)}`));
  }

  async refundLatestPayment(subscriptionId: string): Promise<RefundOutcome> {
    const subscription = this.state.subscriptions[subscriptionId];
    if (!subscription) throw new Error(`No such subscription: ${subscriptionId}`);
    const latest = subscription.payments.at(-1);
    if (!latest) return 'nothing-paid';
    if (!latest.refunded) this.update((state) => (state.subscriptions[subscriptionId]!.payments.at(-1)!.refunded = true));
    return 'refunded';
  }

  // --- Stripe's side: what its pages and its billing engine do -----------------------------------

  session(sessionId: string): LocalCheckoutSession | undefined {
    return this.state.sessions[sessionId];
  }

  subscription(subscriptionId: string): LocalSubscription | undefined {
    return this.state.subscriptions[subscriptionId];
  }

  subscriptionsOf(customerId: string): LocalSubscription[] {
    return Object.values(this.state.subscriptions).filter((s) => s.customerId === customerId);
  }

  /**
   * What Stripe does after a successful payment: the customer (new unless the session named one)
   * and an active subscription with its first payment, then checkout completed and the first
   * invoice paid. Returns where the customer goes next; the created subscription's id is on the
   * session's customer (`subscriptionsOf`).
   */
  async pay(sessionId: string): Promise<string> {
    const session = this.state.sessions[sessionId];
    if (!session || session.status !== 'open') throw new Error(`No open checkout session ${sessionId}`);
    const customerId = session.customerId ?? id('cus');
    const subscriptionId = id('sub');
    const created = seconds();
    this.update((state) => {
      state.customers[customerId] ??= { id: customerId, email: session.email, tenantId: session.tenantId };
      state.subscriptions[subscriptionId] = { id: subscriptionId, customerId, tenantId: session.tenantId, status: 'active', created, payments: [{ id: id('pi'), amount: PRICE_CENTS, at: created, refunded: false }] };
      state.sessions[sessionId] = { ...session, customerId, status: 'complete' };
    });
    await this.deliver('checkout.session.completed', {
      id: sessionId, object: 'checkout.session', mode: 'subscription', status: 'complete', payment_status: 'paid',
      client_reference_id: session.tenantId, customer: customerId, subscription: subscriptionId, customer_email: session.email, metadata: { tenantId: session.tenantId },
    });
    await this.deliver('invoice.paid', this.invoiceObject(subscriptionId, 'paid'));
    return session.successUrl;
  }

  /** What Stripe does when a renewal's payment fails: the subscription is past due. */
  async failRenewal(subscriptionId: string): Promise<void> {
    this.setStatus(subscriptionId, 'past_due');
    await this.deliver('invoice.payment_failed', this.invoiceObject(subscriptionId, 'open'));
    await this.deliver('customer.subscription.updated', this.subscriptionObject(subscriptionId));
  }

  /** What Stripe does when a (retried) renewal is paid: a payment, and the subscription active again. */
  async payRenewal(subscriptionId: string): Promise<void> {
    this.setStatus(subscriptionId, 'active', { id: id('pi'), amount: PRICE_CENTS, at: seconds(), refunded: false });
    await this.deliver('invoice.paid', this.invoiceObject(subscriptionId, 'paid'));
    await this.deliver('customer.subscription.updated', this.subscriptionObject(subscriptionId));
  }

  /** What the billing portal's "cancel" does at the end of the period (here: at once), for each live subscription of the customer. */
  async cancel(customerId: string): Promise<void> {
    for (const subscription of this.subscriptionsOf(customerId).filter((s) => isLiveSubscription(s.status))) {
      this.setStatus(subscription.id, 'canceled');
      await this.deliver('customer.subscription.deleted', this.subscriptionObject(subscription.id));
    }
  }

  // --- inside ------------------------------------------------------------------------------------

  private setStatus(subscriptionId: string, status: string, payment?: LocalSubscription['payments'][number]): void {
    if (!this.state.subscriptions[subscriptionId]) throw new Error(`No such subscription: ${subscriptionId}`);
    this.update((state) => {
      const subscription = state.subscriptions[subscriptionId]!;
      subscription.status = status;
      if (payment) subscription.payments.push(payment);
    });
  }

  private subscriptionObject(subscriptionId: string) {
    const s = this.state.subscriptions[subscriptionId]!;
    return { id: s.id, object: 'subscription', customer: s.customerId, status: s.status, created: s.created, metadata: { tenantId: s.tenantId } };
  }

  private invoiceObject(subscriptionId: string, status: string) {
    const s = this.state.subscriptions[subscriptionId]!;
    return { id: id('in'), object: 'invoice', customer: s.customerId, status, parent: { type: 'subscription_details', subscription_details: { subscription: s.id, metadata: { tenantId: s.tenantId } } } };
  }

  private async deliver(type: string, object: Record<string, unknown>): Promise<void> {
    const payload = JSON.stringify({ id: id('evt'), object: 'event', api_version: '2026-10-28.endive', created: seconds(), livemode: false, type, data: { object } });
    await this.send(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: this.webhookSecret }));
  }

  private async post(payload: string, signature: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
    if (!response.ok) throw new Error(`The webhook answered ${response.status}: ${await response.text()}`);
  }

  /** Changes the state and writes it through (whole file, replaced atomically: a crash leaves the old or the new). */
  private update(change: (state: State) => void): void {
    change(this.state);
    if (!this.file) return;
    writeFileSync(`${this.file}.partial`, JSON.stringify(this.state, null, 2));
    renameSync(`${this.file}.partial`, this.file);
  }

  private load(): State {
    const empty: State = { customers: {}, subscriptions: {}, sessions: {} };
    if (!this.file) return empty;
    mkdirSync(dirname(this.file), { recursive: true });
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return empty;
    }
    // A file that does not read back is not guessed at: starting empty would forget who pays.
    return stateSchema.parse(JSON.parse(text));
  }
}
