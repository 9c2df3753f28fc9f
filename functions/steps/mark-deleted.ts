import { CLAIMS_COOLING_OFF_DAYS } from '../../shared/billing';
import { isEmailVerified } from '../../shared/tenant';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

/**
 * -> DELETED; its subdomain and email are released after the cooling-off period (by the trial
 * sweep), at once for a signup never verified (nobody's: the cooling-off protects an owner).
 */
export const createMarkDeleted = offboardStep('MarkDeleted', async (tenant, { tenants, now }) => {
  if (tenant.status === 'DELETED') return;
  const at = now();
  await tenants.transition(tenant.tenantId, 'DELETED', at.toISOString(), {
    deletedAt: at.toISOString(),
    claimsReleaseAt: isEmailVerified(tenant) ? new Date(at.getTime() + CLAIMS_COOLING_OFF_DAYS * 86_400_000).toISOString() : at.toISOString(),
  });
});

export const handler = lambdaEntry(createMarkDeleted, () => ({ ...core(), tenants: tables().tenants }));
