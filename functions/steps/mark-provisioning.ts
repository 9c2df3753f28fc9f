import { initialSettings } from '../../shared/settings';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * First step: PENDING (or FAILED, when resumed) -> PROVISIONING, and the tenant's initial
 * runtime settings derived from the signup, unless it has settings already.
 */
export const createMarkProvisioning = defineStep('MarkProvisioning', async (tenant, { tenants, now }) => {
  await tenants.transition(tenant.tenantId, 'PROVISIONING', now().toISOString());
  if (!tenant.settings) await tenants.setIfAbsent(tenant.tenantId, 'settings', initialSettings(tenant));
});

export const handler = lambdaEntry(createMarkProvisioning, () => ({ ...core(), tenants: tables().tenants }));
