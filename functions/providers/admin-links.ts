import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secrets } from './secrets';

export const ADMIN_LINK_KEY_SECRET = 'launchpad/admin-link-key';
const DAY_S = 86_400;

/**
 * Signed admin links: until the settings issue brings sign-in, holding a token signed for a
 * tenant is what proves you are its admin (it reaches only them: the signup response and their
 * mailbox). `<expiry>.<hmac>`, checked in constant time.
 */
export class AdminLinks {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly secrets: Secrets) {}

  private signingKey(): Promise<Buffer> {
    this.key ??= (async () => {
      let value = await this.secrets.get(ADMIN_LINK_KEY_SECRET);
      if (!value) {
        value = randomBytes(32).toString('base64url');
        await this.secrets.put(ADMIN_LINK_KEY_SECRET, value);
      }
      return Buffer.from(value);
    })().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async mac(tenantId: string, expires: number): Promise<string> {
    return createHmac('sha256', await this.signingKey()).update(`admin:${tenantId}:${expires}`).digest('base64url');
  }

  async sign(tenantId: string, now: Date, days = 30): Promise<string> {
    const expires = Math.floor(now.getTime() / 1000) + days * DAY_S;
    return `${expires}.${await this.mac(tenantId, expires)}`;
  }

  async verify(tenantId: string, token: string | undefined, now: Date): Promise<boolean> {
    const [expiresText, given] = (token ?? '').split('.');
    const expires = Number(expiresText);
    if (!given || !Number.isInteger(expires) || expires * 1000 < now.getTime()) return false;
    const expected = Buffer.from(await this.mac(tenantId, expires));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
