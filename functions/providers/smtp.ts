import type { Transporter } from 'nodemailer';
import type { OutgoingMail } from './mail';

export interface SmtpAccount {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
}

/** The server refused or could not be reached; `message` is what to show the admin. */
export class SmtpRefusedError extends Error {
  override name = 'SmtpRefusedError';
}

/** Port for a tenant's own SMTP server. */
export interface Smtp {
  /** Connects and signs in; throws SmtpRefusedError with the server's reason if that fails. */
  verify(account: SmtpAccount): Promise<void>;
  send(account: SmtpAccount, mail: OutgoingMail): Promise<string>;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);
const TIMEOUT_MS = 10_000;

/**
 * SMTP through nodemailer. Passwords never travel in clear: STARTTLS is required unless the
 * connection is TLS from the start, except to a server on this machine (local development).
 * `ports` limits where a tenant can make Launchpad connect (the usual submission ports in AWS).
 */
export class NodemailerSmtp implements Smtp {
  constructor(private readonly options: { ports?: readonly number[] } = {}) {}

  private async transport(account: SmtpAccount): Promise<Transporter> {
    const { ports } = this.options;
    if (ports && !ports.includes(account.port)) throw new SmtpRefusedError(`Port ${account.port} is not allowed; use one of ${ports.join(', ')}`);
    // Loaded on first use (from the vendor layer in Lambda): most mail goes through SES.
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: account.host,
      port: account.port,
      secure: account.secure,
      requireTLS: !account.secure && !LOCAL_HOSTS.has(account.host),
      auth: { user: account.user, pass: account.password },
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
  }

  async verify(account: SmtpAccount): Promise<void> {
    const transport = await this.transport(account);
    try {
      await transport.verify();
    } catch (error) {
      throw new SmtpRefusedError(reasonOf(error));
    } finally {
      transport.close();
    }
  }

  async send(account: SmtpAccount, mail: OutgoingMail): Promise<string> {
    const transport = await this.transport(account);
    try {
      const info = (await transport.sendMail({ from: mail.from, to: mail.to, replyTo: mail.replyTo, subject: mail.subject, html: mail.html, text: mail.text })) as { messageId?: string };
      return info.messageId ?? '';
    } catch (error) {
      throw new SmtpRefusedError(reasonOf(error));
    } finally {
      transport.close();
    }
  }
}

/** The server's own words where there are some ("535 Authentication failed"), else the network error. */
function reasonOf(error: unknown): string {
  const e = error as { response?: string; code?: string; message?: string };
  return (e.response ?? e.message ?? String(error)).trim().slice(0, 300);
}
