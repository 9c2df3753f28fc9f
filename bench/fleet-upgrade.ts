import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../functions/deps';
import type { Compute, ScaledService } from '../functions/providers/compute';
import { probe } from '../functions/providers/instance-probe';
import { startLaunchpad } from '../infra/local/launchpad';
import { initialSettings } from '../shared/settings';
import type { Tenant } from '../shared/tenant';
import { tempDir } from '../test/support/temp-dir';
import { percentile } from './stats';
import { MAX_WAVE_SIZE } from '../shared/fleet';
import { stepFacts } from '../shared/step-catalogue';
import { MANY_SIGNUPS } from '../test/support/signup-limits';

/** How long an instance takes to come up after a deploy: about what the stand-in app process takes here (a Fargate task takes 30-60 s). */
const START_MS = Number(process.env.BENCH_START_MS ?? 1000);

/**
 * Bench-only instances: tiny HTTP servers inside this process, one per tenant environment, so
 * 200 tenants (400 instances) fit on a laptop where 400 stand-in processes would not. They speak
 * the instance contract the workflow checks (/health with the version, the branded home page,
 * theme.css) and take START_MS to come up on a new version. Everything else is the real thing:
 * the ASL on the local engine, the step handlers, DynamoDB Local, HTTP probes.
 */
class InProcessInstances implements Pick<Compute, 'deploy'> {
  private readonly servers = new Map<string, { server: Server; port: number; version: string }>();

  async start(tenant: Tenant, service: ScaledService, version: string): Promise<void> {
    const page = `<!doctype html><title>${tenant.companyName}</title><link rel="stylesheet" href="/theme.css"><h1>${tenant.companyName}</h1>`;
    const server = createServer((req, res) => {
      if (req.url === '/health') return void res.end(JSON.stringify({ status: 'ok', version }));
      if (req.url === '/theme.css') return void res.end(`:root{--brand-primary:${tenant.primaryColor}}`);
      res.end(page);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.servers.set(service.hostname, { server, port: (server.address() as AddressInfo).port, version });
  }

  private readonly tenants = new Map<string, Tenant>();
  track(tenant: Tenant): void {
    this.tenants.set(tenant.tenantId, tenant);
  }

  async deploy(service: ScaledService, version: string): Promise<void> {
    const running = this.servers.get(service.hostname);
    this.servers.delete(service.hostname);
    await new Promise<void>((r) => (running ? running.server.close(() => r()) : r()));
    // Comes up a little later, as a new task does.
    setTimeout(() => void this.start(this.tenants.get(service.tenantId)!, service, version), START_MS);
  }

  portFor(hostname: string): number | undefined {
    return this.servers.get(hostname)?.port;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => new Promise((r) => s.server.close(r))));
  }
}

