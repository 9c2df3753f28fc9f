import { GetIdentityVerificationAttributesCommand, SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { Email } from '../../shared/emails';
import { formatMailbox, headerText, InvalidMailAddressError, type Mailbox } from '../../shared/mail-headers';

export interface OutgoingMail extends Email {
  /**
   * A `Mailbox` whenever a display name comes from people (the tenant's sender name): the adapter
   * quotes or encodes it. A string is an address as configured by the operator, used as it is.
   */
  from: string | Mailbox;
  to: string[];
  replyTo?: string[];
}

/** The From header value SES takes as `Source`. */
export function sourceOf(from: OutgoingMail['from']): string {
  if (typeof from !== 'string') return formatMailbox(from);
  if (/[\r\n]/.test(from)) throw new InvalidMailAddressError('The configured sender must be one line');
  return from;
}

/** A sender that SES will refuse: permanent until someone verifies the domain. */
export class SenderNotVerifiedError extends Error {
  override name = 'SenderNotVerifiedError';
}

/** Mail through SES (aws-ses-v2-local on the embedded default, which accepts any sender). */
export class SesMail {
  constructor(
    private readonly ses: SESClient,
    private readonly options: { checkDomainVerification: boolean } = { checkDomainVerification: true },
  ) {}

  async send(mail: OutgoingMail): Promise<string> {
    const { MessageId } = await this.ses.send(
      new SendEmailCommand({
        Source: sourceOf(mail.from),
        Destination: { ToAddresses: mail.to },
        ReplyToAddresses: mail.replyTo,
        Message: {
          // SES encodes a non-ASCII subject itself (Charset); a line break must not reach it at all.
          Subject: { Data: headerText(mail.subject), Charset: 'UTF-8' },
          Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
        },
      }),
    );
    return MessageId ?? '';
  }

  /** Throws unless SES has verified the sender's domain (tenant senders share one domain). */
  async assertCanSendAs(address: string): Promise<void> {
    if (!this.options.checkDomainVerification) return;
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const { VerificationAttributes } = await this.ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [domain] }));
    const status = VerificationAttributes?.[domain]?.VerificationStatus;
    if (status !== 'Success') throw new SenderNotVerifiedError(`SES domain ${domain} is not verified (status: ${status ?? 'unknown'}); verify it once in SES`);
  }
}
