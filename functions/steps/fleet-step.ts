import type { StepName } from '../../shared/step-catalogue';
import type { StepDeps } from './run-step';
import { forStateMachine } from './errors';
import { loggerForTenant, stepMetricsOfProcess, type StepMetrics } from './step-metrics';

/** A per-tenant task's input names its tenant; a wave's does not. */
const tenantOf = (input: unknown): string | undefined => {
  const tenantId: unknown = typeof input === 'object' && input !== null ? (input as { tenantId?: unknown }).tenantId : undefined;
  return typeof tenantId === 'string' ? tenantId : undefined;
};

/**
 * A Task of a fleet workflow. Unlike provisioning steps it records nothing on the tenant's
 * progress (the status page is about launching); errors reach the state machine classified the
 * same way (TransientError retried, the rest caught).
 */
export function fleetStep<N extends StepName, I, O, D extends StepDeps<N> & { stepMetrics?: StepMetrics } = StepDeps<N>>(name: N, body: (input: I, deps: D) => Promise<O>): (deps: D) => (input: I) => Promise<O> {
  return (outer) => async (input) => {
    const tenantId = tenantOf(input);
    const deps = tenantId ? { ...outer, logger: loggerForTenant(outer.logger, tenantId) } : outer;
    const metrics = outer.stepMetrics ?? stepMetricsOfProcess();
    const startedAt = deps.now().getTime();
    try {
      const result = await body(input, deps);
      metrics.record({ step: name, outcome: 'succeeded', durationMs: deps.now().getTime() - startedAt });
      return result;
    } catch (error) {
      const reported = forStateMachine(error);
      metrics.record({ step: name, outcome: 'failed', durationMs: deps.now().getTime() - startedAt });
      deps.logger.error('Fleet step failed', { step: name, input, error: reported });
      throw reported;
    }
  };
}
