import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { fleetStep } from './fleet-step';
import { UnknownTenantError } from './run-step';

export interface OffboardInput {
  tenantId: string;
}

/** An offboard-tenant Task: loads the tenant, does its part (idempotently), passes the input on. */
export function offboardStep(name: string, body: (tenant: Tenant, deps: Deps) => Promise<unknown>) {
  return fleetStep(name, async (input: OffboardInput, deps) => {
    const tenant = await deps.store.getTenant(input.tenantId);
    if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
    await body(tenant, deps);
    return input;
  });
}
