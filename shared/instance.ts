/**
 * The naming contract between Launchpad and a tenant's instances: hosts, database names, storage
 * keys and secret names. Names only (no rendering, no packages), so any function may import it.
 */

/** Every tenant gets a production instance and a staging copy. */
export const ENVIRONMENTS = ['prod', 'stg'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** `acme` for prod, `acme-stg` for staging (why subdomains may not end in -stg). */
export const instanceHost = (subdomain: string, env: Environment) => (env === 'prod' ? subdomain : `${subdomain}-stg`);

/** Both hosts of a subdomain, in ENVIRONMENTS order (the keys of its instances' routing records). */
export const instanceHosts = (subdomain: string) => ENVIRONMENTS.map((env) => instanceHost(subdomain, env));

/** Fills `{host}` in a deployment's URL template, e.g. https://{host}.spaceos.io. */
export const instanceUrl = (template: string, subdomain: string, env: Environment) => template.replace('{host}', instanceHost(subdomain, env));

/**
 * Postgres role and database of one environment. Subdomains are [a-z0-9-] by schema; the name
 * maps '-' to '_' and is still quoted wherever it is used.
 */
export const databaseName = (subdomain: string, env: Environment) => `t_${subdomain.replace(/-/g, '_')}_${env}`;

/**
 * Connections one instance task may hold in its pool (the rendered config's `database.pool_size`).
 * A 0.25 vCPU task mostly serves one request at a time: two let a slow query not block the next page.
 * Each role's connection limit (shared/database-servers.ts) is sized from these, so a bigger pool
 * without a bigger limit would be refused by Postgres ("too many connections for role").
 */
export const DATABASE_POOL_SIZE: Record<Environment, number> = { prod: 2, stg: 1 };

export const tenantPrefix = (tenantId: string) => `tenants/${tenantId}/`;
export const configKey = (tenantId: string, env: Environment, file: 'config.yml' | 'config.json') => `${tenantPrefix(tenantId)}config/${env}/${file}`;
export const themeKey = (tenantId: string) => `${tenantPrefix(tenantId)}theme.css`;
export const mailTemplateKey = (tenantId: string, file: 'layout.html' | 'footer.txt') => `${tenantPrefix(tenantId)}mail/${file}`;
export const SEED_PREFIX = 'seed/';
/** What offboarding keeps of a tenant: its files and final database dumps (expired by a bucket lifecycle rule). */
export const ARCHIVE_ROOT = 'archive/';
export const archivePrefix = (tenantId: string) => `${ARCHIVE_ROOT}${tenantId}/`;

/** Secrets Manager names of a tenant's passwords; the instance reads them by these names. */
export const TENANT_SECRETS_PREFIX = 'launchpad/tenants/';
export const databaseSecretName = (tenantId: string, env: Environment) => `${TENANT_SECRETS_PREFIX}${tenantId}/${env}/database`;
export const smtpSecretName = (tenantId: string) => `${TENANT_SECRETS_PREFIX}${tenantId}/smtp`;
