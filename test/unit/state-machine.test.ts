import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEPS } from '../../functions/steps';
import { PROVISIONING_STEPS } from '../../shared/provisioning';

interface State { Type: string; Resource?: string; Retry?: unknown[]; Branches?: Array<{ States: Record<string, State> }> }
const asl = JSON.parse(readFileSync('statemachines/provision-tenant.asl.json', 'utf8')) as { States: Record<string, State> };

function tasks(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, State]] : []),
    ...(state.Branches ?? []).flatMap((b) => tasks(b.States)),
  ]);
}

describe('provision-tenant state machine', () => {
  it('has a handler for every Task and shows every Task on the status page', () => {
    const names = tasks(asl.States).map(([name]) => name).sort();
    expect(Object.keys(STEPS).sort()).toEqual(names);
    expect(PROVISIONING_STEPS.map((s) => s.name).sort()).toEqual(names);
  });

  it('retries transient errors in every Task and calls a function substituted at deploy time', () => {
    for (const [name, state] of tasks(asl.States)) {
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      expect(state.Resource, name).toBe(`\${${name}FunctionArn}`);
    }
  });
});
