import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freeFixedPort } from '../../infra/local/free-port';
import type { LocalExecution } from '../../infra/local/local-workflows';
import { validSignup } from '../support/api-event';
import type { SentMail } from '../support/sent-mail';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { verificationLinkIn, VERIFICATION_SUBJECT } from '../support/verification';

/**
 * The embedded default killed for real (SIGKILL to its whole process group: server, PostgreSQL,
 * DynamoDB Local, instances) at fixed points of several signups' provisioning, and started again
 * each time on the same data dir. Every tenant must end ACTIVE with nothing doubled.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TENANT_APP = fileURLToPath(new URL('../../infra/local/tenant-app/server.ts', import.meta.url));
const root = tempDir('launchpad-crash-');
const dataDir = join(root, 'data');
afterAll(() => {
  stopNow();
  rmSync(root, { recursive: true, force: true });
});

let server: ChildProcess | undefined;
let output = '';
let port = 0;
let sesPort = 0;
const url = () => `http://localhost:${port}`;
const sesUrl = () => `http://127.0.0.1:${sesPort}`;

/** `npm start`'s program, as its own process group (so that one kill reaches everything it started). */
async function start(): Promise<void> {
  output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      SES_PORT: String(sesPort),
      LAUNCHPAD_DATA_DIR: dataDir,
      SIGNUP_LIMIT_PER_CLIENT: String(MANY_SIGNUPS.perClientPerHour),
      SIGNUP_LIMIT_PER_DOMAIN: String(MANY_SIGNUPS.perEmailDomainPerHour),
      SIGNUP_LIMIT_TOTAL: String(MANY_SIGNUPS.totalPerHour),
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(
    'Launchpad to answer after a start',
    async () => {
      if (child.exitCode !== null) throw new Error(`Launchpad exited at start (${child.exitCode}):\n${output}`);
      return (await fetch(`${url()}/api/health`).then((r) => r.ok, () => false)) ? true : undefined;
    },
    { timeoutMs: 180_000, everyMs: 200 },
  );
}

/** kill -9 of the whole process group, as a crash or an OOM kill of the machine's session would. */
async function crash(): Promise<void> {
  const child = server;
  if (!child) return;
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  server = undefined;
}

function stopNow(): void {
  try {
    if (server?.pid) process.kill(-server.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

interface Signup {
  subdomain: string;
  adminEmail: string;
  companyName: string;
  tenantId: string;
}

async function signUp(subdomain: string): Promise<Signup> {
  const body = validSignup({ subdomain, companyName: `${subdomain} Spaces`, adminEmail: `admin@${subdomain}-spaces.com` });
  const response = await fetch(`${url()}/api/signups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(202);
  const { tenantId } = (await response.json()) as { tenantId: string };
  return { subdomain, adminEmail: body.adminEmail, companyName: body.companyName, tenantId };
}

type StoredMail = SentMail & { messageId: string };
const sentMail = async (): Promise<StoredMail[]> => ((await (await fetch(`${sesUrl()}/store`)).json()) as { emails: StoredMail[] }).emails;

/** Opens the verification link of the mail sent at signup (the admin confirming the address). */
async function verify(signup: Signup): Promise<void> {
  const mail = await until(`the verification mail to ${signup.adminEmail}`, async () => (await sentMail()).find((m) => m.destination.to.includes(signup.adminEmail) && VERIFICATION_SUBJECT.test(m.subject)));
  const { tenantId, token } = verificationLinkIn(mail);
  const response = await fetch(`${url()}/api/signups/verify`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url() }, body: JSON.stringify({ tenantId, token }) });
  expect(response.status).toBe(200);
}

/** The execution as the local engine holds it now (`current`: the top-level state it is in). */
async function execution(name: string): Promise<Omit<LocalExecution, 'events'> | undefined> {
  const response = await fetch(`${url()}/ops/api/executions/${name}`);
  return response.ok ? ((await response.json()) as Omit<LocalExecution, 'events'>) : undefined;
}

const tenantStatus = async (tenantId: string) => ((await (await fetch(`${url()}/api/tenants/${tenantId}/status`)).json()) as { status: string }).status;

/** Waits (polling closely) until the tenant's provisioning has entered `state` or any later one, and says where it is. */
async function reached(signup: Signup, states: readonly string[]): Promise<string> {
  return until(
    `${signup.subdomain}'s provisioning to reach ${states.join(' or ')}`,
    async () => {
      const now = await execution(signup.tenantId);
      if (now?.status === 'SUCCEEDED') return 'SUCCEEDED';
      return now?.current && states.includes(now.current.state) ? now.current.state : undefined;
    },
    { timeoutMs: 120_000, everyMs: 20 },
  );
}

/** The instance processes running on this machine for these tenants, as `<tenantId>/<env>` (one line per process). */
function instanceProcesses(tenantIds: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(TENANT_APP)) continue;
      const env = Object.fromEntries(
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
      ) as Record<string, string>;
      if (env.TENANT_ID && tenantIds.has(env.TENANT_ID)) found.push(`${env.TENANT_ID}/${env.SPACEOS_ENV}`);
    } catch {
      // ended meanwhile
    }
  }
  return found.sort();
}

