import { TRIAL_DAYS } from '../../shared/brand';
import { instanceUrl } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { defineStep } from './run-step';

const DAY_MS = 24 * 60 * 60 * 1000;

/** PROVISIONING -> ACTIVE on the trial plan, with its end date and the instance links. */
export const createMarkActive = defineStep('MarkActive', async (tenant, { store, now, platform }) => {
  const at = now();
  await store.transition(tenant.tenantId, 'ACTIVE', at.toISOString(), {
    // A rerun keeps the trial end it already has.
    trialEndsAt: tenant.trialEndsAt ?? new Date(at.getTime() + TRIAL_DAYS * DAY_MS).toISOString(),
    urls: {
      app: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'prod'),
      staging: instanceUrl(platform.instanceUrlTemplate, tenant.subdomain, 'stg'),
    },
  });
});

export const handler = lambdaEntry(createMarkActive);
