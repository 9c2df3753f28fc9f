import * as z from 'zod/mini';

/** The Secrets Manager secret of Launchpad's Stripe keys (infra/aws/constructs/tenancy.ts creates it). */
export const STRIPE_SECRET_NAME = 'launchpad/stripe';

/** Its value: JSON with the API key and the webhook's signing secret; anything else kept as it is. */
export const stripeKeysSchema = z.looseObject({ secretKey: z.optional(z.string()), webhookSecret: z.optional(z.string()) });
export type StripeKeys = z.infer<typeof stripeKeysSchema>;

/** A secret (sk_) or restricted (rk_) API key; not a publishable one. */
export const isStripeApiKey = (value: string | undefined): value is string => /^(sk|rk)_(test|live)_\w+$/.test(value ?? '');
export const isWebhookSecret = (value: string | undefined): value is string => /^whsec_\w+$/.test(value ?? '');

/** The keys in the secret's value, or undefined for a value that is not such JSON (the generated placeholder). */
export function parseStripeKeys(value: string | undefined): StripeKeys | undefined {
  try {
    const parsed = stripeKeysSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
