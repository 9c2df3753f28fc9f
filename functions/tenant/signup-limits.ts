import { SIGNUP_LIMITS } from '../../shared/signup-limits';
import type { Deps } from '../deps';
import { clientAddress, tooManyRequests, type ApiEvent, type ApiResult } from '../api/http';

const HOUR_MS = 3_600_000;

/** The mailbox an address reaches: lower case, without a `+tag`. */
const mailbox = (email: string) => {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at).split('+')[0]}${email.slice(at)}`.toLowerCase();
};

/** A 429 when this signup would pass one of the limits (DynamoDB counters with a TTL), else undefined (and it counts). */
export async function signupLimitReached({ rateLimits, platform, now }: Pick<Deps, 'rateLimits' | 'platform' | 'now'>, event: ApiEvent, email: string): Promise<ApiResult | undefined> {
  const limits = platform.signupLimits ?? SIGNUP_LIMITS;
  const at = now();
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const checks: Array<[string, number, string]> = [
    [`signup:client:${clientAddress(event)}`, limits.perClientPerHour, 'Too many signups from your network in the last hour; try again later'],
    [`signup:domain:${domain}`, limits.perEmailDomainPerHour, `Too many signups with ${domain} addresses in the last hour; try again later`],
    ['signup:all', limits.totalPerHour, 'We are receiving a lot of signups right now; try again in a few minutes'],
    // One mailbox, however it is tagged (anna+1@, anna+2@...): its confirmation mails are few.
    [`signup:mailbox:${mailbox(email)}`, limits.perMailboxPerHour ?? SIGNUP_LIMITS.perMailboxPerHour, 'This address was used for several signups in the last hour; check its inbox for the confirmation link'],
  ];
  for (const [key, limit, message] of checks) {
    const hit = await rateLimits.hit(key, limit, HOUR_MS, at);
    if (!hit.allowed) return tooManyRequests(hit.retryAfterSeconds, message);
  }
  return undefined;
}
