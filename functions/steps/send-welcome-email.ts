import { sendWelcomeEmail } from '../tenant/welcome';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';
import { links } from '../lambda/keys';

/**
 * The welcome mail to the admin, sent once, and only once the trial has started: a signup whose
 * email is not verified yet gets it from the verification instead (functions/tenant/email-verification.ts).
 */
export const createSendWelcomeEmail = defineStep('SendWelcomeEmail', async (tenant, deps) => {
  if (tenant.welcomeEmailSentAt || !tenant.trialEndsAt) return;
  await sendWelcomeEmail(deps, tenant);
});

export const handler = lambdaEntry(createSendWelcomeEmail, () => ({ ...core(), tenants: tables().tenants, signIns: tables().signIns, mail: mail(), secrets: secrets(), smtp: smtp(), storage: storage(), settingsStore: tables().settingsStore, platform: platform(), links: links() }));
