import { lambdaEntry, type Deps } from '../deps';
import { adminTenant } from './admin-request';
import { json, type ApiEvent, type ApiHandler } from './http';

/** POST /api/tenants/{id}/billing-portal {token}: Stripe's portal for a paid tenant -> {url}. */
export function createBillingPortalHandler(deps: Deps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await adminTenant(deps, event);
    if ('response' in admin) return admin.response;
    const { tenant } = admin;
    if (tenant.plan !== 'paid' || !tenant.stripeCustomerId) return json(409, { errors: { plan: 'Billing opens once the instance is on the paid plan' } });
    return json(200, { url: await deps.billing.portalUrl({ customerId: tenant.stripeCustomerId, returnUrl: `${deps.platform.siteUrl}/status/${tenant.tenantId}` }) });
  };
}

export const handler = lambdaEntry(createBillingPortalHandler);
