import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { SESSION_HOURS } from '../../shared/auth';
import type { Secrets } from '../providers/secrets';
import type { SessionRecord } from '../providers/sign-in-store';
import { openPayload, sealPayload, SigningKey } from '../providers/signing-key';
import { hashToken } from './sign-in-links';

export const SESSION_KEY_SECRET = 'launchpad/session-key';
export const SESSION_COOKIE = 'lp_session';

const sessionSchema = z.object({ sessionId: z.string(), tenantId: z.string(), email: z.string(), expiresAt: z.number() });
export type Session = z.infer<typeof sessionSchema>;

/** Where live sessions are recorded (`SignInStore` on the table). */
export interface SessionRecords {
  saveSession(idHash: string, record: SessionRecord): Promise<void>;
  isSessionLive(idHash: string, now: Date): Promise<boolean>;
  deleteSession(idHash: string): Promise<void>;
}

/**
 * Admin sessions of the site at `siteUrl`: a signed cookie (HttpOnly; Secure everywhere but
 * plain-http localhost) naming a random session id, and a record of that id on the table, so that
 * signing out ends the session on the server too (a copied cookie stops working), not just in the
 * browser. The signature spares the table a read for forged cookies. SameSite=Lax is no defence
 * against the tenants' own hosts (same site on AWS): requests are checked for the site's origin
 * in functions/api/same-origin.ts, against `siteOrigin`.
 */
export class Sessions {
  private readonly key: SigningKey;
  /** The origin of the pages that may use these sessions (scheme, host, port of `siteUrl`). */
  readonly siteOrigin: string;

  constructor(
    secrets: Secrets,
    private readonly records: SessionRecords,
    private readonly siteUrl: string,
  ) {
    this.key = new SigningKey(secrets, SESSION_KEY_SECRET);
    this.siteOrigin = new URL(siteUrl).origin;
  }

  /** A new session for the tenant's admin, recorded as live, and the cookie that carries it. */
  async cookieFor(tenantId: string, email: string, now: Date): Promise<{ cookie: string; session: Session }> {
    const session = { sessionId: randomBytes(32).toString('base64url'), tenantId, email, expiresAt: now.getTime() + SESSION_HOURS * 3_600_000 };
    await this.records.saveSession(hashToken(session.sessionId), { tenantId, email, expiresAt: session.expiresAt });
    const value = await sealPayload(this.key, session);
    return { cookie: `${SESSION_COOKIE}=${value}; ${attributes(this.siteUrl)}; Max-Age=${SESSION_HOURS * 3600}`, session };
  }

  /** The session a request carries, if its signature holds, it has not expired and it was not ended. */
  async read(cookies: readonly string[] | undefined, now: Date): Promise<Session | undefined> {
    for (const session of await this.signed(cookies)) {
      if (session.expiresAt > now.getTime() && (await this.records.isSessionLive(hashToken(session.sessionId), now))) return session;
    }
    return undefined;
  }

  /** Ends every session the request carries (signing out): their cookies are refused from now on. */
  async end(cookies: readonly string[] | undefined): Promise<void> {
    for (const session of await this.signed(cookies)) await this.records.deleteSession(hashToken(session.sessionId));
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; ${attributes(this.siteUrl)}; Max-Age=0`;
  }

  /** The well-signed session cookies among `cookies` (expired or ended ones included). */
  private async signed(cookies: readonly string[] | undefined): Promise<Session[]> {
    const prefix = `${SESSION_COOKIE}=`;
    const sessions: Session[] = [];
    for (const cookie of cookies ?? []) {
      if (!cookie.startsWith(prefix)) continue;
      const parsed = sessionSchema.safeParse(await openPayload(this.key, cookie.slice(prefix.length)));
      if (parsed.success) sessions.push(parsed.data);
    }
    return sessions;
  }
}

function attributes(siteUrl: string): string {
  const secure = !/^http:\/\/localhost(:\d+)?$/.test(siteUrl);
  return `Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
