import { WELCOME_LINK_HOURS } from '../../shared/auth';
import { welcomeEmail } from '../../shared/emails';
import { MAIL_ERRORS, nextWelcomeAttemptAt, WELCOME_LEASE_MS, welcomeMailOpsEmail, type WelcomeMail } from '../../shared/mail-delivery';
import type { Tenant } from '../../shared/tenant';
import { issueSignInLink } from '../auth/sign-in-links';
import { upgradeUrl } from '../billing/plan';
import type { Deps } from '../deps';
import { isMessageRejected } from '../providers/mail';
import { opsConsoleUrl } from '../platform';
import { mailAdmin, type MailDeps } from './tenant-mail';

export type WelcomeDeps = MailDeps & Pick<Deps, 'tenants' | 'signIns' | 'links' | 'mailStore'>;

/** Who sends the welcome mail: provisioning (SendWelcomeEmail), the email confirmation, or the retry job. */
export type WelcomeSender = 'provisioning' | 'verification' | 'retry';
/** `not-due`: not this sender's to send now (sent already, claimed by another, or its retry not due yet). */
export type WelcomeOutcome = 'sent' | 'retrying' | 'failed' | 'not-due';

/**
 * When the marker of a welcome mail that just fell due is filed (functions/providers/welcome-marker.ts):
 * once the lease of a sender claiming it at once would have run out, so the normal path (provisioning
 * or the confirmation, claiming and sending right away) goes first, and the retry job sends only a
 * mail nobody claimed.
 */
export const welcomeMarkerDueAt = (fellDueAt: Date): string => new Date(fellDueAt.getTime() + WELCOME_LEASE_MS).toISOString();

/** An invoiced tenant (created by ops, billed outside Stripe) gets no trial clock: its welcome mail is due as soon as it is ACTIVE. */
export const welcomeDueAtActive = (tenant: Pick<Tenant, 'billing' | 'plan'>): boolean => tenant.billing === 'invoiced' && tenant.plan === 'paid';

/** The mail itself: sign-in link, instance links, trial end, in the tenant's colours and footer. */
async function composeAndSend(deps: WelcomeDeps, tenant: Tenant): Promise<void> {
  const { app, staging } = tenant.urls;
  if (!app || !staging) throw new Error('The tenant has no instance URLs; MarkActive must run first');
  // An invoiced tenant (created by ops, billed outside Stripe) has no trial to end and nothing to upgrade to.
  const trial = tenant.billing === 'invoiced' ? {} : { trialEndsAt: tenant.trialEndsAt ?? deps.now().toISOString(), upgradeUrl: await upgradeUrl(deps, tenant) };
  const signInUrl = await issueSignInLink(deps, tenant, WELCOME_LINK_HOURS * 3_600_000);
  await mailAdmin(deps, tenant, (brand) =>
    welcomeEmail({
      adminName: tenant.adminName,
      companyName: tenant.companyName,
      brand,
      signInUrl,
      appUrl: app,
      stagingUrl: staging,
      ...trial,
    }),
  );
}

/** Ops hear of the first failure (the mail is being retried) and of giving up; the attempts between are logged. */
async function alertOps(deps: WelcomeDeps, tenant: Tenant, outcome: WelcomeMail, cause: string): Promise<void> {
  const { platform } = deps;
  const email = welcomeMailOpsEmail({
    subdomain: tenant.subdomain,
    tenantId: tenant.tenantId,
    adminEmail: tenant.adminEmail,
    status: outcome.status === 'failed' ? 'failed' : 'retrying',
    attempts: outcome.attempts,
    error: cause,
    ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
    opsUrl: opsConsoleUrl(platform),
  });
  try {
    await deps.mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
  } catch (error) {
    deps.logger.error('Ops alert about a welcome mail could not be sent', { tenantId: tenant.tenantId, error });
  }
}

/**
 * The welcome mail to the admin, sent once: by provisioning (SendWelcomeEmail) or by the email
 * confirmation, whichever finds the tenant live and verified, and later by the retry job. Each
 * sender first claims the send (a conditional write with a lease, MailStore.claimWelcome), so two
 * racing senders send one mail, and a sender dying after its claim is replaced once the lease runs
 * out. A send that fails is not the caller's failure: the tenant stays as it is, the mail is
 * retried on its own with backoff (WELCOME_RETRY_DELAYS_MS), ops are told at the first failure and
 * when it gives up; an address that bounced before is not tried at all.
 */
export async function sendWelcomeEmail(deps: WelcomeDeps, tenant: Tenant, by: WelcomeSender): Promise<WelcomeOutcome> {
  const { mailStore, now, logger } = deps;
  // Due once the trial started (an invoiced tenant: once ACTIVE), and for good once a send was first
  // claimed or the retry job found its marker, which is written only as the mail falls due (a tenant
  // that upgraded since, with no trial end any more, still gets the mail it is owed).
  const live = tenant.billing === 'invoiced' ? welcomeDueAtActive(tenant) && tenant.status === 'ACTIVE' : Boolean(tenant.trialEndsAt);
  if (tenant.welcomeEmailSentAt || (!live && !tenant.welcomeMail && by !== 'retry')) return 'not-due';
  const claim = await mailStore.claimWelcome(tenant, by, now(), WELCOME_LEASE_MS);
  if (!claim) return 'not-due';
  const suppressed = (await deps.mail.suppressedAmong([tenant.adminEmail])).length > 0;
  let cause: string;
  let generic: string;
  if (suppressed) {
    cause = 'the address is suppressed: SES reported a hard bounce';
    generic = MAIL_ERRORS.suppressed;
  } else {
    let failure: unknown;
    try {
      await composeAndSend(deps, tenant);
    } catch (error) {
      failure = error ?? new Error('unknown');
    }
    if (failure === undefined) {
      // Outside the try: a failed write after the mail went out must not schedule it again (the lease keeps others off meanwhile).
      await mailStore.settleWelcome(tenant.tenantId, claim, { status: 'sent', attempts: claim.attempts, by, sentAt: now().toISOString() }, now().toISOString());
      return 'sent';
    }
    cause = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
    generic = isMessageRejected(failure) ? MAIL_ERRORS.rejected : MAIL_ERRORS.unreachable;
    logger.error('Welcome mail not sent', { tenantId: tenant.tenantId, attempt: claim.attempts, by, error: failure });
  }
  const at = now();
  // A bounced address will not start working by waiting: given up at once.
  const next = suppressed ? undefined : nextWelcomeAttemptAt(claim.attempts, at);
  const status = next ? 'retrying' : 'failed';
  const outcome: WelcomeMail = { status, attempts: claim.attempts, by, ...(next ? { nextAttemptAt: next } : {}), lastError: generic };
  // Refused when this sender's lease ran out and another took the mail over: the outcome is theirs to record.
  if (!(await mailStore.settleWelcome(tenant.tenantId, claim, outcome, at.toISOString()))) return 'not-due';
  if (status === 'retrying') logger.warn('Welcome mail retried later', { tenantId: tenant.tenantId, attempt: claim.attempts, nextAttemptAt: next });
  if (outcome.status === 'failed' || claim.attempts === 1) await alertOps(deps, tenant, outcome, cause);
  if (status === 'failed') logger.error('Welcome mail given up', { tenantId: tenant.tenantId, attempts: claim.attempts });
  return status;
}
