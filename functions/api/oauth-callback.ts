import { instanceUrl } from '../../shared/instance';
import { INTEGRATION_OF, isProvider, OAuthStates, redirectUri } from '../auth/oauth-state';
import type { Deps } from '../deps';
import { settingsOf } from '../tenant/settings-of';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { secrets } from '../lambda/secrets';
import { tables } from '../lambda/tables';

type OAuthCallbackDeps = Pick<Deps, 'now' | 'platform' | 'secrets' | 'tenants'>;

/**
 * GET /api/oauth/{provider}/callback?code&state: the one redirect URI registered with Google and
 * Microsoft for all tenants. Checks the signed state, then forwards the code (or the provider's
 * error) to the instance the state names, at /oauth/<provider>/callback, with the redirect URI the
 * instance must quote when it exchanges the code.
 */
export function createOAuthCallbackHandler(deps: OAuthCallbackDeps): ApiHandler {
  const states = new OAuthStates(deps.secrets);
  return async (event: ApiEvent) => {
    const provider = event.pathParameters?.provider;
    if (!isProvider(provider)) return json(404, { errors: { provider: 'Unknown calendar provider' } });
    const query = event.queryStringParameters ?? {};
    const state = await states.open(query.state, deps.now());
    if (!state || state.provider !== provider) return json(400, { errors: { state: 'This calendar connection link is invalid or expired; start connecting again from your instance' } });
    const tenant = await deps.tenants.getTenant(state.tenantId);
    if (!tenant || !settingsOf(tenant).integrations[INTEGRATION_OF[provider]]) return json(403, { errors: { provider: 'The calendar integration is switched off for this instance' } });
    const forward = new URLSearchParams({
      ...(query.code ? { code: query.code } : {}),
      ...(query.error ? { error: query.error } : {}),
      redirect_uri: redirectUri(deps.platform.siteUrl, provider),
    });
    const target = `${instanceUrl(deps.platform.instanceUrlTemplate, tenant.subdomain, state.env)}/oauth/${provider}/callback?${forward}`;
    return { statusCode: 302, headers: { location: target, 'cache-control': 'no-store' } };
  };
}

export const handler = lambdaEntry(createOAuthCallbackHandler, () => ({ ...core(), platform: platform(), secrets: secrets(), tenants: tables().tenants }));
