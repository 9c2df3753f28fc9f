import type { Deps } from '../deps';
import { createBillingPortalHandler } from './billing-portal';
import { createCheckoutHandler } from './checkout';
import { createHealthHandler } from './health';
import type { ApiHandler } from './http';
import { createSignupHandler } from './signup';
import { createSubdomainAvailabilityHandler } from './subdomain-availability';
import { createStripeWebhookHandler } from './stripe-webhook';
import { createTenantStatusHandler } from './tenant-status';
import { createUpgradeLinkHandler } from './upgrade-link';

export interface ApiRoute {
  /** HTTP API route key form: method and path with {param} placeholders. */
  method: 'GET' | 'POST';
  path: string;
  /** The file under functions/api/ whose `handler` export serves it in Lambda. */
  entry: string;
  create: (deps: Deps) => ApiHandler;
}

/** Every public route, used by the local server now and by the CDK HTTP API. */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/health', entry: 'health', create: createHealthHandler },
  { method: 'POST', path: '/api/signups', entry: 'signup', create: createSignupHandler },
  { method: 'GET', path: '/api/subdomains/{name}', entry: 'subdomain-availability', create: createSubdomainAvailabilityHandler },
  { method: 'GET', path: '/api/tenants/{id}/status', entry: 'tenant-status', create: createTenantStatusHandler },
  { method: 'POST', path: '/api/tenants/{id}/checkout', entry: 'checkout', create: createCheckoutHandler },
  { method: 'POST', path: '/api/tenants/{id}/billing-portal', entry: 'billing-portal', create: createBillingPortalHandler },
  { method: 'POST', path: '/api/tenants/{id}/upgrade-link', entry: 'upgrade-link', create: createUpgradeLinkHandler },
  { method: 'POST', path: '/api/webhooks/stripe', entry: 'stripe-webhook', create: createStripeWebhookHandler },
];
