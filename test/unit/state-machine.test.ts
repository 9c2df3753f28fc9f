import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aslFileNames, aslFromCatalogue, readAsl } from '../../infra/asl-catalogue';
import { PROVISIONING_STEPS } from '../../shared/provisioning';
import { STEP_CATALOGUE, STEP_NAMES, stepFile, stepsOf, WORKFLOWS } from '../../shared/step-catalogue';

interface State {
  Type: string;
  Resource?: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Branches?: Array<{ States: Record<string, State> }>;
  ItemProcessor?: { States: Record<string, State> };
  Next?: string;
  Choices?: Array<{ Next: string; NumericGreaterThanEquals?: number }>;
  Default?: string;
}
type Definition = { StartAt: string; States: Record<string, State> };
const definition = (name: string) => JSON.parse(readFileSync(`statemachines/${name}.asl.json`, 'utf8')) as Definition;
const asl = definition('provision-tenant');

/** Task names in document order, including those in Parallel branches and Map processors. */
function tasks(states: Record<string, State>): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [name] : []),
    ...(state.Branches ?? []).flatMap((b) => tasks(b.States)),
    ...(state.ItemProcessor ? tasks(state.ItemProcessor.States) : []),
  ]);
}
const FAILURE_PATH = ['MarkFailed', 'NotifyOps'];
/** After ACTIVE, not the client's wait: the hand-over from a warm-pool instance (its failure is the pool keeper's to finish, never MarkFailed). */
const AFTER_ACTIVE = ['HandOverFromPool'];
const OFF_PATH = [...FAILURE_PATH, ...AFTER_ACTIVE];

describe('the step catalogue', () => {
  it('lists every Task of every state machine, in the order of its file, and nothing else', () => {
    for (const workflow of aslFileNames()) expect(stepsOf(workflow), workflow).toEqual(tasks(definition(workflow).States));
    expect(STEP_NAMES.length).toBe(aslFileNames().flatMap((w) => tasks(definition(w).States)).length);
  });

  it('has a step file for every Task exporting its factory and its Lambda handler', () => {
    expect(stepFile('MarkProvisioning')).toBe('mark-provisioning');
    for (const name of STEP_NAMES) {
      const file = `functions/steps/${stepFile(name)}.ts`;
      expect(existsSync(file), file).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text, file).toMatch(new RegExp(`export (const|function) create${name}\\b`));
      expect(text, file).toMatch(/export const handler = lambdaEntry\(/);
    }
  });

  it('is what the ASL files say about each Task (Resource, Retry, Catch, timeout): run `npm run asl` after changing either', () => {
    for (const workflow of aslFileNames()) expect(readAsl(workflow), `${workflow}.asl.json differs from the catalogue: npm run asl`).toBe(aslFromCatalogue(workflow, readAsl(workflow)));
  });

  it('models every provisioning step on AWS and labels it for the client', () => {
    for (const name of stepsOf('provision-tenant').filter((n) => !OFF_PATH.includes(n))) {
      const facts = STEP_CATALOGUE[name] as { label?: string; aws?: { p50: number; p95: number; basis: string } };
      expect(facts.label, name).toBeTruthy();
      expect(facts.aws?.p95, name).toBeGreaterThanOrEqual(facts.aws?.p50 ?? Infinity);
      expect(facts.aws?.basis, name).toBeTruthy();
    }
  });
});

describe('provision-tenant state machine', () => {
  it('shows every provisioning Task on the status page, in order', () => {
    expect(PROVISIONING_STEPS.map((s) => s.name)).toEqual(tasks(asl.States).filter((n) => !OFF_PATH.includes(n)));
  });

  it('retries transient errors in every Task, and calls a function substituted at deploy time', () => {
    for (const workflow of aslFileNames()) {
      for (const [name, state] of Object.entries(allStates(definition(workflow).States)).filter(([, s]) => s.Type === 'Task')) {
        expect(state.Retry?.[0]?.ErrorEquals, name).toContain('TransientError');
        expect(state.Retry?.[0]?.ErrorEquals, name).toEqual([...WORKFLOWS[workflow].retry.errors]);
        expect(state.Resource, name).toBe(`\${${name}FunctionArn}`);
      }
    }
  });

  it('catches any failure of the provisioning path into MarkFailed -> NotifyOps -> Fail', () => {
    const topLevel = Object.entries(asl.States).filter(([name, s]) => (s.Type === 'Task' || s.Type === 'Parallel') && !OFF_PATH.includes(name) && name !== 'SendWelcomeEmail');
    for (const [name, state] of topLevel) expect(state.Catch?.[0], name).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'MarkFailed' });
    // The welcome mail comes after ACTIVE, which cannot become FAILED: its failure goes on (the mail is retried on its own), never to MarkFailed.
    expect(asl.States.SendWelcomeEmail?.Catch?.[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'WelcomeMailPending' });
    expect(asl.States.WelcomeMailPending).toMatchObject({ Type: 'Pass', Next: asl.States.SendWelcomeEmail?.Next });
    // The hand-over runs after ACTIVE: a failure ends the execution well (the tenant is served) and the pool keeper finishes it.
    expect(asl.States.HandOverFromPool?.Catch?.[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'HandOverUnfinished' });
    expect(asl.States.HandOverUnfinished?.Type).toBe('Succeed');
    expect(asl.States.MarkFailed?.Next).toBe('NotifyOps');
    expect(asl.States[asl.States.NotifyOps!.Next!]?.Type).toBe('Fail');
  });

  it('runs the independent steps between MarkProvisioning and DeployServices in parallel', () => {
    const parallel = asl.States[asl.States.MarkProvisioning!.Next!]!;
    expect(parallel.Type).toBe('Parallel');
    const order = stepsOf('provision-tenant');
    const between = order.slice(order.indexOf('MarkProvisioning') + 1, order.indexOf('DeployServices'));
    expect(between.length).toBeGreaterThan(1);
    expect(parallel.Branches!.flatMap((b) => Object.keys(b.States))).toEqual(between);
    expect(parallel.Next).toBe('DeployServices');
  });

  it('polls health in a Wait loop with an overall limit', () => {
    const choice = asl.States.IsHealthy!;
    const limit = choice.Choices!.find((c) => c.NumericGreaterThanEquals !== undefined)!;
    expect(limit.NumericGreaterThanEquals).toBeGreaterThan(1);
    expect(asl.States[choice.Default!]).toMatchObject({ Type: 'Wait', Next: 'WaitUntilHealthy' });
  });
});

function allStates(states: Record<string, State>): Record<string, State> {
  return Object.fromEntries(
    Object.entries(states).flatMap(([name, state]) => [
      [name, state] as const,
      ...Object.entries(Object.assign({}, ...(state.Branches ?? []).map((b) => allStates(b.States)), state.ItemProcessor ? allStates(state.ItemProcessor.States) : {}) as Record<string, State>),
    ]),
  );
}
