import { stringify } from 'yaml';
import { DATABASE_POOL_SIZE, databaseName, instanceUrl, mailTemplateKey, tenantPrefix, type Environment } from './instance';
import { footerLines, socialLinksOf, type TenantSettings } from './settings';

/**
 * An instance's configuration rendered from its tenant's settings. Apart from the naming contract
 * (./instance.ts) because rendering YAML takes the `yaml` package: only functions that render it bundle it.
 */
export interface InstanceContext {
  tenant: { tenantId: string; subdomain: string; companyName: string; plan: string };
  settings: TenantSettings;
  settingsVersion: number;
  env: Environment;
  urlTemplate: string;
  bucket: string;
  database: { host: string; port: number; secretName: string };
  /** How the instance sends mail: SES as the tenant's default address, or the tenant's SMTP (password by secret name). */
  mail: { transport: 'ses'; from: string } | { transport: 'smtp'; from: string; smtp: { host: string; port: number; secure: boolean; user: string; passwordSecret: string } };
  /** Where the instance sends users to connect a calendar (the shared OAuth redirect lives at Launchpad). */
  oauthStartUrl: (provider: 'google' | 'microsoft') => string;
}

/** The configuration one spaceOS instance reads at start and on reload: no secrets, only their names. */
export function instanceConfig({ tenant, settings, settingsVersion, env, urlTemplate, bucket, database, mail, oauthStartUrl }: InstanceContext) {
  const name = databaseName(tenant.subdomain, env);
  const prefix = tenantPrefix(tenant.tenantId);
  const { branding, mail: mailSettings, analytics, locale, integrations } = settings;
  return {
    tenant: { id: tenant.tenantId, name: tenant.companyName, subdomain: tenant.subdomain, plan: tenant.plan, environment: env === 'prod' ? 'production' : 'staging' },
    settings_version: settingsVersion,
    app: { url: instanceUrl(urlTemplate, tenant.subdomain, env), staging_url: instanceUrl(urlTemplate, tenant.subdomain, 'stg') },
    database: { host: database.host, port: database.port, name, user: name, password_secret: database.secretName, pool_size: DATABASE_POOL_SIZE[env] },
    storage: { bucket, prefix },
    mail: {
      transport: mail.transport,
      from: mail.from,
      from_name: mailSettings.fromName,
      reply_to: mailSettings.replyTo,
      ...(mail.transport === 'smtp'
        ? { smtp: { host: mail.smtp.host, port: mail.smtp.port, secure: mail.smtp.secure, user: mail.smtp.user, password_secret: mail.smtp.passwordSecret } }
        : {}),
      footer: {
        lines: footerLines(settings),
        social: Object.fromEntries(socialLinksOf(settings).map(({ network, href }) => [network, href])),
        header_image: mailSettings.footer.headerImage || null,
      },
      templates: { layout: mailTemplateKey(tenant.tenantId, 'layout.html'), footer: mailTemplateKey(tenant.tenantId, 'footer.txt') },
    },
    branding: {
      app_name: branding.appName,
      primary_color: branding.primaryColor,
      accent_color: branding.accentColor,
      theme_css: `${prefix}theme.css`,
      logo: branding.logo ? `${prefix}${branding.logo}` : null,
    },
    analytics: { google_analytics_id: analytics.googleAnalyticsId || null },
    locale: { language: locale.language, timezone: locale.timezone },
    integrations: {
      google_calendar: { enabled: integrations.googleCalendar, connect_url: integrations.googleCalendar ? oauthStartUrl('google') : null },
      outlook: { enabled: integrations.outlook, connect_url: integrations.outlook ? oauthStartUrl('microsoft') : null },
    },
  };
}
export type InstanceConfig = ReturnType<typeof instanceConfig>;

export function renderConfigYaml(config: InstanceConfig): string {
  return `# Rendered by spaceOS Launchpad for tenant ${config.tenant.id} (${config.tenant.environment}).\n# Do not edit: change the tenant's settings and Launchpad renders it again.\n${stringify(config)}`;
}
