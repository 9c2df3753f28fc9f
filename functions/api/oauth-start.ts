import { ENVIRONMENTS, type Environment } from '../../shared/instance';
import { AUTHORIZE, INTEGRATION_OF, isProvider, OAuthStates, redirectUri } from '../auth/oauth-state';
import type { Deps } from '../deps';
import { settingsOf } from '../tenant/settings-of';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { secrets } from '../lambda/secrets';
import { tables } from '../lambda/tables';

type OAuthStartDeps = Pick<Deps, 'now' | 'platform' | 'secrets' | 'tenants'>;

/**
 * GET /api/oauth/{provider}/start?tenant=<subdomain>&env=prod|stg: where an instance sends a
 * user to connect a calendar. Redirects to the provider's consent screen with the shared
 * redirect URI and a signed state naming the tenant, so no per-instance URI is ever registered.
 */
export function createOAuthStartHandler(deps: OAuthStartDeps): ApiHandler {
  const states = new OAuthStates(deps.secrets);
  return async (event: ApiEvent) => {
    const provider = event.pathParameters?.provider;
    if (!isProvider(provider)) return json(404, { errors: { provider: 'Unknown calendar provider' } });
    const clientId = deps.platform.oauthClients[provider];
    if (!clientId) return json(503, { errors: { provider: `The ${provider} calendar app is not configured for this deployment (see README: Calendar integrations)` } });
    const query = event.queryStringParameters ?? {};
    const env = (query.env ?? 'prod') as Environment;
    const tenant = query.tenant && /^[a-z0-9-]{1,40}$/.test(query.tenant) ? await deps.tenants.tenantBySubdomain(query.tenant) : undefined;
    if (!tenant || !ENVIRONMENTS.includes(env)) return json(404, { errors: { tenant: 'No such instance' } });
    if (!settingsOf(tenant).integrations[INTEGRATION_OF[provider]]) return json(403, { errors: { provider: `The ${provider} calendar integration is switched off in this instance's settings` } });
    const { url, scope, extra } = AUTHORIZE[provider];
    const params = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri(deps.platform.siteUrl, provider),
      response_type: 'code',
      scope,
      state: await states.seal({ tenantId: tenant.tenantId, env, provider }, deps.now()),
      ...extra,
    });
    return { statusCode: 302, headers: { location: `${url}?${params}`, 'cache-control': 'no-store' } };
  };
}

export const handler = lambdaEntry(createOAuthStartHandler, () => ({ ...core(), platform: platform(), secrets: secrets(), tenants: tables().tenants }));
