import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type pg from 'pg';
import { Sessions } from '../functions/auth/sessions';
import type { Deps } from '../functions/deps';
import { logger } from '../functions/logger';
import { AdminLinks } from '../functions/providers/admin-links';
import { probe } from '../functions/providers/instance-probe';
import type { Secrets } from '../functions/providers/secrets';
import { SignInStore } from '../functions/providers/sign-in-store';
import { NodemailerSmtp } from '../functions/providers/smtp';
import { TenantDatabases } from '../functions/providers/tenant-databases';
import { DatabasePlacements } from '../functions/providers/database-placement';
import { databaseServersOf, FIRST_DATABASE_SERVER } from '../shared/database-servers';
import { tableStores } from '../functions/wiring';

/** What differs between the places Launchpad is wired whole: the embedded default and the tests. */
export interface DepsParts extends Pick<Deps, 'platform' | 'secrets' | 'storage' | 'mail' | 'workflows' | 'dns' | 'compute' | 'discovery' | 'pool' | 'billing'>, Partial<Pick<Deps, 'now' | 'newId' | 'probe' | 'smtp'>> {
  documents: DynamoDBDocumentClient;
  tableName: string;
  /** The admin connection to the tenants' first Postgres server (db-1). */
  databaseAdmin: () => Promise<pg.ClientConfig>;
  /** The admin connections to the others, by server id (platform.databaseServers lists them all). */
  databaseAdmins?: Record<string, () => Promise<pg.ClientConfig>>;
  /** Where the signing keys of admin links and sessions live (default: `secrets`). */
  keySecrets?: Secrets;
}

/**
 * Every adapter, for the embedded default (infra/local/launchpad.ts) and the tests
 * (test/support/deps.ts): the parts that differ come in, the rest is derived here once. Lambda
 * functions never import this (it holds every adapter); each wires its own from functions/lambda/.
 */
export function wireDeps({ documents, tableName, databaseAdmin, databaseAdmins = {}, keySecrets, ...parts }: DepsParts): Deps {
  const admins: Record<string, () => Promise<pg.ClientConfig>> = { [FIRST_DATABASE_SERVER]: databaseAdmin, ...databaseAdmins };
  const databaseAccess = {
    servers: databaseServersOf(parts.platform),
    admin: (id: string) => admins[id]?.() ?? Promise.reject(new Error(`No admin connection to database server ${id}`)),
  };
  return {
    ...tableStores(documents, tableName),
    logger,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
    probe: (url) => probe(url),
    smtp: new NodemailerSmtp({ allowedPrivateHosts: parts.platform.smtpAllowedPrivateHosts ?? [], log: logger }),
    databases: new TenantDatabases(databaseAccess, parts.secrets, new DatabasePlacements(documents, tableName)),
    links: new AdminLinks(keySecrets ?? parts.secrets),
    sessions: new Sessions(keySecrets ?? parts.secrets, new SignInStore(documents, tableName), parts.platform.siteUrl),
    ...parts,
  };
}
