import { instanceUrl } from '../../shared/instance';
import { startTrialIfDue } from '../tenant/email-verification';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * PROVISIONING -> ACTIVE with the instance links; the trial clock starts here if the admin has
 * verified the email already, else at the verification (the instance is not theirs before).
 */
export const createMarkActive = defineStep('MarkActive', async (tenant, deps) => {
  const { tenants, now, platform } = deps;
  await tenants.transition(tenant.tenantId, 'ACTIVE', now().toISOString(), {
    urls: {
      app: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'prod'),
      staging: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'stg'),
    },
  });
  await startTrialIfDue(deps, tenant.tenantId);
});

export const handler = lambdaEntry(createMarkActive, () => ({ ...core(), tenants: tables().tenants, platform: platform() }));
