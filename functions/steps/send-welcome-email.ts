import { welcomeEmail } from '../../shared/emails';
import { upgradeUrl } from '../billing/plan';
import { lambdaEntry } from '../deps';
import { settingsOf } from './settings-of';
import { defineStep } from './run-step';

/** The welcome mail to the admin, in the tenant's colours and footer, sent once. */
export const createSendWelcomeEmail = defineStep('SendWelcomeEmail', async (tenant, deps) => {
  const { mail, store, now, platform } = deps;
  if (tenant.welcomeEmailSentAt) return;
  const settings = settingsOf(tenant, platform);
  const { app, staging } = tenant.urls;
  if (!app || !staging) throw new Error('The tenant has no instance URLs; MarkActive must run first');
  const email = welcomeEmail({
    adminName: tenant.adminName,
    companyName: tenant.companyName,
    settings,
    appUrl: app,
    stagingUrl: staging,
    trialEndsAt: tenant.trialEndsAt ?? now().toISOString(),
    upgradeUrl: await upgradeUrl(deps, tenant),
  });
  await mail.send({ ...email, from: `${settings.mail.fromName.replace(/["<>]/g, '')} <${settings.mail.fromAddress}>`, to: [tenant.adminEmail], replyTo: [settings.mail.replyTo] });
  await store.setIfAbsent(tenant.tenantId, 'welcomeEmailSentAt', now().toISOString());
});

export const handler = lambdaEntry(createSendWelcomeEmail);
