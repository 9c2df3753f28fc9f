import { Sessions } from '../auth/sessions';
import { lambdaEntry, type Deps } from '../deps';
import type { ApiHandler } from './http';

/** DELETE /api/auth/session: signs out (the cookie is cleared; sessions are short-lived anyway). */
export function createDeleteSessionHandler({ platform }: Deps): ApiHandler {
  return async () => ({ statusCode: 204, headers: { 'cache-control': 'no-store' }, cookies: [Sessions.clearCookie(platform.siteUrl)] });
}

export const handler = lambdaEntry(createDeleteSessionHandler);
