import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { probe } from '../../functions/providers/instance-probe';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import { createDetectDrift } from '../../functions/scheduled/detect-drift';
import { servicesOf } from '../../functions/providers/compute';
import { archivePrefix, databaseSecretName, ENVIRONMENTS, tenantPrefix } from '../../shared/instance';
import { startLaunchpad, type Launchpad } from '../../infra/local/launchpad';
import { LocalOps } from '../../infra/ops/backend';
import { runOps } from '../../infra/ops/cli';
import type { RolloutRequestInput, RolloutSummary } from '../../shared/fleet';
import { mailTo } from '../support/sent-mail';
import { tempDir } from '../support/temp-dir';
import { MANY_SIGNUPS } from '../support/signup-limits';
import { signUpOn } from '../support/verification';

/** Subdomains whose deployment of a version fails (the image does not start, say). */
const brokenDeploys = new Map<string, string>();
const injectDeployFaults = (deps: Deps): Deps => ({
  ...deps,
  compute: {
    ensureService: (spec) => deps.compute.ensureService(spec),
    scale: (service, count) => deps.compute.scale(service, count),
    deploy: async (service, version) => {
      if (brokenDeploys.get(service.subdomain) === version) throw new Error(`Image spaceos:${version} failed to start for ${service.subdomain}`);
      return deps.compute.deploy(service, version);
    },
    removeService: (service) => deps.compute.removeService(service),
    existingServices: (services) => deps.compute.existingServices(services),
  },
});

const root = tempDir('launchpad-fleet-');
let launchpad: Launchpad;
const SUBDOMAINS = ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-d', 'fleet-e'];
const OPS = 'fleet-ops@spaceos.test';

beforeAll(async () => {
  const webRoot = join(root, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
  launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, dataDir: join(root, 'data'), webRoot, sesPort: 0, fastTimers: true, opsEmail: OPS, decorate: injectDeployFaults });
  await Promise.all(
    SUBDOMAINS.map(async (subdomain, i) => {
      // Signed up one after the other: waves follow signup order.
      await new Promise((r) => setTimeout(r, i * 20));
      // Confirmed: an unconfirmed signup's instances answer visitors with a fixed page and sleep at once.
      await launchpad.workflows.settled(await signUpOn(launchpad, subdomain));
    }),
  );
}, 180_000);
afterAll(async () => {
  await launchpad?.stop();
  rmSync(root, { recursive: true, force: true });
});

let runs = 0;
async function rollout(request: RolloutRequestInput): Promise<RolloutSummary> {
  const name = `rollout-${request.version}-${++runs}`;
  expect(await launchpad.deps.workflows.startFleetRollout(request, name)).toBe('started');
  const execution = await launchpad.workflows.settled(name);
  expect(execution?.status, `${execution?.error}: ${execution?.cause}`).toBe('SUCCEEDED');
  return (await launchpad.deps.fleet.summaries(50)).find((s) => s.runId === name)!;
}

/** What each instance itself reports on /health (prod and staging). */
async function versionsOf(subdomain: string): Promise<string[]> {
  const port = new URL(launchpad.url).port;
  return Promise.all(
    [subdomain, `${subdomain}-stg`].map(async (host) => {
      const answer = await probe(`http://${host}.localhost:${port}/health`);
      return answer.status === 200 ? String((JSON.parse(answer.body) as { version: string }).version) : `HTTP ${answer.status}`;
    }),
  );
}
const recordedVersion = async (subdomain: string) => (await launchpad.deps.tenants.getTenant((await launchpad.deps.signups.subdomainClaimHolder(subdomain))!))?.appVersion;

