import type { Deps } from '../deps';
import { createMarkProvisioning } from './mark-provisioning';
import type { StepHandler } from './run-step';

/** Task state name -> step, for the local runner and the CDK app (one Lambda per Task). */
export const STEPS: Readonly<Record<string, { entry: string; create: (deps: Deps) => StepHandler }>> = {
  MarkProvisioning: { entry: 'mark-provisioning', create: createMarkProvisioning },
};
