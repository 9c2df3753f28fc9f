import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import type { TenantStatus } from '../../shared/lifecycle';
import { fleetStatus, STUCK_AFTER_MS } from '../../functions/ops/fleet-status';
import { CAPACITY_METRICS, createCapacityCheck } from '../../functions/scheduled/capacity-check';

const NOW = new Date('2026-12-03T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

/** Tenants by status with the time they entered it; listByStatus answers like the status index (entered before `before`). */
const TENANTS: Array<{ tenantId: string; subdomain: string; status: TenantStatus; since: string }> = [
  { tenantId: 'a', subdomain: 'a', status: 'ACTIVE', since: ago(86_400_000) },
  { tenantId: 'b', subdomain: 'b', status: 'ACTIVE', since: ago(86_400_000) },
  { tenantId: 'c', subdomain: 'c', status: 'PAST_DUE', since: ago(3_600_000) },
  { tenantId: 'd', subdomain: 'd', status: 'PROVISIONING', since: ago(60_000) },
  { tenantId: 'e', subdomain: 'e', status: 'PROVISIONING', since: ago(STUCK_AFTER_MS + 60_000) },
  { tenantId: 'f', subdomain: 'f', status: 'PENDING', since: ago(STUCK_AFTER_MS + 1) },
  { tenantId: 'g', subdomain: 'g', status: 'FAILED', since: ago(86_400_000) },
  { tenantId: 'h', subdomain: 'h', status: 'DELETED', since: ago(86_400_000) },
];
const SLEEPING = new Set(['a', 'b-stg', 'c-stg']);

const deps = () => ({
  now: () => NOW,
  tenants: {
    listByStatus: async (status: TenantStatus, before: string) => TENANTS.filter((t) => t.status === status && t.since < before).map((t) => ({ ...t, updatedAt: t.since })),
  },
  instances: {
    getMany: async (hosts: readonly string[]) => hosts.map((host) => ({ host, state: SLEEPING.has(host) ? 'sleeping' : 'running', desiredCount: 1 })),
    idleSince: async () => [],
  },
  poolInstances: { ready: async () => [{ id: 'p-1' }, { id: 'p-2' }] },
});

describe('fleet status metrics (published by the hourly capacity check)', () => {
  it('counts tenants by status, the stuck ones by the reconciler query, the ready pool and sleeping instances', async () => {
    const status = await fleetStatus(deps() as never);
    expect(status.byStatus).toEqual({ PENDING: 1, PROVISIONING: 2, ACTIVE: 2, FAILED: 1, PAST_DUE: 1, SUSPENDED: 0, DELETING: 0 });
    // e and f are past STUCK_AFTER_MS; d is a provisioning under way.
    expect(status.stuckTenants).toBe(2);
    expect(status.poolReady).toBe(2);
    // Of the running tenants' hosts (a, a-stg, b, b-stg, c, c-stg) three are asleep.
    expect(status.sleepingInstances).toBe(3);
  });

  it('prints them as EMF in the Launchpad namespace, TenantsByStatus with a Status dimension', async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await createCapacityCheck({
        ...deps(),
        logger: new Logger({ serviceName: 'launchpad', logLevel: 'SILENT' }),
        platform: { pool: { size: 2 } },
        metrics: new Metrics({ namespace: CAPACITY_METRICS.namespace, serviceName: CAPACITY_METRICS.serviceName }),
      } as never)();
    } finally {
      write.mockRestore();
    }
    const emf = lines.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> } });
    const byStatus = emf.filter((line) => 'TenantsByStatus' in line);
    expect(byStatus.map((line) => [line.Status, line.TenantsByStatus])).toEqual(expect.arrayContaining([['ACTIVE', 2], ['PROVISIONING', 2], ['SUSPENDED', 0]]));
    expect(byStatus[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Launchpad', Dimensions: [expect.arrayContaining(['service', 'Status'])] });
    const fleet = emf.find((line) => 'StuckTenants' in line);
    expect(fleet).toMatchObject({ service: 'launchpad', StuckTenants: 2, PoolReady: 2, SleepingInstances: 3 });
    expect(fleet!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  });
});
