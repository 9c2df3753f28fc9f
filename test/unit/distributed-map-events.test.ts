import { describe, expect, it } from 'vitest';
import { distributedMapStates, type AslState } from '../../infra/asl-states';
import { isChildEvent, loadStateMachineDefinition, type EventLog } from '../../infra/local/local-workflows';

const statesOf = (name: string) => loadStateMachineDefinition(name).States as unknown as Record<string, AslState>;
const state = (name: string) => ({ name, type: 'Task', input: {} });

describe('local execution records keep what a Step Functions parent history keeps', () => {
  it('names the rollout wave and every state of its items as child-execution states, and nothing of provisioning', () => {
    const rollout = distributedMapStates(statesOf('roll-out-fleet'));
    expect([...rollout]).toEqual(expect.arrayContaining(['RolloutWave', 'DeployVersion', 'CheckVersion', 'SmokeTestVersion', 'RollBackVersion']));
    expect(rollout.has('AssessWave')).toBe(false);
    expect(rollout.has('PlanRollout')).toBe(false);
    // Provisioning's Parallel branches run inside the execution, as on Step Functions.
    expect(distributedMapStates(statesOf('provision-tenant')).size).toBe(0);
  });

  it('leaves out the items\' events and keeps the map\'s own entry and exit', () => {
    const children = distributedMapStates(statesOf('roll-out-fleet'));
    const at = Date.now();
    const kept = (event: EventLog) => !isChildEvent(event, children);
    expect(kept({ type: 'StateEntered', timestamp: at, state: state('RolloutWave') } as EventLog)).toBe(true);
    expect(kept({ type: 'StateExited', timestamp: at, state: state('RolloutWave') } as EventLog)).toBe(true);
    expect(kept({ type: 'StateEntered', timestamp: at, state: state('AssessWave') } as EventLog)).toBe(true);
    expect(kept({ type: 'MapIterationStarted', timestamp: at, parentState: state('RolloutWave'), index: 3 } as EventLog)).toBe(false);
    expect(kept({ type: 'StateEntered', timestamp: at, state: state('DeployVersion'), index: 3 } as EventLog)).toBe(false);
    expect(kept({ type: 'StateFailed', timestamp: at, state: state('SmokeTestVersion'), index: 0, Error: 'X', Cause: 'y' } as EventLog)).toBe(false);
  });
});
