import { Sessions } from '../auth/sessions';
import type { Deps } from '../deps';
import type { ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';

type DeleteSessionDeps = Pick<Deps, 'platform'>;

/** DELETE /api/auth/session: signs out (the cookie is cleared; sessions are short-lived anyway). */
export function createDeleteSessionHandler({ platform }: DeleteSessionDeps): ApiHandler {
  return async () => ({ statusCode: 204, headers: { 'cache-control': 'no-store' }, cookies: [Sessions.clearCookie(platform.siteUrl)] });
}

export const handler = lambdaEntry(createDeleteSessionHandler, () => ({ ...core(), platform: platform() }));
