import { IAMClient } from '@aws-sdk/client-iam';
import { SESClient } from '@aws-sdk/client-ses';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Deps } from '../deps';
import { capacityReport, CAPACITY_ALARM_PERCENT, type AccountQuotas, type CapacityDeps, type CapacityLine } from '../ops/capacity';
import { FLEET_METRICS, fleetStatus } from '../ops/fleet-status';
import { AwsAccountQuotas } from '../providers/account-quotas';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { databaseUsage } from '../lambda/database-usage';

/** Where the headroom metrics go: the CapacityHeadroom alarm watches MaxQuotaUsedPercent (infra/aws/constructs/operations.ts). */
export const CAPACITY_METRICS = { namespace: 'Launchpad', serviceName: 'launchpad', max: 'MaxQuotaUsedPercent', perQuota: 'QuotaUsedPercent' } as const;

type CapacityCheckDeps = CapacityDeps & Pick<Deps, 'logger'> & {
  /** The account's own limits (AWS); without it AWS's documented defaults (the embedded default). */
  account?: AccountQuotas;
  /** CloudWatch metrics in the embedded metric format (AWS); without it the result is only logged. */
  metrics?: Metrics;
  /** Reads the warm pool's ready instances for the fleet metrics (with `metrics` only). */
  poolInstances?: Deps['poolInstances'];
};

/**
 * Scheduled: usage and limit of every quota that grows with the fleet (functions/ops/capacity.ts),
 * published as metrics (the highest percentage alone is alarmed on, so one alarm covers all) and
 * logged; a quota at or above CAPACITY_ALARM_PERCENT is logged as a warning naming it.
 */
export function createCapacityCheck(deps: CapacityCheckDeps) {
  const { logger, metrics } = deps;
  return async (): Promise<{ lines: CapacityLine[]; maxPercent: number }> => {
    const lines = await capacityReport(deps, deps.account);
    const maxPercent = Math.max(0, ...lines.map((line) => line.percent ?? 0));
    if (metrics) {
      for (const line of lines) {
        if (line.percent === undefined) continue;
        const single = metrics.singleMetric();
        single.addDimension('Quota', line.key);
        single.addMetric(CAPACITY_METRICS.perQuota, MetricUnit.Percent, line.percent);
      }
      metrics.addMetric(CAPACITY_METRICS.max, MetricUnit.Percent, maxPercent);
      metrics.publishStoredMetrics();
      // The same hourly job publishes the fleet's state for the dashboard and the StuckTenants alarm: it lists the tenants already.
      if (deps.poolInstances) await publishFleetStatus({ ...deps, poolInstances: deps.poolInstances }, metrics);
    }
    const near = lines.filter((line) => line.alarm);
    if (near.length > 0) logger.warn(`Quotas at or above ${CAPACITY_ALARM_PERCENT} % of their limit: ask for an increase (Service Quotas console) before they stop signups`, { quotas: near });
    else logger.info('Quota headroom', { maxPercent });
    return { lines, maxPercent };
  };
}

async function publishFleetStatus(deps: CapacityCheckDeps & Pick<Deps, 'poolInstances'>, metrics: Metrics): Promise<void> {
  const status = await fleetStatus(deps);
  for (const [name, count] of Object.entries(status.byStatus)) {
    const single = metrics.singleMetric();
    single.addDimension(FLEET_METRICS.statusDimension, name);
    single.addMetric(FLEET_METRICS.tenantsByStatus, MetricUnit.Count, count);
  }
  metrics.addMetric(FLEET_METRICS.poolReady, MetricUnit.Count, status.poolReady);
  metrics.addMetric(FLEET_METRICS.sleeping, MetricUnit.Count, status.sleepingInstances);
  metrics.addMetric(FLEET_METRICS.stuck, MetricUnit.Count, status.stuckTenants);
  metrics.publishStoredMetrics();
  if (status.stuckTenants > 0) deps.logger.warn('Tenants stuck in PENDING or PROVISIONING: see the StuckTenants alarm', { stuckTenants: status.stuckTenants });
}

export const handler = lambdaEntry(createCapacityCheck, () => ({
  ...core(),
  tenants: tables().tenants,
  instances: tables().instances,
  poolInstances: tables().poolInstances,
  platform: platform(),
  // Room on each Postgres server, from the placement counters in the table (no connection to the servers).
  databases: databaseUsage(),
  account: new AwsAccountQuotas({ quotas: new ServiceQuotasClient({}), globalQuotas: new ServiceQuotasClient({ region: 'us-east-1' }), iam: new IAMClient({}), ses: new SESClient({}) }),
  metrics: new Metrics({ namespace: CAPACITY_METRICS.namespace, serviceName: CAPACITY_METRICS.serviceName }),
}));
