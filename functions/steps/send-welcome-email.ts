import { welcomeEmail } from '../../shared/emails';
import { upgradeUrl } from '../billing/plan';
import { lambdaEntry } from '../deps';
import { mailAdmin } from '../providers/tenant-mail';
import { defineStep } from './run-step';

/** The welcome mail to the admin, in the tenant's colours and footer, sent once. */
export const createSendWelcomeEmail = defineStep('SendWelcomeEmail', async (tenant, deps) => {
  const { store, now } = deps;
  if (tenant.welcomeEmailSentAt) return;
  const { app, staging } = tenant.urls;
  if (!app || !staging) throw new Error('The tenant has no instance URLs; MarkActive must run first');
  const url = await upgradeUrl(deps, tenant);
  await mailAdmin(deps, tenant, (settings) =>
    welcomeEmail({
      adminName: tenant.adminName,
      companyName: tenant.companyName,
      settings,
      appUrl: app,
      stagingUrl: staging,
      trialEndsAt: tenant.trialEndsAt ?? now().toISOString(),
      upgradeUrl: url,
    }),
  );
  await store.setIfAbsent(tenant.tenantId, 'welcomeEmailSentAt', now().toISOString());
});

export const handler = lambdaEntry(createSendWelcomeEmail);
