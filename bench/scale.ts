import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../functions/deps';
import type { Compute, ScaledService } from '../functions/providers/compute';
import { serviceName } from '../functions/providers/compute';
import { createDocumentClient } from '../functions/providers/dynamodb';
import { indexKeys, indexPartition, keys } from '../functions/providers/table';
import { createDetectDrift, DRIFT_BATCH } from '../functions/scheduled/detect-drift';
import { createTrialSweep } from '../functions/scheduled/trial-sweep';
import { createPlanRollout } from '../functions/steps/plan-rollout';
import { tableStores } from '../functions/wiring';
import { ensureTable, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { instanceHosts } from '../shared/instance';
import type { Tenant } from '../shared/tenant';
import { RecordingWorkflows, sdkDeps } from '../test/support/deps';

/** Step Functions' limit on the data one state passes to the next ([SFN quotas](https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)): 256 KiB. */
const STATE_PAYLOAD_LIMIT = 256 * 1024;
/**
 * ECS has no emulator here: its calls are counted and timed with an assumed latency. 100 ms per
 * DescribeServices is pessimistic for an in-Region call (typically 30-80 ms); it is an assumption,
 * not a published figure.
 */
const ECS_CALL_MS = 100;

const DAY_MS = 86_400_000;

/** A verified trial, ACTIVE since its creation, its trial ending well after today (nothing is due). */
function syntheticTenant(i: number, now: Date): Tenant {
  const createdAt = new Date(now.getTime() - (i % 10) * DAY_MS - i).toISOString();
  return {
    tenantId: `scale-${String(i).padStart(5, '0')}`,
    subdomain: `scale-${i}`,
    companyName: `Scale Spaces ${i}`,
    adminName: 'Anna Admin',
    adminEmail: `admin${i}@scale-${i}.example`,
    primaryColor: '#336699',
    plan: 'trial',
    status: 'ACTIVE',
    createdAt,
    updatedAt: createdAt,
    trialEndsAt: new Date(now.getTime() + 20 * DAY_MS).toISOString(),
    emailVerifiedAt: createdAt,
    appVersion: '1.0.0',
    steps: {},
    urls: { app: `http://scale-${i}.localhost`, staging: `http://scale-${i}-stg.localhost` },
    version: 3,
  } as Tenant;
}

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
    const tenants = Array.from({ length: tenantCount }, (_, i) => syntheticTenant(i, now));
    const items = tenants.flatMap((tenant) => [
      { ...keys.tenant(tenant.tenantId), ...indexKeys(indexPartition.status(tenant.status), tenant.createdAt), type: 'tenant', ...tenant },
      { ...keys.subdomain(tenant.subdomain), tenantId: tenant.tenantId, createdAt: tenant.createdAt },
      ...instanceHosts(tenant.subdomain).map((host, e) => ({ ...keys.instance(host), host, tenantId: tenant.tenantId, subdomain: tenant.subdomain, env: e === 0 ? 'prod' : 'stg', plan: 'trial', desiredCount: 1, state: 'sleeping', since: tenant.createdAt, lastRequestAt: tenant.createdAt })),
    ]);
    const seeding = await measured(async () => {
      const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, b) => items.slice(b * 25, b * 25 + 25));
      for (let i = 0; i < batches.length; i += 8) {
        await Promise.all(batches.slice(i, i + 8).map(async (batch) => {
          let pending: Record<string, unknown>[] = batch;
          while (pending.length > 0) {
            const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
            pending = (UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest!.Item!);
          }
        }));
      }
    });
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
    row('upgrade planning', planning, `${planning.result.plan.waves.length} waves; the run's state is ${(planBytes / 1024).toFixed(0)} KiB ${planBytes > STATE_PAYLOAD_LIMIT ? `(OVER Step Functions' 256 KiB payload limit: the plan must leave the state)` : '(within the 256 KiB payload limit)'}`);
  } finally {
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await scaleBench();
