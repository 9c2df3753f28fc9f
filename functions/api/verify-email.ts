import { verifyEmailRequestSchema, type EmailVerified } from '../../shared/verification';
import { verifyEmail, type VerifyDeps } from '../tenant/email-verification';
import { statusUrlOf } from './signup';
import type { Deps } from '../deps';
import { badRequest, json, tooManyRequests, validBody, type ApiEvent, type ApiHandler } from './http';
import { clientLimitKey } from './client-key';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { links } from '../lambda/keys';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';
import { tables } from '../lambda/tables';

/**
 * POST /api/signups/verify: the link of the verification mail (the web page /verify posts it). The
 * signup becomes the admin's: the trial starts and the welcome mail goes out (now if the instance is
 * live, else at ACTIVE), and the answer carries the admin token the signup form no longer gets.
 * Safe to repeat (a second click answers the same).
 */
/** Far above what people do (one click, maybe a few), far below guessing. */
export const VERIFY_ATTEMPTS_PER_CLIENT_PER_HOUR = 30;

export function createVerifyEmailHandler(deps: VerifyDeps & Pick<Deps, 'rateLimits'>): ApiHandler {
  return async (event: ApiEvent) => {
    // Per client, so one flood of guesses cannot use up the route's shared throttle for everyone.
    const limit = await deps.rateLimits.hit(`verify:client:${clientLimitKey(event)}`, VERIFY_ATTEMPTS_PER_CLIENT_PER_HOUR, 3_600_000, deps.now());
    if (!limit.allowed) return tooManyRequests(limit.retryAfterSeconds, 'Too many confirmation attempts from your network; try again later');
    const parsed = validBody(event, verifyEmailRequestSchema);
    if (!parsed.ok) return parsed.response;
    const { tenantId, token } = parsed.value;
    const result = await verifyEmail(deps, tenantId, token);
    if (result.outcome === 'invalid') return badRequest({ token: 'This confirmation link is not valid or has expired; sign up again to get a new one' });
    if (result.outcome === 'gone') return json(410, { errors: { token: 'This signup was removed because it was not confirmed in time; sign up again' } });
    deps.logger.info('Signup verified', { tenantId });
    const body: EmailVerified = { tenantId, statusUrl: statusUrlOf(tenantId), adminToken: await deps.links.sign(tenantId, deps.now()) };
    return json(200, body);
  };
}

export const handler = lambdaEntry(createVerifyEmailHandler, () => {
  const { tenants, signIns, settingsStore, mailStore } = tables();
  return { ...core(), links: links(), mail: mail(), platform: platform(), rateLimits: tables().rateLimits, secrets: secrets(), smtp: smtp(), storage: storage(), tenants, signIns, settingsStore, mailStore };
});
