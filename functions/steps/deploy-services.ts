import { databaseSecretName } from '../../shared/instance';
import { discardPooled, runInstances, servePooled, serviceSpecs } from '../tenant/instances';
import { assignPoolInstance } from '../pool/assign';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { compute, pool } from '../lambda/compute';
import { secrets } from '../lambda/secrets';
import { databases } from '../lambda/databases';

/**
 * The prod and staging services, pointed at their config, theme and database, running at the
 * plan's size and recorded running (so the tenant router sends their hosts to them). A resumed
 * provisioning finds the services there, possibly stopped: sizing them is what starts them again.
 */
export const createDeployServices = defineStep('DeployServices', async (tenant, deps) => {
  const { compute, platform, tenants, fleet, now, logger } = deps;
  // The version it is recorded on (a resumed provisioning), else the one the last completed fleet
  // rollout reached, else the deployment's; recorded here so the instances and the tenant agree.
  const version = tenant.appVersion ?? (await fleet.currentVersion()) ?? platform.appVersion;
  if (!tenant.appVersion) await tenants.setAttributes(tenant.tenantId, now().toISOString(), { appVersion: version });
  const specs = serviceSpecs(platform, tenant, version);

  const pooled = tenant.pooledInstance;
  if (pooled && !pooled.releasedAt) {
    try {
      // Pool instances run the deployment's image; after a fleet rollout to another version a warm
      // instance would be the wrong one: the tenant starts cold on the fleet's version.
      if (version !== platform.appVersion) throw new Error(`the pool runs version ${platform.appVersion}, the fleet ${version}`);
      // Warm path: the pool instance told whose it is, then the host pinned to it. The tenant's own
      // services are created by the hand-over, after ACTIVE (ECS calls take seconds on AWS).
      await assignPoolInstance(deps, tenant, pooled, version);
      await servePooled(deps, tenant, tenant.plan, pooled.endpoint);
      return;
    } catch (error) {
      // The client gets an instance either way: this one is discarded (it may hold the tenant's
      // credentials), and the cold path below starts the tenant's own services.
      logger.warn('Pool instance could not be assigned; starting the tenant\'s own services', { tenantId: tenant.tenantId, poolInstance: pooled.id, error: String(error) });
      await discardPooled(deps, tenant, pooled);
      // CreateDatabases left staging's database to the hand-over: the cold path needs it now.
      await deps.databases.ensure(tenant, 'stg');
    }
  }
  // The same for a claim that the pool keeper gave up before this step (its instance died meanwhile).
  else if (!(await deps.secrets.get(databaseSecretName(tenant.tenantId, 'stg')))) await deps.databases.ensure(tenant, 'stg');
  const ensured = await Promise.all(specs.map((spec) => compute.ensureService(spec).then(({ created }) => ({ env: spec.env, created }))));
  await runInstances(deps, tenant, tenant.plan, { justCreated: ensured.filter((e) => e.created).map((e) => e.env) });
});

export const handler = lambdaEntry(createDeployServices, () => ({
  ...core(),
  ...(({ tenants, fleet, instances, poolInstances }) => ({ tenants, fleet, instances, poolInstances }))(tables()),
  compute: compute(),
  pool: pool(),
  secrets: secrets(),
  databases: databases(),
  platform: platform(),
}));
