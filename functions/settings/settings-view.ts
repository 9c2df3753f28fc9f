import type { SettingsView } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { logoUrlOf, sesFromAddress, settingsOf } from '../tenant/settings-of';
import { smtpAccountOf } from './smtp-secret';

/** What the settings page loads: the settings, their version, and what Launchpad knows about them. */
export async function settingsView(deps: Pick<Deps, 'platform' | 'secrets'>, tenant: Tenant): Promise<SettingsView> {
  const settings = settingsOf(tenant);
  const { sender } = settings.mail;
  return {
    version: tenant.settingsVersion ?? 1,
    settings,
    defaultFromAddress: sesFromAddress(tenant, deps.platform),
    smtpPasswordSet: sender.kind === 'smtp' && (await smtpAccountOf(deps, tenant.tenantId, sender)) !== undefined,
    ...(tenant.smtpHealth ? { smtpHealth: tenant.smtpHealth } : {}),
    // Sign-in links and notices go to this address: the admin must know none of them arrive.
    ...(tenant.adminEmailBounce ? { adminEmailBouncedAt: tenant.adminEmailBounce.at } : {}),
    ...(settings.branding.logo ? { logoUrl: logoUrlOf(tenant, deps.platform) } : {}),
  };
}
