import type Stripe from 'stripe';
import { statusForSubscription } from '../../shared/billing';
import { paymentFailedEmail, thankYouEmail } from '../../shared/emails';
import type { TenantStatus } from '../../shared/lifecycle';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { TenantChanges } from '../providers/tenant-store';
import { mailAdmin } from '../providers/tenant-mail';
import { sizeInstances, upgradeUrl } from './plan';

export type EventOutcome = 'applied' | 'stale' | 'ignored';

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : value?.id);

/**
 * Applies one verified Stripe event to its tenant. Each change is guarded twice: the lifecycle
 * table (a tenant cannot jump to a status it may not reach) and the event time (an older event
 * arriving late changes nothing). Side effects (instance size, mail) follow only an applied change.
 */
export function createStripeEventHandler(deps: Deps) {
  const { store, logger, now } = deps;

  const apply = async (tenant: Tenant, event: Stripe.Event, to: TenantStatus | undefined, set: TenantChanges = {}, remove: Array<keyof Tenant> = [], ordered = true) => {
    const result = await store.applyBillingEvent(tenant.tenantId, { ...(to ? { to } : {}), at: now().toISOString(), ...(ordered ? { orderedAt: event.created } : {}), set, remove });
    if (result !== 'applied') logger.info('Billing event not applied (older than the last one, or not allowed now)', { tenantId: tenant.tenantId, type: event.type, id: event.id });
    return result === 'applied';
  };

  const tenantById = async (tenantId: string | null | undefined) => (tenantId ? await store.getTenant(tenantId) : undefined);
  const tenantByCustomer = async (customer: string | { id: string } | null | undefined) => {
    const id = idOf(customer);
    return tenantById(id ? await store.tenantForCustomer(id) : undefined);
  };

  return async (event: Stripe.Event): Promise<EventOutcome> => {
    switch (event.type) {
      case 'checkout.session.completed': {
        const session = event.data.object;
        const tenant = await tenantById(session.client_reference_id ?? session.metadata?.tenantId);
        const customerId = idOf(session.customer);
        if (!tenant || !customerId) return 'ignored';
        await store.linkCustomer(customerId, tenant.tenantId);
        const subscriptionId = idOf(session.subscription);
        // A completed checkout is a one-time fact, not a state to order: subscription events of the
        // same second may well arrive first. Its duplicates are stopped by the event-id claim.
        if (tenant.plan === 'paid') return 'stale';
        // Still a reference point for ordering later events: older ones must not undo it.
        const billingEventAt = Math.max(tenant.billingEventAt ?? 0, event.created);
        const applied = await apply(tenant, event, 'ACTIVE', { plan: 'paid', paidSince: now().toISOString(), stripeCustomerId: customerId, billingEventAt, ...(subscriptionId ? { stripeSubscriptionId: subscriptionId } : {}) }, ['trialEndsAt'], false);
        if (!applied) return 'stale';
        await sizeInstances(deps, tenant, 'paid');
        await mailAdmin(deps, tenant, (brand) => thankYouEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, appUrl: tenant.urls.app ?? deps.platform.siteUrl }));
        return 'applied';
      }
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted': {
        const subscription = event.data.object;
        const tenant = (await tenantById(subscription.metadata?.tenantId)) ?? (await tenantByCustomer(subscription.customer));
        const to = event.type === 'customer.subscription.deleted' ? 'SUSPENDED' : statusForSubscription(subscription.status);
        if (!tenant || !to) return 'ignored';
        if (!(await apply(tenant, event, to, { stripeSubscriptionId: subscription.id }))) return 'stale';
        if (to !== tenant.status) await sizeInstances(deps, tenant, to === 'SUSPENDED' ? 'suspended' : 'paid');
        return 'applied';
      }
      case 'invoice.payment_failed': {
        const tenant = await tenantByCustomer(event.data.object.customer);
        if (!tenant) return 'ignored';
        if (!(await apply(tenant, event, 'PAST_DUE'))) return 'stale';
        const url = await upgradeUrl(deps, tenant);
        await mailAdmin(deps, tenant, (brand) => paymentFailedEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, upgradeUrl: url }));
        return 'applied';
      }
      case 'invoice.paid': {
        const tenant = await tenantByCustomer(event.data.object.customer);
        if (!tenant || tenant.plan !== 'paid') return 'ignored';
        if (!(await apply(tenant, event, 'ACTIVE'))) return 'stale';
        if (tenant.status === 'SUSPENDED') await sizeInstances(deps, tenant, 'paid');
        return 'applied';
      }
      default:
        // Launchpad uses no Stripe trials (trial_will_end) and subscribes to few events; the rest is noise.
        return 'ignored';
    }
  };
}
