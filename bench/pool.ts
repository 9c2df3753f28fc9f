import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { probe } from '../functions/providers/instance-probe';
import type { Launchpad } from '../infra/local/launchpad';
import { instanceUrl } from '../shared/instance';
import type { AwsLatency } from '../shared/step-catalogue';
import { tempDir } from '../test/support/temp-dir';
import { lognormalDraw, lognormalSampler, SIGNUP_S, simulateRun } from './aws-model';
import { AWS_WAKE_INPUTS } from './router';
import { fmt, percentile } from './stats';
import { MANY_SIGNUPS } from '../test/support/signup-limits';

const SIGNUPS = Number(process.env.BENCH_POOL_SIGNUPS ?? 8);
const POOL_SIZE = 3;
const TARGET = { hitP50Ms: 800, hitP95Ms: 1500, awsHitP95S: 15 };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mark = (ok: boolean) => (ok ? '✓' : '✗');

interface Timing {
  /** POST /api/signups -> the instance answers /health as this tenant at its own address. */
  liveMs: number;
  /** POST -> the tenant is ACTIVE (health checked, smoke-tested, welcome mail queued next). */
  activeMs: number;
  pooled: boolean;
}

async function timedSignup(launchpad: Launchpad, subdomain: string): Promise<Timing> {
  const t0 = performance.now();
  const response = await fetch(`${launchpad.url}/api/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyName: `Pool Bench ${subdomain}`, subdomain, adminName: 'Bench', adminEmail: `${subdomain}@example.com`, primaryColor: '#336699', acceptTerms: true }),
  });
  if (response.status !== 202) throw new Error(`signup ${subdomain}: HTTP ${response.status} ${await response.text()}`);
  const { tenantId } = (await response.json()) as { tenantId: string };
  const health = `${instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, 'prod')}/health`;
  let liveMs = 0;
  for (;;) {
    if (!liveMs && (await probe(health).then((r) => r.status === 200 && r.body.includes(tenantId), () => false))) liveMs = performance.now() - t0;
    const tenant = await launchpad.deps.tenants.getTenant(tenantId);
    if (tenant?.status === 'FAILED') throw new Error(`signup ${subdomain} failed: ${JSON.stringify(tenant.failure)}`);
    if (tenant?.status === 'ACTIVE') {
      const activeMs = performance.now() - t0;
      return { liveMs: liveMs || activeMs, activeMs, pooled: Boolean(tenant.pooledInstance) };
    }
    await pause(10);
  }
}

async function withLaunchpad<T>(poolSize: number, run: (launchpad: Launchpad) => Promise<T>): Promise<T> {
  const root = tempDir('launchpad-pool-bench-');
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '');
  const { startLaunchpad } = await import('../infra/local/launchpad');
  const launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, sesPort: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web'), poolSize });
  try {
    return await run(launchpad);
  } finally {
    await launchpad.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const poolFull = (launchpad: Launchpad) => async () => {
  for (const until = Date.now() + 60_000; Date.now() < until; await pause(100)) {
    const tenants = await launchpad.deps.tenants.listTenants();
    // Full, and no hand-over still running its tenant's own service start (it would share the CPU with the next signup).
    if ((await launchpad.deps.poolInstances.ready()).length >= POOL_SIZE && tenants.every((t) => !t.pooledInstance)) return;
  }
  throw new Error('The pool did not refill within 60 s');
};

/** Local refill: from a claim to a fresh instance ready (launch, boot, answering unassigned). */
async function refillTime(launchpad: Launchpad): Promise<number> {
  const t0 = performance.now();
  await poolFull(launchpad)();
  return performance.now() - t0;
}

// ---------------------------------------------------------------------------------------------
// AWS: a pool hit through the same ASL, with the steps a hit changes replaced (inputs named).

/** What a pool hit changes on AWS; every other step keeps its catalogue latency (shared/step-catalogue.ts). */
export const AWS_POOL_HIT_INPUTS: Record<'DeployServices' | 'WaitUntilHealthy', AwsLatency> = {
  DeployServices: {
    p50: 1,
    p95: 5,
    basis:
      "assumed (no AWS latency SLA): sts:AssumeRole of the tenant's role (created by ClaimPoolInstance beside the database step; AccessDenied while IAM still propagates it is retried every second), 2 Secrets Manager GetSecretValue, the assignment (the task opens a TLS connection to RDS and reads config.yml from S3), 2 DynamoDB writes; p95 includes a VPC Lambda cold start (~1 s) and a few seconds of propagation left",
  },
  WaitUntilHealthy: { p50: 0.3, p95: 1.5, basis: 'one /health through Cloudflare, the ALB and the router to a warm task (the SmokeTest catalogue figure per request, p95 rounded up)' },
};

/** How long a claimed instance takes to be replaced on AWS (lognormal parts), with the keeper's once-a-minute schedule. */
export function simulateAwsRefill(random: () => number = Math.random): number {
  // The keeper runs every minute: up to 60 s before it launches, up to 60 s after the task answers before it is marked ready.
  const keeperWaits = random() * 60 + random() * 60;
  return keeperWaits + lognormalDraw({ p50: 0.3, p95: 1.5 }, random) + lognormalDraw(AWS_WAKE_INPUTS.fargateStart, random) + lognormalDraw(AWS_WAKE_INPUTS.appBoot, random);
}

/** Share of signups that find the pool empty: Poisson arrivals at `perHour`, `size` instances, each claim replaced after a refill time. */
export function emptyPoolShare(size: number, perHour: number, refill: () => number = simulateAwsRefill, arrivals = 100_000, random: () => number = Math.random): number {
  const readyAt: number[] = Array(size).fill(0);
  let t = 0;
  let empty = 0;
  for (let i = 0; i < arrivals; i++) {
    t += (-Math.log(1 - random()) * 3600) / perHour;
    const slot = readyAt.findIndex((at) => at <= t);
    if (slot < 0) {
      empty++;
      continue;
    }
    readyAt[slot] = t + refill();
  }
  return empty / arrivals;
}

export interface PoolBenchFigures {
  local: { hit: { p50Ms: number; p95Ms: number; activeP50Ms: number }; miss: { p50Ms: number; p95Ms: number; activeP50Ms: number }; refillP50Ms: number };
  aws: { hitP50S: number; hitP95S: number; missP50S: number; missP95S: number };
}

/** Time to live with and without the warm pool, measured here and modelled on AWS, and how often a pool of N runs dry. */
export async function poolBench(): Promise<PoolBenchFigures> {
  console.log(`\nWarm pool (issue 13): ${SIGNUPS} sequential signups each, pool of ${POOL_SIZE} refilled between signups, vs no pool`);
  const miss = await withLaunchpad(0, async (launchpad) => {
    const timings: Timing[] = [];
    for (let i = 0; i < SIGNUPS; i++) timings.push(await timedSignup(launchpad, `cold-${i}`));
    return timings;
  });
  const { hit, refills } = await withLaunchpad(POOL_SIZE, async (launchpad) => {
    await poolFull(launchpad)();
    const timings: Timing[] = [];
    const refills: number[] = [];
    for (let i = 0; i < SIGNUPS; i++) {
      timings.push(await timedSignup(launchpad, `warm-${i}`));
      refills.push(await refillTime(launchpad));
    }
    return { hit: timings, refills };
  });
  const stats = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
  const hitLive = stats(hit.map((t) => t.liveMs));
  const missLive = stats(miss.map((t) => t.liveMs));
  const row = (label: string, values: { p50: number; p95: number }, extra = '') => console.log(`  ${label.padEnd(44)} p50 ${fmt(values.p50)}   p95 ${fmt(values.p95)}${extra}`);
  console.log('  On the embedded default (POST /api/signups -> the instance answers /health as the new tenant at its address):');
  console.log(`  (${hit.filter((t) => t.pooled).length} of ${hit.length} signups with the pool were served by a pool instance; ${miss.filter((t) => t.pooled).length} of ${miss.length} without)`);
  row('pool hit: live', hitLive, `   ${mark(hitLive.p50 <= TARGET.hitP50Ms)} p50 <= ${TARGET.hitP50Ms} ms, ${mark(hitLive.p95 <= TARGET.hitP95Ms)} p95 <= ${TARGET.hitP95Ms} ms`);
  row('pool hit: ACTIVE', stats(hit.map((t) => t.activeMs)));
  row('pool miss (cold start): live', missLive);
  row('pool miss: ACTIVE', stats(miss.map((t) => t.activeMs)));
  row('refill after a claim (to a fresh instance ready)', stats(refills));

  const asl = JSON.parse(readFileSync('statemachines/provision-tenant.asl.json', 'utf8'));
  const base = lognormalSampler();
  const hitSampler = lognormalSampler(Math.random, AWS_POOL_HIT_INPUTS);
  const runs = (sampler: (name: string) => number) => Array.from({ length: 20_000 }, () => simulateRun(asl, sampler, 'MarkActive') + SIGNUP_S.p50);
  const awsHit = stats(runs(hitSampler));
  const awsMiss = stats(runs(base));
  console.log('  Modelled on AWS (20k simulated runs through the ASL to MarkActive; bench/aws-model.ts, the steps a hit changes replaced):');
  console.log(`    pool hit: POST -> ACTIVE                  p50 ${awsHit.p50.toFixed(1).padStart(6)} s   p95 ${awsHit.p95.toFixed(1).padStart(6)} s   ${mark(awsHit.p95 <= TARGET.awsHitP95S)} p95 <= ${TARGET.awsHitP95S} s (moonshot 10 s)`);
  console.log(`    pool miss (as without a pool)             p50 ${awsMiss.p50.toFixed(1).padStart(6)} s   p95 ${awsMiss.p95.toFixed(1).padStart(6)} s`);
  for (const [name, input] of Object.entries(AWS_POOL_HIT_INPUTS)) console.log(`      ${name.padEnd(18)} on a hit  p50 ${input.p50.toFixed(2)} s  p95 ${input.p95.toFixed(2)} s   ${input.basis}`);
  const refillRuns = Array.from({ length: 20_000 }, () => simulateAwsRefill());
  console.log(
    `    refill on AWS: p50 ${percentile(refillRuns, 50).toFixed(0)} s, p95 ${percentile(refillRuns, 95).toFixed(0)} s (keeper every minute: up to 60 s to launch + up to 60 s to mark ready; Fargate start ${AWS_WAKE_INPUTS.fargateStart.p50}/${AWS_WAKE_INPUTS.fargateStart.p95} s, app boot ${AWS_WAKE_INPUTS.appBoot.p50}/${AWS_WAKE_INPUTS.appBoot.p95} s: bench/router.ts AWS_WAKE_INPUTS)`,
  );
  console.log('    signups that find the pool empty (Poisson arrivals, 100k simulated signups each):');
  console.log(`      ${'pool size'.padEnd(12)}${[1, 10, 60].map((rate) => `${rate}/hour`.padStart(12)).join('')}`);
  for (const size of [2, 5, 10]) console.log(`      ${`N = ${size}`.padEnd(12)}${[1, 10, 60].map((rate) => `${(emptyPoolShare(size, rate) * 100).toFixed(2)} %`.padStart(12)).join('')}`);
  return {
    local: { hit: { p50Ms: hitLive.p50, p95Ms: hitLive.p95, activeP50Ms: stats(hit.map((t) => t.activeMs)).p50 }, miss: { p50Ms: missLive.p50, p95Ms: missLive.p95, activeP50Ms: stats(miss.map((t) => t.activeMs)).p50 }, refillP50Ms: stats(refills).p50 },
    aws: { hitP50S: awsHit.p50, hitP95S: awsHit.p95, missP50S: awsMiss.p50, missP95S: awsMiss.p95 },
  };
}

/** Standalone: `npx tsx bench/pool.ts`. */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await poolBench();
}
