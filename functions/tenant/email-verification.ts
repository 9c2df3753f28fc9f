import { TRIAL_DAYS } from '../../shared/brand';
import { isEmailVerified, type Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { sendWelcomeEmail, welcomeMarkerDueAt, type WelcomeDeps } from './welcome';

const DAY_MS = 86_400_000;

/**
 * Starts the trial clock of a tenant that is ACTIVE and verified, once. Called by both sides after
 * their own write (MarkActive after ACTIVE, the verification after recording it): the conditional
 * write in the store lets whichever comes second start it, so a race between them cannot leave a
 * verified, running tenant without a trial end.
 */
export async function startTrialIfDue({ tenants, now }: Pick<Deps, 'tenants' | 'now'>, tenantId: string): Promise<void> {
  const at = now();
  // The welcome mail falls due with the trial: its marker is written with it, for a sender failing before its claim.
  await tenants.startTrial(tenantId, at.toISOString(), new Date(at.getTime() + TRIAL_DAYS * DAY_MS).toISOString(), welcomeMarkerDueAt(at));
}

export type VerifyDeps = WelcomeDeps & Pick<Deps, 'links' | 'logger'>;

/**
 * The admin opened the verification link: recorded once; if the instance is live the trial starts
 * and the welcome mail (sign-in link, instance links) goes out, otherwise provisioning does both at
 * ACTIVE. 'invalid' for a wrong or expired token, 'gone' for a signup that was removed.
 */
export async function verifyEmail(deps: VerifyDeps, tenantId: string, token: string): Promise<{ outcome: 'verified'; tenant: Tenant } | { outcome: 'invalid' | 'gone' }> {
  const { links, tenants, now } = deps;
  if (!(await links.verifyEmailVerification(tenantId, token, now()))) return { outcome: 'invalid' };
  const before = await tenants.getTenant(tenantId);
  if (!before || before.status === 'DELETING' || before.status === 'DELETED') return { outcome: 'gone' };
  // Refused once its removal has begun (the sweep's mark is conditional the other way round: one of them wins).
  if (!isEmailVerified(before) && !(await tenants.markEmailVerified(tenantId, now().toISOString()))) {
    const again = await tenants.getTenant(tenantId);
    if (!again || !isEmailVerified(again)) return { outcome: 'gone' };
  }
  await startTrialIfDue(deps, tenantId);
  const tenant = (await tenants.getTenant(tenantId))!;
  if (tenant.status === 'ACTIVE' && tenant.trialEndsAt && !tenant.welcomeEmailSentAt) {
    try {
      // Claimed before it is sent: racing SendWelcomeEmail, one of the two sends it. One that fails is retried on its own.
      await sendWelcomeEmail(deps, tenant, 'verification');
    } catch (error) {
      // Confirmed all the same; the admin can get a sign-in link from the sign-in page meanwhile.
      deps.logger.error('Welcome mail not sent after the confirmation', { tenantId, error });
    }
  }
  return { outcome: 'verified', tenant };
}
