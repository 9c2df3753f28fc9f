import * as z from 'zod/mini';
import { parseDuration } from '../shared/duration';
import { SIGNUP_LIMITS } from '../shared/signup-limits';
import { databaseServersSchema } from '../shared/database-servers';
import { dashboardUrl } from './ops/console-links';

/** Idle times after which instances sleep (30 minutes unless configured); paid production instances never sleep unless given one. */
export const sleepSchema = z.object({ trialProductionMs: z.number(), stagingMs: z.number(), paidProductionMs: z.optional(z.number()) });
export type SleepTimes = z.infer<typeof sleepSchema>;
export const DEFAULT_SLEEP: SleepTimes = { trialProductionMs: 30 * 60_000, stagingMs: 30 * 60_000 };

/** Sleep times from SLEEP_AFTER_TRIAL_PROD / SLEEP_AFTER_STAGING / SLEEP_AFTER_PAID_PROD (durations such as 30m); SLEEP_AFTER sets the first two at once. */
export function sleepFromEnv(env: NodeJS.ProcessEnv): SleepTimes {
  const both = env.SLEEP_AFTER ? parseDuration(env.SLEEP_AFTER) : undefined;
  return {
    trialProductionMs: env.SLEEP_AFTER_TRIAL_PROD ? parseDuration(env.SLEEP_AFTER_TRIAL_PROD) : (both ?? DEFAULT_SLEEP.trialProductionMs),
    stagingMs: env.SLEEP_AFTER_STAGING ? parseDuration(env.SLEEP_AFTER_STAGING) : (both ?? DEFAULT_SLEEP.stagingMs),
    ...(env.SLEEP_AFTER_PAID_PROD ? { paidProductionMs: parseDuration(env.SLEEP_AFTER_PAID_PROD) } : {}),
  };
}

/** The warm pool (shared/pool.ts): how many unassigned instances are kept ready, and how it hands over. */
export const poolSchema = z.object({
  /** Ready instances kept; 0: no pool, every signup takes the cold path. */
  size: z.number(),
  /** After the tenant's own service takes a host over, how long the pool instance keeps serving (routers re-read routes this often). */
  drainMs: z.number(),
  /** The secret holding the key every assignment carries. */
  keySecretName: z.string(),
  /** On the embedded default the pool's processes share the CPU with provisioning: no launches while a signup provisions. */
  deferRefillWhileProvisioning: z.boolean(),
});
export type PoolConfig = z.infer<typeof poolSchema>;
export const POOL_KEY_SECRET_NAME = 'launchpad/pool/assign-key';

/** The pool from POOL_SIZE / POOL_DRAIN / POOL_KEY_SECRET (AWS: the router's 15 s route refresh plus margin). */
export function poolFromEnv(env: NodeJS.ProcessEnv, defaults: Pick<PoolConfig, 'drainMs' | 'deferRefillWhileProvisioning'> = { drainMs: 20_000, deferRefillWhileProvisioning: false }): PoolConfig {
  const size = Number(env.POOL_SIZE ?? 0);
  if (!Number.isInteger(size) || size < 0 || size > 100) throw new Error(`POOL_SIZE must be a whole number from 0 to 100, not ${env.POOL_SIZE}`);
  return { size, drainMs: env.POOL_DRAIN ? parseDuration(env.POOL_DRAIN) : defaults.drainMs, keySecretName: env.POOL_KEY_SECRET ?? POOL_KEY_SECRET_NAME, deferRefillWhileProvisioning: defaults.deferRefillWhileProvisioning };
}

/**
 * Deployment-wide settings (not tenant settings): where instances live, which bucket, which
 * database server. From the environment in Lambda; the embedded default builds its own.
 */
export const platformSchema = z.object({
  /** e.g. https://{host}.spaceos.io; {host} is <sub> or <sub>-stg. */
  instanceUrlTemplate: z.string().check(z.includes('{host}')),
  /** Tenant senders are <subdomain>@<mailDomain> (a domain verified once in SES). */
  mailDomain: z.string(),
  /** Sender of Launchpad's own mail (welcome, ops alerts). */
  launchpadSender: z.string(),
  opsEmail: z.string(),
  /** Where the signup site lives (upgrade and status links in mails, checkout return URLs). */
  siteUrl: z.string(),
  bucket: z.string(),
  database: z.object({ host: z.string(), port: z.coerce.number(), adminSecretName: z.string() }),
  /** Every server tenants are placed on (shared/database-servers.ts; TENANT_DB_SERVERS as JSON); unset: `database` alone, as db-1. */
  databaseServers: z.optional(databaseServersSchema),
  /** How customer success resumes a failed provisioning, for the alert mail. */
  resumeHow: z.string(),
  /** Link to a tenant's execution for ops (console URL template with {executionName}). */
  executionUrlTemplate: z.optional(z.string()),
  /** Where ops mails send customer success: the operations dashboard on AWS, /ops locally; unset: `<siteUrl>/ops` (opsConsoleUrl). */
  opsConsoleUrl: z.optional(z.string()),
  /** The spaceOS version new instances launch with (the image tag). */
  appVersion: z.string(),
  /** The spaceOS OAuth apps (one per provider, one redirect URI for all tenants); unset: calendars cannot be connected. */
  oauthClients: z.object({ google: z.optional(z.string()), microsoft: z.optional(z.string()) }),
  sleep: sleepSchema,
  pool: poolSchema,
  /**
   * Private addresses or CIDR ranges that tenants' SMTP settings may point at all the same (on any
   * port): the embedded default's and the tests' servers on loopback. Empty on AWS.
   */
  smtpAllowedPrivateHosts: z.optional(z.array(z.string())),
  /** Signups accepted per hour per client address, per email domain and in total (functions/tenant/signup-limits.ts has the defaults). */
  signupLimits: z.optional(z.object({ perClientPerHour: z.number(), perEmailDomainPerHour: z.number(), totalPerHour: z.number(), perMailboxPerHour: z.optional(z.number()) })),
  /** Cloudflare Turnstile on the signup form, when configured: its public site key, and the secret holding its secret key. */
  turnstile: z.optional(z.object({ siteKey: z.string(), secretName: z.string() })),
});
export type Platform = z.infer<typeof platformSchema>;

