import { changedFields, withoutBlankOptionals, type SettingsUpdate, type SmtpHealth, type TenantSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { MailDeps } from '../tenant/tenant-mail';
import { SmtpRefusedError, type SmtpAccount } from '../providers/smtp';
import { settingsOf } from '../tenant/settings-of';
import { logoProblem } from './logo-check';
import { renderTenantFiles } from './render-tenant-files';
import { saveSmtpPassword, smtpAccountOf } from './smtp-secret';

export type SaveOutcome =
  | { kind: 'saved'; tenant: Tenant; renderPending?: boolean }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'stale'; currentVersion: number };

/**
 * The SMTP account to use for `settings`, verified against the server now: with the typed
 * password, or the stored one if host and user did not change (a stored password is never
 * sent to another server). Undefined with the default sender.
 */
async function verifiedSmtp(deps: Pick<Deps, 'secrets' | 'smtp'>, tenant: Tenant, settings: TenantSettings, typedPassword: string | undefined): Promise<{ account?: SmtpAccount; error?: Record<string, string> }> {
  const { sender } = settings.mail;
  if (sender.kind !== 'smtp') return {};
  try {
    // A host Launchpad may not connect to is the host's error, before any talk of passwords.
    await deps.smtp.check(sender);
  } catch (error) {
    if (error instanceof SmtpRefusedError) return { error: { [`settings.mail.sender.${error.field ?? 'host'}`]: error.message } };
    throw error;
  }
  const account = typedPassword
    ? { host: sender.host, port: sender.port, secure: sender.secure, user: sender.user, password: typedPassword }
    : await smtpAccountOf(deps, tenant.tenantId, sender);
  if (!account) return { error: { smtpPassword: 'Enter the SMTP password (needed whenever the host or user changes)' } };
  try {
    await deps.smtp.verify(account);
    return { account };
  } catch (error) {
    // A refused host or port is that field's error (the form marks it); the rest concerns the login.
    if (error instanceof SmtpRefusedError) return { error: { [error.field ? `settings.mail.sender.${error.field}` : 'smtpPassword']: error.message } };
    throw error;
  }
}

/** Storing, verifying and rendering a change, and mailing as the tenant when its SMTP server fails. */
export type SaveDeps = MailDeps & Pick<Deps, 'tenants'>;

/**
 * Applies a settings change from the tenant's admin: checks what the schema cannot (the logo
 * file, the SMTP login), writes it if nobody changed the settings meanwhile, records who changed
 * which fields, and re-renders the files the instance reads, so it shows the change within seconds.
 */
export async function saveSettings(deps: SaveDeps, tenant: Tenant, update: SettingsUpdate, by: string): Promise<SaveOutcome> {
  const current = tenant.settingsVersion ?? 1;
  if (update.version !== current) return { kind: 'stale', currentVersion: current };
  const settings = withoutBlankOptionals(update.settings);
  const before = settingsOf(tenant);

  const logo = await logoProblem(deps, tenant.tenantId, settings.branding.logo);
  if (logo) return { kind: 'invalid', errors: { 'settings.branding.logo': logo } };
  const smtp = await verifiedSmtp(deps, tenant, settings, update.smtpPassword);
  if (smtp.error) return { kind: 'invalid', errors: smtp.error };

  const at = deps.now().toISOString();
  const fields = [...changedFields(before, settings), ...(update.smtpPassword ? ['mail.sender.password'] : [])];
  if (fields.length === 0) return { kind: 'saved', tenant };
  if (smtp.account && update.smtpPassword) await saveSmtpPassword(deps, tenant.tenantId, smtp.account);
  const health: SmtpHealth | undefined = smtp.account ? { state: 'ok', checkedAt: at } : undefined;
  const outcome = await deps.settingsStore.update(tenant.tenantId, current, settings, { at, by, fields }, health);
  if (outcome === 'stale') return { kind: 'stale', currentVersion: (await deps.tenants.getTenant(tenant.tenantId))?.settingsVersion ?? current };

  // Render what is stored now (a later save may already have landed): the files follow the table.
  const latest = (await deps.tenants.getTenant(tenant.tenantId)) ?? { ...tenant, settings, settingsVersion: current + 1 };
  try {
    await renderTenantFiles(deps, latest);
  } catch (error) {
    // The change is stored (with its RENDER marker): render-pending renders it within a minute or two.
    deps.logger.error('Settings saved, instance files not rendered; render-pending will', { tenantId: tenant.tenantId, error });
    return { kind: 'saved', tenant: latest, renderPending: true };
  }
  await deps.settingsStore.rendered(tenant.tenantId, latest.settingsVersion ?? current + 1);
  return { kind: 'saved', tenant: latest };
}
