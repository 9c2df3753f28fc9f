import { configKey, databaseName, databaseSecretName, ENVIRONMENTS, instanceHost, themeKey, type Environment } from '../../shared/instance';
import type { Plan } from '../../shared/lifecycle';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { CREATED_WITH, desiredCount, servicesOf, type ServiceSpec } from '../providers/compute';
import type { Endpoint } from '../providers/discovery';
import type { PooledInstance } from '../../shared/pool';
import { databaseEndpointOf } from '../../shared/database-servers';

export type InstanceDeps = Pick<Deps, 'compute' | 'instances' | 'platform' | 'now'>;
type Owner = Pick<Tenant, 'tenantId' | 'subdomain'>;

/**
 * Runs the tenant's instances at the size `plan` pays for and records them running, so the router
 * sends their hosts to them. Scaled first: a record saying running before the tasks are asked for
 * would send visitors to nothing.
 */
export async function runInstances({ compute, instances, platform, now }: InstanceDeps, tenant: Owner, plan: Plan, { justCreated = [] as readonly Environment[] } = {}): Promise<void> {
  await Promise.all(
    servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map(async (service) => {
      const count = desiredCount(plan, service.env);
      // A service created a moment ago already runs one task: no second call on ECS's shared 5/s budget for service changes.
      if (!(justCreated.includes(service.env) && count === CREATED_WITH)) await compute.scale(service, count);
      await instances.markRunning({ host: instanceHost(tenant.subdomain, service.env), tenantId: tenant.tenantId, subdomain: tenant.subdomain, env: service.env, plan, desiredCount: count }, now().toISOString());
    }),
  );
}

/** What the tenant's prod and staging services run: pointers to their config, theme and database, and the version. */
export function serviceSpecs(platform: Deps['platform'], tenant: Owner & Pick<Tenant, 'databaseServer'>, version: string): ServiceSpec[] {
  const { host, port } = databaseEndpointOf(platform, tenant);
  return servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map(({ env, ...service }) => ({
    ...service,
    env,
    configKey: configKey(tenant.tenantId, env, 'config.yml'),
    themeKey: themeKey(tenant.tenantId),
    database: {
      host,
      port,
      database: databaseName(tenant.subdomain, env),
      user: databaseName(tenant.subdomain, env),
      secretName: databaseSecretName(tenant.tenantId, env),
    },
    version,
  }));
}

/**
 * Stops the tenant's instances for a reason a visit must not undo (suspension, failed
 * provisioning). Recorded first, so no router wakes them while they are being stopped.
 */
export async function stopInstances({ compute, instances, platform, now }: InstanceDeps, tenant: Owner): Promise<void> {
  await Promise.all(
    servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map(async (service) => {
      await instances.markStopped(instanceHost(tenant.subdomain, service.env), now().toISOString());
      await compute.scale(service, 0);
    }),
  );
}

/**
 * A warm-pool signup: the production host pinned to the pool instance that now serves it, staging
 * recorded asleep (its service was created at zero; the first visit wakes it).
 */
export async function servePooled({ instances, now }: Pick<Deps, 'instances' | 'now'>, tenant: Owner, plan: Plan, endpoint: Endpoint): Promise<void> {
  const at = now().toISOString();
  const sizing = (env: Environment) => ({ host: instanceHost(tenant.subdomain, env), tenantId: tenant.tenantId, subdomain: tenant.subdomain, env, plan, desiredCount: desiredCount(plan, env) });
  await instances.markCreatedAsleep(sizing('stg'), at);
  await instances.markRunning(sizing('prod'), at, { pinnedTo: endpoint });
}

/** A pool instance done with (its assignment failed, or the hand-over drained it): unpinned, forgotten, stopped, and no longer the tenant's. */
export async function discardPooled({ pool, poolInstances, tenants, instances, now }: Pick<Deps, 'pool' | 'poolInstances' | 'tenants' | 'instances' | 'now'>, tenant: Owner, pooled: PooledInstance): Promise<void> {
  // Unpinned first: the host must never point at a stopped instance (or at whatever gets its address next).
  await instances.unpin(instanceHost(tenant.subdomain, 'prod'), pooled.endpoint);
  // Then the record: a keeper pass in between must not take a stopped instance for one that died
  // serving (a crash after this leaves a process no record knows, which the keeper stops as a leak).
  await poolInstances.remove(pooled.id);
  await pool.discard(pooled.id);
  await tenants.updatePooled(tenant.tenantId, now().toISOString(), pooled.id, undefined);
}
