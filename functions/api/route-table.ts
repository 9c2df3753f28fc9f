import { INSTANCE_CREDENTIALS_PATH } from '../../shared/instance-token';

/**
 * The facts of every public route, without their handlers: what the CDK app, the OpenAPI document
 * and the route tests need. Kept apart from routes.ts so that a function reading the table (the
 * OpenAPI document's) does not bundle every handler.
 */
export interface ApiRouteFacts {
  /** HTTP API route key form: method and path with {param} placeholders. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** The file under functions/api/ whose `handler` export serves it in Lambda. */
  entry: string;
  /**
   * Who may call it, checked in the function: anyone (`public`), the tenant's signed-in admin
   * (`session`), the admin by session or by a signed link from a mail (`session-or-link`),
   * Stripe by signature (`stripe`), or a browser carrying a signed OAuth state (`oauth-state`).
   */
  access: 'public' | 'session' | 'session-or-link' | 'stripe' | 'oauth-state';
  /** Routes that talk to a tenant's SMTP server (or redeploy instances) wait longer than the default 10 s (API Gateway allows 30). */
  timeoutSeconds?: number;
}

/** Every public route, used by the local server and by the CDK HTTP API (routes.ts adds each one's handler). */
export const ROUTE_FACTS: readonly ApiRouteFacts[] = [
  { method: 'GET', path: '/api/health', entry: 'health', access: 'public' },
  // The document of this table and the shared schemas (shared/openapi.ts), this route included.
  { method: 'GET', path: '/api/openapi.json', entry: 'openapi', access: 'public' },
  { method: 'POST', path: '/api/signups', entry: 'signup', access: 'public' },
  { method: 'POST', path: '/api/signups/verify', entry: 'verify-email', access: 'public' },
  { method: 'GET', path: '/api/subdomains/{name}', entry: 'subdomain-availability', access: 'public' },
  { method: 'GET', path: '/api/tenants/{id}/status', entry: 'tenant-status', access: 'public' },
  { method: 'POST', path: '/api/tenants/{id}/checkout', entry: 'checkout', access: 'session-or-link' },
  { method: 'POST', path: '/api/tenants/{id}/billing-portal', entry: 'billing-portal', access: 'session-or-link' },
  { method: 'POST', path: '/api/tenants/{id}/upgrade-link', entry: 'upgrade-link', access: 'public' },
  // A woken tenant's instances are redeployed and resized before the answer: more than the default 10 s at times.
  { method: 'POST', path: '/api/webhooks/stripe', entry: 'stripe-webhook', timeoutSeconds: 28, access: 'stripe' },
  // Sign-in and runtime settings (issue 6)
  { method: 'POST', path: '/api/auth/magic-link', entry: 'magic-link', access: 'public' },
  { method: 'POST', path: '/api/auth/session', entry: 'create-session', access: 'public' },
  { method: 'GET', path: '/api/auth/session', entry: 'get-session', access: 'session' },
  { method: 'DELETE', path: '/api/auth/session', entry: 'delete-session', access: 'public' },
  { method: 'GET', path: '/api/tenants/{id}/settings', entry: 'get-settings', access: 'session' },
  { method: 'PUT', path: '/api/tenants/{id}/settings', entry: 'put-settings', timeoutSeconds: 28, access: 'session' },
  { method: 'GET', path: '/api/tenants/{id}/settings/history', entry: 'settings-history', access: 'session' },
  { method: 'POST', path: '/api/tenants/{id}/settings/test-mail', entry: 'test-mail', timeoutSeconds: 28, access: 'session' },
  { method: 'POST', path: '/api/tenants/{id}/settings/test-smtp', entry: 'test-smtp', timeoutSeconds: 28, access: 'session' },
  { method: 'POST', path: '/api/tenants/{id}/logo-upload', entry: 'logo-upload', access: 'session' },
  { method: 'GET', path: '/api/tenants/{id}/logo', entry: 'logo', access: 'public' },
  { method: 'GET', path: '/api/tenants/{id}/branding.json', entry: 'branding', access: 'public' },
  { method: 'GET', path: '/api/oauth/{provider}/start', entry: 'oauth-start', access: 'oauth-state' },
  { method: 'GET', path: '/api/oauth/{provider}/callback', entry: 'oauth-callback', access: 'oauth-state' },
  // The AWS credentials of a running instance (ECS container-credentials protocol), for the instance token its task was
  // started with, checked in the function (functions/tenant/instance-credentials.ts); not there on the embedded default.
  { method: 'GET', path: INSTANCE_CREDENTIALS_PATH, entry: 'instance-credentials', access: 'public' },
];
