import { renderTenantFiles } from '../settings/render-tenant-files';
import { placedTenant } from './await-placement';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { storage } from '../lambda/storage';

/**
 * config.yml (what spaceOS reads), config.json, theme.css and mail templates, rendered into the
 * tenant prefix. The config names the tenant's database server, which CreateDatabases (beside this
 * step) places first: waited for here.
 */
export const createRenderConfig = defineStep('RenderConfig', async (tenant, deps) => {
  await renderTenantFiles(deps, await placedTenant(deps, tenant));
});

export const handler = lambdaEntry(createRenderConfig, () => ({ ...core(), tenants: tables().tenants, storage: storage(), platform: platform() }));
