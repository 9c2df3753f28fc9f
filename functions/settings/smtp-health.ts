import * as z from 'zod/mini';
import { smtpFailingEmail } from '../../shared/emails';
import { smtpSecretName } from '../../shared/instance';
import type { SmtpSender } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { SmtpAccount } from '../providers/smtp';
import { brandOf } from '../tenant/settings-of';
import { renderTenantFiles } from './render-tenant-files';

type HealthDeps = Pick<Deps, 'now' | 'settingsStore' | 'storage' | 'platform' | 'logger' | 'mail'>;

const storedSchema = z.object({ host: z.string(), user: z.string(), password: z.string() });

/** The stored password, only if it was saved for this very host and user (a new host never gets an old password). */
export async function smtpAccountOf({ secrets }: Pick<Deps, 'secrets'>, tenantId: string, sender: SmtpSender): Promise<SmtpAccount | undefined> {
  const raw = await secrets.get(smtpSecretName(tenantId));
  const parsed = storedSchema.safeParse(raw ? (JSON.parse(raw) as unknown) : undefined);
  if (!parsed.success || parsed.data.host !== sender.host || parsed.data.user !== sender.user) return undefined;
  return { host: sender.host, port: sender.port, secure: sender.secure, user: sender.user, password: parsed.data.password };
}

export async function saveSmtpPassword({ secrets }: Pick<Deps, 'secrets'>, tenantId: string, account: SmtpAccount): Promise<void> {
  await secrets.put(smtpSecretName(tenantId), JSON.stringify({ host: account.host, user: account.user, password: account.password }));
}

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
