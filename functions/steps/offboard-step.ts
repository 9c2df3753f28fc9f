import type { Tenant } from '../../shared/tenant';
import type { StepsNeeding } from '../../shared/step-catalogue';
import { fleetStep } from './fleet-step';
import { UnknownTenantError, type TenantStepDeps } from './run-step';

export interface OffboardInput {
  tenantId: string;
}

/** An offboard-tenant Task: loads the tenant, does its part (idempotently), passes the input on. */
export function offboardStep<N extends StepsNeeding<'tenants'>>(name: N, body: (tenant: Tenant, deps: TenantStepDeps<N>) => Promise<unknown>) {
  return fleetStep<N, OffboardInput, OffboardInput, TenantStepDeps<N>>(name, async (input: OffboardInput, deps: TenantStepDeps<N>) => {
    const tenant = await deps.tenants.getTenant(input.tenantId);
    if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
    await body(tenant, deps);
    return input;
  });
}
