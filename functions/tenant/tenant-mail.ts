import type { Email, MailBrand } from '../../shared/emails';
import { TENANT_MAIL_TAG } from '../../shared/mail-delivery';
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
  // An address SES reported as a hard bounce gets nothing more, whichever way the mail would go.
  const suppressed = new Set(await deps.mail.suppressedAmong(mail.to));
  if (suppressed.size > 0) {
    deps.logger.warn('Mail as the tenant not sent to addresses that bounced before (suppressed)', { tenantId: tenant.tenantId, suppressed: [...suppressed], subject: mail.subject });
    mail = { ...mail, to: mail.to.filter((address) => !suppressed.has(address.toLowerCase())) };
    if (mail.to.length === 0) return { messageId: '', via: 'ses' };
  }
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
  // Tagged with the tenant: SES's bounce and complaint events name it (functions/mail-events/ses-events.ts).
  const messageId = await deps.mail.send({ ...mail, from: mailbox(settings.mail.fromName, sesFromAddress(tenant, deps.platform)), replyTo: [settings.mail.replyTo], tags: { [TENANT_MAIL_TAG]: tenant.tenantId } });
  return { messageId, via: 'ses' };
}

/** Mails the tenant's admin as the tenant, rendered from its current settings. */
export async function mailAdmin(deps: MailDeps, tenant: Tenant, render: (brand: MailBrand) => Email): Promise<string> {
  const { messageId } = await sendAsTenant(deps, tenant, { ...render(brandOf(tenant, deps.platform)), to: [tenant.adminEmail] });
  return messageId;
}
