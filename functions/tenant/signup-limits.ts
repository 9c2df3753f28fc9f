import commonMailProviders from 'email-providers/common.json' with { type: 'json' };
import { SIGNUP_LIMITS } from '../../shared/signup-limits';
import type { Deps } from '../deps';

const HOUR_MS = 3_600_000;

/** The limit a signup ran into: how long until it may try again, and what to tell the person. */
export interface SignupLimitHit {
  retryAfterSeconds: number;
  message: string;
}

/** The mailbox an address reaches: lower case, without a `+tag`. */
const mailbox = (email: string) => {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at).split('+')[0]}${email.slice(at)}`.toLowerCase();
};

/**
 * Mail providers with millions of unrelated users (gmail.com, outlook.com, web.de...): a per-domain
 * budget for them would be one budget for all their users, so a handful of signups would lock
 * everyone else out. The maintained list of the most used providers (email-providers' common.json,
 * ranked by Majestic Million); their users are limited per mailbox and per client instead.
 */
const SHARED_MAIL_PROVIDERS: ReadonlySet<string> = new Set(commonMailProviders);

/**
 * The organisation an address belongs to: its registrable domain (a.acme.com and b.acme.com are one
 * acme.com; acme.co.uk stays acme.co.uk, by the Public Suffix List), undefined for a shared provider.
 */
export async function emailOrganisation(email: string): Promise<string | undefined> {
  const host = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  // From the vendor layer in Lambda, on first use: the Public Suffix List is most of a bundle otherwise.
  const domain = (await import('tldts')).getDomain(host) ?? host;
  return SHARED_MAIL_PROVIDERS.has(domain) || SHARED_MAIL_PROVIDERS.has(host) ? undefined : domain;
}

/**
 * Counts this signup against the limits (DynamoDB counters with a TTL) and names the first one it
 * passes, if any. `client` is the caller's limit key (clientLimitKey: an IPv6 client by its /64).
 */
export async function signupLimitReached({ rateLimits, platform, now }: Pick<Deps, 'rateLimits' | 'platform' | 'now'>, client: string, email: string): Promise<SignupLimitHit | undefined> {
  const limits = platform.signupLimits ?? SIGNUP_LIMITS;
  const at = now();
  const organisation = await emailOrganisation(email);
  const checks: Array<[string, number, string]> = [
    [`signup:client:${client}`, limits.perClientPerHour, 'Too many signups from your network in the last hour; try again later'],
    ...(organisation ? [[`signup:domain:${organisation}`, limits.perEmailDomainPerHour, `Too many signups with ${organisation} addresses in the last hour; try again later`] as [string, number, string]] : []),
    ['signup:all', limits.totalPerHour, 'We are receiving a lot of signups right now; try again in a few minutes'],
    // One mailbox, however it is tagged (anna+1@, anna+2@...): its confirmation mails are few.
    [`signup:mailbox:${mailbox(email)}`, limits.perMailboxPerHour ?? SIGNUP_LIMITS.perMailboxPerHour, 'This address was used for several signups in the last hour; check its inbox for the confirmation link'],
  ];
  for (const [key, limit, message] of checks) {
    const hit = await rateLimits.hit(key, limit, HOUR_MS, at);
    if (!hit.allowed) return { retryAfterSeconds: hit.retryAfterSeconds, message };
  }
  return undefined;
}
