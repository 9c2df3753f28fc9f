import type Stripe from 'stripe';
import type { SubscriptionState } from '../../shared/billing';

export interface CheckoutRequest {
  tenantId: string;
  email: string;
  successUrl: string;
  cancelUrl: string;
  /**
   * The tenant's customer once it has one (recorded from its first completed checkout): later
   * checkouts (a return after a cancellation) subscribe the same customer, so all the tenant's
   * subscriptions are found under it, and an open session of that customer is reused.
   */
  customerId?: string;
}

/** What refunding a subscription's latest payment did: `nothing-paid` when its latest invoice collected nothing. */
export type RefundOutcome = 'refunded' | 'nothing-paid';

/**
 * Port to billing: Stripe in AWS and in test mode; the local billing (infra/local/local-billing.ts)
 * on the embedded default, which keeps customers and subscriptions the same way. Events only say
 * that something changed: the current state is read with `subscriptions`.
 */
export interface Billing {
  checkoutUrl(request: CheckoutRequest): Promise<string>;
  portalUrl(request: { customerId: string; returnUrl: string }): Promise<string>;
  /** The event, if the signature over the exact raw body is valid and recent; rejects otherwise. */
  verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event>;
  /** Every subscription of the customer as it is now, whatever its status (none for an unknown customer). */
  subscriptions(customerId: string): Promise<SubscriptionState[]>;
  /** Cancels at once (no proration invoice); one already ended counts as done. */
  cancelSubscription(subscriptionId: string, reason: string): Promise<void>;
  /** Refunds what the subscription's latest invoice collected. Safe to repeat: a payment is refunded once. */
  refundLatestPayment(subscriptionId: string): Promise<RefundOutcome>;
}

/** Signature verification is the SDK's own (HMAC over the raw bytes, 5-minute tolerance). */
export function verifyStripeEvent(stripe: Pick<Stripe, 'webhooks'>, rawBody: string, signature: string | undefined, webhookSecret: string): Stripe.Event {
  return stripe.webhooks.constructEvent(rawBody, signature ?? '', webhookSecret);
}

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : value?.id);

/** A Stripe API error's code, read without importing the SDK's classes (it is loaded lazily in Lambda). */
const stripeErrorCode = (error: unknown) => (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined);

const ENDED = new Set(['canceled', 'incomplete_expired']);

export class StripeBilling implements Billing {
  constructor(
    private readonly stripe: Stripe,
    private readonly options: { priceId: string; webhookSecret: string },
  ) {}

