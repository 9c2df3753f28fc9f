import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stepFacts, WORKFLOWS, type WorkflowName } from '../shared/step-catalogue';

export const STATE_MACHINES_DIR = 'statemachines';

type Json = Record<string, unknown>;
interface Definition {
  States: Record<string, Json>;
}

/** The keys of a Task that the catalogue decides; everything else is the state's place in the flow. */
const GENERATED = new Set(['Resource', 'TimeoutSeconds', 'Retry', 'Catch']);

/** A Task as the catalogue says it must be: its Lambda placeholder, timeout, Retry of its workflow's error class, Catch. */
function taskFromCatalogue(workflow: WorkflowName, name: string, state: Json, nested: boolean): Json {
  const facts = stepFacts(name);
  if (!facts) throw new Error(`${workflow}.asl.json: Task ${name} is not in the step catalogue (shared/step-catalogue.ts)`);
  if (facts.workflow !== workflow) throw new Error(`${workflow}.asl.json: Task ${name} belongs to ${facts.workflow} in the step catalogue`);
  const defaults = WORKFLOWS[workflow];
  const timeoutSeconds = facts.timeoutSeconds ?? defaults.timeoutSeconds;
  // Inside a Parallel branch the Parallel state catches; inside a Map item the step says where to.
  const rule = facts.catch !== undefined ? facts.catch : nested ? null : defaults.catch;
  const { retry } = defaults;
  const flow = Object.entries(state).filter(([key]) => !GENERATED.has(key) && key !== 'Type' && key !== 'Comment' && key !== 'Next' && key !== 'End');
  return {
    Type: 'Task',
    ...(state.Comment !== undefined ? { Comment: state.Comment } : {}),
    Resource: `\${${name}FunctionArn}`,
    ...Object.fromEntries(flow),
    ...(timeoutSeconds !== undefined ? { TimeoutSeconds: timeoutSeconds } : {}),
    Retry: [
      {
        ErrorEquals: [...retry.errors],
        IntervalSeconds: retry.intervalSeconds,
        BackoffRate: 2,
        MaxAttempts: retry.maxAttempts,
        ...(retry.maxDelaySeconds !== undefined ? { MaxDelaySeconds: retry.maxDelaySeconds } : {}),
        JitterStrategy: 'FULL',
      },
    ],
    ...(rule ? { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: rule.resultPath, Next: rule.next }] } : {}),
    ...(state.Next !== undefined ? { Next: state.Next } : {}),
    ...(state.End !== undefined ? { End: state.End } : {}),
  };
}

function expandStates(workflow: WorkflowName, states: Record<string, Json>, nested: boolean): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(states).map(([name, state]) => {
      if (state.Type === 'Task') return [name, taskFromCatalogue(workflow, name, state, nested)];
      const copy: Json = { ...state };
      if (Array.isArray(state.Branches)) copy.Branches = (state.Branches as Definition[]).map((b) => ({ ...b, States: expandStates(workflow, b.States, true) }));
      for (const key of ['ItemProcessor', 'Iterator'] as const) {
        const processor = state[key] as Definition | undefined;
        if (processor) copy[key] = { ...processor, States: expandStates(workflow, processor.States, true) };
      }
      return [name, copy];
    }),
  );
}

/** The ASL text a state machine file must have: its flow as written, each Task's generated parts from the catalogue. */
export function aslFromCatalogue(workflow: WorkflowName, text: string): string {
  const definition = JSON.parse(text) as Definition & Json;
  return `${JSON.stringify({ ...definition, States: expandStates(workflow, definition.States, false) }, null, 2)}\n`;
}

export function aslFileNames(): WorkflowName[] {
  return readdirSync(STATE_MACHINES_DIR)
    .filter((file) => file.endsWith('.asl.json'))
    .map((file) => file.replace(/\.asl\.json$/, '') as WorkflowName);
}

export const aslPath = (workflow: WorkflowName) => join(STATE_MACHINES_DIR, `${workflow}.asl.json`);
export const readAsl = (workflow: WorkflowName) => readFileSync(aslPath(workflow), 'utf8');