/** The page an ops mail links to (the drift and welcome-mail alerts). */
export const opsConsoleUrl = (platform: Pick<Platform, 'opsConsoleUrl' | 'siteUrl'>) => platform.opsConsoleUrl ?? `${platform.siteUrl}/ops`;

export function platformFromEnv(env: NodeJS.ProcessEnv = process.env): Platform {
  return platformSchema.parse({
    instanceUrlTemplate: env.INSTANCE_URL_TEMPLATE,
    mailDomain: env.MAIL_DOMAIN,
    launchpadSender: env.LAUNCHPAD_SENDER,
    opsEmail: env.OPS_EMAIL,
    siteUrl: env.SITE_URL,
    bucket: env.TENANT_BUCKET,
    database: { host: env.TENANT_DB_HOST, port: env.TENANT_DB_PORT ?? '5432', adminSecretName: env.TENANT_DB_ADMIN_SECRET },
    databaseServers: env.TENANT_DB_SERVERS ? JSON.parse(env.TENANT_DB_SERVERS) : undefined,
    resumeHow: env.RESUME_HOW ?? 'Open the execution in the Step Functions console, fix the cause, then start provision-tenant again with the same input (name <tenantId>-r<n>)',
    executionUrlTemplate: env.EXECUTION_URL_TEMPLATE,
    // On AWS <site>/ops is the signup page: the dashboard of the Lambda's own region (AWS_REGION, set by the runtime) unless set.
    opsConsoleUrl: env.OPS_CONSOLE_URL ?? (env.AWS_REGION ? dashboardUrl(env.AWS_REGION) : undefined),
    appVersion: env.APP_VERSION ?? 'unknown',
    oauthClients: { google: env.GOOGLE_OAUTH_CLIENT_ID || undefined, microsoft: env.MICROSOFT_OAUTH_CLIENT_ID || undefined },
    sleep: sleepFromEnv(env),
    pool: poolFromEnv(env),
    smtpAllowedPrivateHosts: smtpAllowanceFromEnv(env),
    signupLimits: signupLimitsFromEnv(env),
    turnstile: env.TURNSTILE_SITE_KEY && env.TURNSTILE_SECRET_NAME ? { siteKey: env.TURNSTILE_SITE_KEY, secretName: env.TURNSTILE_SECRET_NAME } : undefined,
  });
}

/** SMTP_ALLOWED_PRIVATE_HOSTS, comma-separated (`127.0.0.0/8,::1`); unset: `fallback`, set but empty: none. */
export function smtpAllowanceFromEnv(env: NodeJS.ProcessEnv, fallback: readonly string[] = []): string[] {
  const value = env.SMTP_ALLOWED_PRIVATE_HOSTS;
  if (value === undefined) return [...fallback];
  return value.split(',').map((entry) => entry.trim()).filter(Boolean);
}

/** SIGNUP_LIMIT_PER_CLIENT / SIGNUP_LIMIT_PER_DOMAIN / SIGNUP_LIMIT_TOTAL (per hour); unset: the defaults. */
export function signupLimitsFromEnv(env: NodeJS.ProcessEnv): Platform['signupLimits'] {
  const { SIGNUP_LIMIT_PER_CLIENT: client, SIGNUP_LIMIT_PER_DOMAIN: domain, SIGNUP_LIMIT_TOTAL: total } = env;
  if (client === undefined && domain === undefined && total === undefined) return undefined;
  const whole = (name: string, value: string | undefined, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of signups per hour, at least 1 (not ${value})`);
    return n;
  };
  return {
    perClientPerHour: whole('SIGNUP_LIMIT_PER_CLIENT', client, SIGNUP_LIMITS.perClientPerHour),
    perEmailDomainPerHour: whole('SIGNUP_LIMIT_PER_DOMAIN', domain, SIGNUP_LIMITS.perEmailDomainPerHour),
    totalPerHour: whole('SIGNUP_LIMIT_TOTAL', total, SIGNUP_LIMITS.totalPerHour),
  };
}
