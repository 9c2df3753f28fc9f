import { configKey, databaseName, ENVIRONMENTS, instanceUrl, themeKey } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { databaseSecretName } from '../providers/tenant-databases';
import { defineStep } from './run-step';

/** The prod and staging services, pointed at their config, theme and database. */
export const createDeployServices = defineStep('DeployServices', async (tenant, { compute, platform, fleet }) => {
  // A resumed provisioning keeps the version the tenant was recorded on; a new one gets the fleet's.
  const version = tenant.appVersion ?? (await fleet.currentVersion()) ?? platform.appVersion;
  await Promise.all(
    ENVIRONMENTS.map((env) =>
      compute.ensureService({
        tenantId: tenant.tenantId,
        subdomain: tenant.subdomain,
        env,
        hostname: new URL(instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, env)).hostname,
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
      }),
    ),
  );
});

export const handler = lambdaEntry(createDeployServices);
