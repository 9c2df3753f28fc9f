import * as z from 'zod/mini';
import { ENVIRONMENTS } from '../../shared/instance';
import type { Secrets } from '../providers/secrets';
import { openPayload, sealPayload, SigningKey } from '../providers/signing-key';

export const OAUTH_STATE_KEY_SECRET = 'launchpad/oauth-state-key';
export const OAUTH_PROVIDERS = ['google', 'microsoft'] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];
const STATE_MINUTES = 10;

/** Which tenant settings switch each provider's calendar integration. */
export const INTEGRATION_OF = { google: 'googleCalendar', microsoft: 'outlook' } as const satisfies Record<OAuthProvider, string>;

/** Where each provider's consent screen lives and what the spaceOS calendar integration asks for. */
export const AUTHORIZE = {
  google: { url: 'https://accounts.google.com/o/oauth2/v2/auth', scope: 'openid email https://www.googleapis.com/auth/calendar', extra: { access_type: 'offline', prompt: 'consent' } },
  microsoft: { url: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize', scope: 'openid email offline_access Calendars.ReadWrite', extra: {} },
} as const;

const stateSchema = z.object({ tenantId: z.string(), env: z.enum(ENVIRONMENTS), provider: z.enum(OAUTH_PROVIDERS), expiresAt: z.number(), nonce: z.string() });
export type OAuthState = z.infer<typeof stateSchema>;

export const isProvider = (name: string | undefined): name is OAuthProvider => (OAUTH_PROVIDERS as readonly string[]).includes(name ?? '');

/** The one redirect URI registered with each provider, for every tenant. */
export const redirectUri = (siteUrl: string, provider: OAuthProvider) => `${siteUrl}/api/oauth/${provider}/callback`;

/** Signed OAuth `state`: names the tenant and environment the code belongs to, valid for 10 minutes. */
export class OAuthStates {
  private readonly key: SigningKey;

  constructor(secrets: Secrets) {
    this.key = new SigningKey(secrets, OAUTH_STATE_KEY_SECRET);
  }

  seal(state: Omit<OAuthState, 'expiresAt' | 'nonce'>, now: Date): Promise<string> {
    return sealPayload(this.key, { ...state, expiresAt: now.getTime() + STATE_MINUTES * 60_000, nonce: crypto.randomUUID() });
  }

  async open(sealed: string | undefined, now: Date): Promise<OAuthState | undefined> {
    const parsed = stateSchema.safeParse(await openPayload(this.key, sealed));
    return parsed.success && parsed.data.expiresAt > now.getTime() ? parsed.data : undefined;
  }
}
