import type { RedirectUrl } from '../../shared/api-bodies';
import type { Deps } from '../deps';
import { adminTenant } from './admin-request';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { billing } from '../lambda/billing';
import { links, sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';

type BillingPortalDeps = Pick<Deps, 'billing' | 'links' | 'now' | 'platform' | 'sessions' | 'tenants'>;

/** POST /api/tenants/{id}/billing-portal {token}: Stripe's portal for a paid tenant -> {url}. */
export function createBillingPortalHandler(deps: BillingPortalDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await adminTenant(deps, event);
    if ('response' in admin) return admin.response;
    const { tenant } = admin;
    // Created by ops for a client billed outside Stripe: there is no Stripe billing to open.
    if (tenant.billing === 'invoiced') return json(409, { errors: { plan: 'This instance is billed by invoice, outside this page: your contact at spaceOS handles billing' } });
    if (tenant.plan !== 'paid' || !tenant.stripeCustomerId) return json(409, { errors: { plan: 'Billing opens once the instance is on the paid plan' } });
    return json(200, { url: await deps.billing.portalUrl({ customerId: tenant.stripeCustomerId, returnUrl: `${deps.platform.siteUrl}/status/${tenant.tenantId}` }) } satisfies RedirectUrl);
  };
}

export const handler = lambdaEntry(createBillingPortalHandler, () => ({ ...core(), billing: billing(), links: links(), platform: platform(), sessions: sessions(), tenants: tables().tenants }));
