import type * as z from 'zod/mini';
import type { settingsHistorySchema } from '../../shared/settings';
import type { Deps } from '../deps';
import { sessionTenant } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';

type SettingsHistoryDeps = Pick<Deps, 'now' | 'sessions' | 'settingsStore' | 'tenants'>;

/** GET /api/tenants/{id}/settings/history: who changed which fields when, newest first. */
export function createSettingsHistoryHandler(deps: SettingsHistoryDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenant(deps, event);
    if ('response' in admin) return admin.response;
    const body: z.infer<typeof settingsHistorySchema> = { changes: await deps.settingsStore.history(admin.tenant.tenantId) };
    return json(200, body);
  };
}

export const handler = lambdaEntry(createSettingsHistoryHandler, () => ({ ...core(), sessions: sessions(), settingsStore: tables().settingsStore, tenants: tables().tenants }));
