import type { RedirectUrl } from '../../shared/api-bodies';
import type { Deps } from '../deps';
import { adminTenant } from './admin-request';
import { HAS_INSTANCE } from '../../shared/lifecycle';
import { hasLiveSubscription } from '../billing/checkout';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { billing } from '../lambda/billing';
import { links, sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';

type CheckoutDeps = Pick<Deps, 'billing' | 'links' | 'now' | 'platform' | 'sessions' | 'tenants'>;

/**
 * POST /api/tenants/{id}/checkout {token}: a Stripe Checkout session for the paid plan -> {url}; 409
 * when the tenant is paid, or billing already has a live subscription for it.
 */
export function createCheckoutHandler(deps: CheckoutDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await adminTenant(deps, event);
    if ('response' in admin) return admin.response;
    const { tenant } = admin;
    if (tenant.plan === 'paid') return json(409, { errors: { plan: 'This instance is already on the paid plan' } });
    if (!HAS_INSTANCE.has(tenant.status)) {
      return json(409, { errors: { status: 'The instance is still being set up; upgrade once it is ready' } });
    }
    if (await hasLiveSubscription(deps, tenant)) {
      return json(409, { errors: { plan: 'This instance already has a paid subscription; the paid plan shows on the status page in a moment' } });
    }
    const site = deps.platform.siteUrl;
    const url = await deps.billing.checkoutUrl({
      tenantId: tenant.tenantId,
      email: tenant.adminEmail,
      successUrl: `${site}/status/${tenant.tenantId}?upgraded=1`,
      cancelUrl: `${site}/status/${tenant.tenantId}`,
      // A returning customer subscribes under the same customer (and reuses a session still open).
      ...(tenant.stripeCustomerId ? { customerId: tenant.stripeCustomerId } : {}),
    });
    return json(200, { url } satisfies RedirectUrl);
  };
}

export const handler = lambdaEntry(createCheckoutHandler, () => ({ ...core(), billing: billing(), links: links(), platform: platform(), sessions: sessions(), tenants: tables().tenants }));
