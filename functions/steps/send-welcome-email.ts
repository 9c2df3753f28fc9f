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
 * The welcome mail to the admin, once the trial has started: a signup whose email is not verified
 * yet gets it from the verification instead (functions/tenant/email-verification.ts). A mail that
 * cannot be sent is not a provisioning failure: the tenant is ACTIVE already, the mail is retried
 * on its own (functions/scheduled/retry-welcome-mail.ts) and the step succeeds with it pending
 * (the status page says so). Anything else that escapes is caught by the state machine into
 * WelcomeMailPending, never into MarkFailed (ACTIVE cannot become FAILED).
 */
export const createSendWelcomeEmail = defineStep('SendWelcomeEmail', async (tenant, deps) => {
  const outcome = await sendWelcomeEmail(deps, tenant, 'provisioning');
  if (outcome !== 'sent' && outcome !== 'not-due') deps.logger.warn('Provisioning done with the welcome mail pending', { tenantId: tenant.tenantId, welcomeMail: outcome });
});

export const handler = lambdaEntry(createSendWelcomeEmail, () => ({ ...core(), tenants: tables().tenants, signIns: tables().signIns, mail: mail(), secrets: secrets(), smtp: smtp(), storage: storage(), settingsStore: tables().settingsStore, platform: platform(), links: links(), mailStore: tables().mailStore }));
