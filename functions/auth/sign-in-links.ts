import { createHash, randomBytes } from 'node:crypto';
import { signInPageUrl } from '../../shared/auth';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A single-use sign-in link for the tenant's admin, valid for `validMs`. */
export async function issueSignInLink({ signIns, platform, now }: Pick<Deps, 'signIns' | 'platform' | 'now'>, tenant: Pick<Tenant, 'tenantId' | 'adminEmail'>, validMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await signIns.saveToken(hashToken(token), { tenantId: tenant.tenantId, email: tenant.adminEmail, expiresAt: now().getTime() + validMs });
  return signInPageUrl(platform.siteUrl, token);
}
