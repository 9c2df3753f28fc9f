import * as z from 'zod/mini';
import type { Email } from './emails';
import { escapeHtml as escape } from './html';

/**
 * Mail that could not be delivered: the welcome mail's own delivery state (kept on the tenant,
 * retried on its own schedule, never a provisioning failure), and what SES tells us afterwards
 * (bounces and complaints, parsed here because the notification is untrusted input).
 */

/** How long a sender holds the welcome mail's claim: a sender that dies with it is replaced after this. */
export const WELCOME_LEASE_MS = 5 * 60_000;
/** Waits after each failed attempt; one more failure after the last gives up (7 attempts over ~10 hours). */
export const WELCOME_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 3 * 3_600_000, 6 * 3_600_000] as const;
export const WELCOME_MAX_ATTEMPTS = WELCOME_RETRY_DELAYS_MS.length + 1;

/** When the next attempt is due after `attempts` failed ones; undefined once they are used up. */
export function nextWelcomeAttemptAt(attempts: number, at: Date): string | undefined {
  const delay = WELCOME_RETRY_DELAYS_MS[attempts - 1];
  return attempts < WELCOME_MAX_ATTEMPTS && delay !== undefined ? new Date(at.getTime() + delay).toISOString() : undefined;
}

export const WELCOME_MAIL_STATUSES = ['sending', 'sent', 'retrying', 'failed'] as const;

/**
 * The welcome mail's delivery, on the tenant item. `sending` is a claim (provisioning, the email
 * confirmation or the retry job: one of them sends, the others see the claim), held until
 * `leaseUntil`; `lastError` is our own generic sentence, never the mail service's answer.
 */
export const welcomeMailSchema = z.object({
  status: z.enum(WELCOME_MAIL_STATUSES),
  attempts: z.number(),
  by: z.optional(z.string()),
  leaseUntil: z.optional(z.string()),
  nextAttemptAt: z.optional(z.string()),
  lastError: z.optional(z.string()),
  sentAt: z.optional(z.string()),
});
export type WelcomeMail = z.infer<typeof welcomeMailSchema>;

/** Our words for why a mail did not go out (the service's own answer goes to the log and to ops). */
export const MAIL_ERRORS = {
  rejected: 'The mail service did not accept the message for this address.',
  unreachable: 'The mail service could not be reached.',
  suppressed: 'Mail to this address bounced before, so no more is sent to it.',
} as const;

/** What the public status page may say about the welcome mail: that it is late, not why. */
export type WelcomeMailNotice = 'retrying' | 'failed';
export const welcomeMailNotice = (mail: WelcomeMail | undefined): WelcomeMailNotice | undefined =>
  mail?.status === 'retrying' || mail?.status === 'failed' ? mail.status : undefined;

// --- SES event publishing (configuration set -> SNS -> functions/mail-events/ses-events.ts) ---

const MAX_ADDRESS = 320;
const address = z.pipe(
  z.string().check(z.minLength(3), z.maxLength(MAX_ADDRESS), z.includes('@')),
  z.transform((s) => s.trim().toLowerCase()),
);
const sesMailSchema = z.object({
  messageId: z.string().check(z.maxLength(200)),
  timestamp: z.optional(z.string()),
  source: z.optional(z.string()),
  destination: z.optional(z.array(z.string())),
  /** Message tags: ours (`tenant`) and SES's own (`ses:configuration-set`, ...). */
  tags: z.optional(z.record(z.string(), z.array(z.string()))),
});
const bounceEventSchema = z.object({
  eventType: z.literal('Bounce'),
  bounce: z.object({
    bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
    bounceSubType: z.string().check(z.maxLength(100)),
    bouncedRecipients: z.array(z.object({ emailAddress: address, status: z.optional(z.string()), diagnosticCode: z.optional(z.string()) })).check(z.minLength(1), z.maxLength(50)),
    timestamp: z.string(),
  }),
  mail: sesMailSchema,
});
const complaintEventSchema = z.object({
  eventType: z.literal('Complaint'),
  complaint: z.object({
    complainedRecipients: z.array(z.object({ emailAddress: address })).check(z.minLength(1), z.maxLength(50)),
    timestamp: z.string(),
    complaintFeedbackType: z.optional(z.string()),
  }),
  mail: sesMailSchema,
});
/** The two notifications the configuration set sends us (event publishing: `eventType`; identity notifications call it `notificationType`). */
export const sesNotificationSchema = z.discriminatedUnion('eventType', [bounceEventSchema, complaintEventSchema]);
export type SesNotification = z.infer<typeof sesNotificationSchema>;

/** `notificationType` (identity notifications) read as `eventType` (event publishing): the bodies are otherwise the same. */
export function normalizeSesNotification(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  return record.eventType === undefined && record.notificationType !== undefined ? { ...record, eventType: record.notificationType } : record;
}

/** The message tag naming the tenant a mail was sent for (SES tag values: letters, digits, `_`, `-`). */
export const TENANT_MAIL_TAG = 'tenant';

// --- Mails to ops ---

function opsMail(subject: string, lines: string[]): Email {
  return {
    subject,
    text: `${lines.join('\n\n')}\n`,
    html: `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif"><h2>${escape(subject)}</h2>${lines.map((l) => `<p>${escape(l)}</p>`).join('')}</body></html>`,
  };
}

/** To ops when a tenant's welcome mail did not go out: retried (first failure) or given up. */
export function welcomeMailOpsEmail(input: { subdomain: string; tenantId: string; adminEmail: string; status: 'retrying' | 'failed'; attempts: number; error: string; nextAttemptAt?: string; opsUrl: string }): Email {
  const retrying = input.status === 'retrying';
  return opsMail(`[Launchpad] Welcome mail ${retrying ? 'not delivered yet' : 'given up'} for ${input.subdomain}`, [
    `The welcome mail (sign-in link) to the admin of ${input.subdomain} (${input.tenantId}), ${input.adminEmail}, could not be sent (attempt ${input.attempts}): ${input.error}`,
    retrying
      ? `The tenant is ACTIVE; the mail is retried on its own (next attempt ${input.nextAttemptAt ?? 'soon'}). With SES still in its sandbox, only verified recipients are accepted: verify the address or request production access.`
      : 'No more attempts are made. The tenant is ACTIVE: send the admin a sign-in link from the sign-in page, or check the address.',
    input.opsUrl,
  ]);
}

/** What /ops shows of a tenant's mail: a bouncing admin address, complaints, a late welcome mail (absent: nothing wrong). */
export function mailIssuesOf(tenant: { adminEmailBounce?: { at: string } | undefined; complaintCount?: number | undefined; welcomeMail?: WelcomeMail | undefined }): {
  adminEmailBouncedAt?: string;
  complaints?: number;
  welcomeMail?: WelcomeMailNotice;
} {
  const welcome = welcomeMailNotice(tenant.welcomeMail);
  return {
    ...(tenant.adminEmailBounce ? { adminEmailBouncedAt: tenant.adminEmailBounce.at } : {}),
    ...(tenant.complaintCount ? { complaints: tenant.complaintCount } : {}),
    ...(welcome ? { welcomeMail: welcome } : {}),
  };
}
