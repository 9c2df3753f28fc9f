import * as z from 'zod/mini';
import { DATABASE_POOL_SIZE, ENVIRONMENTS, type Environment } from './instance';

/**
 * The Postgres servers tenants are placed on, and the connection budget behind placement. A server
 * is configuration (the embedded default starts LOCAL_DB_SERVERS of them; on AWS the stack's RDS is
 * `db-1` and the `databaseServers` context adds more): adding one takes no code.
 */
export const databaseServerSchema = z.object({
  /** Recorded on every tenant placed there: never rename a server that holds tenants. */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a short id like db-2')),
  host: z.string().check(z.minLength(1)),
  port: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)),
  /** Where the admin's credentials are ({username, password} JSON; a Secrets Manager name or ARN). */
  adminSecretName: z.string(),
  /** Connections the server offers to tenants: max_connections less those reserved (serverCapacity). */
  capacity: z.number().check(z.int(), z.minimum(0)),
});
export type DatabaseServer = z.infer<typeof databaseServerSchema>;
export const databaseServersSchema = z.array(databaseServerSchema).check(z.minLength(1));

/** Tenants placed before servers had ids live on the first one. */
export const FIRST_DATABASE_SERVER = 'db-1';
export const serverIdOf = (tenant: { databaseServer?: string | undefined }) => tenant.databaseServer ?? FIRST_DATABASE_SERVER;

/**
 * Tasks of one environment that may hold a pool at once: a paid production runs two
 * (DESIRED_COUNT in functions/providers/compute.ts) and ECS rolls a deployment at up to 200 %;
 * a warm-pool instance overlaps the tenant's own task while it hands over.
 */
const PEAK_TASKS: Record<Environment, number> = { prod: 4, stg: 2 };
/** Launchpad's own connections as the tenant's role: seeding and migrations, one spare. */
const ADMIN_CONNECTIONS = 2;

/** `ALTER ROLE ... CONNECTION LIMIT n` of an environment's role: every task's pool at its peak, plus Launchpad's. */
export const roleConnectionLimit = (env: Environment) => DATABASE_POOL_SIZE[env] * PEAK_TASKS[env] + ADMIN_CONNECTIONS;

/** What one tenant takes of a server's capacity: the limits of both of its roles (prod 10 + stg 4 = 14). */
export const TENANT_CONNECTIONS = ENVIRONMENTS.reduce((sum, env) => sum + roleConnectionLimit(env), 0);

/** Kept back for the admin, RDS's own rdsadmin sessions, monitoring and a human with psql: 10 %, at least 20. */
export const reservedConnections = (maxConnections: number) => Math.max(20, Math.ceil(maxConnections * 0.1));
export const serverCapacity = (maxConnections: number) => Math.max(0, maxConnections - reservedConnections(maxConnections));
/** How many tenants a server of this max_connections holds. */
export const tenantsPerServer = (maxConnections: number) => Math.floor(serverCapacity(maxConnections) / TENANT_CONNECTIONS);

/** Memory of the RDS classes Launchpad is sized for (GiB). */
export const RDS_CLASS_MEMORY_GIB = {
  'db.t4g.micro': 1,
  'db.t4g.small': 2,
  'db.t4g.medium': 4,
  'db.t4g.large': 8,
  'db.t4g.xlarge': 16,
  'db.m7g.large': 8,
  'db.r6g.large': 16,
  'db.r6g.xlarge': 32,
  'db.r7g.large': 16,
} as const;
export type RdsInstanceClass = keyof typeof RDS_CLASS_MEMORY_GIB;
export const RDS_INSTANCE_CLASSES = Object.keys(RDS_CLASS_MEMORY_GIB) as [RdsInstanceClass, ...RdsInstanceClass[]];

/**
 * RDS for PostgreSQL's default max_connections, LEAST({DBInstanceClassMemory/9531392}, 5000)
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections).
 * DBInstanceClassMemory is the class's memory less what the OS and RDS's processes take; 90 % of
 * it errs low (a 4 GiB class reports about 410, this says 405).
 */
export const rdsMaxConnections = (instanceClass: RdsInstanceClass) => Math.min(Math.floor((RDS_CLASS_MEMORY_GIB[instanceClass] * 2 ** 30 * 0.9) / 9531392), 5000);

/** The stack's own RDS instance (infra/aws/constructs/tenancy.ts). */
export const DEFAULT_RDS_CLASS: RdsInstanceClass = 'db.t4g.medium';

/**
 * The deployment's servers: the configured list, or (a deployment from before the list, the
 * tests' wiring) the one server of `database` as `db-1` at the default class's capacity.
 */
export function databaseServersOf(platform: { database: { host: string; port: number; adminSecretName: string }; databaseServers?: DatabaseServer[] | undefined }): DatabaseServer[] {
  return platform.databaseServers ?? [{ id: FIRST_DATABASE_SERVER, ...platform.database, capacity: serverCapacity(rdsMaxConnections(DEFAULT_RDS_CLASS)) }];
}

/** Where a tenant's databases are (what its instances and its rendered config point at). */
export function databaseEndpointOf(platform: Parameters<typeof databaseServersOf>[0], tenant: { databaseServer?: string | undefined }): { host: string; port: number } {
  const id = serverIdOf(tenant);
  const server = databaseServersOf(platform).find((s) => s.id === id);
  if (!server) throw new Error(`Tenant's database server ${id} is not configured (servers: ${databaseServersOf(platform).map((s) => s.id).join(', ')}); a server holding tenants must stay in the list`);
  return { host: server.host, port: server.port };
}
