import * as z from 'zod/mini';
import { emailSchema } from './signup';
import { subdomainSchema } from './subdomain';

/** A link asked for on the sign-in page: single use, short-lived (it sits in a mailbox). */
export const MAGIC_LINK_MINUTES = 15;
/** The welcome mail's link: single use too, but it must survive until the admin reads the mail. */
export const WELCOME_LINK_HOURS = 72;
export const SIGN_IN_LINK_LABEL = `${WELCOME_LINK_HOURS} hours`;
export const SESSION_HOURS = 12;
/** Magic links one address (and one client IP) may ask for per window. */
export const MAGIC_LINK_LIMIT = { perWindow: 5, windowMinutes: 15 };

export const magicLinkRequestSchema = z.object({ email: emailSchema, subdomain: subdomainSchema });
export type MagicLinkRequest = z.infer<typeof magicLinkRequestSchema>;
export const sessionRequestSchema = z.object({ token: z.string('The sign-in link is incomplete').check(z.regex(/^[A-Za-z0-9_-]{20,100}$/, 'The sign-in link is incomplete')) });

/** GET /api/auth/session, and the 200 of POST /api/auth/session */
export const sessionViewSchema = z.object({
  tenantId: z.string(),
  subdomain: z.string(),
  companyName: z.string(),
  email: z.string(),
  expiresAt: z.iso.datetime(),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/** The web page the mailed link opens; it exchanges the token for a session (a GET would be spent by mail scanners). */
export const signInPageUrl = (siteUrl: string, token: string) => `${siteUrl}/signin?token=${encodeURIComponent(token)}`;
