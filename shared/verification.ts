import * as z from 'zod/mini';
import { escapeHtml as escape } from './html';
import type { Email } from './emails';

/** How long a verification link works, and how long an unverified signup is kept before it is removed. */
export const VERIFICATION_HOURS = 24;

/** The web page the verification mail links to (it posts the token to VERIFY_PATH). */
export const verifyPageUrl = (siteUrl: string, tenantId: string, token: string) =>
  `${siteUrl.replace(/\/$/, '')}/verify?tenant=${encodeURIComponent(tenantId)}&token=${encodeURIComponent(token)}`;

/** POST /api/signups/verify */
export const verifyEmailRequestSchema = z.object({
  tenantId: z.string().check(z.minLength(1), z.maxLength(100)),
  token: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type VerifyEmailRequest = z.infer<typeof verifyEmailRequestSchema>;

/** 200 of POST /api/signups/verify: the admin proved the mailbox, and now holds the admin token. */
export const emailVerifiedSchema = z.object({ tenantId: z.string(), statusUrl: z.string(), adminToken: z.string() });
export type EmailVerified = z.infer<typeof emailVerifiedSchema>;

/**
 * The first mail of a signup, sent to whatever address was typed: fixed text only, nothing the
 * signer typed (no company or person name in the From name, subject or body), so it cannot carry
 * someone's phishing text on spaceOS's domain.
 */
export function verificationEmail({ url }: { url: string }): Email {
  const subject = 'Confirm your email address for spaceOS';
  const lines = [
    'Someone (we hope you) signed up for a spaceOS trial with this email address.',
    'Confirm the address to open your spaceOS instance and start your 14-day trial:',
  ];
  const ignore = `If it was not you, ignore this mail: nothing is set up in your name, and the signup is removed within ${VERIFICATION_HOURS} hours.`;
  const text = `${lines.join('\n\n')}\n\n${url}\n\n${ignore}\n\n--\nspaceOS\n`;
  const html = `<!doctype html><html><body style="margin:0;background:#f5f6fa;font-family:Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px"><tr><td style="padding:24px;font-size:15px;line-height:1.5">
${lines.map((l) => `<p>${escape(l)}</p>`).join('')}
<p><a href="${escape(url)}" style="display:inline-block;background:#0f766e;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:bold">Confirm my email</a></p>
<p style="font-size:13px;color:#6b7280">${escape(ignore)}</p>
</td></tr></table></td></tr></table></body></html>`;
  return { subject, html, text };
}
