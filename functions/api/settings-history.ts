import { lambdaEntry, type Deps } from '../deps';
import { sessionTenant } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';

/** GET /api/tenants/{id}/settings/history: who changed which fields when, newest first. */
export function createSettingsHistoryHandler(deps: Deps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenant(deps, event);
    if ('response' in admin) return admin.response;
    return json(200, { changes: await deps.settingsStore.history(admin.tenant.tenantId) });
  };
}

export const handler = lambdaEntry(createSettingsHistoryHandler);
