import type { Email } from '../../shared/emails';
import type { TenantSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { settingsOf } from '../steps/settings-of';

/**
 * Mails the tenant's admin as the tenant ("Acme <acme@clients.spaceos.io>", replies to its
 * reply-to), rendered from its current settings.
 */
export async function mailAdmin({ mail, platform }: Pick<Deps, 'mail' | 'platform'>, tenant: Tenant, render: (settings: TenantSettings) => Email): Promise<string> {
  const settings = settingsOf(tenant, platform);
  return mail.send({
    ...render(settings),
    from: `${settings.mail.fromName.replace(/["<>]/g, '')} <${settings.mail.fromAddress}>`,
    to: [tenant.adminEmail],
    replyTo: [settings.mail.replyTo],
  });
}
