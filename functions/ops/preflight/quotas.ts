import { QUOTAS, type AccountQuotas, type FleetCounts, type QuotaSpec } from '../capacity';
import { fail, ok, warn, type PreflightCheck } from './check';

/** Tasks an awake tenant runs: production and staging, one each. */
const TASKS_PER_TENANT = 2;

/**
 * What a Fargate vCPU limit holds, from capacity.ts's own formula (the router's and the warm
 * pool's tasks first, then TASKS_PER_TENANT per awake tenant): never a second copy of its sizes.
 */
export function fargateRoom(spec: QuotaSpec, limit: number, poolSize: number): { base: number; perTenant: number; tenants: number } {
  const used = (counts: FleetCounts) => spec.used?.(counts) ?? 0;
  const base = used({ tenants: 0, awakeTasks: 0, poolTasks: poolSize });
  const perTenant = used({ tenants: 1, awakeTasks: TASKS_PER_TENANT, poolTasks: poolSize }) - base;
  return { base, perTenant, tenants: perTenant > 0 ? Math.max(0, Math.floor((limit - base) / perTenant)) : Infinity };
}

/** The account's limits for every quota that grows with the fleet (SES's own is the SES account check). */
export async function quotaChecks(account: AccountQuotas, poolSize: number): Promise<PreflightCheck[]> {
  return Promise.all(
    QUOTAS.filter((spec) => spec.key !== 'ses-daily-sending').map(async (spec): Promise<PreflightCheck> => {
      const limit = await account.limit(spec);
      const unread = limit.source.includes('Service Quotas:');
      if (spec.key === 'fargate-vcpu') {
        const room = fargateRoom(spec, limit.value, poolSize);
        const detail = `${limit.value} vCPU (${limit.source}): router and ${poolSize} pool tasks take ${room.base}, each awake tenant ${room.perTenant} -> room for ${room.tenants} awake tenants`;
        const raise = 'Request more: Service Quotas -> AWS Fargate -> "Fargate On-Demand vCPU resource count" (L-3032A538), e.g. 50 vCPU for ~100 awake tenants';
        if (room.tenants < 1) return fail(spec.name, detail, raise);
        if (limit.value <= spec.defaultLimit || unread) return warn(spec.name, detail, raise);
        return ok(spec.name, detail);
      }
      const detail = `limit ${limit.value.toLocaleString('en')} (${limit.source})`;
      return unread ? warn(spec.name, detail, 'Allow servicequotas:GetServiceQuota to the credentials preflight runs with, or check the quota in the console') : ok(spec.name, detail);
    }),
  );
}
