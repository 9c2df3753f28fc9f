import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

export class OffboardingRefusedError extends Error {
  override name = 'OffboardingRefusedError';
}

/** -> DELETING (visitors get a 404 from here on). An offboarded tenant passes through: offboarding twice is a no-op. */
export const createMarkOffboarding = offboardStep('MarkOffboarding', async (tenant, { tenants, now }) => {
  if (tenant.status === 'DELETED' || tenant.status === 'DELETING') return;
  if (tenant.status === 'PROVISIONING') throw new OffboardingRefusedError(`${tenant.subdomain} is being provisioned; offboard it once that has ended`);
  await tenants.transition(tenant.tenantId, 'DELETING', now().toISOString());
});

export const handler = lambdaEntry(createMarkOffboarding, () => ({ ...core(), tenants: tables().tenants }));
