import { STEP_CATALOGUE, STEP_NAMES, type AwsLatency, type StepFacts } from '../shared/step-catalogue';

/**
 * A model of provision-tenant's duration on AWS: the critical path through the ASL, with
 * per-state latencies from the step catalogue (AWS documentation and published measurements,
 * p50, p95 in s). It is a model, printed next to the measured local figures, not a measurement.
 */
export const AWS_STATE_LATENCY_S: Record<string, AwsLatency> = Object.fromEntries(
  STEP_NAMES.flatMap((name) => {
    const facts: StepFacts = STEP_CATALOGUE[name];
    return facts.aws ? [[name, facts.aws]] : [];
  }),
);

/** A Task on the path with no modelled latency is a hole in the model, not 0 s: refuse to guess. */
function latencyOf(name: string): AwsLatency {
  const latency = AWS_STATE_LATENCY_S[name];
  if (!latency) throw new Error(`No modelled AWS latency for Task ${name}: add \`aws\` to its entry in shared/step-catalogue.ts`);
  return latency;
}
/** Before the workflow: API Gateway + the signup Lambda (transaction + StartExecution). */
export const SIGNUP_S = { p50: 0.25, p95: 1.5 };
/** Step Functions' own overhead per state transition (Standard workflows). */
export const TRANSITION_S = { p50: 0.03, p95: 0.1 };

interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next: string; BooleanEquals?: boolean }>;
  Branches?: Array<{ StartAt: string; States: Record<string, State> }>;
}

type Sampler = (name: string) => number;

/** One lognormal draw through a p50 and a p95 (latencies are right-skewed): every model in bench/ samples this way. */
export function lognormalDraw({ p50, p95 }: { p50: number; p95: number }, random: () => number = Math.random): number {
  const sigma = Math.log(p95 / p50) / 1.645;
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return p50 * Math.exp(sigma * normal);
}

/** One draw of a state's latency; `overrides` replace the catalogue's figures for some states (a pool hit's, say). */
export function lognormalSampler(random: () => number = Math.random, overrides: Record<string, AwsLatency> = {}): Sampler {
  return (name) => lognormalDraw(overrides[name] ?? latencyOf(name), random);
}

/** Duration of one simulated successful run along the success path (see criticalPath). */
export function simulateRun(machine: { StartAt: string; States: Record<string, State> }, sample: Sampler, stopAfter?: string): number {
  let total = 0;
  let name: string | undefined = machine.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: State = machine.States[name]!;
    total += TRANSITION_S.p50;
    if (state.Type === 'Task') total += sample(name);
    if (state.Type === 'Parallel') total += Math.max(...state.Branches!.map((b) => simulateRun(b, sample)));
    if (name === stopAfter) break;
    name = state.Type === 'Choice' ? (state.Choices!.find((c) => c.BooleanEquals === true)?.Next ?? state.Default) : state.Next;
  }
  return total;
}

/**
 * Walks the success path from StartAt: a Parallel costs its slowest branch, a Choice follows the
 * branch that proceeds (the healthy one), Wait loops are folded into the polled Task's latency.
 */
export function criticalPath(machine: { StartAt: string; States: Record<string, State> }, pick: 'p50' | 'p95', stopAfter?: string): { total: number; path: string[] } {
  let total = 0;
  const path: string[] = [];
  let name: string | undefined = machine.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: State = machine.States[name]!;
    total += TRANSITION_S[pick];
    if (state.Type === 'Task') {
      total += latencyOf(name)[pick];
      path.push(name);
    } else if (state.Type === 'Parallel') {
      const branches = state.Branches!.map((b) => criticalPath(b, pick));
      const slowest = branches.reduce((a, b) => (b.total > a.total ? b : a));
      total += slowest.total;
      path.push(`Parallel[${slowest.path.join(' > ')}]`);
    }
    if (name === stopAfter) break;
    name = state.Type === 'Choice' ? (state.Choices!.find((c) => c.BooleanEquals === true)?.Next ?? state.Default) : state.Next;
  }
  return { total, path };
}
