import { instanceUrl } from '../../shared/instance';
import { startTrialIfDue } from '../tenant/email-verification';
import { welcomeDueAtActive, welcomeMarkerDueAt } from '../tenant/welcome';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * PROVISIONING -> ACTIVE with the instance links; the trial clock starts here if the admin has
 * verified the email already, else at the verification (the instance is not theirs before). An
 * invoiced tenant has no trial: its welcome mail falls due with ACTIVE, so the mail's marker is
 * written with the status (once: a retried step finding it ACTIVE leaves the marker to its sender).
 */
export const createMarkActive = defineStep('MarkActive', async (tenant, deps) => {
  const { tenants, now, platform } = deps;
  const at = now();
  const urls = {
    app: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'prod'),
    staging: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'stg'),
  };
  const welcome = tenant.status !== 'ACTIVE' && welcomeDueAtActive(tenant) ? { welcomeDueAt: welcomeMarkerDueAt(at) } : {};
  await tenants.transition(tenant.tenantId, 'ACTIVE', at.toISOString(), { urls }, welcome);
  await startTrialIfDue(deps, tenant.tenantId);
});

export const handler = lambdaEntry(createMarkActive, () => ({ ...core(), tenants: tables().tenants, platform: platform() }));
