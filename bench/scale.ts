import type { Deps } from '../functions/deps';
import type { Compute, ScaledService } from '../functions/providers/compute';
import { serviceName } from '../functions/providers/compute';
import { createDocumentClient } from '../functions/providers/dynamodb';
import { createDetectDrift, DRIFT_BATCH } from '../functions/scheduled/detect-drift';
import { createTrialSweep } from '../functions/scheduled/trial-sweep';
import { createPlanRollout } from '../functions/steps/plan-rollout';
import { tableStores } from '../functions/wiring';
import { ensureTable, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { RecordingWorkflows, sdkDeps } from '../test/support/deps';
import { seedSyntheticFleet } from '../test/support/synthetic-fleet';

/** Step Functions' limit on the data one state passes to the next ([SFN quotas](https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)): 256 KiB. */
const STATE_PAYLOAD_LIMIT = 256 * 1024;
/**
 * ECS has no emulator here: its calls are counted and timed with an assumed latency. 100 ms per
 * DescribeServices is pessimistic for an in-Region call (typically 30-80 ms); it is an assumption,
 * not a published figure.
 */
const ECS_CALL_MS = 100;

/** ECS as drift detection meets it: every service exists; calls are counted (their time is modelled, ECS_CALL_MS). */
class CountedEcs implements Pick<Compute, 'existingServices'> {
  calls = 0;
  async existingServices(services: readonly ScaledService[]): Promise<Set<string>> {
    this.calls += Math.ceil(new Set(services.map(serviceName)).size / 10);
    return new Set(services.map(serviceName));
  }
}

async function measured<T>(run: () => Promise<T>): Promise<{ result: T; ms: number; heapMb: number }> {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const t0 = performance.now();
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { result, ms: performance.now() - t0, heapMb: (peak - heapBefore) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Issue 16's scale simulation: TENANTS synthetic running tenants (and their routing records) in
 * DynamoDB Local, then the jobs and reads that go through the whole fleet, timed, with the extra heap
 * they take. ECS is modelled (counted calls x ECS_CALL_MS); DynamoDB Local is slower than DynamoDB.
 */
export async function scaleBench(tenantCount = Number(process.env.BENCH_SCALE_TENANTS ?? 10_000)): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'launchpad-scale';
    await ensureTable(dynamo.endpoint, tableName);
    const documents = createDocumentClient(dynamo.endpoint);
    const now = new Date();
    const seeding = await measured(() => seedSyntheticFleet(documents, tableName, tenantCount, now));
    const items = seeding.result;
    const ecs = new CountedEcs();
    const deps: Deps = sdkDeps({ ...tableStores(documents, tableName), workflows: new RecordingWorkflows(), compute: ecs as unknown as Compute, now: () => now });

    const drift = await measured(() => createDetectDrift(deps)());
    const sweep = await measured(() => createTrialSweep(deps)());
    const listing = await measured(() => deps.tenants.listTenants());
    const planning = await measured(() => createPlanRollout(deps)({ request: { version: '2.0.0' }, runId: 'scale', startedAt: now.toISOString() }));
    const planBytes = Buffer.byteLength(JSON.stringify(planning.result));

    const row = (label: string, m: { ms: number; heapMb: number }, note = '') => console.log(`  ${label.padEnd(34)} ${(m.ms / 1000).toFixed(1).padStart(6)} s   heap +${m.heapMb.toFixed(0).padStart(4)} MB   ${note}`);
    console.log(`\nScale simulation: ${tenantCount.toLocaleString('en')} running tenants in DynamoDB Local (seeded ${items.length.toLocaleString('en')} items in ${(seeding.ms / 1000).toFixed(0)} s)`);
    row('drift check (batched)', drift, `${ecs.calls.toLocaleString('en')} ECS calls (batches of ${DRIFT_BATCH} tenants): + ${((ecs.calls * ECS_CALL_MS) / 1000).toFixed(0)} s on AWS at ${ECS_CALL_MS} ms each; ${drift.result.drifted.length} drifted`);
    row('trial sweep (nothing due)', sweep, `${Object.values(sweep.result).reduce((n, list) => n + list.length, 0)} tenants acted on`);
    row('ops listing (all tenants)', listing, `${listing.result.length.toLocaleString('en')} rows`);
    const wave = await measured(async () => (await deps.fleet.planWave('scale', 1))!);
    const waveBytes = Buffer.byteLength(JSON.stringify({ ...planning.result, current: wave.result }));
    const limit = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB ${bytes > STATE_PAYLOAD_LIMIT ? "(OVER Step Functions' 256 KiB payload limit)" : 'of 256 KiB'}`;
    row('upgrade planning (to the table)', planning, `${planning.result.waves} waves; the run's state ${limit(planBytes)} with the canary, ${limit(waveBytes)} with a full wave`);
    row('reading one wave of the plan', wave, `${wave.result.tenants.length} tenants (AssessWave, once a wave)`);
  } finally {
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await scaleBench();
