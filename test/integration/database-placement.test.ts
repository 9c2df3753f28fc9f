import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { capacityReport } from '../../functions/ops/capacity';
import { DatabasePlacements, NoDatabaseRoomError } from '../../functions/providers/database-placement';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { probe } from '../../functions/providers/instance-probe';
import { keys } from '../../functions/providers/table';
import { createCreateDatabases } from '../../functions/steps/create-databases';
import { serviceSpecs } from '../../functions/tenant/instances';
import { ensureTable } from '../../infra/local/dynamodb-local';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { LocalOps } from '../../infra/ops/backend';
import { runOps } from '../../infra/ops/cli';
import { TENANT_CONNECTIONS, type DatabaseServer } from '../../shared/database-servers';
import { configKey, databaseName, DATABASE_POOL_SIZE } from '../../shared/instance';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { signUpOn } from '../support/verification';

const root = tempDir('launchpad-placement-');
let launchpad: Launchpad;

beforeAll(async () => {
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), sesPort: 0, fastTimers: true, databaseServers: 2 });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(serverId: string, text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client(launchpad.postgresServers[serverId]);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
const limitsOn = async (serverId: string, subdomain: string) =>
  Object.fromEntries((await query<{ rolname: string; rolconnlimit: number }>(serverId, "SELECT rolname, rolconnlimit FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolname", [`t_${subdomain}_%`])).map((r) => [r.rolname, r.rolconnlimit]));
const placedOn = async () => Object.fromEntries((await launchpad.deps.databases.usage()).map(({ server, placed }) => [server.id, placed]));

/** Signs up and waits until provisioning ended; the tenant as it is then. */
async function provisioned(subdomain: string) {
  const tenantId = await signUpOn(launchpad, subdomain);
  const execution = await launchpad.workflows.settled(tenantId);
  const tenant = (await launchpad.deps.tenants.getTenant(tenantId))!;
  expect(execution?.status, JSON.stringify(tenant.failure)).toBe('SUCCEEDED');
  return tenant;
}

describe('tenants placed on the embedded default\'s two Postgres servers', () => {
  it('places signups on the server with most room, alternating, each role with its connection limit on that server only', async () => {
    expect(Object.keys(launchpad.postgresServers)).toEqual(['db-1', 'db-2']);
    const first = await provisioned('place-a');
    const second = await provisioned('place-b');
    const third = await provisioned('place-c');
    expect([first, second, third].map((t) => t.databaseServer)).toEqual(['db-1', 'db-2', 'db-1']);
    expect(await placedOn()).toEqual({ 'db-1': 2 * TENANT_CONNECTIONS, 'db-2': TENANT_CONNECTIONS });

    expect(await limitsOn('db-2', 'place_b')).toEqual({ t_place_b_prod: 10, t_place_b_stg: 4 });
    expect(await limitsOn('db-1', 'place_b')).toEqual({});
    expect(await limitsOn('db-1', 'place_a')).toEqual({ t_place_a_prod: 10, t_place_a_stg: 4 });
    expect(await limitsOn('db-2', 'place_a')).toEqual({});
  }, 240_000);

  it("points the instance at its tenant's server: the rendered config states server and pool size, and the instance answers from there", async () => {
    const tenantId = (await launchpad.deps.signups.subdomainClaimHolder('place-b'))!;
    const config = parse((await launchpad.deps.storage.getText(configKey(tenantId, 'prod', 'config.yml')))!) as { database: { host: string; port: number; name: string; pool_size: number } };
    expect(config.database).toMatchObject({ port: Number(launchpad.postgresServers['db-2']!.port), name: databaseName('place-b', 'prod'), pool_size: DATABASE_POOL_SIZE.prod });
    const tenant = (await launchpad.deps.tenants.getTenant(tenantId))!;
    expect(serviceSpecs(launchpad.deps.platform, tenant, '1').map((spec) => spec.database.port)).toEqual([Number(launchpad.postgresServers['db-2']!.port), Number(launchpad.postgresServers['db-2']!.port)]);
    // Its database exists on db-2 alone: the health check (which queries it) answers 200 only from there.
    const port = new URL(launchpad.url).port;
    expect(await probe(`http://place-b.localhost:${port}/health`)).toMatchObject({ status: 200 });
    expect(await query('db-2', 'SELECT 1 FROM pg_database WHERE datname = $1', [databaseName('place-b', 'prod')])).toHaveLength(1);
  });

  it('keeps the server when CreateDatabases runs again (a retry or resume), taking no more room', async () => {
    const tenantId = (await launchpad.deps.signups.subdomainClaimHolder('place-b'))!;
    const before = await placedOn();
    await createCreateDatabases(launchpad.deps)({ tenantId });
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.databaseServer).toBe('db-2');
    expect(await placedOn()).toEqual(before);
    expect(await limitsOn('db-1', 'place_b')).toEqual({});
  });

  it('shows each server in the capacity report: the limits placed against its capacity', async () => {
    const lines = await capacityReport(launchpad.deps);
    const servers = Object.fromEntries(launchpad.deps.platform.databaseServers!.map((s) => [s.id, s.capacity]));
    expect(lines.filter((l) => l.key.startsWith('postgres-connections:')).map(({ key, used, limit }) => ({ key, used, limit }))).toEqual([
      { key: 'postgres-connections:db-1', used: 2 * TENANT_CONNECTIONS, limit: servers['db-1'] },
      { key: 'postgres-connections:db-2', used: TENANT_CONNECTIONS, limit: servers['db-2'] },
    ]);
  });

  it('frees the room on offboarding, once; the next signup takes it', async () => {
    const tenantId = (await launchpad.deps.signups.subdomainClaimHolder('place-b'))!;
    const ops = new LocalOps(launchpad.url);
    expect(await runOps(['offboard', 'place-b'], ops, () => undefined)).toBe(0);
    expect(await limitsOn('db-2', 'place_b')).toEqual({});
    expect(await placedOn()).toEqual({ 'db-1': 2 * TENANT_CONNECTIONS, 'db-2': 0 });
    expect(await launchpad.deps.tenants.getTenant(tenantId)).toMatchObject({ databaseServer: 'db-2', databaseReleasedAt: expect.any(String) });
    // Offboarding again gives nothing back twice.
    expect(await runOps(['offboard', 'place-b'], ops, () => undefined)).toBe(0);
    expect(await placedOn()).toEqual({ 'db-1': 2 * TENANT_CONNECTIONS, 'db-2': 0 });

    expect((await provisioned('place-d')).databaseServer).toBe('db-2');
  }, 180_000);
});

