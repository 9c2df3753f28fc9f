import { isLiveSubscription } from '../../shared/billing';
import type { Email } from '../../shared/emails';
import { escapeHtml as escape } from '../../shared/html';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

/** To ops when a duplicate subscription was cancelled but its payment could not be refunded. */
export function refundFailedEmail(input: { tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'companyName'>; subscriptionId: string; kept?: string | undefined; error: string }): Email {
  const subject = `[Launchpad] Refund by hand: duplicate subscription of ${input.tenant.subdomain}`;
  const lines = [
    `${input.tenant.companyName} (${input.tenant.subdomain}, ${input.tenant.tenantId}) paid a second checkout. Its subscription ${input.subscriptionId} was cancelled (it charges no more), but refunding its payment failed: ${input.error}`,
    `The tenant keeps subscription ${input.kept ?? '(none recorded)'}. Refund the latest invoice of ${input.subscriptionId} in the Stripe dashboard.`,
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif"><h2>${escape(subject)}</h2>${lines.map((l) => `<p>${escape(l)}</p>`).join('')}</body></html>` };
}

export type DuplicateDeps = Pick<Deps, 'billing' | 'logger' | 'mail' | 'platform'>;

/**
 * A second live subscription of a tenant (two checkouts paid): cancelled so it charges no more,
 * and its payment refunded. Only while the subscription the tenant keeps still lives (were it
 * cancelled meanwhile, the next event makes this one the kept one instead of leaving none). A
 * refund that fails is logged as an error (the webhook's alarm) and mailed to ops, to do by hand:
 * the customer is never left charged silently. Safe to repeat.
 */
export async function cancelDuplicate(deps: DuplicateDeps, tenant: Tenant, subscriptionId: string): Promise<void> {
  const { billing, logger } = deps;
  if (subscriptionId === tenant.stripeSubscriptionId) return;
  const kept = tenant.stripeCustomerId ? (await billing.subscriptions(tenant.stripeCustomerId)).find((s) => s.id === tenant.stripeSubscriptionId) : undefined;
  if (!kept || !isLiveSubscription(kept.status)) {
    logger.warn('Duplicate subscription left running: the one the tenant keeps is not live any more; the next event decides again', { tenantId: tenant.tenantId, subscriptionId, kept: tenant.stripeSubscriptionId });
    return;
  }
  await billing.cancelSubscription(subscriptionId, `Duplicate: tenant ${tenant.tenantId} keeps ${kept.id}`);
  try {
    const outcome = await billing.refundLatestPayment(subscriptionId);
    logger.warn('Duplicate subscription cancelled and its payment refunded', { tenantId: tenant.tenantId, subscriptionId, kept: kept.id, outcome });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error('Duplicate subscription cancelled, but refunding its payment failed: ops refund it by hand', { tenantId: tenant.tenantId, subscriptionId, kept: kept.id, error });
    const email = refundFailedEmail({ tenant, subscriptionId, kept: kept.id, error: message });
    await deps.mail.send({ ...email, from: deps.platform.launchpadSender, to: [deps.platform.opsEmail] }).catch((mailError: unknown) => logger.error('The refund alert to ops could not be sent', { tenantId: tenant.tenantId, subscriptionId, error: mailError }));
  }
}
