import { configKey, databaseName, databaseSecretName, ENVIRONMENTS, themeKey } from '../../shared/instance';
import { servicesOf } from '../providers/compute';
import { runInstances } from '../tenant/instances';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { compute } from '../lambda/compute';

/**
 * The prod and staging services, pointed at their config, theme and database, running at the
 * plan's size and recorded running (so the tenant router sends their hosts to them). A resumed
 * provisioning finds the services there, possibly stopped: sizing them is what starts them again.
 */
export const createDeployServices = defineStep('DeployServices', async (tenant, deps) => {
  const { compute, platform, tenants, fleet, now } = deps;
  // The version it is recorded on (a resumed provisioning), else the one the last completed fleet
  // rollout reached, else the deployment's; recorded here so the instances and the tenant agree.
  const version = tenant.appVersion ?? (await fleet.currentVersion()) ?? platform.appVersion;
  if (!tenant.appVersion) await tenants.setAttributes(tenant.tenantId, now().toISOString(), { appVersion: version });
  const ensured = await Promise.all(
    servicesOf(platform.instanceUrlTemplate, tenant, ENVIRONMENTS).map(({ env, ...service }) =>
      compute.ensureService({
        ...service,
        env,
        configKey: configKey(tenant.tenantId, env, 'config.yml'),
        themeKey: themeKey(tenant.tenantId),
        database: {
          host: platform.database.host,
          port: platform.database.port,
          database: databaseName(tenant.subdomain, env),
          user: databaseName(tenant.subdomain, env),
          secretName: databaseSecretName(tenant.tenantId, env),
        },
        version,
      }).then(({ created }) => ({ env, created })),
    ),
  );
  await runInstances(deps, tenant, tenant.plan, { justCreated: ensured.filter((e) => e.created).map((e) => e.env) });
});

export const handler = lambdaEntry(createDeployServices, () => ({ ...core(), tenants: tables().tenants, fleet: tables().fleet, instances: tables().instances, compute: compute(), platform: platform() }));