describe('placement races on DynamoDB Local', () => {
  it('lets concurrent signups take the last room only once each: never more tenants than the servers hold', async () => {
    const endpoint = inject('dynamoDbEndpoint');
    const tableName = `launchpad-${randomUUID()}`;
    await ensureTable(endpoint, tableName);
    const documents = createDocumentClient(endpoint);
    const tenantIds = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    await Promise.all(tenantIds.map((tenantId) => documents.send(new PutCommand({ TableName: tableName, Item: { ...keys.tenant(tenantId), tenantId } }))));
    // Room for three tenants on each server.
    const servers: DatabaseServer[] = ['db-1', 'db-2'].map((id) => ({ id, host: '127.0.0.1', port: 5432, adminSecretName: 'local', capacity: 3 * TENANT_CONNECTIONS + 5 }));
    const placements = new DatabasePlacements(documents, tableName);
    const results = await Promise.allSettled(tenantIds.map((tenantId) => placements.place(tenantId, servers, TENANT_CONNECTIONS)));
    const placed = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(placed.sort()).toEqual(['db-1', 'db-1', 'db-1', 'db-2', 'db-2', 'db-2']);
    expect(refused).toHaveLength(4);
    for (const error of refused) expect(error).toBeInstanceOf(NoDatabaseRoomError);
    expect(await placements.placed(['db-1', 'db-2'])).toEqual({ 'db-1': 3 * TENANT_CONNECTIONS, 'db-2': 3 * TENANT_CONNECTIONS });
  });
});
