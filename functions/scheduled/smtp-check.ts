import { RUNNING_STATUSES } from '../../shared/lifecycle';
import type { Deps } from '../deps';
import { SmtpRefusedError } from '../providers/smtp';
import { markSmtpFailing, markSmtpOk } from '../settings/smtp-health';
import { smtpAccountOf } from '../settings/smtp-secret';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { tables } from '../lambda/tables';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';

type SmtpCheckDeps = Pick<Deps, 'logger' | 'mail' | 'now' | 'platform' | 'secrets' | 'settingsStore' | 'smtp' | 'storage' | 'tenants'>;

/**
 * Scheduled (hourly in AWS, an interval locally): signs in to every custom SMTP server of a
 * running tenant. One that stopped accepting us (a password changed without telling anyone)
 * switches the tenant to the default sender and tells the admin; one that works again switches
 * it back. So mail never stops silently.
 */
export function createSmtpCheck(deps: SmtpCheckDeps) {
  const { tenants, now, smtp, logger } = deps;
  return async (): Promise<{ ok: string[]; failing: string[] }> => {
    const result = { ok: [] as string[], failing: [] as string[] };
    const before = now().toISOString();
    const running = (await Promise.all(RUNNING_STATUSES.map((status) => tenants.listByStatus(status, before)))).flat();
    for (const tenant of running) {
      const sender = tenant.settings?.mail.sender;
      if (sender?.kind !== 'smtp') continue;
      try {
        const account = await smtpAccountOf(deps, tenant.tenantId, sender);
        try {
          if (!account) throw new SmtpRefusedError('No password is stored for this SMTP server and user');
          await smtp.verify(account);
        } catch (error) {
          if (!(error instanceof SmtpRefusedError)) throw error;
          await markSmtpFailing(deps, tenant, sender, error.message);
          result.failing.push(tenant.tenantId);
          continue;
        }
        await markSmtpOk(deps, tenant);
        result.ok.push(tenant.tenantId);
      } catch (error) {
        logger.error('SMTP check failed for tenant; next run retries', { tenantId: tenant.tenantId, error });
      }
    }
    return result;
  };
}

export const handler = lambdaEntry(createSmtpCheck, () => ({ ...core(), mail: mail(), platform: platform(), secrets: secrets(), settingsStore: tables().settingsStore, smtp: smtp(), storage: storage(), tenants: tables().tenants }));
