import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { ProvisionInput } from '../providers/workflows';

export type StepBody = (tenant: Tenant, deps: Deps) => Promise<void>;
export type StepHandler = (input: ProvisionInput) => Promise<ProvisionInput>;

/** Step input errors are permanent: retrying cannot make an unknown tenant appear. */
export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
}

/**
 * Wraps one provisioning step so that it records RUNNING / SUCCEEDED / FAILED with times on
 * the tenant item (the status page reads them), and rethrows failures for the state machine's
 * Retry and Catch. The step's input is passed on unchanged.
 */
export function defineStep(name: string, body: StepBody): (deps: Deps) => StepHandler {
  return (deps) => async (input) => {
    const tenant = await deps.store.getTenant(input.tenantId);
    if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
    const startedAt = deps.now().toISOString();
    await deps.store.recordStep(tenant.tenantId, name, { status: 'RUNNING', startedAt });
    try {
      await body(tenant, deps);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.error('Provisioning step failed', { tenantId: tenant.tenantId, step: name, error });
      await deps.store.recordStep(tenant.tenantId, name, { status: 'FAILED', startedAt, endedAt: deps.now().toISOString(), error: message });
      throw error;
    }
    await deps.store.recordStep(tenant.tenantId, name, { status: 'SUCCEEDED', startedAt, endedAt: deps.now().toISOString() });
    return input;
  };
}
