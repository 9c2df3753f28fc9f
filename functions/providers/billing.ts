import type Stripe from 'stripe';

export interface CheckoutRequest {
  tenantId: string;
  email: string;
  successUrl: string;
  cancelUrl: string;
}

/** Port to billing: Stripe in AWS and in test mode; a local checkout page on the embedded default. */
export interface Billing {
  checkoutUrl(request: CheckoutRequest): Promise<string>;
  portalUrl(request: { customerId: string; returnUrl: string }): Promise<string>;
  /** The event, if the signature over the exact raw body is valid and recent; rejects otherwise. */
  verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event>;
}

/** Signature verification is the SDK's own (HMAC over the raw bytes, 5-minute tolerance). */
export function verifyStripeEvent(stripe: Pick<Stripe, 'webhooks'>, rawBody: string, signature: string | undefined, webhookSecret: string): Stripe.Event {
  return stripe.webhooks.constructEvent(rawBody, signature ?? '', webhookSecret);
}

export class StripeBilling implements Billing {
  constructor(
    private readonly stripe: Stripe,
    private readonly options: { priceId: string; webhookSecret: string },
  ) {}

  async checkoutUrl({ tenantId, email, successUrl, cancelUrl }: CheckoutRequest): Promise<string> {
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: this.options.priceId, quantity: 1 }],
        client_reference_id: tenantId,
        customer_email: email,
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
}
