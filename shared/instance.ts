import { stringify } from 'yaml';
import type { TenantSettings } from './settings';

/** Every tenant gets a production instance and a staging copy. */
export const ENVIRONMENTS = ['prod', 'stg'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** `acme` for prod, `acme-stg` for staging (why subdomains may not end in -stg). */
export const instanceHost = (subdomain: string, env: Environment) => (env === 'prod' ? subdomain : `${subdomain}-stg`);

/** Fills `{host}` in a deployment's URL template, e.g. https://{host}.spaceos.io. */
export const instanceUrl = (template: string, subdomain: string, env: Environment) => template.replace('{host}', instanceHost(subdomain, env));

/**
 * Postgres role and database of one environment. Subdomains are [a-z0-9-] by schema; the name
 * maps '-' to '_' and is still quoted wherever it is used.
 */
export const databaseName = (subdomain: string, env: Environment) => `t_${subdomain.replace(/-/g, '_')}_${env}`;

export const tenantPrefix = (tenantId: string) => `tenants/${tenantId}/`;
export const configKey = (tenantId: string, env: Environment, file: 'config.yml' | 'config.json') => `${tenantPrefix(tenantId)}config/${env}/${file}`;
export const themeKey = (tenantId: string) => `${tenantPrefix(tenantId)}theme.css`;
export const SEED_PREFIX = 'seed/';

export interface InstanceContext {
  tenant: { tenantId: string; subdomain: string; companyName: string; plan: string };
  settings: TenantSettings;
  env: Environment;
  urlTemplate: string;
  bucket: string;
  database: { host: string; port: number; secretName: string };
  mail: { transport: 'ses' };
}

/** The configuration one spaceOS instance reads at start and on reload: no secrets, only their names. */
export function instanceConfig({ tenant, settings, env, urlTemplate, bucket, database, mail }: InstanceContext) {
  const name = databaseName(tenant.subdomain, env);
  const prefix = tenantPrefix(tenant.tenantId);
  return {
    tenant: { id: tenant.tenantId, name: tenant.companyName, subdomain: tenant.subdomain, plan: tenant.plan, environment: env === 'prod' ? 'production' : 'staging' },
    app: { url: instanceUrl(urlTemplate, tenant.subdomain, env), staging_url: instanceUrl(urlTemplate, tenant.subdomain, 'stg') },
    database: { host: database.host, port: database.port, name, user: name, password_secret: database.secretName },
    storage: { bucket, prefix },
    mail: {
      transport: mail.transport,
      from: settings.mail.fromAddress,
      from_name: settings.mail.fromName,
      reply_to: settings.mail.replyTo,
      footer: settings.mail.footer,
    },
    branding: {
      primary_color: settings.branding.primaryColor,
      theme_css: `${prefix}theme.css`,
      logo: settings.branding.logo ? `${prefix}${settings.branding.logo}` : null,
    },
    analytics: { google_analytics_id: settings.analytics.googleAnalyticsId ?? null },
  };
}
export type InstanceConfig = ReturnType<typeof instanceConfig>;

export function renderConfigYaml(config: InstanceConfig): string {
  return `# Rendered by spaceOS Launchpad for tenant ${config.tenant.id} (${config.tenant.environment}).\n# Do not edit: change the tenant's settings and Launchpad renders it again.\n${stringify(config)}`;
}
