import { configKey, databaseName, databaseSecretName, instanceUrl, themeKey } from '../../shared/instance';
import type { Assignment, PooledInstance } from '../../shared/pool';
import type { Tenant } from '../../shared/tenant';
import { databaseEndpointOf } from '../../shared/database-servers';
import type { Deps } from '../deps';
import { assignInstance } from '../providers/instance-pool';

export type AssignDeps = Pick<Deps, 'pool' | 'poolInstances' | 'secrets' | 'platform' | 'now'>;

/**
 * Tells the claimed pool instance it is the tenant's production instance: the same config, theme
 * and database a task of the tenant's own service gets, and on AWS credentials that reach this
 * tenant's files only (short-lived; the tenant's own service takes over long before they expire).
 */
export async function assignPoolInstance({ pool, poolInstances, secrets, platform, now }: AssignDeps, tenant: Pick<Tenant, 'tenantId' | 'subdomain' | 'databaseServer'>, pooled: PooledInstance, version: string): Promise<void> {
  const [password, key, credentials] = await Promise.all([secrets.get(databaseSecretName(tenant.tenantId, 'prod')), secrets.get(platform.pool.keySecretName), pool.credentialsFor(tenant, 'prod')]);
  if (password === undefined) throw new Error(`Secret ${databaseSecretName(tenant.tenantId, 'prod')} is missing; the database step must run first`);
  if (key === undefined) throw new Error(`The pool key ${platform.pool.keySecretName} is missing`);
  const assignment: Assignment = {
    instanceId: pooled.id,
    tenantId: tenant.tenantId,
    env: 'prod',
    hostname: new URL(instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'prod')).hostname,
    configKey: configKey(tenant.tenantId, 'prod', 'config.yml'),
    themeKey: themeKey(tenant.tenantId),
    version,
    database: { ...databaseEndpointOf(platform, tenant), database: databaseName(tenant.subdomain, 'prod'), user: databaseName(tenant.subdomain, 'prod'), password },
    ...(credentials ? { credentials } : {}),
  };
  await assignInstance(pooled.endpoint, assignment, key);
  await poolInstances.markAssigned(pooled.id, tenant.tenantId, now().toISOString());
}
