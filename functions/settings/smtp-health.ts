import { smtpFailingEmail } from '../../shared/emails';
import type { SmtpSender } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { brandOf } from '../tenant/settings-of';
import { renderTenantFiles } from './render-tenant-files';

type HealthDeps = Pick<Deps, 'now' | 'settingsStore' | 'storage' | 'platform' | 'logger' | 'mail'>;

/**
 * The tenant's SMTP stopped working: record it (the settings page shows it), switch the instance
 * to the default sender by re-rendering its config, and tell the admin through that sender.
 * Only the first failure mails; later ones just refresh the record.
 */
export async function markSmtpFailing(deps: HealthDeps, tenant: Tenant, sender: SmtpSender, reason: string): Promise<void> {
  const at = deps.now().toISOString();
  const wasFailing = tenant.smtpHealth?.state === 'failing';
  await deps.settingsStore.setSmtpHealth(tenant.tenantId, { state: 'failing', checkedAt: at, error: reason });
  const failing: Tenant = { ...tenant, smtpHealth: { state: 'failing', checkedAt: at, error: reason } };
  await renderTenantFiles(deps, failing);
  deps.logger.warn('Tenant SMTP failing; mail falls back to SES', { tenantId: tenant.tenantId, host: sender.host, reason });
  if (wasFailing) return;
  const email = smtpFailingEmail({ brand: brandOf(failing, deps.platform), adminName: tenant.adminName, companyName: tenant.companyName, host: sender.host, error: reason, settingsUrl: `${deps.platform.siteUrl}/settings` });
  await deps.mail.send({ ...email, from: deps.platform.launchpadSender, to: [tenant.adminEmail] });
}

/** Back to working (after a re-check succeeded): the instance returns to the tenant's SMTP. */
export async function markSmtpOk(deps: HealthDeps, tenant: Tenant): Promise<void> {
  const health = { state: 'ok' as const, checkedAt: deps.now().toISOString() };
  await deps.settingsStore.setSmtpHealth(tenant.tenantId, health);
  if (tenant.smtpHealth?.state === 'failing') await renderTenantFiles(deps, { ...tenant, smtpHealth: health });
}
