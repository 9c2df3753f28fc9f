import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probe } from '../functions/providers/instance-probe';
import { instanceUrl } from '../shared/instance';
import { startLaunchpad } from '../infra/local/launchpad';
import { tempDir } from '../test/support/temp-dir';
import { criticalPath, lognormalSampler, SIGNUP_S, simulateRun } from './aws-model';
import { fmt, percentile } from './stats';
import { fleetUpgradeBench } from './fleet-upgrade';
import { lambdaBundlesBench } from './lambda-bundles';
import { poolBench } from './pool';
import { routerBench } from './router';
import { confirmSignup } from './confirm-signup';
import { signupOverheadBench } from './signup-overhead';
import { webBundleBench } from './web-bundle';
import { scaleBench } from './scale';
import { MANY_SIGNUPS } from '../test/support/signup-limits';

const SIGNUPS = Math.max(10, Number(process.env.BENCH_SIGNUPS ?? 10));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Time-to-live on the embedded default: from POST /api/signups to the new instance answering
 * /health at its own address (and to ACTIVE on the status endpoint), over SIGNUPS signups.
 */
const root = tempDir('launchpad-bench-');
mkdirSync(join(root, 'web'));
writeFileSync(join(root, 'web', 'index.html'), '');
const launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, sesPort: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web') });
try {
  const accepted: number[] = [];
  const answering: number[] = [];
  const active: number[] = [];
  for (let i = 0; i < SIGNUPS; i++) {
    const subdomain = `bench-${i}`;
    const t0 = performance.now();
    const response = await fetch(`${launchpad.url}/api/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ companyName: `Bench ${i}`, subdomain, adminName: 'Bench', adminEmail: `bench${i}@example.com`, primaryColor: '#336699', acceptTerms: true }),
    });
    if (response.status !== 202) throw new Error(`signup ${i}: HTTP ${response.status} ${await response.text()}`);
    accepted.push(performance.now() - t0);
    const { tenantId } = (await response.json()) as { tenantId: string };
    const health = `${instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, 'prod')}/health`;
    let live = 0;
    for (;;) {
      if (!live && (await probe(health).then((r) => r.status === 200, () => false))) live = performance.now() - t0;
      const view = (await (await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`)).json()) as { status: string };
      if (view.status === 'FAILED') throw new Error(`signup ${i} failed provisioning`);
      if (view.status === 'ACTIVE') {
        active.push(performance.now() - t0);
        break;
      }
      await pause(10);
    }
    answering.push(live || active.at(-1)!);
  }
  const row = (label: string, values: number[]) => console.log(`  ${label.padEnd(36)} p50 ${fmt(percentile(values, 50))}   p95 ${fmt(percentile(values, 95))}`);
  console.log(`Time to live on the embedded default (n=${SIGNUPS} sequential signups; target p50 <= 5 s)`);
  row('POST /api/signups -> 202', accepted);
  row('POST -> instance answers /health', answering);
  row('POST -> tenant ACTIVE', active);

  const asl = JSON.parse(readFileSync('statemachines/provision-tenant.asl.json', 'utf8'));
  const live = (pick: 'p50' | 'p95') => SIGNUP_S[pick] + criticalPath(asl, pick, 'MarkActive').total;
  const whole = criticalPath(asl, 'p95');
  console.log('\nModelled on AWS (critical path through the ASL with documented per-step latencies, bench/aws-model.ts)');
  console.log(`  path: signup > ${whole.path.join(' > ')}`);
  const sample = lognormalSampler();
  const runs = Array.from({ length: 20_000 }, () => simulateRun(asl, sample, 'MarkActive') + SIGNUP_S.p50);
  console.log(`  POST -> ACTIVE (instance live)      p50 ${percentile(runs, 50).toFixed(1).padStart(6)} s   p95 ${percentile(runs, 95).toFixed(1).padStart(6)} s   (target p95 <= 90 s; 20k simulated runs, lognormal per step)`);
  console.log(`  worst case, every step at its p95                           ${live('p95').toFixed(1).padStart(6)} s`);

  // The tenant router on this Launchpad: its overhead on bench-0's instance, its memory with 10,000 routes, waking bench-0.
  await confirmSignup(launchpad, (await launchpad.deps.tenants.tenantBySubdomain('bench-0'))!.tenantId);
  await routerBench(launchpad, { subdomain: 'bench-0' });
} finally {
  await launchpad.stop();
  rmSync(root, { recursive: true, force: true });
}

// Issue 13: a warm pool against cold starts, on Launchpads of their own (with and without a pool).
await poolBench();
await fleetUpgradeBench();
// Issue 11's figures, side by side: bundles and load times, the signup handler's overhead, the page's first load.
await lambdaBundlesBench();
await signupOverheadBench();
await webBundleBench();
// Issue 16: the jobs and reads that go through the whole fleet, at 10,000 synthetic tenants.
await scaleBench();
