import type { Deps } from '../deps';
import { createHealthHandler } from './health';
import type { ApiHandler } from './http';
import { createSignupHandler } from './signup';
import { createSubdomainAvailabilityHandler } from './subdomain-availability';
import { createTenantStatusHandler } from './tenant-status';

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
];
