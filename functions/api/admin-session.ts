import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { Session } from '../auth/sessions';
import type * as z from 'zod/mini';
import { json, validBody, type ApiEvent, type ApiResult } from './http';
import { crossSiteRefusal } from './same-origin';

export const SIGN_IN_REQUIRED = json(401, { errors: { session: 'Sign in to manage this instance: ask for a sign-in link on the sign-in page' } });
const OTHER_TENANT = json(403, { errors: { session: 'You are signed in as the admin of another instance' } });

/**
 * For routes only a tenant's signed-in admin may use: the tenant of the path if the session is
 * for it, else the response to answer with: 403/415 for a change that does not come from the
 * site's own pages as JSON (before the cookie is even read: see same-origin.ts), 401 (no session,
 * or one signed out) or 403 (another tenant's session). A session outlives nothing: if the
 * tenant's admin email changed since, it no longer counts.
 */
export async function sessionTenant({ sessions, tenants, now }: Pick<Deps, 'sessions' | 'tenants' | 'now'>, event: ApiEvent): Promise<{ tenant: Tenant; session: Session } | { response: ApiResult }> {
  const refusal = crossSiteRefusal(event, sessions.siteOrigin);
  if (refusal) return { response: refusal };
  const session = await sessions.read(event.cookies, now());
  if (!session) return { response: SIGN_IN_REQUIRED };
  if (session.tenantId !== event.pathParameters?.id) return { response: OTHER_TENANT };
  const tenant = await tenants.getTenant(session.tenantId);
  if (!tenant || tenant.adminEmail !== session.email || tenant.status === 'DELETED') return { response: SIGN_IN_REQUIRED };
  return { tenant, session };
}

/** `sessionTenant`, then the JSON body against `schema`: who is asking is settled before what they sent (401/403 before 400). */
export async function sessionTenantWithBody<S extends z.core.$ZodType>(
  deps: Pick<Deps, 'sessions' | 'tenants' | 'now'>,
  event: ApiEvent,
  schema: S,
): Promise<{ tenant: Tenant; session: Session; value: z.output<S> } | { response: ApiResult }> {
  const admin = await sessionTenant(deps, event);
  if ('response' in admin) return admin;
  const parsed = validBody(event, schema);
  return parsed.ok ? { ...admin, value: parsed.value } : { response: parsed.response };
}
