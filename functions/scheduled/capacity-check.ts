import { IAMClient } from '@aws-sdk/client-iam';
import { SESClient } from '@aws-sdk/client-ses';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Deps } from '../deps';
import { capacityReport, CAPACITY_ALARM_PERCENT, type AccountQuotas, type CapacityDeps, type CapacityLine } from '../ops/capacity';
import { AwsAccountQuotas } from '../providers/account-quotas';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';

/** Where the headroom metrics go: the CapacityHeadroom alarm watches MaxQuotaUsedPercent (infra/aws/constructs/operations.ts). */
export const CAPACITY_METRICS = { namespace: 'Launchpad', serviceName: 'launchpad', max: 'MaxQuotaUsedPercent', perQuota: 'QuotaUsedPercent' } as const;

type CapacityCheckDeps = CapacityDeps & Pick<Deps, 'logger'> & {
  /** The account's own limits (AWS); without it AWS's documented defaults (the embedded default). */
  account?: AccountQuotas;
  /** CloudWatch metrics in the embedded metric format (AWS); without it the result is only logged. */
  metrics?: Metrics;
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
    }
    const near = lines.filter((line) => line.alarm);
    if (near.length > 0) logger.warn(`Quotas at or above ${CAPACITY_ALARM_PERCENT} % of their limit: ask for an increase (Service Quotas console) before they stop signups`, { quotas: near });
    else logger.info('Quota headroom', { maxPercent });
    return { lines, maxPercent };
  };
}

export const handler = lambdaEntry(createCapacityCheck, () => ({
  ...core(),
  tenants: tables().tenants,
  instances: tables().instances,
  platform: platform(),
  account: new AwsAccountQuotas({ quotas: new ServiceQuotasClient({}), globalQuotas: new ServiceQuotasClient({ region: 'us-east-1' }), iam: new IAMClient({}), ses: new SESClient({}) }),
  metrics: new Metrics({ namespace: CAPACITY_METRICS.namespace, serviceName: CAPACITY_METRICS.serviceName }),
}));
