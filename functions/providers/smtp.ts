import { lookup } from 'node:dns/promises';
import type { Transporter } from 'nodemailer';
import type { OutgoingMail } from './mail';
import { checkDestination, DestinationRefusedError, parseAllowance, SMTP_PORTS, type CheckedDestination, type ResolveHost } from './safe-address';

export interface SmtpAccount {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
}

/**
 * The server refused or could not be reached. `message` is what to show the admin: ours, never
 * the server's words (a tenant could otherwise read banners of servers it points us at); `field`
 * says which setting is at fault when it is the host or port itself.
 */
export class SmtpRefusedError extends Error {
  override name = 'SmtpRefusedError';
  constructor(
    message: string,
    readonly field?: 'host' | 'port',
  ) {
    super(message);
  }
}

export const SMTP_CONNECT_FAILED = 'Could not connect to the SMTP server';
export const SMTP_TLS_FAILED = "Could not set up a secure (TLS) connection to the SMTP server: check the host name, the port and the server's certificate";
export const SMTP_LOGIN_REFUSED = 'The SMTP server did not accept this user name and password';
export const SMTP_MESSAGE_REFUSED = 'The SMTP server did not accept the message';

/** Port for a tenant's own SMTP server. */
export interface Smtp {
  /** Whether Launchpad may connect there at all (without connecting); throws SmtpRefusedError with `field` if not. */
  check(server: Pick<SmtpAccount, 'host' | 'port'>): Promise<void>;
  /** Connects and signs in; throws SmtpRefusedError (with a message for the admin) if that fails. */
  verify(account: SmtpAccount): Promise<void>;
  send(account: SmtpAccount, mail: OutgoingMail): Promise<string>;
}

/** Where the details the admin is not shown go (the server's response, the network error). */
export interface SmtpLog {
  warn(message: string, details: Record<string, unknown>): void;
}

export interface SmtpOptions {
  /** Ports a public server may use (default 25, 465, 587, 2525). */
  ports?: readonly number[];
  /**
   * Private addresses or CIDR ranges this deployment may connect to all the same, on any port
   * (SMTP_ALLOWED_PRIVATE_HOSTS: loopback on the embedded default; empty on AWS).
   */
  allowedPrivateHosts?: readonly string[];
  log?: SmtpLog;
  /** Connection, greeting and socket timeout (default 10 s). */
  timeoutMs?: number;
  /** Name resolution (default: the system resolver, every address). */
  resolve?: ResolveHost;
}

const resolveAll: ResolveHost = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * SMTP through nodemailer, only to the destination safe-address.ts allows: a name is resolved
 * and checked once, and nodemailer is given the checked address (TLS still verifies the
 * certificate against the name). Passwords never travel in clear: STARTTLS is required unless
 * the connection is TLS from the start, except to a server on this machine (loopback, which only
 * a deployment's allowance lets through).
 */
export class NodemailerSmtp implements Smtp {
  private readonly allowance;
  private readonly ports: readonly number[];
  private readonly log: SmtpLog;
  private readonly timeoutMs: number;
  private readonly resolve: ResolveHost;

  constructor(options: SmtpOptions = {}) {
    this.allowance = parseAllowance(options.allowedPrivateHosts ?? []);
    this.ports = options.ports ?? SMTP_PORTS;
    this.log = options.log ?? { warn: () => undefined };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.resolve = options.resolve ?? resolveAll;
  }

  async check(server: Pick<SmtpAccount, 'host' | 'port'>): Promise<void> {
    await this.destination(server);
  }

  private async destination(account: Pick<SmtpAccount, 'host' | 'port'>): Promise<CheckedDestination> {
    try {
      return await checkDestination(account.host, account.port, { allowance: this.allowance, ports: this.ports, resolve: this.resolve });
    } catch (error) {
      if (!(error instanceof DestinationRefusedError)) throw error;
      this.log.warn('SMTP destination refused', { host: account.host, port: account.port, detail: error.detail });
      throw new SmtpRefusedError(error.message, error.field);
    }
  }

  private async transport(account: SmtpAccount, to: CheckedDestination): Promise<Transporter> {
    // Loaded on first use (from the vendor layer in Lambda): most mail goes through SES.
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: to.address,
      port: to.port,
      ...(to.servername ? { servername: to.servername } : {}),
      secure: account.secure,
      requireTLS: !account.secure && !to.loopback,
      auth: { user: account.user, pass: account.password },
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    });
  }

  async verify(account: SmtpAccount): Promise<void> {
    const to = await this.destination(account);
    const transport = await this.transport(account, to);
    try {
      await transport.verify();
    } catch (error) {
      throw this.refused(account, to, error);
    } finally {
      transport.close();
    }
  }

  async send(account: SmtpAccount, mail: OutgoingMail): Promise<string> {
    const to = await this.destination(account);
    const transport = await this.transport(account, to);
    try {
      const info = (await transport.sendMail({ from: mail.from, to: mail.to, replyTo: mail.replyTo, subject: mail.subject, html: mail.html, text: mail.text })) as { messageId?: string };
      return info.messageId ?? '';
    } catch (error) {
      throw this.refused(account, to, error);
    } finally {
      transport.close();
    }
  }

  /** Logs what happened in full and answers with one of four messages: refused, timed out and filtered all read "could not connect". */
  private refused(account: SmtpAccount, to: CheckedDestination, error: unknown): SmtpRefusedError {
    const e = error as { code?: string; originalCode?: string; response?: string; responseCode?: number; command?: string; message?: string };
    this.log.warn('Tenant SMTP server refused or could not be reached', {
      host: account.host, address: to.address, port: to.port, user: account.user,
      code: e.code, originalCode: e.originalCode, command: e.command, responseCode: e.responseCode, response: e.response, error: e.message,
    });
    return new SmtpRefusedError(messageFor(e));
  }
}

function messageFor(e: { code?: string; originalCode?: string; message?: string }): string {
  if (e.code === 'EAUTH') return SMTP_LOGIN_REFUSED;
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return SMTP_MESSAGE_REFUSED;
  // A certificate that does not verify (nodemailer keeps Node's code as originalCode) or a server
  // without STARTTLS: worth telling the admin apart. Handshake errors that would only say "something
  // listens here" (wrong TLS version against a plain service) stay "could not connect".
  if (e.code === 'ETLS' || e.code === 'EREQUIRETLS' || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(e.originalCode ?? '')) return SMTP_TLS_FAILED;
  return SMTP_CONNECT_FAILED;
}
