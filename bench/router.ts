import http from 'node:http';
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/providers/dynamodb';
import { InstanceStore } from '../functions/providers/instance-store';
import { keys } from '../functions/providers/table';
import { ensureTable, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import type { Launchpad } from '../infra/local/launchpad';
import { instanceUrl } from '../shared/instance';
import type { InstanceRecord } from '../shared/instance-state';
import { AWS_ROUTER_TIMINGS, createTenantRouter } from '../router/tenant-router';
import { tempDir } from '../test/support/temp-dir';
import { lognormalDraw } from './aws-model';
import { percentile } from './stats';
import { MANY_SIGNUPS } from '../test/support/signup-limits';
import { confirmSignup } from './confirm-signup';

/** Open-loop rate at 200 connections: below what this 2-core machine routes (the bench prints its closed-loop capacity beside it). */
const RATE = Number(process.env.BENCH_ROUTER_RATE ?? 200);
const CONNECTIONS = 200;
/** Measured seconds at 200 connections per path, split over ROUNDS runs of each (after a discarded warm-up each). */
const OPEN_SECONDS = Number(process.env.BENCH_ROUTER_SECONDS ?? 16);
const OPEN_WARMUP_SECONDS = 0.5;
const SERIAL_REQUESTS = 4000;
/** Direct and routed runs alternate (A B A B ...) this many times, to spread the machine's noise over both. */
const ROUNDS = 8;
const ROUTES = 10_000;
const WAKES = Number(process.env.BENCH_ROUTER_WAKES ?? 8);
/** Memory-bench hosts: a double hyphen no signup can take (shared/subdomain.ts). */
const MEMORY_PREFIX = 'rbench--';
const TARGET = { addedP50Ms: 1, addedP99Ms: 5, heapMb: 50 };

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Quantiles {
  p50: number;
  p99: number;
}
export interface OverheadFigures {
  connections: number;
  /** Requests per second offered (open loop); undefined for the serial run. */
  offeredRps?: number;
  /** All rounds' requests pooled. */
  direct: Quantiles;
  routed: Quantiles;
  /** The median over rounds of (routed - direct) within each round: what the targets are judged on. */
  added: Quantiles;
  /** Pooled routed minus pooled direct: also moved by noise that hit one path's rounds and not the other's. */
  addedPooled: Quantiles;
}
export interface RouterBenchFigures {
  serial: OverheadFigures;
  concurrent: OverheadFigures & {
    capacityRps: { direct: number; routed: number };
    /** The bench process's event loop (router, Launchpad) busy per request, routed minus direct: the router's CPU cost, roughly. */
    routerBusyMsPerRequest: number;
  };
  memory: { routes: number; heapMb: number; bytesPerRoute: number };
  wake: { local: { n: number; p50Ms: number; p95Ms: number }; aws: { p50S: number; p95S: number } };
}

// ---------------------------------------------------------------------------------------------
// Load generator: plain JS in a worker thread, so it does not share the event loop with the router.

interface Target {
  host: string;
  port: number;
  headers: Record<string, string>;
}
type LoadJob = Target &
  ({ kind: 'serial'; warmup: number; count: number } | { kind: 'open'; connections: number; rate: number; warmupSeconds: number; seconds: number } | { kind: 'closed'; connections: number; seconds: number });
interface LoadResult {
  latencies: number[];
  errors: number;
  seconds: number;
  /** This process's event-loop busy time while the counted requests ran (ms): the router's and Launchpad's. */
  busyMs?: number;
}

const LOAD_WORKER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

/** One GET /health on a connection (an agent of one socket); ms to the end of the body, or -1. */
function once(agent, job) {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.request({ host: job.host, port: job.port, path: '/health', agent, headers: job.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - start : -1));
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}
const connection = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

async function run(job) {
  const latencies = [];
  let errors = 0;
  const record = (ms) => (ms < 0 ? errors++ : latencies.push(ms));
  if (job.kind === 'serial') {
    const agent = connection();
    for (let i = 0; i < job.warmup; i++) await once(agent, job);
    parentPort.postMessage('measuring');
    const t0 = performance.now();
    for (let i = 0; i < job.count; i++) record(await once(agent, job));
    agent.destroy();
    return { latencies, errors, seconds: (performance.now() - t0) / 1000 };
  }
  const agents = Array.from({ length: job.connections }, connection);
  // Every connection open (and warm) before the clock starts.
  await Promise.all(agents.map((agent) => once(agent, job)));
  const t0 = performance.now();
  if (job.kind === 'closed') {
    parentPort.postMessage('measuring');
    const until = t0 + job.seconds * 1000;
    await Promise.all(agents.map(async (agent) => { while (performance.now() < until) record(await once(agent, job)); }));
  } else {
    // Open loop: request n is due at t0 + n / rate, on connection n mod connections, whether or not
    // earlier answers came back (a busy connection queues it, and the wait counts in its latency).
    // Requests of the first warmupSeconds are sent but not counted.
    const warm = Math.round(job.rate * job.warmupSeconds);
    const total = warm + Math.round(job.rate * job.seconds);
    const due = (n) => t0 + (n * 1000) / job.rate;
    const inFlight = [];
    let sent = 0;
    await new Promise((done) => {
      const tick = () => {
        while (sent < total && due(sent) <= performance.now()) {
          const counted = sent >= warm;
          if (sent === warm) parentPort.postMessage('measuring');
          inFlight.push(once(agents[sent % agents.length], job).then((ms) => counted && record(ms)));
          sent++;
        }
        if (sent < total) setTimeout(tick, Math.max(0, due(sent) - performance.now()));
        else done();
      };
      tick();
    });
    await Promise.all(inFlight);
    agents.forEach((agent) => agent.destroy());
    return { latencies, errors, seconds: (performance.now() - due(warm)) / 1000 };
  }
  const seconds = (performance.now() - t0) / 1000;
  agents.forEach((agent) => agent.destroy());
  return { latencies, errors, seconds };
}
parentPort.on('message', (job) => run(job).then((result) => parentPort.postMessage(result)));
`;

class LoadGenerator {
  private readonly worker = new Worker(LOAD_WORKER, { eval: true });

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      let from = performance.eventLoopUtilization();
      const onError = (error: Error) => reject(error);
      const onMessage = (message: 'measuring' | LoadResult) => {
        // The worker says when the counted requests begin (after connecting and warming up).
        if (message === 'measuring') return void (from = performance.eventLoopUtilization());
        this.worker.off('error', onError).off('message', onMessage);
        resolve({ ...message, busyMs: performance.eventLoopUtilization(from).active });
      };
      this.worker.on('error', onError).on('message', onMessage);
      this.worker.postMessage(job);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------

const ms = (value: number) => `${value.toFixed(2).padStart(7)} ms`;
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const quantiles = (values: number[]): Quantiles => ({ p50: percentile(values, 50), p99: percentile(values, 99) });

const median = (values: number[]) => percentile(values, 50);

/**
 * What the router adds, from paired rounds: each routed run is compared with the direct run just
 * before it (same machine state), and the median of those differences is taken, so a round that
 * met a burst of the shared machine's noise on one side does not decide the figure.
 */
function overhead(connections: number, runs: { direct: LoadResult[]; routed: LoadResult[] }, offeredRps?: number): OverheadFigures {
  const direct = quantiles(joined(runs.direct));
  const routed = quantiles(joined(runs.routed));
  const rounds = runs.direct.map((d, i) => ({ d: quantiles(d.latencies), r: quantiles(runs.routed[i]!.latencies) }));
  return {
    connections,
    ...(offeredRps ? { offeredRps } : {}),
    direct,
    routed,
    added: { p50: median(rounds.map(({ d, r }) => r.p50 - d.p50)), p99: median(rounds.map(({ d, r }) => r.p99 - d.p99)) },
    addedPooled: { p50: routed.p50 - direct.p50, p99: routed.p99 - direct.p99 },
  };
}

function printOverhead(label: string, figures: OverheadFigures, counts: string): void {
  const { direct, routed, added, addedPooled } = figures;
  console.log(`  ${label}  (${counts})`);
  console.log(`    direct to the instance           p50 ${ms(direct.p50)}   p99 ${ms(direct.p99)}   (all rounds)`);
  console.log(`    through the router               p50 ${ms(routed.p50)}   p99 ${ms(routed.p99)}   (all rounds)`);
  console.log(
    `    added by the router              p50 ${ms(added.p50)} ${mark(added.p50 <= TARGET.addedP50Ms)} p99 ${ms(added.p99)} ${mark(added.p99 <= TARGET.addedP99Ms)}   (median over the ${ROUNDS} paired rounds; target <= ${TARGET.addedP50Ms} ms p50, <= ${TARGET.addedP99Ms} ms p99)`,
  );
  console.log(
    `    pooled difference                p50 ${ms(addedPooled.p50)}   p99 ${ms(addedPooled.p99)}     (all routed minus all direct${addedPooled.p50 < 0 || addedPooled.p99 < 0 ? '; below 0: the direct runs met more of the machine\'s noise' : ''})`,
  );
}

/** Direct and routed runs interleaved (A B A B), so both see the same machine noise. */
async function interleaved(load: LoadGenerator, direct: Target, routed: Target, job: (t: Target) => LoadJob, rounds = ROUNDS): Promise<{ direct: LoadResult[]; routed: LoadResult[] }> {
  const results = { direct: [] as LoadResult[], routed: [] as LoadResult[] };
  for (let round = 0; round < rounds; round++) {
    results.direct.push(await load.run(job(direct)));
    results.routed.push(await load.run(job(routed)));
  }
  return results;
}
const joined = (results: LoadResult[]) => results.flatMap((r) => r.latencies);
const errorsOf = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.errors, 0);
const busyPerRequest = (results: LoadResult[]) => results.reduce((sum, r) => sum + (r.busyMs ?? 0), 0) / results.reduce((sum, r) => sum + r.latencies.length + r.errors, 0);
const rateOf = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.latencies.length + r.errors, 0) / results.reduce((sum, r) => sum + r.seconds, 0);

/** 1. What the router adds to GET /health, against calling the instance directly. */
async function overheadBench(launchpad: Launchpad, subdomain: string): Promise<Pick<RouterBenchFigures, 'serial' | 'concurrent'>> {
  const instance = launchpad.compute.list().find((s) => s.name === `spaceos-${subdomain}-prod`);
  if (!instance) throw new Error(`No running instance spaceos-${subdomain}-prod`);
  const launchpadPort = Number(new URL(launchpad.url).port);
  const hostname = new URL(instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, 'prod')).host;
  const direct: Target = { host: '127.0.0.1', port: instance.port, headers: { accept: 'application/json' } };
  const routed: Target = { host: '127.0.0.1', port: launchpadPort, headers: { host: hostname, accept: 'application/json' } };

  const load = new LoadGenerator();
  try {
    // Warm up both paths (JIT, connections, the router's route and its keep-alive pool to the instance).
    for (const target of [direct, routed]) {
      const warm = await load.run({ ...target, kind: 'serial', warmup: 0, count: 500 });
      if (warm.errors > 0) throw new Error(`GET /health failed ${warm.errors} times on ${target.headers.host ?? `port ${target.port}`}`);
    }
    const serialRuns = await interleaved(load, direct, routed, (t) => ({ ...t, kind: 'serial', warmup: 20, count: SERIAL_REQUESTS / ROUNDS }));
    // What 200 connections in a closed loop get through (saturation), to show the offered rate is below it.
    const capacity = await interleaved(load, direct, routed, (t) => ({ ...t, kind: 'closed', connections: CONNECTIONS, seconds: 2 }), 1);
    const openRuns = await interleaved(load, direct, routed, (t) => ({ ...t, kind: 'open', connections: CONNECTIONS, rate: RATE, warmupSeconds: OPEN_WARMUP_SECONDS, seconds: OPEN_SECONDS / ROUNDS }));
    const errors = errorsOf([...serialRuns.direct, ...serialRuns.routed, ...openRuns.direct, ...openRuns.routed]);
    if (errors > 0) console.log(`  (${errors} requests failed and are left out)`);

    const serial = overhead(1, serialRuns);
    const concurrent = {
      ...overhead(CONNECTIONS, openRuns, RATE),
      capacityRps: { direct: rateOf(capacity.direct), routed: rateOf(capacity.routed) },
      routerBusyMsPerRequest: busyPerRequest(openRuns.routed) - busyPerRequest(openRuns.direct),
    };
    console.log(`  Router overhead: GET /health of one instance, keep-alive, load from a worker thread, direct and routed runs alternating (${ROUNDS} each)`);
    printOverhead('1 connection, one request after another', serial, `${joined(serialRuns.direct).length} + ${joined(serialRuns.routed).length} requests`);
    printOverhead(
      `${CONNECTIONS} connections, open loop at ${RATE} req/s offered`,
      concurrent,
      `achieved ${rateOf(openRuns.direct).toFixed(0)} / ${rateOf(openRuns.routed).toFixed(0)} req/s; closed-loop capacity at ${CONNECTIONS} connections here: direct ${concurrent.capacityRps.direct.toFixed(0)}, routed ${concurrent.capacityRps.routed.toFixed(0)} req/s`,
    );
    console.log(`    router's event-loop time a request ${ms(concurrent.routerBusyMsPerRequest)}   (this process busy per request, routed runs minus direct runs)`);
    return { serial, concurrent };
  } finally {
    await load.close();
  }
}

