import { lambdaEntry, type Deps } from '../deps';
import { settingsView } from '../settings/settings-view';
import { sessionTenant } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';

/** GET /api/tenants/{id}/settings: for that tenant's signed-in admin only. */
export function createGetSettingsHandler(deps: Deps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenant(deps, event);
    if ('response' in admin) return admin.response;
    return json(200, await settingsView(deps, admin.tenant));
  };
}

export const handler = lambdaEntry(createGetSettingsHandler);
