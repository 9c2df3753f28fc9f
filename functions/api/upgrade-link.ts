import { noticeEmail } from '../../shared/emails';
import { upgradeUrl } from '../billing/plan';
import type { Deps } from '../deps';
import { brandOf } from '../tenant/settings-of';
import { HAS_INSTANCE } from '../../shared/lifecycle';
import { json, tenantOfPath, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { links } from '../lambda/keys';
import { mail } from '../lambda/mail';
import { tables } from '../lambda/tables';

type UpgradeLinkDeps = Pick<Deps, 'links' | 'mail' | 'now' | 'platform' | 'tenants'>;

/**
 * POST /api/tenants/{id}/upgrade-link: mails the tenant's admin a fresh upgrade link. Always 202,
 * so the answer tells nobody whether the id exists; the link reaches only the admin's mailbox.
 */
export function createUpgradeLinkHandler(deps: UpgradeLinkDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const tenant = await tenantOfPath(deps.tenants, event);
    if (tenant && HAS_INSTANCE.has(tenant.status)) {
      const email = noticeEmail({
        brand: brandOf(tenant, deps.platform),
        adminName: tenant.adminName,
        subject: `Your upgrade link for ${tenant.companyName}`,
        paragraphs: ['Here is the link to upgrade your spaceOS instance to the paid plan. It is valid for 30 days.'],
        action: { href: await upgradeUrl(deps, tenant), label: 'Upgrade' },
      });
      await deps.mail.send({ ...email, from: deps.platform.launchpadSender, to: [tenant.adminEmail] });
    }
    return json(202, { sent: 'If this instance exists, its admin will receive an upgrade link by email.' });
  };
}

export const handler = lambdaEntry(createUpgradeLinkHandler, () => ({ ...core(), links: links(), mail: mail(), platform: platform(), tenants: tables().tenants }));