// ---------------------------------------------------------------------------------------------

const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();
function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function batchWrite(documents: DynamoDBDocumentClient, tableName: string, requests: Array<Record<string, unknown>>): Promise<void> {
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
  const worker = async () => {
    for (let batch = batches.pop(); batch; batch = batches.pop()) {
      let unprocessed: Array<Record<string, unknown>> | undefined = batch;
      while (unprocessed?.length) {
        const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: unprocessed } }));
        unprocessed = UnprocessedItems?.[tableName] as Array<Record<string, unknown>> | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * 2. The heap a router task needs to know 10,000 routes: real InstanceStore reads (one item per
 * host) from a DynamoDB Local of its own, in memory with the same table, so Launchpad's table
 * never holds the 10,000 records (nothing to clean up; its scans and jobs do not see them).
 */
async function memoryBench(platform: Launchpad['deps']['platform']): Promise<RouterBenchFigures['memory']> {
  const tableName = 'launchpad';
  const dynamo = await startDynamoDbLocal();
  const documents = createDocumentClient(dynamo.endpoint);
  try {
    await ensureTable(dynamo.endpoint, tableName);
    const instances = new InstanceStore(documents, tableName);
    // Built anew at each use: a router's hosts come from request headers, not from one shared array.
    const hostAt = (i: number) => `${MEMORY_PREFIX}${String(i).padStart(5, '0')}`;
    const at = new Date().toISOString();
    const record = (host: string): InstanceRecord => ({ host, tenantId: `tenant-${host}`, subdomain: host, env: 'prod', plan: 'trial', desiredCount: 1, state: 'running', since: at, lastRequestAt: at });
    const t0 = performance.now();
    await batchWrite(documents, tableName, Array.from({ length: ROUTES }, (_, i) => ({ PutRequest: { Item: { ...keys.instance(hostAt(i)), ...record(hostAt(i)) } } })));
    const written = performance.now() - t0;
    // One read first, so the baseline has the client's and the store's code loaded and warm.
    await instances.get(hostAt(0));

    let discovered = 0;
    const before = heapUsed();
    const router = createTenantRouter(
      {
        instances,
        tenants: { getTenant: async () => undefined },
        compute: { scale: async () => undefined },
        discovery: {
          endpoints: async () => {
            discovered++;
            return [{ host: '10.0.0.1', port: 8080 }];
          },
        },
        platform,
        now: () => new Date(),
        log: { info: () => undefined, warn: () => undefined },
      },
      AWS_ROUTER_TIMINGS,
    );
    try {
      const t1 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < ROUTES) await router.routes.get(hostAt(next++));
        }),
      );
      const loaded = performance.now() - t1;
      const after = heapUsed();
      // Every host known, each running with its endpoint (counted, not asked again: that would refresh the stale ones).
      if (router.routes.size !== ROUTES || discovered !== ROUTES) throw new Error(`${router.routes.size} routes known, ${discovered} discovered, of ${ROUTES}`);
      const bytes = after - before;
      const heapMb = bytes / 1e6;
      console.log(`\n  Router memory with ${ROUTES.toLocaleString('en')} routes known (createTenantRouter, real InstanceStore, discovery giving one endpoint each; AWS timings)`);
      console.log(`    heap growth after GC               ${heapMb.toFixed(1).padStart(6)} MB ${mark(heapMb <= TARGET.heapMb)}   (${(bytes / ROUTES).toFixed(0)} bytes a route; target <= ${TARGET.heapMb} MB)`);
      console.log(`    (records written in ${(written / 1000).toFixed(1)} s by BatchWrite to a DynamoDB Local of its own, in memory; routes loaded in ${(loaded / 1000).toFixed(1)} s, 32 at a time)`);
      return { routes: ROUTES, heapMb, bytesPerRoute: bytes / ROUTES };
    } finally {
      router.close();
    }
  } finally {
    documents.destroy();
    await dynamo.stop();
  }
}