describe('roll-out-fleet', () => {
  it('stops after a failing canary: the canary is rolled back and nobody else is touched', async () => {
    brokenDeploys.set('fleet-b', '2');
    const summary = await rollout({ version: '2', canary: ['fleet-b'], waveSize: 2 });
    expect(summary).toMatchObject({ upgraded: [], rolledBack: [{ subdomain: 'fleet-b', error: expect.stringMatching(/failed to start/) }], failed: [], stopped: expect.stringMatching(/^Canary: 1 of 1 tenants did not upgrade \(fleet-b\)/) });
    for (const subdomain of SUBDOMAINS) expect(await recordedVersion(subdomain)).toBe('1');
    // The rollback is a deployment too: the canary serves its previous version again within seconds.
    for (const subdomain of SUBDOMAINS) await expect.poll(() => versionsOf(subdomain), { timeout: 15_000 }).toEqual(['1', '1']);
    const [mail] = (await mailTo(launchpad.sesEndpoint, OPS)).filter((m) => /Fleet rollout of 2: stopped/.test(m.subject));
    expect(mail?.body.text).toMatch(/Rolled back .*fleet-b/);
  }, 120_000);

  it('rolls back a tenant that fails in a later wave and upgrades the rest; a rerun rolls out only to what is left', async () => {
    brokenDeploys.clear();
    brokenDeploys.set('fleet-d', '2');
    const first = await rollout({ version: '2', canary: ['fleet-a'], waveSize: 2, maxConcurrency: 2, toleratedFailurePercentage: 50, stagingFirst: true });
    expect(first).toMatchObject({ upgraded: ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-e'], rolledBack: [{ subdomain: 'fleet-d' }], failed: [], skipped: [] });
    expect(first.stopped).toBeUndefined();
    expect(await versionsOf('fleet-c')).toEqual(['2', '2']);
    expect(await versionsOf('fleet-d')).toEqual(['1', '1']);
    expect(await recordedVersion('fleet-d')).toBe('1');

    brokenDeploys.clear();
    const rerun = await rollout({ version: '2', waveSize: 2 });
    expect(rerun).toMatchObject({ upgraded: ['fleet-d'], rolledBack: [], skipped: ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-e'] });
    expect(await versionsOf('fleet-d')).toEqual(['2', '2']);

    const ops = await (await fetch(`${launchpad.url}/ops`)).text();
    expect(ops).toContain(`data-run="rollout-2-${runs}"`);
    expect(ops).toMatch(/1 upgraded · 0 rolled back · 0 failed · 4 skipped/);
  }, 180_000);

  it('rolls back a version that never comes up (the instance crashes on start)', async () => {
    const summary = await rollout({ version: '3-broken', canary: ['fleet-e'] });
    expect(summary.rolledBack).toEqual([{ subdomain: 'fleet-e', error: expect.stringMatching(/VersionNotLiveError|did not come up/) }]);
    expect(summary.stopped).toMatch(/^Canary/);
    // "Rolled back" means running again: the run waited for the previous version to answer.
    expect(await versionsOf('fleet-e')).toEqual(['2', '2']);
  }, 180_000);

  it('reports a tenant whose rollback does not come up either as failed, for a person', async () => {
    const tenantId = (await launchpad.deps.signups.subdomainClaimHolder('fleet-d'))!;
    const at = new Date().toISOString();
    await launchpad.deps.tenants.setAttributes(tenantId, at, { appVersion: '2-broken' }); // what it goes back to cannot start either
    const summary = await rollout({ version: '5-broken', canary: ['fleet-d'] });
    expect(summary.rolledBack).toEqual([]);
    expect(summary.failed).toEqual([{ subdomain: 'fleet-d', error: expect.stringMatching(/5-broken did not come up.*rollback failed: .*2-broken did not come up/s) }]);

    // A person puts it right (here: back on 2) before the tests that follow.
    await launchpad.deps.tenants.setAttributes(tenantId, at, { appVersion: '2' });
    for (const service of servicesOf(launchpad.deps.platform.instanceUrlTemplate, { tenantId, subdomain: 'fleet-d' }, ENVIRONMENTS)) await launchpad.deps.compute.deploy(service, '2');
    await expect.poll(() => versionsOf('fleet-d'), { timeout: 15_000 }).toEqual(['2', '2']);
  }, 180_000);
});

describe('ops CLI against the local stack', () => {
  it('lists tenants with their versions and runs a rollout to the end, printing the summary', async () => {
    const ops = new LocalOps(launchpad.url);
    const lines: string[] = [];
    // A visitor keeps using fleet-a throughout: a rolling deployment leaves no gap.
    const seen: string[] = [];
    let rollingOut = true;
    const visitor = (async () => {
      while (rollingOut) seen.push((await versionsOf('fleet-a'))[0]!);
    })();
    expect(await runOps(['rollout', '--version', '4', '--canary', 'fleet-a', '--wave-size', '3', '--staging-first'], ops, (l) => lines.push(l))).toBe(0);
    rollingOut = false;
    await visitor;
    expect(lines.join('\n')).toMatch(/Rollout of 4 \(rollout-4-\d+\): done\n {2}upgraded {5}5 {2}fleet-a, fleet-b, fleet-c, fleet-d, fleet-e/);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((answer) => !/^\d+$/.test(answer))).toEqual([]); // always a version, never an HTTP error in between
    expect(seen.at(-1)).toBe('4');

    lines.length = 0;
    expect(await runOps(['tenants', 'list'], ops, (l) => lines.push(l))).toBe(0);
    for (const subdomain of SUBDOMAINS) expect(lines.join('\n')).toMatch(new RegExp(`${subdomain} +ACTIVE +trial +4 `));

    // Quota headroom of this fleet against a new account's defaults: two ECS services per tenant.
    lines.length = 0;
    await runOps(['capacity'], ops, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(new RegExp(`ECS services per cluster +${2 * SUBDOMAINS.length} +5,000 `));

    // A tenant signing up after a completed rollout launches on the fleet's version.
    await launchpad.workflows.settled(await signUpOn(launchpad, 'fleet-late'));
    expect(await versionsOf('fleet-late')).toEqual(['4', '4']);
    expect(await recordedVersion('fleet-late')).toBe('4');

    lines.length = 0;
    // `upgrade` is the old name of `rollout`: still accepted, with a note.
    const notes: string[] = [];
    expect(await runOps(['upgrade', '--version', 'bad version!'], ops, (l) => lines.push(l), (l) => notes.push(l)).catch((e: Error) => e.message)).toMatch(/--version: A version is an image tag/);
    expect(notes).toEqual([expect.stringMatching(/`npm run ops -- upgrade` is now `npm run ops -- rollout`/)]);
    expect(await runOps(['resume', 'fleet-a'], ops, (l) => lines.push(l)).catch((e: Error) => e.message)).toMatch(/fleet-a is ACTIVE; only FAILED tenants are resumed/);
  }, 120_000);
});

describe('drift', () => {
  it('reports a running tenant whose routing record or service went missing, once, and clears it when restored', async () => {
    const detect = createDetectDrift(launchpad.deps);
    const opsMail = async () => (await mailTo(launchpad.sesEndpoint, OPS)).filter((m) => /Drift/.test(m.subject)).length;
    expect((await detect()).drifted).toEqual([]);
    const record = (await launchpad.deps.instances.get('fleet-c-stg'))!;
    await launchpad.deps.instances.remove('fleet-c-stg');
    const before = await opsMail();
    expect((await detect()).drifted).toEqual([{ subdomain: 'fleet-c', missing: ['routing fleet-c-stg'] }]);
    expect(await detect()).toMatchObject({ drifted: [{ subdomain: 'fleet-c' }] });
    expect(await opsMail()).toBe(before + 1); // told once, not every run
    expect(await (await fetch(`${launchpad.url}/ops`)).text()).toMatch(/<b>Drift<\/b> since [^:]+:\d\d:[\d.]+Z: missing routing fleet-c-stg/);

    await launchpad.deps.instances.markRunning(record, new Date().toISOString());
    expect((await detect()).drifted).toEqual([]);
    expect((await launchpad.deps.tenants.getTenant((await launchpad.deps.signups.subdomainClaimHolder('fleet-c'))!))?.drift).toBeUndefined();
  });
});

describe('offboard-tenant', () => {
  it('refuses to offboard a paying customer without --force', async () => {
    const tenantId = (await launchpad.deps.signups.subdomainClaimHolder('fleet-d'))!;
    await launchpad.deps.tenants.setAttributes(tenantId, new Date().toISOString(), { plan: 'paid' });
    await expect(runOps(['offboard', 'fleet-d'], new LocalOps(launchpad.url), () => undefined)).rejects.toThrow(/paying customer: cancel the subscription in Stripe first/);
    expect((await launchpad.deps.tenants.getTenant(tenantId))?.status).toBe('ACTIVE');
  });

  it('removes a tenant everywhere, keeps its archive, is a no-op the second time, and frees its name after the cooling-off', async () => {
    const ops = new LocalOps(launchpad.url);
    const tenantId = (await launchpad.deps.signups.subdomainClaimHolder('fleet-e'))!;
    const port = new URL(launchpad.url).port;
    const lines: string[] = [];
    expect(await runOps(['offboard', 'fleet-e'], ops, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toMatch(/fleet-e is offboarded/);

    const leftovers = async () => {
      // On every server: placement put the tenant on one of them.
      let databases = 0;
      for (const config of Object.values(launchpad.postgresServers)) {
        const admin = new pg.Client(config);
        await admin.connect();
        const { rows: dbs } = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 't_fleet_e_%'");
        const { rows: roles } = await admin.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 't_fleet_e_%'");
        await admin.end();
        databases += dbs.length + roles.length;
      }
      return {
        databases,
        services: launchpad.compute.list().filter((s) => s.hostname.startsWith('fleet-e')).length,
        files: (await launchpad.deps.storage.list(tenantPrefix(tenantId))).length,
        secrets: (await Promise.all([databaseSecretName(tenantId, 'prod'), databaseSecretName(tenantId, 'stg')].map((n) => launchpad.deps.secrets.get(n)))).filter(Boolean).length,
        address: (await probe(`http://fleet-e.localhost:${port}/`)).status,
      };
    };
    expect(await leftovers()).toEqual({ databases: 0, services: 0, files: 0, secrets: 0, address: 404 });
    const tenant = await launchpad.deps.tenants.getTenant(tenantId);
    expect(tenant).toMatchObject({ status: 'DELETED', deletedAt: expect.any(String), claimsReleaseAt: expect.any(String) });
    const archive = await launchpad.deps.storage.list(archivePrefix(tenantId));
    expect(archive).toEqual(expect.arrayContaining([`${archivePrefix(tenantId)}database-prod.json`, `${archivePrefix(tenantId)}files/config/prod/config.yml`]));
    const dump = JSON.parse((await launchpad.deps.storage.getText(`${archivePrefix(tenantId)}database-prod.json`))!) as { tables: { rooms: Array<{ name: string }> } };
    expect(dump.tables.rooms.map((r) => r.name)).toEqual(expect.arrayContaining(['Focus Room', 'Meeting Room']));

    // Offboarding again finds nothing to do and changes nothing.
    expect(await runOps(['offboard', 'fleet-e'], ops, (l) => lines.push(l))).toBe(0);
    expect(await leftovers()).toEqual({ databases: 0, services: 0, files: 0, secrets: 0, address: 404 });
    expect(await launchpad.deps.storage.list(archivePrefix(tenantId))).toEqual(archive);

    // The subdomain stays taken during the cooling-off period, then the sweep frees it (and the
    // email). (Run a month ahead, the sweep also ends the other tenants' trials: this test is last.)
    const available = async () => ((await (await fetch(`${launchpad.url}/api/subdomains/fleet-e`)).json()) as { available: boolean }).available;
    expect(await available()).toBe(false);
    const later = new Date(Date.parse(tenant!.claimsReleaseAt!) + 1000);
    expect((await createTrialSweep({ ...launchpad.deps, now: () => later })()).claimsReleased).toEqual([tenantId]);
    expect(await available()).toBe(true);
  }, 120_000);
});
