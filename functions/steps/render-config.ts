import { configKey, ENVIRONMENTS, instanceConfig, renderConfigYaml, themeKey } from '../../shared/instance';
import { renderThemeCss } from '../../shared/theme';
import { lambdaEntry } from '../deps';
import { databaseSecretName } from '../providers/tenant-databases';
import { settingsOf } from './settings-of';
import { defineStep } from './run-step';

/** config.yml (what spaceOS reads), config.json and theme.css, rendered into the tenant prefix. */
export const createRenderConfig = defineStep('RenderConfig', async (tenant, { storage, platform }) => {
  const settings = settingsOf(tenant, platform);
  await storage.put(themeKey(tenant.tenantId), renderThemeCss(settings.branding.primaryColor), 'text/css; charset=utf-8');
  for (const env of ENVIRONMENTS) {
    const config = instanceConfig({
      tenant,
      settings,
      env,
      urlTemplate: platform.instanceUrlTemplate,
      bucket: platform.bucket,
      database: { host: platform.database.host, port: platform.database.port, secretName: databaseSecretName(tenant.tenantId, env) },
      mail: { transport: 'ses' },
    });
    await storage.put(configKey(tenant.tenantId, env, 'config.yml'), renderConfigYaml(config), 'application/yaml; charset=utf-8');
    await storage.put(configKey(tenant.tenantId, env, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, 'application/json');
  }
});

export const handler = lambdaEntry(createRenderConfig);
