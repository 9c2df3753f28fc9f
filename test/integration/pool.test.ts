import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { probe } from '../../functions/providers/instance-probe';
import { assignInstance } from '../../functions/providers/instance-pool';
import { discardPooled } from '../../functions/tenant/instances';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import type { LocalPool } from '../../infra/local/local-pool';
import { databaseName, databaseSecretName, instanceUrl } from '../../shared/instance';
import { databaseEndpointOf } from '../../shared/database-servers';
import { ASSIGN_PATH, type Assignment } from '../../shared/pool';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/until';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { signUpOn } from '../support/verification';

const POOL_SIZE = 5;
const root = tempDir('launchpad-pool-');
let launchpad: Launchpad;
/** Pool instances claimed, by tenant (every claim the store granted). */
const claims: Array<{ tenantId: string; id: string }> = [];
/** Subdomains whose pool instance dies right after the claim (before its assignment). */
const dieAfterClaim = new Set<string>();

const observeClaims = (deps: Deps): Deps => {
  const poolInstances = deps.poolInstances;
  const claim: typeof poolInstances.claim = async (instance, tenantId, at) => {
    const outcome = await poolInstances.claim(instance, tenantId, at);
    if (outcome === 'claimed') {
      claims.push({ tenantId, id: instance.id });
      const tenant = await deps.tenants.getTenant(tenantId);
      if (tenant && dieAfterClaim.has(tenant.subdomain)) process.kill((deps.pool as LocalPool).pid(instance.id)!, 'SIGKILL');
    }
    return outcome;
  };
  return { ...deps, poolInstances: Object.assign(Object.create(Object.getPrototypeOf(poolInstances) as object) as typeof poolInstances, poolInstances, { claim }) };
};

beforeAll(async () => {
  const webRoot = join(root, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
  // Health polls every second (60 s budget): 15 cold starts at once share two cores here.
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot, sesPort: 0, waitMs: 1000, poolSize: POOL_SIZE, decorate: observeClaims });
  await until('the pool to fill', async () => ((await launchpad.deps.poolInstances.ready()).length >= POOL_SIZE ? true : undefined), { timeoutMs: 60_000 });
}, 120_000);
afterAll(async () => {
  await launchpad?.stop();
});

/** A confirmed signup: an unconfirmed one's instance answers visitors (and `health` here) with a fixed page, and sleeps at once. */
const signup = (subdomain: string): Promise<string> => signUpOn(launchpad, subdomain);
/** ACTIVE, or FAILED with where and why (so a failure says what broke). */
const settled = (tenantId: string) =>
  until(`tenant ${tenantId} to settle`, async () => {
    const tenant = await launchpad.deps.tenants.getTenant(tenantId);
    if (tenant?.status === 'FAILED') return `FAILED at ${tenant.failure?.step}: ${tenant.failure?.cause}`;
    return tenant?.status === 'ACTIVE' ? tenant.status : undefined;
  }, { timeoutMs: 180_000 });
const health = async (subdomain: string) => {
  const answer = await probe(`${instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, 'prod')}/health`);
  return { status: answer.status, tenant: answer.status === 200 ? (JSON.parse(answer.body) as { tenant: string }).tenant : undefined };
};
const handedOver = (tenantIds: string[]) =>
  until('every hand-over to finish', async () => ((await launchpad.deps.tenants.getTenants(tenantIds)).every((t) => !t.pooledInstance) ? true : undefined), { timeoutMs: 120_000 });