/** Health polls of the upgraded instances: 5 s against a 30-60 s Fargate start in the ASL, about the same ratio here. */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `npm run bench` part 2: a fleet rollout to `count` tenants on the local engine, against the
 * ideal of (number of waves) x (one tenant's rollout time), the median of five fleets of one.
 */
export async function fleetUpgradeBench(count = Number(process.env.BENCH_FLEET ?? 200), waveSize = 25): Promise<void> {
  const root = tempDir('launchpad-bench-fleet-');
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '');
  const instances = new InProcessInstances();
  const started = new Map<string, number>();
  const took: number[] = [];
  const decorate = (deps: Deps): Deps => ({
    ...deps,
    compute: { ...deps.compute, deploy: (service, version) => (started.has(service.subdomain) || started.set(service.subdomain, performance.now()), instances.deploy(service, version)) },
    // Instance addresses resolve to the in-process servers (the local router knows only stand-in processes).
    probe: async (url) => {
      const target = new URL(url);
      const port = instances.portFor(target.hostname);
      if (!port) throw new Error(`connect ECONNREFUSED ${target.hostname}`);
      const answer = await probe(`http://127.0.0.1:${port}${target.pathname}`);
      // The smoke test's last probe (the staging home page) ends a tenant's own work in its wave.
      const staging = /^(.+)-stg\./.exec(target.hostname)?.[1];
      const since = staging && target.pathname === '/' ? started.get(staging) : undefined;
      if (since !== undefined) took.push(performance.now() - since);
      return answer;
    },
  });
  const launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, sesPort: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), fastTimers: true, waitMs: POLL_MS, decorate });
  try {
    const { tenants, signups, platform } = launchpad.deps;
    const at = new Date(Date.now() - 60_000).toISOString();
    const addTenant = async (i: number) => {
      const subdomain = `fleet-${String(i).padStart(3, '0')}`;
      const tenant: Tenant = {
        tenantId: `bench-${i}`, subdomain, companyName: `Fleet ${i}`, adminName: 'Ops', adminEmail: `ops+${i}@example.com`, primaryColor: '#336699',
        plan: 'trial', status: 'PENDING', createdAt: new Date(Date.parse(at) + i).toISOString(), updatedAt: at, steps: {}, urls: {}, version: 1,
      };
      await signups.createSignup(tenant);
      await tenants.transition(tenant.tenantId, 'PROVISIONING', at, { settings: initialSettings(tenant) });
      await tenants.transition(tenant.tenantId, 'ACTIVE', at, { appVersion: '1' });
      instances.track(tenant);
      for (const env of ['prod', 'stg'] as const) {
        const host = platform.instanceUrlTemplate.replace('{host}', env === 'prod' ? subdomain : `${subdomain}-stg`);
        await instances.start(tenant, { tenantId: tenant.tenantId, subdomain, env, hostname: new URL(host).hostname }, '1');
      }
    };
    /** Runs one rollout to the end: its total time, summary, and each wave's duration. */
    const rollout = async (version: string) => {
      const name = `bench-rollout-${version}`;
      started.clear();
      const t0 = performance.now();
      await launchpad.deps.workflows.startFleetRollout({ version, canary: ['fleet-000'], waveSize, maxConcurrency: waveSize, toleratedFailurePercentage: 0 }, name);
      const execution = await launchpad.workflows.settled(name);
      const total = performance.now() - t0;
      if (execution?.status !== 'SUCCEEDED') throw new Error(`bench rollout ${execution?.status}: ${execution?.cause}`);
      // Each wave is one RolloutWave state, entered and exited in turn.
      const spans: number[] = [];
      let entered = 0;
      for (const event of execution.events) {
        if (event.state !== 'RolloutWave') continue;
        if (event.type === 'MapStateStarted' || event.type === 'StateEntered') entered = entered || Date.parse(event.timestamp);
        if (event.type === 'MapStateSucceeded' || event.type === 'StateExited') {
          if (entered) spans.push(Date.parse(event.timestamp) - entered);
          entered = 0;
        }
      }
      return { total, spans, summary: (await launchpad.deps.fleet.summaries(1))[0]! };
    };

    // One tenant's rollout time: the median of five rollouts to a fleet of one (a single sample is
    // off by up to one health poll either way).
    await addTenant(0);
    const solo: number[] = [];
    for (let i = 1; i <= 5; i++) solo.push((await rollout(`solo-${i}`)).spans[0] ?? NaN);
    const perTenant = percentile(solo, 50);
    for (let i = 1; i < count; i++) await addTenant(i);
    took.length = 0;
    const { total, spans, summary } = await rollout('2');
    const waves = 1 + Math.ceil((count - 1) / waveSize);
    const ideal = waves * perTenant;
    console.log(`\nFleet rollout on the embedded default (${count} tenants = ${2 * count} instances, canary 1 + waves of ${waveSize}, ${waveSize} at once; target <= 1.2x ideal)`);
    console.log(`  upgraded ${summary.upgraded.length}, rolled back ${summary.rolledBack.length}, failed ${summary.failed.length}`);
    console.log(`  one tenant alone (median of 5)      ${perTenant.toFixed(0).padStart(7)} ms   (deploy, instance start ${START_MS} ms, health polls every ${POLL_MS} ms, smoke test; runs ${solo.map((t) => t.toFixed(0)).join(', ')} ms)`);
    console.log(`  ideal: ${waves} waves x one tenant      ${ideal.toFixed(0).padStart(7)} ms`);
    console.log(`  measured, whole run                 ${total.toFixed(0).padStart(7)} ms   = ${(total / ideal).toFixed(2)}x ideal`);
    const sorted = [...took].sort((a, b) => a - b);
    console.log(`  one tenant inside a wave of ${waveSize}      p50 ${percentile(sorted, 50).toFixed(0).padStart(5)} ms   p95 ${percentile(sorted, 95).toFixed(0)} ms`);
    console.log(`  slowest wave                        ${Math.max(...spans).toFixed(0).padStart(7)} ms   (waves: ${spans.map((s) => s.toFixed(0)).join(", ")} ms)`);
    printAwsRolloutModel(10_000);
  } finally {
    await pause(START_MS + 50);
    await launchpad.stop();
    await instances.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The same rollout at `tenants` on AWS, on paper (nothing here reaches AWS). Inputs, pessimistic side:
 * - a wave lasts as long as its slowest tenant: a new Fargate task started and found healthy, p95 of
 *   WaitUntilHealthy in the step catalogue (45-60 s image pull and ENI, 5 s polls), plus DeployServices'
 *   p95 for the new task definition and UpdateService, plus the smoke test's p95;
 * - ECS service changes are throttled at 5 a second after a burst of 50
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html): a wave
 *   deploys 2 services per tenant, those beyond the burst queue at 5/s;
 * - Step Functions starts a Distributed Map's child executions and records the wave: 5 s a wave (an estimate);
 * - history: the run ~21 events a wave with every Task retried twice (test/unit/rollout-history.test.ts).
 */
export function printAwsRolloutModel(tenants: number): void {
  const facts = (name: string) => stepFacts(name)?.aws ?? { p50: 0, p95: 0 };
  const tenantS = facts('DeployServices').p95 + facts('WaitUntilHealthy').p95 + facts('SmokeTest').p95;
  console.log(`\nModel on AWS at ${tenants.toLocaleString('en')} tenants (each wave as long as its slowest tenant: ${tenantS.toFixed(0)} s at p95; ECS changes 5/s after a burst of 50; 5 s a wave for Step Functions)`);
  for (const waveSize of [25, 50, MAX_WAVE_SIZE]) {
    const waves = 1 + Math.ceil((tenants - 1) / waveSize);
    const throttledS = Math.max(0, 2 * waveSize - 50) / 5;
    const waveS = tenantS + throttledS + 5;
    const hours = (waves * waveS) / 3600;
    console.log(`  waves of ${String(waveSize).padEnd(3)} (maxConcurrency ${String(waveSize).padEnd(3)}) ${String(waves).padStart(4)} waves x ${waveS.toFixed(0).padStart(3)} s = ${hours.toFixed(1).padStart(4)} h   run history ~${(waves * 21 + 20).toLocaleString('en')} events of 25,000; each tenant its own`);
  }
}
