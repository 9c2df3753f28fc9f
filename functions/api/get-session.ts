import type { Deps } from '../deps';
import { SIGN_IN_REQUIRED } from './admin-session';
import { sessionView } from './create-session';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';

type GetSessionDeps = Pick<Deps, 'now' | 'sessions' | 'tenants'>;

/** GET /api/auth/session: who is signed in (the settings page's first call), or 401. */
export function createGetSessionHandler({ sessions, tenants, now }: GetSessionDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const session = await sessions.read(event.cookies, now());
    const tenant = session ? await tenants.getTenant(session.tenantId) : undefined;
    if (!session || !tenant || tenant.adminEmail !== session.email || tenant.status === 'DELETED') return SIGN_IN_REQUIRED;
    return json(200, sessionView(tenant, session.email, session.expiresAt));
  };
}

export const handler = lambdaEntry(createGetSessionHandler, () => ({ ...core(), sessions: sessions(), tenants: tables().tenants }));