describe('warm pool on the embedded default', () => {
  it('serves 5 of 20 concurrent signups from a pool of 5 and starts 15 cold; every tenant ACTIVE, every instance its own tenant\'s', async () => {
    const subdomains = Array.from({ length: 20 }, (_, i) => `burst${i}`);
    const tenantIds = await Promise.all(subdomains.map(signup));
    expect(await Promise.all(tenantIds.map(settled))).toEqual(tenantIds.map(() => 'ACTIVE'));

    const claimed = claims.filter((c) => tenantIds.includes(c.tenantId));
    expect(claimed).toHaveLength(POOL_SIZE);
    // Never two tenants on one instance, never two instances for one tenant.
    expect(new Set(claimed.map((c) => c.id)).size).toBe(POOL_SIZE);
    expect(new Set(claimed.map((c) => c.tenantId)).size).toBe(POOL_SIZE);

    // Each host answers as its own tenant, from the pool instance or (after the hand-over) its own service.
    for (const [i, subdomain] of subdomains.entries()) expect(await health(subdomain), subdomain).toEqual({ status: 200, tenant: tenantIds[i] });

    await handedOver(tenantIds);
    for (const [i, subdomain] of subdomains.entries()) expect(await health(subdomain), subdomain).toEqual({ status: 200, tenant: tenantIds[i] });
    // The claimed instances are gone for good, and the pool is full again with fresh ones; nothing runs that no record knows.
    await until('the pool to refill', async () => ((await launchpad.deps.poolInstances.ready()).length >= POOL_SIZE ? true : undefined), { timeoutMs: 90_000 });
    const records = await launchpad.deps.poolInstances.all();
    expect(records.map((r) => r.state)).toEqual(Array(POOL_SIZE).fill('ready'));
    expect(records.some((r) => claimed.some((c) => c.id === r.id))).toBe(false);
    expect((await launchpad.deps.pool.running()).sort()).toEqual(records.map((r) => r.id).sort());
  }, 420_000);

  it('a pool instance that dies between claim and assignment leaves no orphan: the signup starts cold and ends ACTIVE', async () => {
    dieAfterClaim.add('crashy');
    const tenantId = await signup('crashy');
    expect(await settled(tenantId)).toBe('ACTIVE');
    const claim = claims.find((c) => c.tenantId === tenantId);
    expect(claim).toBeDefined();
    expect(await health('crashy')).toEqual({ status: 200, tenant: tenantId });
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.pooledInstance).toBeUndefined();
    await until('the dead instance to be forgotten', async () => ((await launchpad.deps.poolInstances.get(claim!.id)) ? undefined : true));
    expect(await launchpad.deps.pool.running()).not.toContain(claim!.id);
  }, 240_000);

  it('discards a claimed instance whose tenant ended, and stops pool processes no record knows', async () => {
    const tenantId = await signup('shortlived');
    expect(await settled(tenantId)).toBe('ACTIVE');
    await handedOver([tenantId]);
    await until('the pool to refill', async () => ((await launchpad.deps.poolInstances.ready()).length >= POOL_SIZE ? true : undefined), { timeoutMs: 90_000 });
    // A claim left behind by a provisioning whose tenant then ended: the pool keeper discards it.
    const [spare] = await launchpad.deps.poolInstances.ready(1);
    expect(await launchpad.deps.poolInstances.claim({ ...spare!, endpoint: spare!.endpoint! }, tenantId, new Date().toISOString())).toBe('claimed');
    await launchpad.deps.tenants.transition(tenantId, 'SUSPENDED', new Date().toISOString());
    const gone = (id: string) => async () => ((await launchpad.deps.poolInstances.get(id)) || (await launchpad.deps.pool.running()).includes(id) ? undefined : true);
    await until('the ended tenant\'s instance to be discarded', gone(spare!.id), { timeoutMs: 30_000 });
    await until('the ended tenant to hold no pool instance', async () => ((await launchpad.deps.tenants.getTenant(tenantId))?.pooledInstance ? undefined : true));
    // A leak: a pool process whose record was never written (a launch that crashed before recording it).
    const leaked = await launchpad.deps.pool.launch();
    await until('the leaked process to be stopped', gone(leaked), { timeoutMs: 30_000 });
  }, 240_000);
});

