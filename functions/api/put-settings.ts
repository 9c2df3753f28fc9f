import { settingsUpdateSchema } from '../../shared/settings';
import type { Deps } from '../deps';
import { saveSettings } from '../settings/save-settings';
import { settingsView } from '../settings/settings-view';
import { sessionTenantWithBody } from './admin-session';
import { badRequest, json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { sessions } from '../lambda/keys';
import { tables } from '../lambda/tables';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';

type PutSettingsDeps = Pick<Deps, 'logger' | 'mail' | 'now' | 'platform' | 'secrets' | 'sessions' | 'settingsStore' | 'smtp' | 'storage' | 'tenants'>;

/**
 * PUT /api/tenants/{id}/settings {version, settings, smtpPassword?}: the whole settings object,
 * based on `version`. Someone else saved meanwhile -> 409 with the current version, nothing lost
 * on either side (the page reloads theirs and keeps the form).
 */
export function createPutSettingsHandler(deps: PutSettingsDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenantWithBody(deps, event, settingsUpdateSchema);
    if ('response' in admin) return admin.response;
    const outcome = await saveSettings(deps, admin.tenant, admin.value, admin.session.email);
    switch (outcome.kind) {
      case 'invalid':
        return badRequest(outcome.errors);
      case 'stale':
        return json(409, { errors: { version: 'These settings were changed meanwhile (another tab or person). Reload to see the current ones, then apply your change again.' }, currentVersion: outcome.currentVersion });
      case 'saved':
        return json(200, { ...(await settingsView(deps, outcome.tenant)), ...(outcome.renderPending ? { instanceUpdatePending: true } : {}) });
    }
  };
}

export const handler = lambdaEntry(createPutSettingsHandler, () => ({ ...core(), mail: mail(), platform: platform(), secrets: secrets(), sessions: sessions(), settingsStore: tables().settingsStore, smtp: smtp(), storage: storage(), tenants: tables().tenants }));
