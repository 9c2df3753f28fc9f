import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { TransitionRefusedError } from '../../functions/providers/tenant-store';
import { createStartPending } from '../../functions/reconciler/start-pending';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { validSignup } from '../support/api-event';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { mailTo } from '../support/sent-mail';
import { tempDir } from '../support/temp-dir';
import { verifyFromMail } from '../support/verification';

/** Subdomains whose database setup fails for good (a permanent error: no retry, the Catch). */
const brokenDatabases = new Set<string>();
/**
 * While set, every move to FAILED through the lifecycle (MarkFailed) is refused: the execution then
 * fails outside its Catch and leaves the tenant PROVISIONING, as on AWS when MarkFailed's write is refused.
 */
let refuseFailed = false;

const injectFaults = (deps: Deps): Deps => {
  const tenants: Deps['tenants'] = Object.create(deps.tenants, {
    transition: {
      value: (tenantId: string, to: Parameters<Deps['tenants']['transition']>[1], at: string, extra?: Parameters<Deps['tenants']['transition']>[3]) => {
        if (to === 'FAILED' && refuseFailed) return Promise.reject(new TransitionRefusedError(tenantId, to));
        return deps.tenants.transition(tenantId, to, at, extra);
      },
    },
  }) as Deps['tenants'];
  return {
    ...deps,
    tenants,
    databases: {
      ensure: (tenant, env) => {
        if (brokenDatabases.has(tenant.subdomain)) return Promise.reject(Object.assign(new Error('permission denied to create database'), { name: 'InsufficientPrivilege' }));
        return deps.databases.ensure(tenant, env);
      },
      dump: (tenant, env) => deps.databases.dump(tenant, env),
      drop: (tenant, env) => deps.databases.drop(tenant, env),
      place: (tenant) => deps.databases.place(tenant),
      release: (tenant, at) => deps.databases.release(tenant, at),
      usage: () => deps.databases.usage(),
    },
  };
};

const root = tempDir('launchpad-stuck-');
let launchpad: Launchpad;
const OPS = 'cs@spaceos.test';

