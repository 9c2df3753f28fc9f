import { testEmail } from '../../shared/emails';
import type { TestMailResult } from '../../shared/settings';
import type { Deps } from '../deps';
import { sendAsTenant } from '../tenant/tenant-mail';
import { brandOf } from '../tenant/settings-of';
import { sessionTenant } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';

type TestMailDeps = Pick<Deps, 'logger' | 'mail' | 'now' | 'platform' | 'secrets' | 'sessions' | 'settingsStore' | 'smtp' | 'storage' | 'tenants'>;

/** POST /api/tenants/{id}/settings/test-mail: the saved settings' next mail, to the admin, and which way it went. */
export function createTestMailHandler(deps: TestMailDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenant(deps, event);
    if ('response' in admin) return admin.response;
    const { tenant } = admin;
    const sender = tenant.settings?.mail.sender;
    const via = sender?.kind === 'smtp' && tenant.smtpHealth?.state !== 'failing' ? `through your SMTP server ${sender.host}` : 'through the spaceOS mail service';
    const email = testEmail({ brand: brandOf(tenant, deps.platform), adminName: tenant.adminName, companyName: tenant.companyName, via });
    const sent = await sendAsTenant(deps, tenant, { ...email, to: [tenant.adminEmail] });
    return json(200, { sentTo: tenant.adminEmail, via: sent.via } satisfies TestMailResult);
  };
}

export const handler = lambdaEntry(createTestMailHandler, () => ({ ...core(), mail: mail(), platform: platform(), secrets: secrets(), sessions: sessions(), settingsStore: tables().settingsStore, smtp: smtp(), storage: storage(), tenants: tables().tenants }));
