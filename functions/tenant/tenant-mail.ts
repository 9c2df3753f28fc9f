import type { Email, MailBrand } from '../../shared/emails';
import { mailbox } from '../../shared/mail-headers';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { SmtpRefusedError } from '../providers/smtp';
import { markSmtpFailing } from '../settings/smtp-health';
import { smtpAccountOf } from '../settings/smtp-secret';
import { brandOf, sesFromAddress, settingsOf } from './settings-of';

export type MailDeps = Pick<Deps, 'mail' | 'smtp' | 'platform' | 'secrets' | 'settingsStore' | 'storage' | 'logger' | 'now'>;

/**
 * Sends as the tenant ("Acme <acme@clients.spaceos.io>", replies to its reply-to), through the
 * tenant's own SMTP server when it has one that works. If that server refuses, the mail still
 * goes out through SES and the tenant is marked failing (the admin is told): never silently lost.
 */
export async function sendAsTenant(deps: MailDeps, tenant: Tenant, mail: Email & { to: string[] }): Promise<{ messageId: string; via: 'smtp' | 'ses' }> {
  const settings = settingsOf(tenant);
  const { sender } = settings.mail;
  if (sender.kind === 'smtp' && tenant.smtpHealth?.state !== 'failing') {
    const account = await smtpAccountOf(deps, tenant.tenantId, sender);
    try {
      if (!account) throw new SmtpRefusedError('No password is stored for this SMTP server and user');
      const messageId = await deps.smtp.send(account, { ...mail, from: mailbox(settings.mail.fromName, sender.fromAddress), replyTo: [settings.mail.replyTo] });
      return { messageId, via: 'smtp' };
    } catch (error) {
      if (!(error instanceof SmtpRefusedError)) throw error;
      await markSmtpFailing(deps, tenant, sender, error.message);
    }
  }
  const messageId = await deps.mail.send({ ...mail, from: mailbox(settings.mail.fromName, sesFromAddress(tenant, deps.platform)), replyTo: [settings.mail.replyTo] });
  return { messageId, via: 'ses' };
}

/** Mails the tenant's admin as the tenant, rendered from its current settings. */
export async function mailAdmin(deps: MailDeps, tenant: Tenant, render: (brand: MailBrand) => Email): Promise<string> {
  const { messageId } = await sendAsTenant(deps, tenant, { ...render(brandOf(tenant, deps.platform)), to: [tenant.adminEmail] });
  return messageId;
}