  async checkoutUrl({ tenantId, email, successUrl, cancelUrl, customerId }: CheckoutRequest): Promise<string> {
    if (customerId) {
      // A second tab, or a return to the upgrade page: the session still open is the one to pay.
      const open = await this.stripe.checkout.sessions.list({ customer: customerId, status: 'open', limit: 10 });
      const reusable = open.data.find((s) => s.url && s.client_reference_id === tenantId);
      if (reusable?.url) return reusable.url;
    }
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: this.options.priceId, quantity: 1 }],
        client_reference_id: tenantId,
        ...(customerId ? { customer: customerId } : { customer_email: email }),
        subscription_data: { metadata: { tenantId } },
        metadata: { tenantId },
        success_url: successUrl,
        cancel_url: cancelUrl,
      },
      // A double click opens the same session, not two.
      { idempotencyKey: `checkout-${tenantId}-${Math.floor(Date.now() / 60_000)}` },
    );
    if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
    return session.url;
  }

  async portalUrl({ customerId, returnUrl }: { customerId: string; returnUrl: string }): Promise<string> {
    return (await this.stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl })).url;
  }

  async verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event> {
    return verifyStripeEvent(this.stripe, rawBody, signature, this.options.webhookSecret);
  }

  async subscriptions(customerId: string): Promise<SubscriptionState[]> {
    let all: Stripe.Subscription[];
    try {
      // status 'all': the default list leaves out cancelled ones, which are what ends a paid plan.
      all = await this.stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 100 }).autoPagingToArray({ limit: 1000 });
    } catch (error) {
      // A deleted customer has nothing that charges; retrying its events would not change that.
      if (stripeErrorCode(error) === 'resource_missing') return [];
      throw error;
    }
    return all.map((s) => ({ id: s.id, customerId: idOf(s.customer) ?? customerId, status: s.status, created: s.created }));
  }

  async cancelSubscription(subscriptionId: string, reason: string): Promise<void> {
    try {
      await this.stripe.subscriptions.cancel(subscriptionId, { cancellation_details: { comment: reason.slice(0, 500) } });
    } catch (error) {
      // A retry after a cancellation that went through: Stripe refuses to cancel twice.
      const now = await this.stripe.subscriptions.retrieve(subscriptionId).catch(() => undefined);
      if (now && ENDED.has(now.status)) return;
      throw error;
    }
  }

  async refundLatestPayment(subscriptionId: string): Promise<RefundOutcome> {
    const subscription = await this.stripe.subscriptions.retrieve(subscriptionId);
    const invoice = idOf(subscription.latest_invoice);
    if (!invoice) return 'nothing-paid';
    const payments = await this.stripe.invoicePayments.list({ invoice, status: 'paid', limit: 100 });
    let refunded = false;
    for (const { payment } of payments.data) {
      const paymentIntent = idOf(payment.payment_intent);
      const charge = idOf(payment.charge);
      if (!paymentIntent && !charge) continue;
      try {
        await this.stripe.refunds.create(
          { ...(paymentIntent ? { payment_intent: paymentIntent } : { charge: charge! }), reason: 'duplicate', metadata: { subscriptionId } },
          // One refund per payment, however often this runs (the key covers 24 h; after that Stripe refuses a second full refund).
          { idempotencyKey: `refund-${paymentIntent ?? charge}` },
        );
      } catch (error) {
        if (stripeErrorCode(error) !== 'charge_already_refunded') throw error;
      }
      refunded = true;
    }
    return refunded ? 'refunded' : 'nothing-paid';
  }
}

/** StripeBilling whose keys come from Secrets Manager on first use (once per Lambda container). */
export class LazyStripeBilling implements Billing {
  private client: Promise<StripeBilling> | undefined;

  constructor(
    private readonly keys: () => Promise<{ secretKey: string; webhookSecret: string }>,
    private readonly priceId: string,
  ) {}

  private stripe(): Promise<StripeBilling> {
    // Loaded on first use (from the vendor layer in Lambda): it is most of a cold start otherwise.
    this.client ??= Promise.all([this.keys(), import('stripe')])
      .then(([{ secretKey, webhookSecret }, { default: Stripe }]) => new StripeBilling(new Stripe(secretKey), { priceId: this.priceId, webhookSecret }))
      // A failed load (secret not readable yet, a throttled call) is tried again on the next request.
      .catch((error: unknown) => ((this.client = undefined), Promise.reject(error)));
    return this.client;
  }

  async checkoutUrl(request: CheckoutRequest): Promise<string> {
    return (await this.stripe()).checkoutUrl(request);
  }

  async portalUrl(request: { customerId: string; returnUrl: string }): Promise<string> {
    return (await this.stripe()).portalUrl(request);
  }

  async verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event> {
    return (await this.stripe()).verify(rawBody, signature);
  }

  async subscriptions(customerId: string): Promise<SubscriptionState[]> {
    return (await this.stripe()).subscriptions(customerId);
  }

  async cancelSubscription(subscriptionId: string, reason: string): Promise<void> {
    return (await this.stripe()).cancelSubscription(subscriptionId, reason);
  }

  async refundLatestPayment(subscriptionId: string): Promise<RefundOutcome> {
    return (await this.stripe()).refundLatestPayment(subscriptionId);
  }
}
