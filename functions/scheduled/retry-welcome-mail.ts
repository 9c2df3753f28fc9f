import { HAS_INSTANCE } from '../../shared/lifecycle';
import { sendWelcomeEmail, type WelcomeDeps } from '../tenant/welcome';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';
import { links } from '../lambda/keys';

/**
 * Scheduled (every 5 minutes in AWS, 15 s locally): sends the welcome mails that are due again, a
 * retry whose time came (backoff in shared/mail-delivery.ts), a claim whose sender died before
 * settling it, or a mail that fell due (trial start, an invoiced tenant's ACTIVE) and was never
 * claimed (its sender failed before claiming: the table unreachable, the process gone). Each goes
 * through the same claim as the first attempt, so a run overlapping the email confirmation still
 * sends one mail; ops are told at the first failure, and when the last attempt gives the mail up.
 */
export function createRetryWelcomeMail(deps: WelcomeDeps) {
  const { mailStore, tenants, now, logger } = deps;
  return async (): Promise<{ sent: string[]; retrying: string[]; failed: string[] }> => {
    const result = { sent: [] as string[], retrying: [] as string[], failed: [] as string[] };
    for (const tenantId of await mailStore.dueWelcomeMails(now().toISOString())) {
      try {
        const tenant = await tenants.getTenant(tenantId);
        // Offboarded, sent meanwhile, or given up. A marker without a claim is a mail that fell due and
        // was never claimed: sent here (the marker is written only as the mail falls due).
        if (!tenant || !HAS_INSTANCE.has(tenant.status) || tenant.welcomeEmailSentAt || tenant.welcomeMail?.status === 'failed') {
          await mailStore.dropWelcomeMarker(tenantId);
          continue;
        }
        const outcome = await sendWelcomeEmail(deps, tenant, 'retry');
        if (outcome !== 'not-due') result[outcome].push(tenantId);
      } catch (error) {
        logger.error('Welcome mail retry failed; the next run tries again', { tenantId, error });
      }
    }
    if (result.sent.length + result.retrying.length + result.failed.length > 0) logger.info('Welcome mails retried', result);
    return result;
  };
}

export const handler = lambdaEntry(createRetryWelcomeMail, () => ({ ...core(), tenants: tables().tenants, signIns: tables().signIns, mailStore: tables().mailStore, settingsStore: tables().settingsStore, mail: mail(), secrets: secrets(), smtp: smtp(), storage: storage(), platform: platform(), links: links() }));
