import { MAGIC_LINK_MINUTES } from '../../shared/auth';
import { existingInstanceEmail, removedInstanceEmail } from '../../shared/existing-instance-email';
import type { Tenant } from '../../shared/tenant';
import { issueSignInLink } from '../auth/sign-in-links';
import type { Deps } from '../deps';

/**
 * A signup named the address of a confirmed instance's admin: mail that admin a sign-in link (the
 * magic link's kind, from the same issuer) in a fixed-text mail from Launchpad's own sender, so the
 * real owner who forgot gets back in and a prober learns nothing from the answer.
 */
export async function sendExistingInstanceMail(deps: Pick<Deps, 'mail' | 'now' | 'platform' | 'signIns'>, tenant: Pick<Tenant, 'tenantId' | 'adminEmail'>): Promise<void> {
  const signInUrl = await issueSignInLink(deps, tenant, MAGIC_LINK_MINUTES * 60_000);
  await deps.mail.send({ ...existingInstanceEmail({ signInUrl }), from: deps.platform.launchpadSender, to: [tenant.adminEmail] });
}

/** A signup named the address of an instance removed recently (claims still held): why nothing was set up. */
export async function sendRemovedInstanceMail(deps: Pick<Deps, 'mail' | 'platform'>, tenant: Pick<Tenant, 'adminEmail'>): Promise<void> {
  await deps.mail.send({ ...removedInstanceEmail({ siteUrl: deps.platform.siteUrl }), from: deps.platform.launchpadSender, to: [tenant.adminEmail] });
}
