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
import { createInstanceCredentialsHandler } from './instance-credentials';
import { createOpenApiHandler } from './openapi';
import { createOAuthCallbackHandler } from './oauth-callback';
import { createOAuthStartHandler } from './oauth-start';
import { createPutSettingsHandler } from './put-settings';
import { createSettingsHistoryHandler } from './settings-history';
import { createTestMailHandler } from './test-mail';
import { createTestSmtpHandler } from './test-smtp';
import { ROUTE_FACTS, type ApiRouteFacts } from './route-table';

export type { ApiRouteFacts } from './route-table';
export interface ApiRoute extends ApiRouteFacts {
  create: (deps: Deps) => ApiHandler;
}

/** The handler of each route, by its entry (the file under functions/api/ whose `handler` serves it in Lambda). */
const HANDLERS: Record<string, (deps: Deps) => ApiHandler> = {
  'health': createHealthHandler,
  'openapi': createOpenApiHandler,
  'signup': createSignupHandler,
  'verify-email': createVerifyEmailHandler,
  'subdomain-availability': createSubdomainAvailabilityHandler,
  'tenant-status': createTenantStatusHandler,
  'checkout': createCheckoutHandler,
  'billing-portal': createBillingPortalHandler,
  'upgrade-link': createUpgradeLinkHandler,
  'stripe-webhook': createStripeWebhookHandler,
  'magic-link': createMagicLinkHandler,
  'create-session': createSessionHandler,
  'get-session': createGetSessionHandler,
  'delete-session': createDeleteSessionHandler,
  'get-settings': createGetSettingsHandler,
  'put-settings': createPutSettingsHandler,
  'settings-history': createSettingsHistoryHandler,
  'test-mail': createTestMailHandler,
  'test-smtp': createTestSmtpHandler,
  'logo-upload': createLogoUploadHandler,
  'logo': createLogoHandler,
  'branding': createBrandingHandler,
  'oauth-start': createOAuthStartHandler,
  'oauth-callback': createOAuthCallbackHandler,
  'instance-credentials': createInstanceCredentialsHandler,
};

/** Every public route with its handler: the local server serves these; the CDK app and the OpenAPI document need only ROUTE_FACTS. */
export const API_ROUTES: readonly ApiRoute[] = ROUTE_FACTS.map((route) => {
  const create = HANDLERS[route.entry];
  if (!create) throw new Error(`No handler for the route entry ${route.entry}`);
  return { ...route, create };
});
