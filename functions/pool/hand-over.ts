import { instanceHost } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { serviceOf } from '../providers/compute';
import { answersHealthAs } from '../providers/instance-pool';
import { discardPooled, serviceSpecs } from '../tenant/instances';

export type HandOverDeps = Pick<Deps, 'pool' | 'poolInstances' | 'tenants' | 'instances' | 'compute' | 'discovery' | 'databases' | 'platform' | 'now'>;

/**
 * Moves the tenant's production host from the pool instance that served it since signup to a task
 * of the tenant's own service, without a gap: the own service is started once, the pin is lifted
 * only when a task of it answers as this tenant, and the pool instance keeps answering for a drain
 * time (routers re-read routes) before it is discarded. Called again until 'done' (each call is
 * one step, safe to repeat); also by the pool keeper for a hand-over whose workflow ended early.
 */
export async function handOver(deps: HandOverDeps, tenant: Tenant): Promise<'done' | 'waiting'> {
  const { tenants, instances, compute, discovery, platform, now } = deps;
  const pooled = tenant.pooledInstance;
  if (!pooled) return 'done';
  const at = now();
  if (!pooled.releasedAt) {
    const host = instanceHost(tenant.subdomain, 'prod');
    const record = await instances.get(host, { consistent: true });
    const pinned = record?.endpoint?.host === pooled.endpoint.host && record.endpoint.port === pooled.endpoint.port;
    // Whatever happens next, the tenant has its own staging database and services (a warm signup left them to this step).
    if (!pooled.ownStartedAt) await ensureOwnServices(deps, tenant);
    if (record && pinned && record.state === 'running') {
      const service = serviceOf(platform.instanceUrlTemplate, { ...tenant, env: 'prod' });
      if (!pooled.ownStartedAt) {
        await compute.scale(service, record.desiredCount);
        await tenants.updatePooled(tenant.tenantId, at.toISOString(), pooled.id, { ...pooled, ownStartedAt: at.toISOString() });
        return 'waiting';
      }
      const [own] = await discovery.endpoints(service);
      if (!own || !(await answersHealthAs(own, `${tenant.tenantId}/prod`))) return 'waiting';
      await instances.unpin(host, pooled.endpoint);
    }
    // Lifted (or the instance was stopped, suspended or removed meanwhile): the drain starts now.
    // Not if the instance was discarded meanwhile (the keeper): nothing is left to drain.
    if (!(await tenants.updatePooled(tenant.tenantId, at.toISOString(), pooled.id, { ...pooled, releasedAt: at.toISOString() }))) return 'done';
    if (platform.pool.drainMs > 0) return 'waiting';
    await discardPooled(deps, tenant, pooled);
    return 'done';
  }
  if (at.getTime() - Date.parse(pooled.releasedAt) < platform.pool.drainMs) return 'waiting';
  await discardPooled(deps, tenant, pooled);
  return 'done';
}

/**
 * Staging's database and both of the tenant's own services (created asleep; describe-before-create,
 * so safe to repeat): what a warm signup leaves to its hand-over, and what must exist before a host
 * can be given back to the tenant's own service.
 */
export async function ensureOwnServices({ databases, compute, platform }: Pick<HandOverDeps, 'databases' | 'compute' | 'platform'>, tenant: Tenant): Promise<void> {
  await databases.ensure(tenant, 'stg');
  await Promise.all(serviceSpecs(platform, tenant, tenant.appVersion ?? platform.appVersion).map((spec) => compute.ensureService(spec, { desiredCount: 0 })));
}
