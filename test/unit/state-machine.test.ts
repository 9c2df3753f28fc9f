import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { STEPS, stepEntry } from '../../functions/steps';
import { PROVISIONING_STEPS } from '../../shared/provisioning';

interface State {
  Type: string;
  Resource?: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Branches?: Array<{ States: Record<string, State> }>;
  Next?: string;
  Choices?: Array<{ Next: string; NumericGreaterThanEquals?: number }>;
  Default?: string;
}
const asl = JSON.parse(readFileSync('statemachines/provision-tenant.asl.json', 'utf8')) as { StartAt: string; States: Record<string, State> };

function tasks(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, State]] : []),
    ...(state.Branches ?? []).flatMap((b) => tasks(b.States)),
  ]);
}
const FAILURE_PATH = ['MarkFailed', 'NotifyOps'];

describe('provision-tenant state machine', () => {
  it('has a handler for every Task and shows every provisioning Task on the status page, in order', () => {
    const names = tasks(asl.States).map(([name]) => name);
    for (const name of names) expect(STEPS[name], name).toBeDefined();
    expect(PROVISIONING_STEPS.map((s) => s.name)).toEqual(names.filter((n) => !FAILURE_PATH.includes(n)));
  });

  it('finds the handler file of every Task where the CDK app bundles it from', () => {
    expect(stepEntry('MarkProvisioning')).toBe('mark-provisioning');
    for (const state of Object.keys(STEPS)) expect(existsSync(`functions/steps/${stepEntry(state)}.ts`), state).toBe(true);
  });

  it('retries transient errors in every Task, and calls a function substituted at deploy time', () => {
    for (const [name, state] of tasks(asl.States)) {
      expect(state.Retry?.[0]?.ErrorEquals, name).toContain('TransientError');
      expect(state.Resource, name).toBe(`\${${name}FunctionArn}`);
    }
  });

  it('catches any failure of the provisioning path into MarkFailed -> NotifyOps -> Fail', () => {
    const topLevel = Object.entries(asl.States).filter(([name, s]) => (s.Type === 'Task' || s.Type === 'Parallel') && !FAILURE_PATH.includes(name));
    for (const [name, state] of topLevel) expect(state.Catch?.[0], name).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'MarkFailed' });
    expect(asl.States.MarkFailed?.Next).toBe('NotifyOps');
    expect(asl.States[asl.States.NotifyOps!.Next!]?.Type).toBe('Fail');
  });

  it('runs the five independent steps in parallel, then deploys', () => {
    const parallel = asl.States[asl.States.MarkProvisioning!.Next!]!;
    expect(parallel.Type).toBe('Parallel');
    expect(parallel.Branches!.flatMap((b) => Object.keys(b.States)).sort()).toEqual(['ConfigureDns', 'ConfigureMail', 'CreateDatabases', 'PrepareStorage', 'RenderConfig']);
    expect(parallel.Next).toBe('DeployServices');
  });

  it('polls health in a Wait loop with an overall limit', () => {
    const choice = asl.States.IsHealthy!;
    const limit = choice.Choices!.find((c) => c.NumericGreaterThanEquals !== undefined)!;
    expect(limit.NumericGreaterThanEquals).toBeGreaterThan(1);
    expect(asl.States[choice.Default!]).toMatchObject({ Type: 'Wait', Next: 'WaitUntilHealthy' });
  });
});
