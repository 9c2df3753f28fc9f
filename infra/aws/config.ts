import * as z from 'zod/mini';
import { ecrImageOf } from '../../functions/providers/image-source';
import { PUBLIC_SUBNET_MASK } from './constructs/network';
import { DEFAULT_RDS_CLASS, FIRST_DATABASE_SERVER, RDS_INSTANCE_CLASSES, rdsMaxConnections, serverCapacity } from '../../shared/database-servers';

/** A context list given as JSON on the command line (-c key='[...]') or as a list in cdk.json. */
const jsonList = (value: string | unknown[]): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // the list schema then says what is wrong
  }
};

const extraDatabaseServerSchema = z.object({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a short id like db-2')),
  endpoint: z.string().check(z.regex(/^[\w.-]+(:\d+)?$/, 'host or host:port')),
  adminSecretArn: z.string().check(z.regex(/^arn:aws[\w-]*:secretsmanager:/, 'a Secrets Manager secret ARN')),
  instanceClass: z.optional(z.enum(RDS_INSTANCE_CLASSES)),
  maxConnections: z.optional(z.number().check(z.int(), z.minimum(50))),
});

/**
 * Deployment settings, from CDK context (`-c key=value` or cdk.json / cdk.context.json).
 * Validated up front so a missing value fails synth with its name, not halfway through a deploy.
 */
export const deployConfigSchema = z.object({
  /** Product domain: the site is served at it, instances at <sub>.<domain>, senders at <sub>@clients.<domain>. */
  domain: z.string().check(z.regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a DNS name like spaceos.io')),
  cloudflareZoneId: z.string().check(z.regex(/^[a-f0-9]{32}$/, 'the 32-hex-digit zone id from the Cloudflare dashboard')),
  /** The spaceOS image every tenant runs, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/spaceos:1.42.0 */
  tenantImage: z.string().check(z.minLength(3, 'an image reference')),
  /**
   * A private registry other than ECR: the Secrets Manager secret {"username","password"} ECS pulls
   * with (repositoryCredentials). ECR needs none: the execution role is granted the image's repository.
   */
  tenantImageCredentialsSecretArn: z.optional(z.string().check(z.regex(/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/, "the secret's full ARN, with the 6-character suffix the console shows"))),
  opsEmail: z.string().check(z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address')),
  stripePriceId: z.string().check(z.regex(/^price_\w+$/, 'a Stripe price id (price_...)')),
  /** ACM certificate (in the stack's region) for *.<domain> on the instances' load balancer. */
  instanceCertificateArn: z.string().check(z.regex(/^arn:aws[\w-]*:acm:/, 'an ACM certificate ARN')),
  /** ACM certificate in us-east-1 for <domain> on CloudFront; without it the site uses the CloudFront domain. */
  siteCertificateArn: z.optional(z.string().check(z.regex(/^arn:aws[\w-]*:acm:us-east-1:/, 'an ACM certificate ARN in us-east-1'))),
  /** The created VPC's range (AWS allows /16 at most). */
  vpcCidr: z._default(z.string().check(z.regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, 'an IPv4 range like 10.40.0.0/16')), '10.40.0.0/16'),
  /** Size of each private subnet: every awake task takes an address (two while a deploy rolls). /18: 16,379 each. */
  privateSubnetMask: z._default(z.coerce.number().check(z.int(), z.minimum(16), z.maximum(24)), 18),
  /** Availability zones of the created VPC (2 or 3): more zones, more addresses and one more NAT gateway with natPerAz. */
  availabilityZones: z._default(z.coerce.number().check(z.int(), z.minimum(2), z.maximum(3)), 2),
  /** One NAT gateway per zone instead of one for all: a zone's outage no longer cuts the others off (+ one gateway's cost each). */
  natPerAz: z._default(z.pipe(z.union([z.boolean(), z.enum(['true', 'false'])]), z.transform((v) => v === true || v === 'true')), false),
  /** Interface endpoints for ECR, Secrets Manager, Logs and STS: task starts stop depending on the NAT gateway. */
  interfaceEndpoints: z._default(z.pipe(z.union([z.boolean(), z.enum(['true', 'false'])]), z.transform((v) => v === true || v === 'true')), false),
  /** Use an existing VPC instead of creating one. */
  vpcId: z.optional(z.string().check(z.regex(/^vpc-[0-9a-f]+$/, 'a VPC id (vpc-...)'))),
  /** Use an existing Postgres server (endpoint + Secrets Manager secret of its admin) instead of creating RDS. */
  databaseEndpoint: z.optional(z.string()),
  /** OAuth client ids of the spaceOS Google / Microsoft apps (calendar integrations); unset: not offered. */
  googleOAuthClientId: z.optional(z.string().check(z.minLength(10, 'the OAuth client id from the Google Cloud console'))),
  microsoftOAuthClientId: z.optional(z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'the application (client) id from Entra ID'))),
  databaseAdminSecretArn: z.optional(z.string().check(z.regex(/^arn:aws[\w-]*:secretsmanager:/, 'a Secrets Manager secret ARN'))),
  /**
   * More Postgres servers tenants are placed on, beside the stack's own (`db-1`): a JSON list of
   * {id, endpoint, adminSecretArn, instanceClass | maxConnections}. Adding one is this, no code
   * (README "Database placement"); a server holding tenants must stay listed.
   */
  databaseServers: z.optional(z.pipe(z.pipe(z.union([z.string(), z.array(z.unknown())]), z.transform(jsonList)), z.array(extraDatabaseServerSchema))),
  /** CPU architecture of tenant tasks: ARM64 (Graviton, ~20 % cheaper) unless the spaceOS image is built for x86 only. */
  instanceArchitecture: z._default(z.enum(['ARM64', 'X86_64']), 'ARM64'),
  /** CloudWatch Container Insights on the tenant cluster: off by default (it is billed per task and metric). */
  containerInsights: z._default(z.pipe(z.union([z.boolean(), z.enum(['true', 'false'])]), z.transform((v) => v === true || v === 'true')), false),
  /** Idle times before instances sleep (e.g. 30m, 2h); paid production instances never sleep unless sleepAfterPaidProd is set. */
  sleepAfterTrialProd: z._default(z.string().check(z.regex(/^\d+(ms|s|m|h)$/, 'a duration like 30m')), '30m'),
  sleepAfterStaging: z._default(z.string().check(z.regex(/^\d+(ms|s|m|h)$/, 'a duration like 30m')), '30m'),
  sleepAfterPaidProd: z.optional(z.string().check(z.regex(/^\d+(ms|s|m|h)$/, 'a duration like 4h'))),
  /** Tasks of the tenant router: at least two (one per availability zone), scaled on requests up to the maximum. */
  /** Warm-pool instances kept ready (unassigned Fargate tasks a signup takes at once); 0: every signup starts cold. */
  poolSize: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(100)), 2),
  /** Cloudflare Turnstile's site key: when set, the signup form shows the check and the signup function verifies it (secret key in Secrets Manager at TURNSTILE_SECRET_NAME). */
  turnstileSiteKey: z.optional(z.string().check(z.regex(/^[0-9A-Za-z_-]{10,64}$/, 'the site key from the Turnstile dashboard'))),
  routerMinTasks: z._default(z.coerce.number().check(z.int(), z.minimum(2)), 2),
  routerMaxTasks: z._default(z.coerce.number().check(z.int(), z.minimum(2)), 10),
});
export type DeployConfig = z.infer<typeof deployConfigSchema>;

