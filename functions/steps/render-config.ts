import { lambdaEntry } from '../deps';
import { renderTenantFiles } from '../settings/render-tenant-files';
import { defineStep } from './run-step';

/** config.yml (what spaceOS reads), config.json, theme.css and mail templates, rendered into the tenant prefix. */
export const createRenderConfig = defineStep('RenderConfig', async (tenant, deps) => {
  await renderTenantFiles(deps, tenant);
});

export const handler = lambdaEntry(createRenderConfig);
