import type { BrandingView } from '../../shared/settings';
import { paletteOf } from '../../shared/theme';
import type { Deps } from '../deps';
import { logoUrlOf, settingsOf } from '../tenant/settings-of';
import { json, notFound, type ApiEvent, type ApiHandler } from './http';
import { HAS_INSTANCE } from '../../shared/lifecycle';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';

type BrandingDeps = Pick<Deps, 'platform' | 'tenants'>;

/**
 * How stale a client or CloudFront (which caches this path) may show branding after a settings
 * change: a minute, instead of an invalidation per save (its version is in the body for those who compare).
 */
export const BRANDING_MAX_AGE_SECONDS = 60;

/**
 * GET /api/tenants/{id}/branding.json (id or subdomain): what the mobile team needs to brand a
 * build. Public and cacheable; nothing in it is private.
 */
export function createBrandingHandler(deps: BrandingDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const key = event.pathParameters?.id ?? '';
    if (!/^[A-Za-z0-9-]{1,80}$/.test(key)) return notFound('No such instance');
    const tenant = (await deps.tenants.getTenant(key)) ?? (await deps.tenants.tenantBySubdomain(key));
    if (!tenant || !HAS_INSTANCE.has(tenant.status)) return notFound('No such instance');
    const { branding } = settingsOf(tenant);
    const palette = paletteOf(branding.primaryColor, branding.accentColor);
    const version = tenant.settingsVersion ?? 1;
    return json(
      200,
      {
        tenantId: tenant.tenantId,
        subdomain: tenant.subdomain,
        version,
        appName: branding.appName,
        colors: {
          primary: palette['--brand-primary'],
          onPrimary: palette['--brand-on-primary'],
          primaryDark: palette['--brand-primary-dark'],
          primarySoft: palette['--brand-primary-soft'],
          accent: palette['--brand-accent'],
          onAccent: palette['--brand-on-accent'],
        },
        logo: branding.logo ? { url: logoUrlOf(tenant, deps.platform), path: branding.logo } : null,
        appUrl: tenant.urls.app ?? null,
      } satisfies BrandingView,
      { 'cache-control': `public, max-age=${BRANDING_MAX_AGE_SECONDS}`, etag: `"${tenant.tenantId}-${version}"` },
    );
  };
}

export const handler = lambdaEntry(createBrandingHandler, () => ({ ...core(), platform: platform(), tenants: tables().tenants }));
