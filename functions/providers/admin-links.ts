import { SigningKey } from './signing-key';
import type { Secrets } from './secrets';

export const ADMIN_LINK_KEY_SECRET = 'launchpad/admin-link-key';
const DAY_S = 86_400;

/**
 * Signed admin links for billing pages reached from mail (upgrade, payment details): holding a
 * token signed for a tenant proves you are its admin (it reaches only them: the signup response
 * and their mailbox). `<expiry>.<hmac>`. A signed-in admin session is accepted as well.
 */
export class AdminLinks {
  private readonly key: SigningKey;

  constructor(secrets: Secrets) {
    this.key = new SigningKey(secrets, ADMIN_LINK_KEY_SECRET);
  }

  async sign(tenantId: string, now: Date, days = 30): Promise<string> {
    const expires = Math.floor(now.getTime() / 1000) + days * DAY_S;
    return `${expires}.${await this.key.sign(`admin:${tenantId}:${expires}`)}`;
  }

  async verify(tenantId: string, token: string | undefined, now: Date): Promise<boolean> {
    const [expiresText, given] = (token ?? '').split('.');
    const expires = Number(expiresText);
    if (!given || !Number.isInteger(expires) || expires * 1000 < now.getTime()) return false;
    return this.key.verify(`admin:${tenantId}:${expires}`, given);
  }
}
