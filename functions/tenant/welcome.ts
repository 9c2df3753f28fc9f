import { WELCOME_LINK_HOURS } from '../../shared/auth';
import { welcomeEmail } from '../../shared/emails';
import type { Tenant } from '../../shared/tenant';
import { issueSignInLink } from '../auth/sign-in-links';
import { upgradeUrl } from '../billing/plan';
import type { Deps } from '../deps';
import { mailAdmin, type MailDeps } from './tenant-mail';

export type WelcomeDeps = MailDeps & Pick<Deps, 'tenants' | 'signIns' | 'links'>;

/**
 * The welcome mail to the admin, in the tenant's colours and footer: sign-in link, instance links,
 * trial end. Sent by provisioning (SendWelcomeEmail) or by the verification, whichever finds the
 * tenant live and verified; recorded after sending (a crash in between re-sends it, both links work).
 */
export async function sendWelcomeEmail(deps: WelcomeDeps, tenant: Tenant): Promise<void> {
  const { tenants, now } = deps;
  const { app, staging } = tenant.urls;
  if (!app || !staging) throw new Error('The tenant has no instance URLs; MarkActive must run first');
  const url = await upgradeUrl(deps, tenant);
  const signInUrl = await issueSignInLink(deps, tenant, WELCOME_LINK_HOURS * 3_600_000);
  await mailAdmin(deps, tenant, (brand) =>
    welcomeEmail({
      adminName: tenant.adminName,
      companyName: tenant.companyName,
      brand,
      signInUrl,
      appUrl: app,
      stagingUrl: staging,
      trialEndsAt: tenant.trialEndsAt ?? now().toISOString(),
      upgradeUrl: url,
    }),
  );
  await tenants.setIfAbsent(tenant.tenantId, 'welcomeEmailSentAt', now().toISOString());
}
