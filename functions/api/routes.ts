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
import { createVerifyEmailHandler } from './verify-email';
import { createBrandingHandler } from './branding';
import { createSessionHandler } from './create-session';
import { createDeleteSessionHandler } from './delete-session';
import { createGetSessionHandler } from './get-session';
import { createGetSettingsHandler } from './get-settings';
import { createLogoHandler } from './logo';
import { createLogoUploadHandler } from './logo-upload';
import { createMagicLinkHandler } from './magic-link';
import { createOAuthCallbackHandler } from './oauth-callback';
import { createOAuthStartHandler } from './oauth-start';
import { createPutSettingsHandler } from './put-settings';
import { createSettingsHistoryHandler } from './settings-history';
import { createTestMailHandler } from './test-mail';
import { createTestSmtpHandler } from './test-smtp';

export interface ApiRoute {
  /** HTTP API route key form: method and path with {param} placeholders. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** The file under functions/api/ whose `handler` export serves it in Lambda. */
  entry: string;
  create: (deps: Deps) => ApiHandler;
  /**
   * Who may call it, checked in the function: anyone (`public`), the tenant's signed-in admin
   * (`session`), the admin by session or by a signed link from a mail (`session-or-link`),
   * Stripe by signature (`stripe`), or a browser carrying a signed OAuth state (`oauth-state`).
   */
  access: 'public' | 'session' | 'session-or-link' | 'stripe' | 'oauth-state';
  /** Routes that talk to a tenant's SMTP server (or redeploy instances) wait longer than the default 10 s (API Gateway allows 30). */
  timeoutSeconds?: number;
}

/** Every public route, used by the local server now and by the CDK HTTP API. */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/health', entry: 'health', create: createHealthHandler, access: 'public' },
  { method: 'POST', path: '/api/signups', entry: 'signup', create: createSignupHandler, access: 'public' },
  { method: 'POST', path: '/api/signups/verify', entry: 'verify-email', create: createVerifyEmailHandler, access: 'public' },
  { method: 'GET', path: '/api/subdomains/{name}', entry: 'subdomain-availability', create: createSubdomainAvailabilityHandler, access: 'public' },
  { method: 'GET', path: '/api/tenants/{id}/status', entry: 'tenant-status', create: createTenantStatusHandler, access: 'public' },
  { method: 'POST', path: '/api/tenants/{id}/checkout', entry: 'checkout', create: createCheckoutHandler, access: 'session-or-link' },
  { method: 'POST', path: '/api/tenants/{id}/billing-portal', entry: 'billing-portal', create: createBillingPortalHandler, access: 'session-or-link' },
  { method: 'POST', path: '/api/tenants/{id}/upgrade-link', entry: 'upgrade-link', create: createUpgradeLinkHandler, access: 'public' },
  // A woken tenant's instances are redeployed and resized before the answer: more than the default 10 s at times.
  { method: 'POST', path: '/api/webhooks/stripe', entry: 'stripe-webhook', timeoutSeconds: 28, create: createStripeWebhookHandler, access: 'stripe' },
  // Sign-in and runtime settings (issue 6)
  { method: 'POST', path: '/api/auth/magic-link', entry: 'magic-link', create: createMagicLinkHandler, access: 'public' },
  { method: 'POST', path: '/api/auth/session', entry: 'create-session', create: createSessionHandler, access: 'public' },
  { method: 'GET', path: '/api/auth/session', entry: 'get-session', create: createGetSessionHandler, access: 'session' },
  { method: 'DELETE', path: '/api/auth/session', entry: 'delete-session', create: createDeleteSessionHandler, access: 'public' },
  { method: 'GET', path: '/api/tenants/{id}/settings', entry: 'get-settings', create: createGetSettingsHandler, access: 'session' },
  { method: 'PUT', path: '/api/tenants/{id}/settings', entry: 'put-settings', timeoutSeconds: 28, create: createPutSettingsHandler, access: 'session' },
  { method: 'GET', path: '/api/tenants/{id}/settings/history', entry: 'settings-history', create: createSettingsHistoryHandler, access: 'session' },
  { method: 'POST', path: '/api/tenants/{id}/settings/test-mail', entry: 'test-mail', timeoutSeconds: 28, create: createTestMailHandler, access: 'session' },
  { method: 'POST', path: '/api/tenants/{id}/settings/test-smtp', entry: 'test-smtp', timeoutSeconds: 28, create: createTestSmtpHandler, access: 'session' },
  { method: 'POST', path: '/api/tenants/{id}/logo-upload', entry: 'logo-upload', create: createLogoUploadHandler, access: 'session' },
  { method: 'GET', path: '/api/tenants/{id}/logo', entry: 'logo', create: createLogoHandler, access: 'public' },
  { method: 'GET', path: '/api/tenants/{id}/branding.json', entry: 'branding', create: createBrandingHandler, access: 'public' },
  { method: 'GET', path: '/api/oauth/{provider}/start', entry: 'oauth-start', create: createOAuthStartHandler, access: 'oauth-state' },
  { method: 'GET', path: '/api/oauth/{provider}/callback', entry: 'oauth-callback', create: createOAuthCallbackHandler, access: 'oauth-state' },
];