beforeAll(async () => {
  const webRoot = join(root, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
  // The reconciler runs when a test says so (its own timer would race the assertions).
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot, sesPort: 0, fastTimers: true, opsEmail: OPS, reconcileEveryMs: 3_600_000, decorate: injectFaults });
}, 120_000);
afterEach(() => {
  refuseFailed = false;
  brokenDatabases.clear();
});
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function signup(subdomain: string): Promise<string> {
  const response = await fetch(`${launchpad.url}/api/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(validSignup({ subdomain, companyName: `${subdomain} Works`, adminEmail: `admin@${subdomain}.example` })),
  });
  expect(response.status).toBe(202);
  const { tenantId } = (await response.json()) as { tenantId: string };
  expect((await verifyFromMail(launchpad.url, launchpad.sesEndpoint, `admin@${subdomain}.example`)).status).toBe(200);
  return tenantId;
}

const tenant = async (tenantId: string) => (await launchpad.deps.tenants.getTenant(tenantId))!;
const settle = (name: string) => launchpad.workflows.settled(name);
/** `npm run ops -- resume <subdomain>` against the embedded default: its /ops API. */
const resume = (subdomain: string) => fetch(`${launchpad.url}/ops/api/tenants/${subdomain}/resume`, { method: 'POST' });
/** A reconciler run `minutes` from now: past the grace period of anything written before. */
const reconcileIn = (minutes: number) => createStartPending({ ...launchpad.deps, now: () => new Date(Date.now() + minutes * 60_000) })();
const provisioningsOf = (tenantId: string) =>
  launchpad.workflows
    .list()
    .filter((e) => e.stateMachine === 'provision-tenant' && (e.input as { tenantId?: string }).tenantId === tenantId)
    .map((e) => e.name)
    .sort();

/** Nothing doubled: one role and database per environment, one service each, one welcome mail. */
async function expectProvisionedOnce(subdomain: string): Promise<void> {
  // Across every Postgres server: the tenant is on one of them, and on no other.
  const dbs: string[] = [];
  const roles: string[] = [];
  for (const config of Object.values(launchpad.postgresServers)) {
    const admin = new pg.Client(config);
    await admin.connect();
    dbs.push(...(await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`t_${subdomain}_%`])).rows.map((r: { datname: string }) => r.datname));
    roles.push(...(await admin.query('SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1', [`t_${subdomain}_%`])).rows.map((r: { rolname: string }) => r.rolname));
    await admin.end();
  }
  dbs.sort();
  roles.sort();
  expect(dbs).toEqual([`t_${subdomain}_prod`, `t_${subdomain}_stg`]);
  expect(roles).toEqual([`t_${subdomain}_prod`, `t_${subdomain}_stg`]);
  expect(launchpad.compute.list().filter((s) => s.name.startsWith(`spaceos-${subdomain}-`)).map((s) => s.name).sort()).toEqual([`spaceos-${subdomain}-prod`, `spaceos-${subdomain}-stg`]);
  const welcome = (await mailTo(launchpad.sesEndpoint, `admin@${subdomain}.example`)).filter((m) => m.subject.startsWith('Your spaceOS instance'));
  expect(welcome).toHaveLength(1);
}

describe('stuck provisionings on the embedded default', () => {
  it('restarts a tenant left PROVISIONING by an execution that failed outside its Catch; it ends ACTIVE, nothing doubled', async () => {
    brokenDatabases.add('stranded');
    refuseFailed = true;
    const tenantId = await signup('stranded');
    expect((await settle(tenantId))?.status).toBe('FAILED');
    refuseFailed = false;
    // The hole: the execution is over, the tenant still says PROVISIONING, and nobody was told.
    expect((await tenant(tenantId)).status).toBe('PROVISIONING');
    expect((await mailTo(launchpad.sesEndpoint, OPS)).filter((m) => m.subject.includes('stranded'))).toEqual([]);

    brokenDatabases.delete('stranded');
    // Within the grace period nothing happens.
    expect((await createStartPending(launchpad.deps)()).restarted).not.toContain(tenantId);
    expect((await reconcileIn(2)).restarted).toEqual([tenantId]);
    expect((await tenant(tenantId)).executionName).toBe(`${tenantId}-r1`);
    expect((await settle(`${tenantId}-r1`))?.status).toBe('SUCCEEDED');

    expect((await tenant(tenantId)).status).toBe('ACTIVE');
    // Its execution is not stuck any more: the next run leaves it alone.
    expect(await reconcileIn(4)).toEqual({ started: [], restarted: [], failed: [] });
    expect(provisioningsOf(tenantId)).toEqual([tenantId, `${tenantId}-r1`]);
    await expectProvisionedOnce('stranded');
  });

  it('gives up after its restarts: FAILED with ExecutionLost and one ops alert; a resume then finishes it', async () => {
    brokenDatabases.add('doomed');
    refuseFailed = true;
    const tenantId = await signup('doomed');
    await settle(tenantId);
    // Every restart dies the same way; each run comes after the grace period of the one before.
    const runs = [];
    for (let minute = 2; ; minute += 2) {
      const run = await reconcileIn(minute);
      runs.push(run);
      if (run.failed.length > 0 || runs.length > 10) break;
      const execution = (await tenant(tenantId)).executionName!;
      expect((await settle(execution))?.status).toBe('FAILED');
    }
    refuseFailed = false;
    expect(runs.map((r) => (r.restarted.includes(tenantId) ? 'restarted' : r.failed.includes(tenantId) ? 'failed' : 'nothing'))).toEqual(['restarted', 'restarted', 'restarted', 'failed']);

    const failed = await tenant(tenantId);
    expect(failed.status).toBe('FAILED');
    expect(failed.failure).toMatchObject({ error: 'ExecutionLost' });
    expect(failed.failure?.cause).toContain(`Provisioning execution ${tenantId}-r3 ended FAILED while the tenant was PROVISIONING; the reconciler restarted it 3 times already`);
    const alerts = (await mailTo(launchpad.sesEndpoint, OPS)).filter((m) => m.subject.startsWith('[Launchpad] Provisioning failed for doomed'));
    expect(alerts).toHaveLength(1);
    for (const part of ['ExecutionLost', `${tenantId}-r3`, tenantId]) expect(alerts[0]!.body.text).toContain(part);
    // FAILED now: the reconciler has nothing more to do with it.
    expect((await reconcileIn(12)).failed).toEqual([]);

    // The cause is fixed; customer success resumes it.
    brokenDatabases.delete('doomed');
    const resumed = await resume('doomed');
    expect(resumed.status).toBe(202);
    expect(await resumed.json()).toEqual({ name: `${tenantId}-r4` });
    expect((await settle(`${tenantId}-r4`))?.status).toBe('SUCCEEDED');
    expect((await tenant(tenantId)).status).toBe('ACTIVE');
    await expectProvisionedOnce('doomed');
  });

  it('resumes a FAILED tenant more than 25 times (the old ceiling): each resume a new execution, the last one ACTIVE', async () => {
    brokenDatabases.add('stubborn');
    const tenantId = await signup('stubborn');
    expect((await settle(tenantId))?.status).toBe('FAILED');
    // Customer success resumes it again and again while the cause stays.
    for (let n = 1; n <= 26; n++) {
      const answer = await resume('stubborn');
      expect(answer.status, `resume ${n}: ${JSON.stringify(await answer.clone().json())}`).toBe(202);
      expect(await answer.json()).toEqual({ name: `${tenantId}-r${n}` });
      expect((await settle(`${tenantId}-r${n}`))?.status).toBe('FAILED');
    }
    brokenDatabases.delete('stubborn');
    expect((await resume('stubborn')).status).toBe(202);
    expect((await settle(`${tenantId}-r27`))?.status).toBe('SUCCEEDED');
    expect((await tenant(tenantId)).status).toBe('ACTIVE');
    expect(await tenant(tenantId)).toMatchObject({ resumes: 27, executionName: `${tenantId}-r27` });
    expect(provisioningsOf(tenantId)).toHaveLength(28);
    await expectProvisionedOnce('stubborn');
  });

  it('of two resumes sent at once, starts one execution; the other gets 409; one tenant, nothing doubled', async () => {
    brokenDatabases.add('twice');
    const tenantId = await signup('twice');
    expect((await settle(tenantId))?.status).toBe('FAILED');
    expect((await tenant(tenantId)).status).toBe('FAILED');
    brokenDatabases.delete('twice');

    const answers = await Promise.all([resume('twice'), resume('twice')]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const started = answers.find((a) => a.status === 202)!;
    expect(await started.json()).toEqual({ name: `${tenantId}-r1` });
    expect((await settle(`${tenantId}-r1`))?.status).toBe('SUCCEEDED');
    expect((await tenant(tenantId)).status).toBe('ACTIVE');
    expect(provisioningsOf(tenantId)).toEqual([tenantId, `${tenantId}-r1`]);
    await expectProvisionedOnce('twice');
    // ACTIVE now: nothing to resume.
    expect((await resume('twice')).status).toBe(409);
  });
});
