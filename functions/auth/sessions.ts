import * as z from 'zod/mini';
import { SESSION_HOURS } from '../../shared/auth';
import type { Secrets } from '../providers/secrets';
import { openPayload, sealPayload, SigningKey } from '../providers/signing-key';

export const SESSION_KEY_SECRET = 'launchpad/session-key';
export const SESSION_COOKIE = 'lp_session';

const sessionSchema = z.object({ tenantId: z.string(), email: z.string(), expiresAt: z.number() });
export type Session = z.infer<typeof sessionSchema>;

/**
 * Signed, stateless admin sessions in an HttpOnly cookie. SameSite=Lax keeps other sites'
 * forms from riding on it; Secure everywhere but plain-http localhost.
 */
export class Sessions {
  private readonly key: SigningKey;

  constructor(secrets: Secrets) {
    this.key = new SigningKey(secrets, SESSION_KEY_SECRET);
  }

  async cookieFor(tenantId: string, email: string, now: Date, siteUrl: string): Promise<{ cookie: string; session: Session }> {
    const session = { tenantId, email, expiresAt: now.getTime() + SESSION_HOURS * 3_600_000 };
    const value = await sealPayload(this.key, session);
    return { cookie: `${SESSION_COOKIE}=${value}; ${attributes(siteUrl)}; Max-Age=${SESSION_HOURS * 3600}`, session };
  }

  /** The session a request carries, if its signature holds and it has not expired. */
  async read(cookies: readonly string[] | undefined, now: Date): Promise<Session | undefined> {
    const prefix = `${SESSION_COOKIE}=`;
    for (const cookie of cookies ?? []) {
      if (!cookie.startsWith(prefix)) continue;
      const parsed = sessionSchema.safeParse(await openPayload(this.key, cookie.slice(prefix.length)));
      if (parsed.success && parsed.data.expiresAt > now.getTime()) return parsed.data;
    }
    return undefined;
  }

  static clearCookie(siteUrl: string): string {
    return `${SESSION_COOKIE}=; ${attributes(siteUrl)}; Max-Age=0`;
  }
}

function attributes(siteUrl: string): string {
  const secure = !/^http:\/\/localhost(:\d+)?$/.test(siteUrl);
  return `Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
