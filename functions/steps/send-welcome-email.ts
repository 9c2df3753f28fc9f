import { WELCOME_LINK_HOURS } from '../../shared/auth';
import { welcomeEmail } from '../../shared/emails';
import { issueSignInLink } from '../auth/sign-in-links';
import { upgradeUrl } from '../billing/plan';
import { mailAdmin } from '../tenant/tenant-mail';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';
import { links } from '../lambda/keys';

/** The welcome mail to the admin, in the tenant's colours and footer, sent once. */
export const createSendWelcomeEmail = defineStep('SendWelcomeEmail', async (tenant, deps) => {
  const { tenants, now } = deps;
  if (tenant.welcomeEmailSentAt) return;
  const { app, staging } = tenant.urls;
  if (!app || !staging) throw new Error('The tenant has no instance URLs; MarkActive must run first');
  const url = await upgradeUrl(deps, tenant);
  // A crash after sending and before recording re-sends the mail with a new link: both work once.
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
});

export const handler = lambdaEntry(createSendWelcomeEmail, () => ({ ...core(), tenants: tables().tenants, signIns: tables().signIns, mail: mail(), secrets: secrets(), smtp: smtp(), storage: storage(), settingsStore: tables().settingsStore, platform: platform(), links: links() }));
