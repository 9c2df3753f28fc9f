import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { handOver } from '../../functions/pool/hand-over';
import { keepPool, SERVING_LIMIT_MS } from '../../functions/pool/keeper';
import type { Databases } from '../../functions/providers/tenant-databases';
import { discardPooled } from '../../functions/tenant/instances';
import { instanceHost } from '../../shared/instance';
import type { PooledInstance } from '../../shared/pool';
import type { Tenant } from '../../shared/tenant';
import { RecordingWorkflows, testPlatform } from '../support/deps';
import { localDeps } from '../support/local-table';

/**
 * The pool keeper's decisions on the real table (DynamoDB Local), with ECS answered by
 * aws-sdk-client-mock: what it does to a pool instance that served too long, to one whose signup has
 * not assigned it yet, and that two passes at once never launch twice.
 */
const ecs = mockClient(ECSClient);
let deps: Deps;
let clock: Date;
let ensuredDatabases: string[];
let n = 0;

const ENDPOINT = { host: '10.0.1.7', port: 8080 };

async function tenantWithPoolInstance(status: 'PROVISIONING' | 'ACTIVE', state: 'claimed' | 'assigned', assignedAt: Date): Promise<{ tenant: Tenant; pooled: PooledInstance }> {
  const id = `t-keeper-${++n}`;
  const at = assignedAt.toISOString();
  await deps.signups.createSignup({
    tenantId: id, subdomain: `keeper${n}`, companyName: `Keeper ${n}`, adminName: 'Ada', adminEmail: `ada+${id}@example.com`, primaryColor: '#123456',
    plan: 'trial', status: 'PENDING', createdAt: at, updatedAt: at, steps: {}, urls: { app: `https://keeper${n}.spaceos.io` }, version: 1,
  });
  await deps.tenants.transition(id, 'PROVISIONING', at);
  const poolId = `task-${n}`;
  await deps.poolInstances.addStarting(poolId, at);
  await deps.poolInstances.markReady(poolId, ENDPOINT, at);
  expect(await deps.poolInstances.claim({ id: poolId, state: 'ready', since: at, endpoint: ENDPOINT }, id, at)).toBe('claimed');
  if (state === 'assigned') {
    await deps.poolInstances.markAssigned(poolId, id, at);
    const sizing = { host: instanceHost(`keeper${n}`, 'prod'), tenantId: id, subdomain: `keeper${n}`, env: 'prod' as const, plan: 'trial' as const, desiredCount: 1 };
    await deps.instances.markRunning(sizing, at, { pinnedTo: ENDPOINT });
  }
  if (status === 'ACTIVE') await deps.tenants.transition(id, 'ACTIVE', at, { trialEndsAt: '2027-01-01T00:00:00.000Z' });
  const tenant = (await deps.tenants.getTenant(id))!;
  return { tenant, pooled: tenant.pooledInstance! };
}

beforeEach(async () => {
  ecs.reset();
  clock = new Date('2026-12-02T12:00:00.000Z');
  ensuredDatabases = [];
  const databases = { ensure: async (tenant: { subdomain: string }, env: string) => void ensuredDatabases.push(`${tenant.subdomain}/${env}`) } as unknown as Databases;
  const base = await localDeps(new RecordingWorkflows());
  deps = { ...base, databases, now: () => clock, platform: { ...testPlatform, pool: { ...testPlatform.pool, size: 0 } } };
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(DescribeServicesCommand).resolves({ services: [{ status: 'ACTIVE' }] });
  ecs.on(UpdateServiceCommand).resolves({});
  ecs.on(StopTaskCommand).resolves({});
});

describe('pool keeper', () => {
  it('gives the host back to the tenant\'s own service before the pool instance\'s credentials expire, and discards it', async () => {
    const { tenant, pooled } = await tenantWithPoolInstance('ACTIVE', 'assigned', clock);
    ecs.on(ListTasksCommand).resolves({ taskArns: [`arn:aws:ecs:us-east-1:123456789012:task/spaceos/${pooled.id}`] });

    // Within the limit: the keeper leaves a serving instance alone.
    clock = new Date(clock.getTime() + 10 * 60_000);
    await keepPool(deps);
    expect((await deps.instances.get(instanceHost(tenant.subdomain, 'prod'), { consistent: true }))?.endpoint).toEqual(ENDPOINT);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);

    // Past it (the own service never answered, so the hand-over never lifted the pin).
    clock = new Date(clock.getTime() + SERVING_LIMIT_MS);
    const report = await keepPool(deps);

    expect(report.discarded).toEqual([pooled.id]);
    expect((await deps.instances.get(instanceHost(tenant.subdomain, 'prod'), { consistent: true }))?.endpoint).toBeUndefined();
    expect(ensuredDatabases).toEqual([`${tenant.subdomain}/stg`]);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toContainEqual(expect.objectContaining({ service: `spaceos-${tenant.subdomain}-prod`, desiredCount: 1 }));
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task)).toEqual([pooled.id]);
    expect(await deps.poolInstances.get(pooled.id)).toBeUndefined();
    expect((await deps.tenants.getTenant(tenant.tenantId))?.pooledInstance).toBeUndefined();
  });

  it('leaves a claim alone while its signup has not reached the assignment, however long that takes', async () => {
    const { tenant, pooled } = await tenantWithPoolInstance('PROVISIONING', 'claimed', clock);
    ecs.on(ListTasksCommand).resolves({ taskArns: [pooled.id] });
    clock = new Date(clock.getTime() + 50 * 60_000);

    expect((await keepPool(deps)).discarded).toEqual([]);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect((await deps.poolInstances.get(pooled.id))?.state).toBe('claimed');
    expect((await deps.tenants.getTenant(tenant.tenantId))?.pooledInstance?.id).toBe(pooled.id);
  });

  it('launches what the pool lacks once, even when its schedule runs two passes at once', async () => {
    deps = { ...deps, platform: { ...deps.platform, pool: { ...deps.platform.pool, size: 2 } } };
    let launched = 0;
    ecs.on(RunTaskCommand).callsFake(async () => ({ tasks: [{ taskArn: `arn:aws:ecs:us-east-1:123456789012:task/spaceos/new-${++launched}` }] }));
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' }] });

    const reports = await Promise.all([keepPool(deps), keepPool(deps)]);

    expect(launched).toBe(2);
    expect(reports.map((r) => r.skipped)).toContain('another pass holds the lease');
    expect((await deps.poolInstances.all()).map((r) => r.state)).toEqual(['starting', 'starting']);
    // The lease is given back: the next pass runs (and finds nothing missing).
    expect((await keepPool(deps)).skipped).toBeUndefined();
    expect(launched).toBe(2);
  });

  it('a hand-over that lost its pool instance meanwhile does not bring it back on the tenant', async () => {
    const { tenant, pooled } = await tenantWithPoolInstance('ACTIVE', 'assigned', clock);
    await discardPooled(deps, tenant, pooled);

    // The workflow's hand-over still holds the tenant as read before the discard.
    expect(await handOver(deps, tenant)).toBe('done');
    expect((await deps.tenants.getTenant(tenant.tenantId))?.pooledInstance).toBeUndefined();
    expect(await deps.tenants.updatePooled(tenant.tenantId, clock.toISOString(), pooled.id, { ...pooled, ownStartedAt: clock.toISOString() })).toBe(false);
  });
});
