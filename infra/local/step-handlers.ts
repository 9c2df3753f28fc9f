import type { Deps } from '../../functions/deps';
import { stepFacts, stepFile } from '../../shared/step-catalogue';

type StepFactory = (deps: Deps) => (input: never) => Promise<unknown>;
const loaded = new Map<string, Promise<StepFactory>>();

/**
 * The factory of a Task, found the way the CDK app finds its Lambda entry: the catalogue names the
 * step, `functions/steps/<file>.ts` exports `create<Name>`. Loaded on first use, so the local runner
 * needs no list of steps of its own.
 */
export function stepFactory(state: string): Promise<StepFactory> {
  if (!stepFacts(state)) return Promise.reject(new Error(`Task ${state} is not in the step catalogue (shared/step-catalogue.ts)`));
  let factory = loaded.get(state);
  if (!factory) {
    factory = import(`../../functions/steps/${stepFile(state)}.ts`).then((module: Record<string, unknown>) => {
      const create = module[`create${state}`];
      if (typeof create !== 'function') throw new Error(`functions/steps/${stepFile(state)}.ts does not export create${state}`);
      return create as StepFactory;
    });
    loaded.set(state, factory);
  }
  return factory;
}

/** Local handlers for the Tasks of one definition, each built from its factory with the full local wiring. */
export function localTaskHandlers(tasks: readonly string[], deps: Deps): Record<string, (input: unknown) => Promise<never>> {
  return Object.fromEntries(tasks.map((state) => [state, async (input: unknown) => (await stepFactory(state))(deps)(input as never) as Promise<never>]));
}