describe('isolation of a pool instance', () => {
  it('holds nothing of any tenant before its assignment, takes one tenant for life, and cannot reach another tenant\'s database', async () => {
    const [instance] = await launchpad.deps.poolInstances.ready(1);
    expect(instance?.endpoint).toBeDefined();
    const endpoint = instance!.endpoint!;
    const base = `http://${endpoint.host}:${endpoint.port}`;
    // Unassigned: no tenant, database or config in its environment; answers only its own health check.
    const environ = readFileSync(`/proc/${(launchpad.deps.pool as LocalPool).pid(instance!.id)}/environ`, 'utf8');
    for (const name of ['TENANT_ID', 'DATABASE_PASSWORD', 'DATABASE_NAME', 'CONFIG_KEY']) expect(environ).not.toContain(`${name}=`);
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'unassigned', instance: instance!.id });
    expect((await fetch(`${base}/`, { headers: { 'x-spaceos-route': 'someone/prod' } })).status).toBe(421);
    // Without the pool key nobody can assign it.
    expect((await fetch(`${base}${ASSIGN_PATH}`, { method: 'POST', body: '{}' })).status).toBe(401);

    // Claimed for tenant A (an existing tenant of this run), then assigned to it.
    const a = await launchpad.deps.tenants.tenantBySubdomain('burst0');
    // Placement spreads the burst over both servers: B shares A's server (Postgres itself must refuse
    // A's role), C is on the other one (A's role does not exist there).
    const others = await Promise.all(Array.from({ length: 19 }, (_, i) => launchpad.deps.tenants.tenantBySubdomain(`burst${i + 1}`)));
    const serverOf = (t: typeof a) => databaseEndpointOf(launchpad.deps.platform, t!);
    const sameServer = (t: typeof a) => serverOf(t).port === serverOf(a).port && serverOf(t).host === serverOf(a).host;
    const b = others.find((t) => t && sameServer(t));
    const c = others.find((t) => t && !sameServer(t));
    expect(b, 'a burst tenant on the server of burst0').toBeDefined();
    expect(await launchpad.deps.poolInstances.claim({ ...instance!, endpoint }, a!.tenantId, new Date().toISOString())).toBe('claimed');
    const key = (await launchpad.deps.secrets.get(launchpad.deps.platform.pool.keySecretName))!;
    const assignmentFor = async (tenant: NonNullable<typeof a>, instanceId = instance!.id): Promise<Assignment> => ({
      instanceId,
      tenantId: tenant.tenantId,
      env: 'prod',
      hostname: `${tenant.subdomain}.localhost`,
      configKey: `tenants/${tenant.tenantId}/config/prod/config.yml`,
      themeKey: `tenants/${tenant.tenantId}/theme.css`,
      version: '1',
      database: {
        // The tenant's own server (placement picks one of the embedded default's two).
        ...databaseEndpointOf(launchpad.deps.platform, tenant),
        database: databaseName(tenant.subdomain, 'prod'),
        user: databaseName(tenant.subdomain, 'prod'),
        password: (await launchpad.deps.secrets.get(databaseSecretName(tenant.tenantId, 'prod')))!,
      },
    });
    const forA = await assignmentFor(a!);
    // An assignment meant for another pool instance (one whose address this one got) is refused, key or not.
    await expect(assignInstance(endpoint, await assignmentFor(a!, 'pool-that-stopped'), key)).rejects.toMatchObject({ name: 'AssignmentRefusedError' });
    await assignInstance(endpoint, forA, key);
    expect(await (await fetch(`${base}/health`, { headers: { 'x-spaceos-route': `${a!.tenantId}/prod` } })).json()).toMatchObject({ status: 'ok', tenant: a!.tenantId });
    // Once A's, always A's: B's assignment is refused and B's requests are misdirected.
    await expect(assignInstance(endpoint, await assignmentFor(b!), key)).rejects.toMatchObject({ name: 'AssignmentRefusedError' });
    expect((await fetch(`${base}/health`, { headers: { 'x-spaceos-route': `${b!.tenantId}/prod` } })).status).toBe(421);
    // What it was given reaches A's database only: Postgres refuses B's.
    const intoB = new pg.Client({ ...forA.database, database: databaseName(b!.subdomain, 'prod') });
    await expect(intoB.connect()).rejects.toThrow(/permission denied|not permitted|no pg_hba/i);
    await intoB.end().catch(() => undefined);
    if (c) {
      const intoC = new pg.Client({ ...forA.database, ...serverOf(c), database: databaseName(c.subdomain, 'prod') });
      await expect(intoC.connect()).rejects.toThrow(/password authentication failed|role .* does not exist|permission denied|no pg_hba/i);
      await intoC.end().catch(() => undefined);
    }
    await discardPooled(launchpad.deps, a!, { id: instance!.id, endpoint, claimedAt: new Date().toISOString() });
  }, 60_000);
});
