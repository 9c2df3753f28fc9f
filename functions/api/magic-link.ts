import type { SentNotice } from '../../shared/api-bodies';
import { isEmailVerified } from '../../shared/tenant';
import { setTimeout as pause } from 'node:timers/promises';
import { MAGIC_LINK_LIMIT, MAGIC_LINK_MINUTES, magicLinkRequestSchema } from '../../shared/auth';
import { signInEmail } from '../../shared/emails';
import { HAS_INSTANCE } from '../../shared/lifecycle';
import { issueSignInLink } from '../auth/sign-in-links';
import type { Deps } from '../deps';
import { brandOf } from '../tenant/settings-of';
import { json, validBody, type ApiEvent, type ApiHandler } from './http';
import { clientLimitKey } from './client-key';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { mail } from '../lambda/mail';
import { tables } from '../lambda/tables';

/** Per client address, looser than per account: an office shares one address. */
const PER_IP_LIMIT = { perWindow: 30, windowMinutes: MAGIC_LINK_LIMIT.windowMinutes };
/**
 * Every allowed request is answered no sooner than this after it arrived: a real send (token write
 * plus SES, typically well under half a second) would otherwise answer measurably later than an
 * unknown address, telling who the admin is by timing alone.
 */
export const MAGIC_LINK_ANSWER_MS = 800;
const SENT = json(202, { sent: 'If this email belongs to the admin of that instance, a sign-in link is on its way. It works once, for 15 minutes.' } satisfies SentNotice);

type MagicLinkDeps = Pick<Deps, 'logger' | 'mail' | 'now' | 'platform' | 'signIns' | 'tenants'>;

/**
 * POST /api/auth/magic-link {email, subdomain}: mails the admin a single-use sign-in link. The
 * answer is the same whether or not the address is the admin's, so it reveals no accounts.
 */
export function createMagicLinkHandler(deps: MagicLinkDeps): ApiHandler {
  const { tenants, signIns, now, logger } = deps;
  return async (event: ApiEvent) => {
    const arrived = performance.now();
    const parsed = validBody(event, magicLinkRequestSchema);
    if (!parsed.ok) return parsed.response;
    const email = parsed.value.email.toLowerCase();
    const { subdomain } = parsed.value;
    const at = now();
    const allowed = (await signIns.hit(`magic:${subdomain}:${email}`, at, MAGIC_LINK_LIMIT)) && (await signIns.hit(`magic-ip:${clientLimitKey(event)}`, at, PER_IP_LIMIT));
    if (!allowed) {
      return json(429, { errors: { body: `Too many sign-in links asked for. Wait ${MAGIC_LINK_LIMIT.windowMinutes} minutes, or use the last link you received.` } }, { 'retry-after': String(MAGIC_LINK_LIMIT.windowMinutes * 60) });
    }
    const tenant = await tenants.tenantBySubdomain(subdomain);
    if (tenant && tenant.adminEmail.toLowerCase() === email && HAS_INSTANCE.has(tenant.status) && isEmailVerified(tenant)) {
      const signInUrl = await issueSignInLink(deps, tenant, MAGIC_LINK_MINUTES * 60_000);
      // From Launchpad, not as the tenant: signing in must work even while the tenant's own SMTP does not.
      const email = signInEmail({ brand: brandOf(tenant, deps.platform), adminName: tenant.adminName, companyName: tenant.companyName, signInUrl });
      await deps.mail.send({ ...email, from: deps.platform.launchpadSender, to: [tenant.adminEmail] });
      logger.info('Sign-in link sent', { tenantId: tenant.tenantId });
    }
    await pause(Math.max(0, Math.ceil(MAGIC_LINK_ANSWER_MS - (performance.now() - arrived))));
    return SENT;
  };
}

export const handler = lambdaEntry(createMagicLinkHandler, () => ({ ...core(), mail: mail(), platform: platform(), signIns: tables().signIns, tenants: tables().tenants }));
