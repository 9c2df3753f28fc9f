import { SUSPENDED_RETENTION_DAYS, TRIAL_REMINDER_DAYS, daysLeft } from '../../shared/billing';
import { trialEndedEmail, trialReminderEmail } from '../../shared/emails';
import { sizeInstances, upgradeUrl } from '../billing/plan';
import type { Deps } from '../deps';
import { mailAdmin } from '../tenant/tenant-mail';
import { isEmailVerified } from '../../shared/tenant';
import { currentExecution } from '../reconciler/provisioning-runs';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { compute } from '../lambda/compute';
import { tables } from '../lambda/tables';
import { links } from '../lambda/keys';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';
import { workflows } from '../lambda/workflows';

const DAY_MS = 86_400_000;

type TrialSweepDeps = Pick<Deps, 'compute' | 'fleet' | 'instances' | 'links' | 'logger' | 'mail' | 'now' | 'platform' | 'secrets' | 'settingsStore' | 'smtp' | 'signups' | 'storage' | 'tenants' | 'workflows'>;

/**
 * Scheduled (EventBridge in AWS, an interval locally): reminds trials 3 days before they end,
 * suspends unpaid trials at their end (instances stopped, the address shows "trial ended"),
 * offboards tenants suspended longer than the retention period, and frees the subdomain and email
 * of offboarded tenants after the cooling-off period. Idempotent: each step is recorded on the
 * tenant and guarded by the lifecycle.
 */
export function createTrialSweep(deps: TrialSweepDeps) {
  const { tenants, signups, now, logger, workflows } = deps;

  return async (): Promise<{ reminded: string[]; suspended: string[]; unverifiedRemoved: string[]; markedForOffboarding: string[]; offboarding: string[]; claimsReleased: string[] }> => {
    const at = now();
    const result = { reminded: [] as string[], suspended: [] as string[], unverifiedRemoved: [] as string[], markedForOffboarding: [] as string[], offboarding: [] as string[], claimsReleased: [] as string[] };
    // Signups never confirmed by their deadline are removed (offboarded; their name and email are free once DELETED),
    // also one still PENDING (its StartExecution kept failing): offboarding one that has nothing yet removes nothing and
    // marks it DELETED. One PROVISIONING is left to end (ACTIVE or FAILED): the next run takes it.
    for (const status of ['PENDING', 'ACTIVE', 'FAILED'] as const) {
      for (const tenant of await tenants.listByStatus(status, at.toISOString())) {
        if (isEmailVerified(tenant) || !tenant.verifyBy || tenant.verifyBy > at.toISOString()) continue;
        try {
          // A PENDING one whose provisioning got started after all is left to it (removed once ACTIVE or FAILED):
          // an offboarding would race its first step for the tenant (and a refused MarkOffboarding is not retried).
          // Under the name the tenant records (a resume or a reconciler restart is `<tenantId>-r<n>`).
          if (status === 'PENDING' && !tenant.offboardingRequestedAt && (await currentExecution(workflows, tenant)).state) continue;
          // Conditional: a confirmation or a payment that arrived since this (eventually consistent) list wins.
          if (!tenant.offboardingRequestedAt && !(await tenants.requestUnverifiedRemoval(tenant.tenantId, at.toISOString()))) continue;
          if ((await workflows.startOffboarding(tenant.tenantId)) === 'started') result.unverifiedRemoved.push(tenant.tenantId);
        } catch (error) {
          logger.error('Removing an unverified signup failed; the next run retries', { tenantId: tenant.tenantId, error });
        }
      }
    }
    // An invoiced tenant (billed outside Stripe) never expires, whatever its record says of a trial.
    const trials = (await tenants.listByStatus('ACTIVE', at.toISOString())).filter((t) => t.plan === 'trial' && t.billing !== 'invoiced' && t.trialEndsAt && isEmailVerified(t));
    for (const tenant of trials) {
      const endsAt = Date.parse(tenant.trialEndsAt!);
      try {
        if (endsAt <= at.getTime()) {
          await tenants.transition(tenant.tenantId, 'SUSPENDED', at.toISOString());
          await sizeInstances(deps, tenant, 'suspended');
          const url = await upgradeUrl(deps, tenant);
          await mailAdmin(deps, tenant, (brand) => trialEndedEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, upgradeUrl: url }));
          result.suspended.push(tenant.tenantId);
        } else if (endsAt - at.getTime() <= TRIAL_REMINDER_DAYS * DAY_MS && !tenant.trialReminderSentAt) {
          // Recorded first: a reminder is nice to have, two are not.
          if (await tenants.setIfAbsent(tenant.tenantId, 'trialReminderSentAt', at.toISOString())) {
            const url = await upgradeUrl(deps, tenant);
            await mailAdmin(deps, tenant, (brand) => trialReminderEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, daysLeft: daysLeft(tenant.trialEndsAt!, at.getTime()), upgradeUrl: url }));
            result.reminded.push(tenant.tenantId);
          }
        }
      } catch (error) {
        logger.error('Trial sweep failed for a tenant; the next run retries', { tenantId: tenant.tenantId, error });
      }
    }
    const retentionStart = new Date(at.getTime() - SUSPENDED_RETENTION_DAYS * DAY_MS).toISOString();
    for (const tenant of await tenants.listByStatus('SUSPENDED', retentionStart)) {
      if (await tenants.setIfAbsent(tenant.tenantId, 'offboardingRequestedAt', at.toISOString())) result.markedForOffboarding.push(tenant.tenantId);
      // Named offboard-<tenantId>: started once however often the sweep sees the tenant.
      if ((await workflows.startOffboarding(tenant.tenantId)) === 'started') result.offboarding.push(tenant.tenantId);
    }
    // Offboarded tenants' subdomain and email become free after the cooling-off period.
    for (const tenant of await tenants.listByStatus('DELETED', at.toISOString())) {
      if (tenant.claimsReleasedAt || !tenant.claimsReleaseAt || Date.parse(tenant.claimsReleaseAt) > at.getTime()) continue;
      await signups.releaseClaims(tenant);
      await tenants.setIfAbsent(tenant.tenantId, 'claimsReleasedAt', at.toISOString());
      result.claimsReleased.push(tenant.tenantId);
    }
    if (Object.values(result).some((ids) => ids.length > 0)) logger.info('Trial sweep', result);
    return result;
  };
}

export const handler = lambdaEntry(createTrialSweep, () => ({ ...core(), compute: compute(), fleet: tables().fleet, instances: tables().instances, links: links(), mail: mail(), platform: platform(), secrets: secrets(), settingsStore: tables().settingsStore, signups: tables().signups, smtp: smtp(), storage: storage(), tenants: tables().tenants, workflows: workflows() }));
