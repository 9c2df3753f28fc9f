import type { MailBrand } from '../../shared/emails';
import { defaultFromAddress, initialSettings, LOGO_UPLOAD_DIR, type TenantSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Platform } from '../platform';

/** The tenant's settings; steps that run before MarkProvisioning stored them see the same defaults. */
export const settingsOf = (tenant: Tenant): TenantSettings => tenant.settings ?? initialSettings(tenant);

/** Public URL of the tenant's logo (served by the API), versioned so caches pick up a new one. */
export const logoUrlOf = (tenant: Tenant, platform: Pick<Platform, 'siteUrl'>) =>
  `${platform.siteUrl}/api/tenants/${tenant.tenantId}/logo?v=${tenant.settingsVersion ?? 1}`;

/** What tenant mail is dressed in. Only uploaded (raster) logos go into mail: mail clients do not show SVG. */
export const brandOf = (tenant: Tenant, platform: Pick<Platform, 'siteUrl'>): MailBrand => {
  const settings = settingsOf(tenant);
  return { settings, ...(settings.branding.logo?.startsWith(LOGO_UPLOAD_DIR) ? { logoUrl: logoUrlOf(tenant, platform) } : {}) };
};

/** The address tenant mail is sent from by the default (SES) sender. */
export const sesFromAddress = (tenant: Pick<Tenant, 'subdomain'>, platform: Pick<Platform, 'mailDomain'>) => defaultFromAddress(tenant.subdomain, platform.mailDomain);
