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
    return this.signAs('admin', tenantId, now, days * DAY_S);
  }

  async verify(tenantId: string, token: string | undefined, now: Date): Promise<boolean> {
    return this.verifyAs('admin', tenantId, token, now);
  }

  /** The link in the verification mail: proves the admin reads that mailbox (a different purpose: never an admin token). */
  async signEmailVerification(tenantId: string, now: Date, seconds: number): Promise<string> {
    return this.signAs('verify-email', tenantId, now, seconds);
  }

  async verifyEmailVerification(tenantId: string, token: string | undefined, now: Date): Promise<boolean> {
    return this.verifyAs('verify-email', tenantId, token, now);
  }

  private async signAs(purpose: string, tenantId: string, now: Date, seconds: number): Promise<string> {
    const expires = Math.floor(now.getTime() / 1000) + seconds;
    return `${expires}.${await this.key.sign(`${purpose}:${tenantId}:${expires}`)}`;
  }

  private async verifyAs(purpose: string, tenantId: string, token: string | undefined, now: Date): Promise<boolean> {
    const [expiresText, given] = (token ?? '').split('.');
    const expires = Number(expiresText);
    if (!given || !Number.isInteger(expires) || expires * 1000 < now.getTime()) return false;
    return this.key.verify(`${purpose}:${tenantId}:${expires}`, given);
  }
}
