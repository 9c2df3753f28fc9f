import type { Tenant } from '../../shared/tenant';
import { VERIFICATION_HOURS, verificationEmail, verifyPageUrl } from '../../shared/verification';
import type { Deps } from '../deps';

/**
 * The verification mail, from Launchpad's own sender (configured by the operator, no typed text): the link proves that
 * whoever signed up reads the admin's mailbox. Sent at signup, and again when the same address
 * signs up again before verifying. Its own module: the signup function needs it without the
 * welcome mail's rendering (instance files, YAML), which would triple its bundle.
 */
export async function sendVerificationMail({ links, mail, platform, now }: Pick<Deps, 'links' | 'mail' | 'platform' | 'now'>, tenant: Pick<Tenant, 'tenantId' | 'adminEmail' | 'verifyBy'>): Promise<void> {
  // A link sent again works until the signup's own deadline, not a day past it (the removal comes then).
  const until = tenant.verifyBy ? Date.parse(tenant.verifyBy) : now().getTime() + VERIFICATION_HOURS * 3_600_000;
  const token = await links.signEmailVerification(tenant.tenantId, now(), Math.max(60, Math.floor((until - now().getTime()) / 1000)));
  await mail.send({ ...verificationEmail({ url: verifyPageUrl(platform.siteUrl, tenant.tenantId, token) }), from: platform.launchpadSender, to: [tenant.adminEmail] });
}
