import { lambdaEntry } from '../deps';
import { defineStep } from './run-step';

/** First step of provision-tenant: PENDING -> PROVISIONING (a no-op when resumed or retried). */
export const createMarkProvisioning = defineStep('MarkProvisioning', async (tenant, { store, now }) => {
  await store.transition(tenant.tenantId, 'PROVISIONING', now().toISOString());
});

export const handler = lambdaEntry(createMarkProvisioning);
