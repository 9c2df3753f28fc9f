import { sessionRequestSchema, type SessionView } from '../../shared/auth';
import type { Tenant } from '../../shared/tenant';
import { hashToken } from '../auth/sign-in-links';
import type { Deps } from '../deps';
import { json, jsonBody, type ApiEvent, type ApiHandler } from './http';
import { crossSiteRefusal } from './same-origin';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';

const SPENT = json(401, { errors: { token: 'This sign-in link was already used or has expired. Ask for a new one below.' } });

export const sessionView = (tenant: Tenant, email: string, expiresAt: number): SessionView => ({
  tenantId: tenant.tenantId,
  subdomain: tenant.subdomain,
  companyName: tenant.companyName,
  email,
  expiresAt: new Date(expiresAt).toISOString(),
});

type SessionDeps = Pick<Deps, 'now' | 'sessions' | 'signIns' | 'tenants'>;

/**
 * POST /api/auth/session {token}: spends a sign-in link's token (once: it is deleted as it is
 * read) and answers with the session cookie. The sign-in page posts it, so a mail scanner that
 * follows links does not spend it. Only from the site's own pages, as JSON (403/415): another
 * page must not sign the browser in to a session of its choosing.
 */
export function createSessionHandler({ signIns, sessions, tenants, now }: SessionDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const refusal = crossSiteRefusal(event, sessions.siteOrigin);
    if (refusal) return refusal;
    const body = jsonBody(event);
    if (!body.ok) return body.response;
    const parsed = sessionRequestSchema.safeParse(body.value);
    if (!parsed.success) return SPENT;
    const token = await signIns.consumeToken(hashToken(parsed.data.token));
    const at = now();
    if (!token || token.expiresAt <= at.getTime()) return SPENT;
    const tenant = await tenants.getTenant(token.tenantId);
    if (!tenant || tenant.adminEmail !== token.email || tenant.status === 'DELETED') return SPENT;
    const { cookie, session } = await sessions.cookieFor(tenant.tenantId, token.email, at);
    return { ...json(200, sessionView(tenant, session.email, session.expiresAt)), cookies: [cookie] };
  };
}

export const handler = lambdaEntry(createSessionHandler, () => ({ ...core(), sessions: sessions(), signIns: tables().signIns, tenants: tables().tenants }));
