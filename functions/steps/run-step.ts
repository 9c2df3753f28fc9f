import type { Tenant } from '../../shared/tenant';
import type { NeedsOf, StepName, StepsNeeding } from '../../shared/step-catalogue';
import type { Deps } from '../deps';
import type { ProvisionInput } from '../providers/workflows';
import { forStateMachine } from './errors';
import { loggerForTenant, stepMetricsOfProcess, type StepMetrics } from './step-metrics';

export type StepHandler<I extends ProvisionInput = ProvisionInput, O = I> = (input: I) => Promise<O>;

/** What a step's factory takes: a logger and a clock, and the adapters its catalogue entry names. */
export type StepDeps<N extends StepName> = Pick<Deps, 'logger' | 'now' | NeedsOf<N>>;
/** A step that records its progress on the tenant item (its catalogue entry names 'tenants'). */
export type TenantStepDeps<N extends StepsNeeding<'tenants'>> = StepDeps<N> & Pick<Deps, 'tenants'> & {
  /** Per-step duration and outcome (functions/steps/step-metrics.ts); unset: the process's own (EMF in a Lambda). */
  stepMetrics?: StepMetrics;
};

/** Step input errors are permanent: retrying cannot make an unknown tenant appear. */
export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
}

interface StepOptions<O> {
  /** For polling steps: is the step finished with this result? (default: yes) */
  isComplete?: (result: O) => boolean;
}

/**
 * Wraps one provisioning step so that it records RUNNING / SUCCEEDED / FAILED with times on
 * the tenant item (the status page reads them), and rethrows failures for the state machine's
 * Retry (TransientError) and Catch (everything else). A step that returns nothing passes its
 * input on; a polling step returns its result for the state machine to branch on.
 */
export function defineStep<N extends StepsNeeding<'tenants'>, I extends ProvisionInput = ProvisionInput, O = void>(
  name: N,
  body: (tenant: Tenant, deps: TenantStepDeps<N>, input: I) => Promise<O>,
  options: StepOptions<O> = {},
): (deps: TenantStepDeps<N>) => StepHandler<I, O extends void ? I : O> {
  return (outer) => async (input) => {
    const deps = { ...outer, logger: loggerForTenant(outer.logger, input.tenantId) };
    const metrics = outer.stepMetrics ?? stepMetricsOfProcess();
    const tenant = await deps.tenants.getTenant(input.tenantId);
    if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
    const previous = tenant.steps[name];
    // Retries and polls continue the same attempt: the timeline shows the whole wait.
    const startedAt = previous?.status === 'RUNNING' && previous.startedAt ? previous.startedAt : deps.now().toISOString();
    if (previous?.status !== 'RUNNING' || previous.startedAt !== startedAt) await deps.tenants.recordStep(tenant.tenantId, name, { status: 'RUNNING', startedAt });
    let result: O;
    try {
      result = await body(tenant, deps, input);
    } catch (error) {
      const reported = forStateMachine(error);
      deps.logger.error('Provisioning step failed', { tenantId: tenant.tenantId, step: name, error: reported });
      const endedAt = deps.now();
      // Every failed attempt counts (a retried TransientError too): the graph shows flaky steps before executions fail.
      metrics.record({ step: name, outcome: 'failed', durationMs: endedAt.getTime() - Date.parse(startedAt) });
      await deps.tenants.recordStep(tenant.tenantId, name, { status: 'FAILED', startedAt, endedAt: endedAt.toISOString(), error: reported.message });
      throw reported;
    }
    if (options.isComplete?.(result) ?? true) {
      const endedAt = deps.now();
      // From the attempt's start: a polling step's duration is its whole wait.
      metrics.record({ step: name, outcome: 'succeeded', durationMs: endedAt.getTime() - Date.parse(startedAt) });
      await deps.tenants.recordStep(tenant.tenantId, name, { status: 'SUCCEEDED', startedAt, endedAt: endedAt.toISOString() });
    }
    return (result === undefined ? input : result) as O extends void ? I : O;
  };
}
