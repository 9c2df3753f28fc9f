import { adminTokenRequestSchema } from '../../shared/api-bodies';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { sessionTenant } from './admin-session';
import { badRequest, json, jsonBody, notFound, tenantOfPath, type ApiEvent, type ApiResult } from './http';
import { crossSiteRefusal } from './same-origin';

/**
 * For the `session-or-link` routes (checkout, billing portal): the tenant, if the request comes
 * from its signed-in admin or its JSON body carries a valid admin link token for it (links in mails
 * work without signing in); else the response to give: 404 for an unknown tenant id, 403 for a
 * token that is not valid for this tenant, and without a token the session's answer (401/403).
 * First of all, as for every cookie route, a change must come from the site's own pages as JSON
 * (403/415, see same-origin.ts): the browser may attach the session cookie to any page's request,
 * and the pages send a link's token that way too.
 */
export async function adminTenant(deps: Pick<Deps, 'tenants' | 'links' | 'now' | 'sessions'>, event: ApiEvent): Promise<{ tenant: Tenant } | { response: ApiResult }> {
  const refusal = crossSiteRefusal(event, deps.sessions.siteOrigin);
  if (refusal) return { response: refusal };
  const body = event.body ? jsonBody(event) : { ok: true as const, value: {} };
  if (!body.ok) return { response: body.response };
  const parsed = adminTokenRequestSchema.safeParse(body.value);
  if (!parsed.success) return { response: badRequest({ token: 'The admin link token must be text' }) };
  const { token } = parsed.data;
  if (!token) return sessionTenant(deps, event);
  const tenant = await tenantOfPath(deps.tenants, event);
  if (!tenant) return { response: notFound('No signup with this id') };
  if (!(await deps.links.verify(tenant.tenantId, token, deps.now()))) {
    return { response: json(403, { errors: { token: 'This link is not valid (any more): use the latest link from your email, or ask for a new one' } }) };
  }
  return { tenant };
}
