import { testEmail } from '../../shared/emails';
import { lambdaEntry, type Deps } from '../deps';
import { sendAsTenant } from '../providers/tenant-mail';
import { brandOf } from '../steps/settings-of';
import { sessionTenant } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';

/** POST /api/tenants/{id}/settings/test-mail: the saved settings' next mail, to the admin, and which way it went. */
export function createTestMailHandler(deps: Deps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenant(deps, event);
    if ('response' in admin) return admin.response;
    const { tenant } = admin;
    const sender = tenant.settings?.mail.sender;
    const via = sender?.kind === 'smtp' && tenant.smtpHealth?.state !== 'failing' ? `through your SMTP server ${sender.host}` : 'through the spaceOS mail service';
    const email = testEmail({ brand: brandOf(tenant, deps.platform), adminName: tenant.adminName, companyName: tenant.companyName, via });
    const sent = await sendAsTenant(deps, tenant, { ...email, to: [tenant.adminEmail] });
    return json(200, { sentTo: tenant.adminEmail, via: sent.via });
  };
}

export const handler = lambdaEntry(createTestMailHandler);
