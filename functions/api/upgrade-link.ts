import type { SentNotice } from '../../shared/api-bodies';
import { isEmailVerified } from '../../shared/tenant';
import { setTimeout as pause } from 'node:timers/promises';
import { noticeEmail } from '../../shared/emails';
import { upgradeUrl } from '../billing/plan';
import type { Deps } from '../deps';
import { brandOf } from '../tenant/settings-of';
import { HAS_INSTANCE } from '../../shared/lifecycle';
import { json, tenantOfPath, tooManyRequests, type ApiEvent, type ApiHandler } from './http';
import { clientLimitKey } from './client-key';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { links } from '../lambda/keys';
import { mail } from '../lambda/mail';
import { tables } from '../lambda/tables';

const HOUR_MS = 3_600_000;
/** Mails to one tenant's admin: enough to ask again after a lost mail, too few to flood the inbox. */
export const UPGRADE_LINK_PER_TENANT = { limit: 3, windowMs: HOUR_MS };
/** Requests from one client address, for any tenant: looser than per tenant (an office shares an address). */
export const UPGRADE_LINK_PER_CLIENT = { limit: 10, windowMs: HOUR_MS };
/**
 * Every answer but the per-client 429 comes no sooner than this after the request arrived: signing a
 * link and mailing it takes measurably longer than finding no tenant (or a tenant over its limit), so
 * without the floor the time alone would tell whether the id exists and whether a mail went out.
 */
export const UPGRADE_LINK_ANSWER_MS = 800;
const ANSWER = json(202, { sent: 'If this instance exists, its admin will receive an upgrade link by email.' } satisfies SentNotice);

type UpgradeLinkDeps = Pick<Deps, 'links' | 'logger' | 'mail' | 'now' | 'platform' | 'rateLimits' | 'tenants'>;

/**
 * POST /api/tenants/{id}/upgrade-link: mails the tenant's admin a fresh upgrade link. Always the same
 * 202, so the answer tells nobody whether the id exists or whether a mail was sent; the link reaches
 * only the admin's mailbox, at most UPGRADE_LINK_PER_TENANT.limit times an hour.
 */
export function createUpgradeLinkHandler(deps: UpgradeLinkDeps): ApiHandler {
  const { rateLimits, now, logger } = deps;
  return async (event: ApiEvent) => {
    const arrived = performance.now();
    const at = now();
    // Counted before the id is even looked at, so a refusal here says nothing about any tenant.
    const client = await rateLimits.hit(`upgrade-link-ip:${clientLimitKey(event)}`, UPGRADE_LINK_PER_CLIENT.limit, UPGRADE_LINK_PER_CLIENT.windowMs, at);
    if (!client.allowed) return tooManyRequests(client.retryAfterSeconds, 'Too many upgrade links asked for from your address. Use the last link you received, or try again later.');

    const tenant = await tenantOfPath(deps.tenants, event);
    if (tenant && HAS_INSTANCE.has(tenant.status) && isEmailVerified(tenant)) {
      const perTenant = await rateLimits.hit(`upgrade-link:${tenant.tenantId}`, UPGRADE_LINK_PER_TENANT.limit, UPGRADE_LINK_PER_TENANT.windowMs, at);
      if (perTenant.allowed) {
        const email = noticeEmail({
          brand: brandOf(tenant, deps.platform),
          adminName: tenant.adminName,
          subject: `Your upgrade link for ${tenant.companyName}`,
          paragraphs: ['Here is the link to upgrade your spaceOS instance to the paid plan. It is valid for 30 days.'],
          action: { href: await upgradeUrl(deps, tenant), label: 'Upgrade' },
        });
        await deps.mail.send({ ...email, from: deps.platform.launchpadSender, to: [tenant.adminEmail] });
      } else {
        logger.info('Upgrade link not sent: the tenant asked too often', { tenantId: tenant.tenantId });
      }
    }
    await pause(Math.max(0, Math.ceil(UPGRADE_LINK_ANSWER_MS - (performance.now() - arrived))));
    return ANSWER;
  };
}

export const handler = lambdaEntry(createUpgradeLinkHandler, () => ({ ...core(), links: links(), mail: mail(), platform: platform(), rateLimits: tables().rateLimits, tenants: tables().tenants }));
