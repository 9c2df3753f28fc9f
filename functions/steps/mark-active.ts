import { TRIAL_DAYS } from '../../shared/brand';
import { instanceUrl } from '../../shared/instance';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';

const DAY_MS = 24 * 60 * 60 * 1000;

/** PROVISIONING -> ACTIVE on the trial plan, with its end date and the instance links. */
export const createMarkActive = defineStep('MarkActive', async (tenant, { tenants, now, platform }) => {
  const at = now();
  await tenants.transition(tenant.tenantId, 'ACTIVE', at.toISOString(), {
    // A rerun keeps the trial end it already has.
    trialEndsAt: tenant.trialEndsAt ?? new Date(at.getTime() + TRIAL_DAYS * DAY_MS).toISOString(),
    urls: {
      app: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'prod'),
      staging: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'stg'),
    },
  });
});

export const handler = lambdaEntry(createMarkActive, () => ({ ...core(), tenants: tables().tenants, platform: platform() }));
