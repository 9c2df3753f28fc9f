import { mailLayoutTemplate } from '../../shared/emails';
import { configKey, databaseSecretName, ENVIRONMENTS, mailTemplateKey, smtpSecretName, themeKey } from '../../shared/instance';
import { instanceConfig, renderConfigYaml, type InstanceContext } from '../../shared/instance-config';
import { databaseEndpointOf } from '../../shared/database-servers';
import { renderThemeCss } from '../../shared/theme';
import { footerLines } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { brandOf, sesFromAddress, settingsOf } from '../tenant/settings-of';

/** How the instance sends mail now: the tenant's SMTP while it works, else SES as the default address. */
export function mailTransportOf(tenant: Tenant, platform: Deps['platform']): InstanceContext['mail'] {
  const { sender } = settingsOf(tenant).mail;
  if (sender.kind === 'smtp' && tenant.smtpHealth?.state !== 'failing') {
    const { host, port, secure, user, fromAddress } = sender;
    return { transport: 'smtp', from: fromAddress, smtp: { host, port, secure, user, passwordSecret: smtpSecretName(tenant.tenantId) } };
  }
  return { transport: 'ses', from: sesFromAddress(tenant, platform) };
}

/**
 * Everything an instance reads at runtime, rendered from the tenant's current settings into its
 * prefix: theme.css, config.yml/config.json per environment, and the mail layout and footer the
 * instance wraps its own mails in. Overwrites: safe to run again (provisioning and every change).
 */
export async function renderTenantFiles({ storage, platform }: Pick<Deps, 'storage' | 'platform'>, tenant: Tenant): Promise<void> {
  const settings = settingsOf(tenant);
  const brand = brandOf(tenant, platform);
  const writes = [
    storage.put(themeKey(tenant.tenantId), renderThemeCss(settings.branding.primaryColor, settings.branding.accentColor), 'text/css; charset=utf-8'),
    storage.put(mailTemplateKey(tenant.tenantId, 'layout.html'), mailLayoutTemplate(brand), 'text/html; charset=utf-8'),
    storage.put(mailTemplateKey(tenant.tenantId, 'footer.txt'), `${footerLines(settings).join('\n')}\n`, 'text/plain; charset=utf-8'),
  ];
  for (const env of ENVIRONMENTS) {
    const config = instanceConfig({
      tenant,
      settings,
      settingsVersion: tenant.settingsVersion ?? 1,
      env,
      urlTemplate: platform.instanceUrlTemplate,
      bucket: platform.bucket,
      database: { ...databaseEndpointOf(platform, tenant), secretName: databaseSecretName(tenant.tenantId, env) },
      mail: mailTransportOf(tenant, platform),
      oauthStartUrl: (provider) => `${platform.siteUrl}/api/oauth/${provider}/start?tenant=${tenant.subdomain}&env=${env}`,
    });
    writes.push(
      storage.put(configKey(tenant.tenantId, env, 'config.yml'), renderConfigYaml(config), 'application/yaml; charset=utf-8'),
      storage.put(configKey(tenant.tenantId, env, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, 'application/json'),
    );
  }
  await Promise.all(writes);
}
