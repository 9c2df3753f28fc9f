import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { VERSION_CHECKS, VersionNotLiveError } from '../../functions/steps/check-version';
import { TransientError } from '../../functions/steps/errors';
import { countHistoryEvents, type EngineEvent } from '../../infra/history-events';
import { statesOfType, type AslState } from '../../infra/asl-states';
import { loadStateMachineDefinition } from '../../infra/local/local-workflows';
import { MAX_ROLLOUT_WAVES, MAX_WAVE_SIZE, type RolloutTarget } from '../../shared/fleet';

/**
 * roll-out-fleet's history on Step Functions, counted on the real definition run by the local engine
 * (countHistoryEvents turns its event log into AWS's history events). The Tasks are stand-ins that
 * answer as the steps do, so any fleet size and any failure path can be driven in seconds; the limit
 * is Step Functions' 25,000 events per execution (not adjustable).
 */
const HISTORY_LIMIT = 25_000;
const definition = loadStateMachineDefinition('roll-out-fleet');
const states = definition.States as unknown as Record<string, AslState>;

type Json = Record<string, unknown>;
type Handler = (input: Json) => unknown;

/** Every call fails with a TransientError `failures` times before it answers: each Task's retries used up but one. */
function flaky(handlers: Record<string, Handler>, failures: number): Record<string, (input: unknown) => Promise<never>> {
  const seen = new Map<string, number>();
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      async (input: unknown) => {
        const key = `${name}:${JSON.stringify(input)}`;
        const calls = (seen.get(key) ?? 0) + 1;
        seen.set(key, calls);
        if (calls <= failures) throw new TransientError(`${name} failed for a moment`);
        seen.delete(key);
        return handler(input as Json) as never;
      },
    ]),
  );
}

async function run(handlers: Record<string, Handler>, failures: number) {
  const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
  const zero = (types: string[]) => Object.fromEntries(statesOfType(states, types).map((s) => [s, 0]));
  const execution = machine.run({ request: {} } as never, {
    overrides: { taskResourceLocalHandlers: flaky(handlers, failures), waitTimeOverrides: zero(['Wait']), retryIntervalOverrides: zero(['Task', 'Map', 'Parallel']) },
    context: { Execution: { Name: 'rollout-history', StartTime: new Date().toISOString() } },
  });
  const events: EngineEvent[] = [];
  const logging = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const output = await execution.result;
  await logging;
  return { output, history: countHistoryEvents(definition as never, events) };
}

const targets = (wave: number, size: number): RolloutTarget[] => Array.from({ length: size }, (_, i) => ({ tenantId: `t-${wave}-${i}`, subdomain: `w${wave}-${i}` }));

/** The plan of a fleet: a canary of one, then waves of `waveSize`. */
function fleet(tenants: number, waveSize: number, failures = 0) {
  const waves = 1 + Math.ceil((tenants - 1) / waveSize);
  const waveOf = (wave: number) => ({ label: `Wave ${wave}`, toleratedFailurePercentage: 10, tenants: wave === 0 ? targets(0, 1) : targets(wave, Math.min(waveSize, tenants - 1 - (wave - 1) * waveSize)) });
  return {
    waves,
    handlers: {
      PlanRollout: (input: Json) => ({ runId: 'rollout-history', startedAt: 'now', request: { ...(input.request as Json), version: '2', maxConcurrency: 40, toleratedFailurePercentage: 10 }, phases: [['stg', 'prod']], waves, wave: 0, current: waveOf(0) }),
      DeployVersion: (input: Json) => ({ ...input, attempt: 0 }),
      CheckVersion: (input: Json) => ({ ...input, attempt: 1, live: true, phase: 1, done: true }),
      SmokeTestVersion: () => ({}),
      AssessWave: ({ outcomes: _outcomes, current: _current, ...run }: Json) => ({ ...run, wave: Number(run.wave) + 1, ...(Number(run.wave) + 1 < waves ? { current: waveOf(Number(run.wave) + 1) } : {}) }),
      SummarizeRollout: () => ({ done: true }),
    } satisfies Record<string, Handler>,
    failures,
  };
}

describe("roll-out-fleet's history on Step Functions (25,000 events per execution)", () => {
  it('stays far under the limit for a 10,000-tenant fleet: the run grows by wave, each tenant has a history of its own', { timeout: 300_000 }, async () => {
    const plan = fleet(10_000, 25, 2);
    const { history } = await run(plan.handlers, plan.failures);
    expect(history.children).toHaveLength(10_000);
    const perWave = (history.execution - 20) / plan.waves;
    console.log(`10,000 tenants in ${plan.waves} waves, every Task failing twice before it answers: the run ${history.execution.toLocaleString('en')} events (~${perWave.toFixed(0)} a wave), each tenant's own ${Math.max(...history.children)}`);
    expect(history.execution).toBeLessThan(HISTORY_LIMIT);
    expect(Math.max(...history.children)).toBeLessThan(HISTORY_LIMIT);
    // MAX_ROLLOUT_WAVES is what PlanRollout allows: that many waves fit as well, at the same events per wave.
    expect(20 + perWave * MAX_ROLLOUT_WAVES).toBeLessThan(HISTORY_LIMIT);
  });

  it("keeps one tenant's longest path (every check until the last, a rollback that never comes up either) in its own history", { timeout: 60_000 }, async () => {
    const plan = fleet(1, MAX_WAVE_SIZE, 2);
    const poll = (input: Json, gaveUp: string) => {
      const attempt = Number(input.attempt) + 1;
      if (attempt >= VERSION_CHECKS) throw new VersionNotLiveError(gaveUp);
      return { ...input, attempt, live: false };
    };
    const { output, history } = await run(
      {
        ...plan.handlers,
        // Staging comes up at the very last check; production never does; the rollback never either.
        CheckVersion: (input: Json) => (Number(input.phase) === 0 && Number(input.attempt) + 1 === VERSION_CHECKS - 1 ? { ...input, attempt: 0, live: true, phase: 1, done: false } : poll(input, 'version never came up')),
        DeployVersion: (input: Json) => ({ ...input, attempt: 0, phases: [['stg'], ['prod']] }),
        RollBackVersion: (input: Json) => ({ ...input, attempt: 0, failure: 'VersionNotLiveError: never came up' }),
        CheckRollBack: (input: Json) => poll(input, 'rollback never came up'),
      },
      plan.failures,
    );
    expect(output).toEqual({ done: true });
    const [child] = history.children;
    console.log(`One tenant's worst path (${VERSION_CHECKS} checks x 3, every Task failing twice first): ${child} events in its own execution`);
    expect(child).toBeGreaterThan(3 * VERSION_CHECKS * 9);
    expect(child).toBeLessThan(HISTORY_LIMIT);
    // Before, every tenant's states were in the run's one history: a wave of MAX_WAVE_SIZE such tenants would not have fitted.
    expect(child! * MAX_WAVE_SIZE).toBeGreaterThan(HISTORY_LIMIT);
  });
});
