import * as z from 'zod/mini';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { badRequest, json, jsonBody, notFound, tenantOfPath, type ApiEvent, type ApiResult } from './http';

const adminBodySchema = z.object({ token: z.string('The admin link token is missing') });

/**
 * For admin-only routes: the tenant, if the request carries a valid admin token for it; else the
 * response to give. An invalid token and an unknown tenant answer alike (403), revealing nothing.
 */
export async function adminTenant({ store, links, now }: Pick<Deps, 'store' | 'links' | 'now'>, event: ApiEvent): Promise<{ tenant: Tenant } | { response: ApiResult }> {
  const body = jsonBody(event);
  if (!body.ok) return { response: body.response };
  const parsed = adminBodySchema.safeParse(body.value);
  if (!parsed.success) return { response: badRequest({ token: parsed.error.issues[0]?.message ?? 'Invalid token' }) };
  const tenant = await tenantOfPath(store, event);
  if (!tenant) return { response: notFound('No signup with this id') };
  if (!(await links.verify(tenant.tenantId, parsed.data.token, now()))) {
    return { response: json(403, { errors: { token: 'This link is not valid (any more): use the latest link from your email, or ask for a new one' } }) };
  }
  return { tenant };
}
