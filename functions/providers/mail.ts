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
  /** SES message tags (name -> value; letters, digits, `_` and `-`): they come back in SES's bounce and complaint events. */
  tags?: Record<string, string>;
}

/** Addresses that must get no mail (hard bounces SES reported: functions/providers/mail-store.ts). */
export interface SuppressionList {
  suppressedAmong(addresses: readonly string[]): Promise<string[]>;
}

/** A send that SES itself refused (sandbox: "Email address is not verified"; a blocked recipient): retrying soon will not help. */
export const isMessageRejected = (error: unknown) => error instanceof Error && (error.name === 'MessageRejected' || error.name === 'MailFromDomainNotVerifiedException' || error instanceof SenderNotVerifiedError);

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
    private readonly options: {
      checkDomainVerification?: boolean;
      /** Without one nothing is suppressed (tests, tools). */
      suppressions?: SuppressionList;
      log?: { warn(message: string, details: Record<string, unknown>): void };
    } = {},
  ) {}

  /** The recipients among `addresses` that get no mail (lower-cased). */
  async suppressedAmong(addresses: readonly string[]): Promise<string[]> {
    return this.options.suppressions ? this.options.suppressions.suppressedAmong(addresses) : [];
  }

  /**
   * Sends through SES, leaving out recipients whose address bounced (logged; a mail left with
   * nobody to go to is not sent at all and answers an empty message id).
   */
  async send(mail: OutgoingMail): Promise<string> {
    const suppressed = new Set(await this.suppressedAmong(mail.to));
    const to = mail.to.filter((address) => !suppressed.has(address.toLowerCase()));
    if (suppressed.size > 0) this.options.log?.warn('Mail not sent to addresses that bounced before (suppressed)', { suppressed: [...suppressed], subject: headerText(mail.subject), sent: to.length > 0 });
    if (to.length === 0) return '';
    const { MessageId } = await this.ses.send(
      new SendEmailCommand({
        Source: sourceOf(mail.from),
        Destination: { ToAddresses: to },
        ReplyToAddresses: mail.replyTo,
        ...(mail.tags ? { Tags: Object.entries(mail.tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
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
    if (this.options.checkDomainVerification === false) return;
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const { VerificationAttributes } = await this.ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [domain] }));
    const status = VerificationAttributes?.[domain]?.VerificationStatus;
    if (status !== 'Success') throw new SenderNotVerifiedError(`SES domain ${domain} is not verified (status: ${status ?? 'unknown'}); verify it once in SES`);
  }
}