// ---------------------------------------------------------------------------------------------

/** A browser's request for the home page through the router (Accept: text/html), from `visitor` (a loopback address). */
function pageStatus(port: number, host: string, agent: http.Agent, visitor: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, localAddress: visitor, headers: { host, accept: 'text/html,application/xhtml+xml' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

/** One input of the AWS wake model: p50 and p95 in seconds, and where they come from. */
interface WakeInput {
  label: string;
  p50: number;
  p95: number;
  source: string;
}

/**
 * Pessimistic inputs (research-12.md §3, bench/aws-model.ts, router/tenant-router.ts). AWS
 * documents no 0 -> 1 figure for an ECS service: what is not sourced is marked assumed.
 */
export const AWS_WAKE_INPUTS: Record<'wakeCall' | 'scheduling' | 'fargateStart' | 'appBoot' | 'cloudMap' | 'routerServe' | 'pageTrip', WakeInput> = {
  wakeCall: { label: 'claimWake + ECS UpdateService (0 -> 1)', p50: 0.3, p95: 1.5, source: 'assumed: 1 conditional DynamoDB update + 1 ECS API call (AWS publishes no API latency)' },
  scheduling: { label: 'ECS scheduler places the task', p50: 1, p95: 5, source: 'assumed: not documented by AWS (research-12 §3, "ECS service 0 -> 1 latency: not documented")' },
  fargateStart: {
    label: 'Fargate task start (ENI, image pull, start)',
    p50: 45,
    p95: 90,
    source: '"30-45 s or longer" (re:Post QUjZAzJd27SZWxXM7MgyxOZw; upper end as p50), 60-90 s scale-from-zero (containers-roadmap #649; upper end as p95); image pull ~76% of start (AWS SOCI blog)',
  },
  appBoot: { label: 'spaceOS boots, /health answers', p50: 3, p95: 8, source: 'assumed: the real image is not measured (the local stand-in is, above)' },
  cloudMap: { label: 'Cloud Map registration', p50: 1, p95: 3, source: 'assumed: timing not documented (research-12 §1.3); added after boot though it may overlap (pessimistic)' },
  routerServe: {
    label: 'router: re-read + DiscoverInstances + /health probe + markAwake',
    p50: 0.15,
    p95: 0.8,
    source: `assumed; every reload re-reads a waking route (pendingTtlMs ${AWS_ROUTER_TIMINGS.pendingTtlMs} ms < reload interval), probe timeout ${AWS_ROUTER_TIMINGS.probeTimeoutMs} ms`,
  },
  pageTrip: { label: 'one page load through Cloudflare, ALB, router', p50: 0.2, p95: 0.7, source: 'from SmokeTest in shared/step-catalogue.ts (3 such requests: p50 0.5 s, p95 2 s)' },
};

/**
 * One simulated wake on AWS, from the first visit (t = 0) to the page of the instance: the tasks
 * start meanwhile; the waking page reloads every retryAfterSeconds after each load; the first
 * reload that arrives after the instance is ready is served by it.
 */
export function simulateAwsWake(inputs = AWS_WAKE_INPUTS, retryAfterSeconds = AWS_ROUTER_TIMINGS.retryAfterSeconds): number {
  const ready = lognormalDraw(inputs.wakeCall) + lognormalDraw(inputs.scheduling) + lognormalDraw(inputs.fargateStart) + lognormalDraw(inputs.appBoot) + lognormalDraw(inputs.cloudMap);
  let arrival = 0;
  while (arrival < ready) arrival += lognormalDraw(inputs.pageTrip) + retryAfterSeconds;
  return arrival + lognormalDraw(inputs.routerServe) + lognormalDraw(inputs.pageTrip);
}

/** 3. Sleep an instance as the sleep job does, then time a browser's first visit to its first 200. */
async function wakeBench(launchpad: Launchpad, subdomain: string): Promise<RouterBenchFigures['wake']> {
  const record = await launchpad.deps.instances.get(subdomain, { consistent: true });
  if (!record) throw new Error(`No instance record for ${subdomain}`);
  const url = new URL(instanceUrl(launchpad.deps.platform.instanceUrlTemplate, subdomain, 'prod'));
  const service = { tenantId: record.tenantId, subdomain, env: 'prod' as const, hostname: url.hostname };
  const port = Number(new URL(launchpad.url).port);
  const times: number[] = [];
  let wakingPages = 0;
  for (let i = 0; i < WAKES; i++) {
    // Each wake is another visitor (127.0.0.x): the router limits wakes per visitor per minute.
    const visitor = `127.0.0.${10 + i}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // As the sleep job does, with an idle cut-off in the future (it was just visited); no wake is under way to take over.
      const now = Date.now();
      if (!(await launchpad.deps.instances.claimSleep(subdomain, new Date(now + 60_000).toISOString(), new Date(now).toISOString(), new Date(0).toISOString()))) {
        throw new Error(`${subdomain} could not be put to sleep (state ${(await launchpad.deps.instances.get(subdomain, { consistent: true }))?.state})`);
      }
      await launchpad.deps.compute.scale(service, 0);
      const t0 = performance.now();
      for (let first = true; ; first = false) {
        const status = await pageStatus(port, url.host, agent, visitor);
        if (status === 200) break;
        if (first && status === 503) wakingPages++;
        if (performance.now() - t0 > 60_000) throw new Error(`${subdomain} did not wake within 60 s (last status ${status})`);
        await pause(50);
      }
      times.push(performance.now() - t0);
    } finally {
      agent.destroy();
    }
    await pause(200);
  }
  const local = { n: times.length, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95) };
  console.log(`\n  Wake on the embedded default (n=${WAKES}: claimSleep + scale to 0, then a browser visit polled every 50 ms to the first 200; ${wakingPages}/${WAKES} first answers were the waking page)`);
  console.log(`    first visit -> instance's page      p50 ${(local.p50Ms / 1000).toFixed(2).padStart(6)} s   p95 ${(local.p95Ms / 1000).toFixed(2).padStart(6)} s`);

  const runs = Array.from({ length: 20_000 }, () => simulateAwsWake());
  const aws = { p50S: percentile(runs, 50), p95S: percentile(runs, 95) };
  console.log(`  Modelled wake on AWS (20k simulated wakes, lognormal per input; the waking page reloads every ${AWS_ROUTER_TIMINGS.retryAfterSeconds} s, AWS_ROUTER_TIMINGS.retryAfterSeconds)`);
  console.log(`    first visit -> instance's page      p50 ${aws.p50S.toFixed(1).padStart(6)} s   p95 ${aws.p95S.toFixed(1).padStart(6)} s`);
  console.log('    inputs (s)                                               p50     p95   source');
  for (const input of Object.values(AWS_WAKE_INPUTS)) console.log(`      ${input.label.padEnd(55)} ${input.p50.toFixed(2).padStart(6)}  ${input.p95.toFixed(2).padStart(6)}   ${input.source}`);
  return { local, aws };
}

// ---------------------------------------------------------------------------------------------

/**
 * The tenant router's figures on the embedded default: its overhead on a request, its memory with
 * 10,000 routes, and how long a sleeping instance takes to wake (measured here, modelled on AWS).
 * `subdomain` is a signed-up tenant whose prod instance runs; it is put to sleep and woken last.
 */
export async function routerBench(launchpad: Launchpad, options: { subdomain: string }): Promise<RouterBenchFigures> {
  const t0 = performance.now();
  console.log(`\nTenant router (embedded default; the router runs in this process with Launchpad, tenant ${options.subdomain})`);
  const { serial, concurrent } = await overheadBench(launchpad, options.subdomain);
  const memory = await memoryBench(launchpad.deps.platform);
  const wake = await wakeBench(launchpad, options.subdomain);
  console.log(`  (this section took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return { serial, concurrent, memory, wake };
}

/** Standalone: `npx tsx bench/router.ts` starts its own Launchpad and signs up one tenant. */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { startLaunchpad } = await import('../infra/local/launchpad');
  const root = tempDir('launchpad-router-bench-');
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '');
  const launchpad = await startLaunchpad({ signupLimits: MANY_SIGNUPS, port: 0, sesPort: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web') });
  try {
    const subdomain = 'rbench';
    const response = await fetch(`${launchpad.url}/api/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ companyName: 'Router Bench', subdomain, adminName: 'Bench', adminEmail: 'rbench@example.com', primaryColor: '#336699', acceptTerms: true }),
    });
    if (response.status !== 202) throw new Error(`signup: HTTP ${response.status} ${await response.text()}`);
    const { tenantId } = (await response.json()) as { tenantId: string };
    for (const until = Date.now() + 60_000; ; await pause(100)) {
      const status = (await launchpad.deps.tenants.getTenant(tenantId))?.status;
      if (status === 'ACTIVE') break;
      if (status === 'FAILED' || Date.now() > until) throw new Error(`signup did not become ACTIVE (${status})`);
    }
    await confirmSignup(launchpad, tenantId);
    await routerBench(launchpad, { subdomain });
  } finally {
    await launchpad.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
