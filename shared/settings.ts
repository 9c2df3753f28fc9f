import * as z from 'zod/mini';
import { emailSchema, hexColorSchema } from './signup';

/**
 * A tenant's runtime settings: what spaceOS reads from its rendered config, changeable later
 * without a rebuild. Signup fills the defaults; the settings issue adds editing with history.
 */
export const tenantSettingsSchema = z.object({
  branding: z.object({
    primaryColor: hexColorSchema,
    /** Storage key of the logo, relative to the tenant prefix. */
    logo: z.optional(z.string()),
  }),
  mail: z.object({
    fromAddress: emailSchema,
    fromName: z.string(),
    replyTo: emailSchema,
    footer: z.string(),
  }),
  analytics: z.object({ googleAnalyticsId: z.optional(z.string()) }),
});
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export const DEFAULT_LOGO = 'assets/logo.svg';

/** Settings a new tenant starts with, derived from the signup. */
export function initialSettings(tenant: { subdomain: string; companyName: string; adminEmail: string; primaryColor: string }, mailDomain: string): TenantSettings {
  return {
    branding: { primaryColor: tenant.primaryColor, logo: DEFAULT_LOGO },
    mail: {
      fromAddress: `${tenant.subdomain}@${mailDomain}`,
      fromName: tenant.companyName,
      replyTo: tenant.adminEmail,
      footer: `${tenant.companyName} · powered by spaceOS`,
    },
    analytics: {},
  };
}