/** The tenant-facing capacity of every server the stack places tenants on, `db-1` (the stack's RDS) first. */
export function databaseServerCapacities(config: DeployConfig): Array<{ id: string; capacity: number }> {
  return [
    { id: FIRST_DATABASE_SERVER, capacity: serverCapacity(rdsMaxConnections(DEFAULT_RDS_CLASS)) },
    ...(config.databaseServers ?? []).map((s) => ({ id: s.id, capacity: serverCapacity(s.maxConnections ?? rdsMaxConnections(s.instanceClass!)) })),
  ];
}

export const CONTEXT_KEYS = Object.keys(deployConfigSchema.shape) as Array<keyof DeployConfig>;

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/** Reads and validates the context; the error lists every missing or malformed value. */
export function deployConfig(tryGetContext: (key: string) => unknown): DeployConfig {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, tryGetContext(key)]).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = deployConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return raw[key] === undefined ? `  - ${key}: missing (pass -c ${key}=...)` : `  - ${key}: ${issue.message}`;
    });
    throw new DeployConfigError(`Launchpad's deployment settings are incomplete:\n${lines.join('\n')}\nSee README "Deploy to AWS".`);
  }
  const { vpcCidr, privateSubnetMask, availabilityZones } = parsed.data;
  const needed = availabilityZones * (2 ** (32 - privateSubnetMask) + 2 ** (32 - PUBLIC_SUBNET_MASK));
  if (needed > 2 ** (32 - Number(vpcCidr.split('/')[1]))) {
    throw new DeployConfigError(`vpcCidr ${vpcCidr} cannot hold ${availabilityZones} private /${privateSubnetMask} and ${availabilityZones} public /${PUBLIC_SUBNET_MASK} subnets: use a larger range or a larger privateSubnetMask`);
  }
  if (parsed.data.tenantImageCredentialsSecretArn && ecrImageOf(parsed.data.tenantImage)) {
    throw new DeployConfigError('tenantImageCredentialsSecretArn is set but tenantImage is in ECR: ECR is pulled with the task execution role (for another account, its repository policy must allow that role), not with registry credentials');
  }
  const ids = [FIRST_DATABASE_SERVER, ...(parsed.data.databaseServers ?? []).map((s) => s.id)];
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new DeployConfigError(`databaseServers: ${repeated} is listed twice (db-1 is the stack's own server)`);
  const unsized = parsed.data.databaseServers?.find((s) => !s.instanceClass && !s.maxConnections);
  if (unsized) throw new DeployConfigError(`databaseServers: ${unsized.id} needs instanceClass (${RDS_INSTANCE_CLASSES.join(', ')}) or maxConnections`);
  if (parsed.data.databaseEndpoint && !parsed.data.databaseAdminSecretArn) {
    throw new DeployConfigError('databaseEndpoint is set but databaseAdminSecretArn is not: an imported Postgres needs its admin secret (pass -c databaseAdminSecretArn=...)');
  }
  return parsed.data;
}

/** Where the site is served from, as a CORS origin (API, logo uploads): its domain with a site certificate, else CloudFront's. */
export function siteOrigin(config: DeployConfig): string {
  return config.siteCertificateArn ? `https://${config.domain}` : 'https://*.cloudfront.net';
}