/** The keys of every object s3rver keeps under `prefix` (on disk: <key>._S3rver_object). */
function objectKeys(prefix: string): string[] {
  const bucket = join(dataDir, 's3', 'launchpad-tenants');
  const walk = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)])) : [];
  return walk(join(bucket, prefix))
    .filter((file) => file.endsWith('._S3rver_object'))
    .map((file) => relative(bucket, file).slice(0, -'._S3rver_object'.length).split('\\').join('/'))
    .sort();
}

describe('the embedded default killed during provisioning', () => {
  it('resumes every interrupted provisioning after a restart: all tenants ACTIVE, nothing doubled', { timeout: 1_200_000 }, async () => {
    // Fixed ports: instance URLs (stored on each tenant) include Launchpad's, as they would a domain.
    port = await freeFixedPort();
    sesPort = await freeFixedPort();
    /** Where each kill found the tenant it was aimed at: printed, so a run shows which points it covered. */
    const killedAt: string[] = [];

    // 1. Before Provision: the signup is accepted (its execution just started) and the machine dies.
    await start();
    const alpha = await signUp('crash-alpha');
    killedAt.push(`alpha: ${(await execution(alpha.tenantId))?.current?.state ?? 'no state entered yet'}`);
    await crash();

    // 2. Inside the Parallel (databases, files, mail config, render side by side). The first admin
    // confirms meanwhile, from the mail sent before the crash.
    await start();
    await verify(alpha);
    const beta = await signUp('crash-beta');
    killedAt.push(`beta: ${await reached(beta, ['Provision', 'DeployServices', 'StartHealthChecks', 'WaitUntilHealthy'])}`);
    await crash();

    // 3. While it waits for both instances to answer /health (this one is confirmed after the last start).
    await start();
    await verify(beta);
    const gamma = await signUp('crash-gamma');
    killedAt.push(`gamma: ${await reached(gamma, ['WaitUntilHealthy', 'IsHealthy', 'WaitBeforeNextHealthCheck'])}`);
    await crash();

    // 4. After MarkActive: live (confirmed after the last start), the rest of the pipeline cut.
    await start();
    const delta = await signUp('crash-delta');
    killedAt.push(`delta: ${await reached(delta, ['SendWelcomeEmail', 'StartHandOver', 'HandOverFromPool', 'IsHandedOver'])}`);
    await crash();

    // 5. Once more right after the start, while the earlier ones are being resumed.
    await start();
    await crash();

    await start();
    // Confirmed now, while their provisioning is resumed: an unconfirmed instance sleeps at the first
    // sleep run once ACTIVE, and the count of instance processes below expects every one awake.
    await verify(gamma);
    await verify(delta);
    const signups = [alpha, beta, gamma, delta];
    for (const signup of signups) {
      await until(
        `${signup.subdomain} to be ACTIVE`,
        async () => {
          const status = await tenantStatus(signup.tenantId);
          // Ended elsewhere: say where and why at once, instead of waiting out the deadline.
          if (status === 'FAILED' || status === 'DELETING') throw new Error(`${signup.subdomain} ended ${status}: ${JSON.stringify(await (await fetch(`${url()}/ops/api/tenants/${signup.subdomain}`)).json()).slice(0, 3000)}`);
          return status === 'ACTIVE' ? true : undefined;
        },
        { timeoutMs: 180_000, everyMs: 250 },
      ).catch(async (error: unknown) => {
        // Where it stood, for the run's log: its status, its execution and the server's last words.
        console.error(`${signup.subdomain}: status ${await tenantStatus(signup.tenantId).catch(() => '?')}; execution ${JSON.stringify(await execution(signup.tenantId).catch(() => undefined))}; killed at ${killedAt.join('; ')}\n--- server output (end) ---\n${output.slice(-4000)}`);
        throw error;
      });
      // The welcome mail of a confirmed admin goes out after MarkActive: the execution's end is awaited too.
      await until(`${signup.subdomain}'s provisioning to end`, async () => ((await execution(signup.tenantId))?.status === 'RUNNING' ? undefined : true), { timeoutMs: 180_000, everyMs: 250 });
    }
    console.log(`Killed at: ${killedAt.join('; ')}`);

    // The executions carried on under their own names and say so; none was started a second time.
    const executions = (await (await fetch(`${url()}/ops/api/executions`)).json()) as LocalExecution[];
    for (const signup of signups) {
      const own = executions.filter((e) => (e.input as { tenantId?: string }).tenantId === signup.tenantId);
      expect(own.map((e) => [e.name, e.status])).toEqual([[signup.tenantId, 'SUCCEEDED']]);
    }
    for (const signup of [alpha, beta, gamma]) {
      const resumed = executions.find((e) => e.name === signup.tenantId)!.events.filter((e) => e.type === 'ExecutionResumed');
      expect(resumed.length, `${signup.subdomain} was running at a kill`).toBeGreaterThan(0);
    }

    // One database and one role per environment and tenant, nothing else, across the Postgres
    // servers (db-1's port file is postgres.port, db-<n>'s postgres-db-<n>.port): none on two.
    const databases: string[] = [];
    const roles: string[] = [];
    for (const portFile of readdirSync(dataDir).filter((name) => /^postgres(-db-\d+)?\.port$/.test(name))) {
      const admin = new pg.Client({ host: '127.0.0.1', port: Number(readFileSync(join(dataDir, portFile), 'utf8')), user: 'postgres', password: 'launchpad-local-admin', database: 'postgres' });
      await admin.connect();
      try {
        databases.push(...(await admin.query<{ name: string }>(`select datname as name from pg_database where datname like 't\\_%' order by 1`)).rows.map((r) => r.name));
        roles.push(...(await admin.query<{ name: string }>(`select rolname as name from pg_roles where rolname like 't\\_%' order by 1`)).rows.map((r) => r.name));
      } finally {
        await admin.end();
      }
    }
    const expected = signups.flatMap(({ subdomain }) => ['prod', 'stg'].map((env) => `t_${subdomain.replace(/-/g, '_')}_${env}`)).sort();
    expect(databases.sort()).toEqual(expected);
    expect(roles.sort()).toEqual(expected);

    // One set of files per tenant: the same keys under each prefix, and no other prefixes.
    const tenantIds = new Set(signups.map((s) => s.tenantId));
    const prefixes = readdirSync(join(dataDir, 's3', 'launchpad-tenants', 'tenants')).sort();
    expect(prefixes).toEqual([...tenantIds].sort());
    const fileSets = signups.map((s) => objectKeys(`tenants/${s.tenantId}/`).map((key) => key.slice(`tenants/${s.tenantId}/`.length)));
    expect(fileSets[0]!.length).toBeGreaterThan(0);
    for (const files of fileSets) expect(files).toEqual(fileSets[0]);

    // Exactly one welcome mail per tenant (the store keeps mail across restarts). A send that failed
    // under load is retried by its own job (a minute later at first): waited for, then counted.
    const welcomeOf = (mail: SentMail[], signup: Signup) => mail.filter((m) => m.destination.to.includes(signup.adminEmail) && m.subject === `Your spaceOS instance for ${signup.companyName} is ready`);
    // A claim cut by a kill is due again at the next start (MailStore.endLeases); two failed sends in a
    // row wait out the first two retry delays (1 + 5 minutes): the budget covers that.
    for (const signup of signups) {
      await until(`${signup.subdomain}'s welcome mail`, async () => (welcomeOf(await sentMail(), signup).length > 0 ? true : undefined), { timeoutMs: 420_000, everyMs: 1000 }).catch(async (error: unknown) => {
        const tenant = (await (await fetch(`${url()}/ops/api/tenants/${signup.subdomain}`)).json().catch(() => undefined)) as { welcomeMail?: unknown } | undefined;
        console.error(`${signup.subdomain}: welcome mail ${JSON.stringify(tenant?.welcomeMail)}\n--- server output (end) ---\n${output.slice(-4000)}`);
        throw error;
      });
    }
    const mail = await sentMail();
    for (const signup of signups) {
      expect({ tenant: signup.subdomain, welcomeMails: welcomeOf(mail, signup).length }).toEqual({ tenant: signup.subdomain, welcomeMails: 1 });
    }

    // One instance process per tenant and environment, leftovers of the killed runs included (a
    // restored instance that is itself restarting is given the time to come back).
    const everyInstance = signups.flatMap((s) => [`${s.tenantId}/prod`, `${s.tenantId}/stg`]).sort();
    await until('one instance per tenant environment', async () => (JSON.stringify(instanceProcesses(tenantIds)) === JSON.stringify(everyInstance) ? true : undefined), { timeoutMs: 30_000 }).catch(() => undefined);
    expect(instanceProcesses(tenantIds)).toEqual(everyInstance);
  });
});
