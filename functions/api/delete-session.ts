import type { Deps } from '../deps';
import type { ApiEvent, ApiHandler } from './http';
import { crossSiteRefusal } from './same-origin';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { sessions } from '../lambda/keys';

type DeleteSessionDeps = Pick<Deps, 'sessions'>;

/**
 * DELETE /api/auth/session: signs out. The session ends on the server (a copy of the cookie is
 * refused from now on) and the cookie is cleared; 204 also when there was no session. Only from
 * the site's own pages, as JSON (403/415): another page must not sign the admin out.
 */
export function createDeleteSessionHandler({ sessions }: DeleteSessionDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const refusal = crossSiteRefusal(event, sessions.siteOrigin);
    if (refusal) return refusal;
    await sessions.end(event.cookies);
    return { statusCode: 204, headers: { 'cache-control': 'no-store' }, cookies: [sessions.clearCookie()] };
  };
}

export const handler = lambdaEntry(createDeleteSessionHandler, () => ({ ...core(), sessions: sessions() }));
