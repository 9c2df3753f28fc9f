import { isLiveSubscription } from '../../shared/billing';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';

/**
 * Whether the tenant already pays, as billing says now (not as Launchpad last heard): a checkout
 * paid whose events have not been applied yet (delayed, failing) must not be followed by a second.
 * Only a tenant with a recorded customer can be looked up; the first checkout's duplicate, should
 * one slip through, is cancelled and refunded when its events arrive (functions/billing/duplicates.ts).
 */
export async function hasLiveSubscription({ billing }: Pick<Deps, 'billing'>, tenant: Pick<Tenant, 'stripeCustomerId' | 'billing'>): Promise<boolean> {
  // An invoiced tenant pays outside Stripe: a checkout would bill it twice.
  if (tenant.billing === 'invoiced') return true;
  if (!tenant.stripeCustomerId) return false;
  return (await billing.subscriptions(tenant.stripeCustomerId)).some((s) => isLiveSubscription(s.status));
}
