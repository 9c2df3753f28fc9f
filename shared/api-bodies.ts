import * as z from 'zod/mini';

/**
 * JSON bodies of the API that belong to no one domain module: the health answer, the 429, the
 * constant "if it exists, a mail is on its way" answers, a redirect URL and the webhook's receipt.
 * The domain ones live beside their domain (shared/signup.ts, settings.ts, auth.ts, ...); all of
 * them are what /api/openapi.json documents (shared/openapi.ts).
 */

/** GET /api/health: 200 `ok`, 503 `unavailable`. */
export const healthSchema = z.object({ status: z.enum(['ok', 'unavailable']) });
export type Health = z.infer<typeof healthSchema>;

/** A 429 of a rate limit (functions/api/http.ts tooManyRequests): the same seconds as the Retry-After header. */
export const rateLimitedSchema = z.object({ error: z.string(), retryAfterSeconds: z.int().check(z.minimum(1)) });
export type RateLimited = z.infer<typeof rateLimitedSchema>;

/** A 503 whose sentence the page shows as it is (the CAPTCHA service did not answer). */
export const unavailableSchema = z.object({ error: z.string() });

/** The constant 202 of the routes that mail someone only if they exist (magic link, upgrade link): it tells nothing. */
export const sentNoticeSchema = z.object({ sent: z.string() });
export type SentNotice = z.infer<typeof sentNoticeSchema>;

/**
 * 202 of POST /api/signups when the email already belongs to a signup (confirmed or not, or one
 * removed recently): that address was mailed what to do next (its confirmation link again, a
 * sign-in link to its instance, or why nothing was set up). One body for all, so the answer does
 * not tell which.
 */
export const checkInboxSchema = z.object({ checkInbox: z.literal(true) });
export type CheckInbox = z.infer<typeof checkInboxSchema>;

/** Checkout and billing portal: where to send the browser (Stripe's page). */
export const redirectUrlSchema = z.object({ url: z.string() });
export type RedirectUrl = z.infer<typeof redirectUrlSchema>;

/** The body of the `session-or-link` routes: an admin link token from a mail, or nothing with a session. */
export const adminTokenRequestSchema = z.object({ token: z.optional(z.string()) });

/** 200 of POST /api/webhooks/stripe: received, and what came of it (a duplicate delivery changes nothing). */
export const stripeReceiptSchema = z.object({
  received: z.literal(true),
  duplicate: z.optional(z.literal(true)),
  outcome: z.optional(z.string()),
  /** An earlier delivery applied the change and this one finished what followed it. */
  finished: z.optional(z.literal(true)),
});
export type StripeReceipt = z.infer<typeof stripeReceiptSchema>;
