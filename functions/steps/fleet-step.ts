import type { StepName } from '../../shared/step-catalogue';
import type { StepDeps } from './run-step';
import { forStateMachine } from './errors';

/**
 * A Task of a fleet workflow. Unlike provisioning steps it records nothing on the tenant's
 * progress (the status page is about launching); errors reach the state machine classified the
 * same way (TransientError retried, the rest caught).
 */
export function fleetStep<N extends StepName, I, O, D extends StepDeps<N> = StepDeps<N>>(name: N, body: (input: I, deps: D) => Promise<O>): (deps: D) => (input: I) => Promise<O> {
  return (deps) => async (input) => {
    try {
      return await body(input, deps);
    } catch (error) {
      const reported = forStateMachine(error);
      deps.logger.error('Fleet step failed', { step: name, input, error: reported });
      throw reported;
    }
  };
}
