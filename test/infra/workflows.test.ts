import { describe, expect, it } from 'vitest';
import { STEP_NAMES } from '../../shared/step-catalogue';
import { aslFiles } from '../../infra/aws/constructs/workflows';
import { synthStacks } from './synth';

describe('the list of steps exists once', () => {
  it('maps every Task of every ASL file to a CDK function and a local handler, with none left over', () => {
    const tasks = new Set(aslFiles().flatMap((file) => file.tasks));
    const { stacks } = synthStacks();
    expect(aslFiles().map((f) => f.name)).toContain('provision-tenant');
    expect([...stacks.workflows.workflows.stepFunctions.keys()].sort()).toEqual([...tasks].sort());
    expect([...STEP_NAMES].sort()).toEqual([...tasks].sort());
  });
});
