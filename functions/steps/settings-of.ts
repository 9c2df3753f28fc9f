import { initialSettings, type TenantSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Platform } from '../platform';

/** The tenant's settings; steps that run before MarkProvisioning stored them see the same defaults. */
export const settingsOf = (tenant: Tenant, platform: Platform): TenantSettings => tenant.settings ?? initialSettings(tenant, platform.mailDomain);
