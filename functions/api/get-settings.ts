import type { Deps } from '../deps';
import { settingsView } from '../settings/settings-view';
import { sessionTenant } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { secrets } from '../lambda/secrets';
import { sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';

type GetSettingsDeps = Pick<Deps, 'now' | 'platform' | 'secrets' | 'sessions' | 'tenants'>;

/** GET /api/tenants/{id}/settings: for that tenant's signed-in admin only. */
export function createGetSettingsHandler(deps: GetSettingsDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenant(deps, event);
    if ('response' in admin) return admin.response;
    return json(200, await settingsView(deps, admin.tenant));
  };
}

export const handler = lambdaEntry(createGetSettingsHandler, () => ({ ...core(), platform: platform(), secrets: secrets(), sessions: sessions(), tenants: tables().tenants }));
