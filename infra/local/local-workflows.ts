import './polyfills';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
import type { Deps } from '../../functions/deps';
import { logger } from '../../functions/logger';
import { startResumed, type ExecutionState, type ProvisionInput, type StartResult, type StateMachineName, type Workflows } from '../../functions/providers/workflows';
import type { RolloutRequestInput } from '../../shared/fleet';
import { localTaskHandlers, stepFactory } from './step-handlers';
import { distributedMapStates, statesOfType, type AslState } from '../asl-states';

const STATE_MACHINES_DIR = new URL('../../statemachines/', import.meta.url);
const SAVE_EVERY_MS = 250;
/** A record being written; renamed over the record once whole, so a crash never leaves half a file. */
const PARTIAL = '.partial';

/** An event of an item of a Distributed Map (the map's own entry and exit stay in the parent's history). */
export function isChildEvent(event: EventLog, children: ReadonlySet<string>): boolean {
  if (!('index' in event) || event.index === undefined) return false;
  const state = 'state' in event ? event.state : 'parentState' in event ? event.parentState : undefined;
  return state !== undefined && children.has(state.name);
}

/**
 * Loads an ASL file the way the CDK app deploys it: `${XFunctionArn}` placeholders become
 * function ARNs (here fictitious ones; each Task is overridden by its local handler anyway).
 */
export function loadStateMachineDefinition(name: string): StateMachineDefinition {
  const text = readFileSync(new URL(`${name}.asl.json`, STATE_MACHINES_DIR), 'utf8');
  const substituted = text.replace(/\$\{(\w+)FunctionArn\}/g, (_, fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:launchpad-${fn}`);
  return JSON.parse(substituted) as StateMachineDefinition;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** A local execution, kept the way the Step Functions console shows one. */
export interface LocalExecution {
  name: string;
  stateMachine: string;
  input: object;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  error?: string;
  cause?: string;
  /**
   * The top-level state this execution last entered and the input it entered with, while it runs:
   * where it carries on after a stop or crash (a Parallel or Map runs again whole; its branches are idempotent).
   */
  current?: { state: string; input: unknown };
  events: Array<{ type: string; timestamp: string; state?: string; error?: string; cause?: string }>;
}

const STATUSES: ReadonlySet<string> = new Set<ExecutionStatus>(['RUNNING', 'SUCCEEDED', 'FAILED']);

/** A saved record as this runner writes it, or undefined (cut short, edited by hand, from elsewhere). */
function parseExecution(text: string): LocalExecution | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<Record<keyof LocalExecution, unknown>>;
  const valid =
    typeof record.name === 'string' &&
    typeof record.stateMachine === 'string' &&
    typeof record.startDate === 'string' &&
    typeof record.status === 'string' &&
    STATUSES.has(record.status) &&
    typeof record.input === 'object' &&
    record.input !== null &&
    Array.isArray(record.events);
  return valid ? (value as LocalExecution) : undefined;
}

export interface LocalWorkflowsOptions {
  /** Where executions are recorded, so names stay unique across restarts (like Step Functions). */
  dataDir: string;
  /** Shortens every Retry backoff (tests); the ASL's own intervals apply otherwise. */
  retryIntervalMs?: number;
  /** Shortens every Wait state, e.g. the health-check poll: local instances start in a second. */
  waitMs?: number;
}

/**
 * Workflows on the embedded default: aws-local-stepfunctions runs the very ASL file that Step
 * Functions runs, with each Task state mapped to the same step handler a Lambda would run.
 */
/** State machines whose definition this process has validated (definitions do not change while it runs). */
const validatedDefinitions = new Set<string>();

export class LocalWorkflows implements Workflows {
  private readonly executions = new Map<string, LocalExecution>();
  private readonly running = new Map<string, Promise<void>>();
  /** Aborts the engine's run of each running execution (interrupt()). */
  private readonly aborts = new Map<string, () => void>();
  /** Recorded RUNNING by a process that stopped or crashed: resumeInterrupted() carries them on. */
  private readonly interrupted = new Set<string>();
  /** Set by interrupt(): what still finishes must not be recorded as the execution's end. */
  private stopping = false;
  private readonly dir: string;

  constructor(
    private readonly deps: () => Deps,
    private readonly options: LocalWorkflowsOptions,
  ) {
    this.dir = join(options.dataDir, 'executions');
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir)) {
      const path = join(this.dir, file);
      // A write the crash cut short: the record it was to replace is still whole beside it.
      if (file.endsWith(PARTIAL)) {
        rmSync(path, { force: true });
        continue;
      }
      if (!file.endsWith('.json')) continue;
      const execution = parseExecution(readFileSync(path, 'utf8'));
      if (!execution) {
        // One unreadable record must not keep Launchpad from starting; kept aside for a person to look at.
        logger.error('Skipping an execution record that cannot be read; moved aside', { file: `${path}.unreadable` });
        renameSync(path, `${path}.unreadable`);
        continue;
      }
      // Rollouts recorded before roll-out-fleet got its name.
      if (execution.stateMachine === 'upgrade-fleet') execution.stateMachine = 'roll-out-fleet';
      this.executions.set(execution.name, execution);
      // Still RUNNING, as Step Functions would report it: it carries on once resumeInterrupted() is called.
      if (execution.status === 'RUNNING') this.interrupted.add(execution.name);
    }
  }

  /**
   * Carries on every execution that a stop or crash cut short, under its own name, from the
   * top-level state it was in with the input it had (from its start if it had entered none yet);
   * Step Functions would have gone on. Each gets an `ExecutionResumed` event. Call it once
   * everything the steps use is up (emulators, instances restored). Returns the names resumed.
   */
  resumeInterrupted(): string[] {
    const resumed: string[] = [];
    for (const name of this.interrupted) {
      this.interrupted.delete(name);
      const execution = this.executions.get(name);
      if (!execution || execution.status !== 'RUNNING' || this.running.has(name)) continue;
      let at: string;
      try {
        at = execution.current?.state ?? loadStateMachineDefinition(execution.stateMachine).StartAt;
      } catch (error) {
        // A state machine this version no longer has: ends failed, for ops to see, rather than stopping the start.
        this.end(execution, error);
        continue;
      }
      execution.events.push({ type: 'ExecutionResumed', timestamp: new Date().toISOString(), state: at });
      this.save(execution);
      this.launch(execution);
      resumed.push(name);
    }
    if (resumed.length > 0) logger.info('Resumed executions interrupted by a stop or crash', { resumed });
    return resumed;
  }

  /**
   * Stops the engine on every execution still running and leaves each recorded RUNNING with the
   * state it is in, so that the next start resumes it (the shutdown's last step for executions
   * that did not finish in their grace). A step handler in flight is not cut; its result is dropped.
   */
  interrupt(): void {
    this.stopping = true;
    for (const abort of this.aborts.values()) abort();
    for (const name of this.running.keys()) {
      const execution = this.executions.get(name);
      if (execution) this.save(execution);
    }
  }

  async startProvisioning(input: ProvisionInput): Promise<StartResult> {
    return this.start('provision-tenant', input.tenantId, input);
  }

  async startFleetRollout(request: RolloutRequestInput, name: string): Promise<StartResult> {
    return this.start('roll-out-fleet', name, { request });
  }

  async startOffboarding(tenantId: string, name = `offboard-${tenantId}`): Promise<StartResult> {
    return this.start('offboard-tenant', name, { tenantId });
  }

  /**
   * Under the name the caller claimed on the tenant. The names already taken are the recorded
   * executions (kept in dataDir, so across restarts too), which start() refuses like Step Functions does.
   */
  resumeProvisioning(tenantId: string, name: string): Promise<StartResult> {
    return startResumed(tenantId, name, (resumed, input) => this.start('provision-tenant', resumed, input));
  }

  async executionState(stateMachine: StateMachineName, name: string): Promise<ExecutionState | undefined> {
    const execution = this.executions.get(name);
    // Names are one namespace here; Step Functions scopes them per state machine, so ask for that one only.
    if (!execution || execution.stateMachine !== stateMachine) return undefined;
    return { status: execution.status, ...(execution.error ? { error: execution.error, cause: execution.cause ?? '' } : {}) };
  }

  /**
   * Validates the provisioning definition and loads its steps' modules now, so the first signup
   * after a start does not pay for them (~0.5 s here: the schema compile and each module's first import).
   */
  async warmUp(stateMachine: StateMachineName = 'provision-tenant'): Promise<void> {
    const definition = loadStateMachineDefinition(stateMachine);
    if (!validatedDefinitions.has(stateMachine)) new StateMachine(definition, { validationOptions: { checkArn: true } });
    validatedDefinitions.add(stateMachine);
    await Promise.all(statesOfType(definition.States as unknown as Record<string, AslState>, ['Task']).map((state) => stepFactory(state)));
  }

  private async start(stateMachine: StateMachineName, name: string, input: object): Promise<StartResult> {
    if (this.executions.has(name)) return 'already-started';
    const execution: LocalExecution = {
      name,
      stateMachine,
      input,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      events: [],
    };
    this.executions.set(name, execution);
    this.save(execution);
    this.launch(execution);
    return 'started';
  }

  private launch(execution: LocalExecution): void {
    const { name } = execution;
    this.running.set(
      name,
      this.run(execution)
        // Only the engine's setup throws here (a missing definition, a wiring error); run() records every failure of the execution itself.
        .catch((error: unknown) => {
          if (!this.stopping) this.end(execution, error);
        })
        .finally(() => {
          this.running.delete(name);
          this.aborts.delete(name);
        }),
    );
  }

  private async run(execution: LocalExecution): Promise<void> {
    const definition = loadStateMachineDefinition(execution.stateMachine);
    const deps = this.deps();
    const states = definition.States as unknown as Record<string, AslState>;
    // A resumed execution starts again at the top-level state it was in, with the input it had.
    const resumeAt = execution.current && execution.current.state in states ? execution.current : undefined;
    const taskResourceLocalHandlers = localTaskHandlers(statesOfType(states, ['Task']), deps);
    const override = (types: string[], ms: number | undefined) =>
      ms === undefined ? undefined : Object.fromEntries(statesOfType(states, types).map((state) => [state, ms]));
    const retryIntervalOverrides = override(['Task', 'Parallel', 'Map'], this.options.retryIntervalMs);
    const waitTimeOverrides = override(['Wait'], this.options.waitMs);
    // Validated once per definition: asl-validator compiles its schemas on every construction (~0.3 s here).
    if (!validatedDefinitions.has(execution.stateMachine)) new StateMachine(definition, { validationOptions: { checkArn: true } });
    validatedDefinitions.add(execution.stateMachine);
    // The same definition entered at another state (states before it are left unreachable, which the validator would refuse).
    const machine = new StateMachine(resumeAt ? { ...definition, StartAt: resumeAt.state } : definition, { validationOptions: { noValidate: true } });
    const input = resumeAt ? resumeAt.input : execution.input;
    const { result, eventLogs, abort } = machine.run(input as Record<string, never>, {
      overrides: { taskResourceLocalHandlers, ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}), ...(waitTimeOverrides ? { waitTimeOverrides } : {}) },
      context: { Execution: { Name: execution.name, StartTime: execution.startDate } },
      noThrowOnAbort: true,
    });
    this.aborts.set(execution.name, abort);
    const recording = this.record(execution, eventLogs, { states, children: distributedMapStates(states), resumed: resumeAt !== undefined });
    let failure: unknown;
    let succeeded = false;
    try {
      await result;
      succeeded = true;
    } catch (error) {
      failure = error;
    }
    await recording;
    // Interrupted by a stop: left RUNNING where it is (interrupt() saved it), for the next start to carry on.
    if (this.stopping) return;
    delete execution.current;
    if (!succeeded) return this.end(execution, failure);
    execution.status = 'SUCCEEDED';
    execution.stopDate = new Date().toISOString();
    this.save(execution);
  }

  /** Records the execution as FAILED with the error as Step Functions reports it. */
  private end(execution: LocalExecution, failure: unknown): void {
    delete execution.current;
    execution.status = 'FAILED';
    // The engine wraps the state's error; Step Functions reports the state's own Error/Cause.
    const reported = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
    execution.error = reported instanceof Error ? reported.name : 'Error';
    execution.cause = reported instanceof Error ? reported.message : String(reported);
    this.deps().logger.error('Local execution failed', { execution: execution.name, error: failure });
    execution.stopDate = new Date().toISOString();
    this.save(execution);
  }

  private async record(execution: LocalExecution, events: AsyncGenerator<EventLog>, { states, children, resumed }: { states: Record<string, AslState>; children: ReadonlySet<string>; resumed: boolean }): Promise<void> {
    for await (const event of events) {
      if (this.stopping) continue;
      // A Distributed Map's items are child executions on Step Functions, each with its own history;
      // kept here they made a 200-tenant rollout's record 1.3 MB, rewritten several times a second.
      if (isChildEvent(event, children)) continue;
      // Its ExecutionResumed event stands for the engine's second start.
      if (resumed && event.type === 'ExecutionStarted') continue;
      const entry: LocalExecution['events'][number] = { type: event.type, timestamp: new Date(event.timestamp).toISOString() };
      if ('state' in event) entry.state = event.state.name;
      if ('Error' in event && typeof event.Error === 'string') entry.error = event.Error;
      if ('Cause' in event && event.Cause !== undefined) entry.cause = String(event.Cause);
      execution.events.push(entry);
      // A new top-level state is where a crash from now on resumes: written at once, not within SAVE_EVERY_MS.
      // (State names are unique across a definition and its branches; Map iterations carry an index.)
      if (event.type === 'StateEntered' && event.index === undefined && event.state.name in states) {
        execution.current = { state: event.state.name, input: event.state.input };
        this.save(execution);
      } else this.saveSoon(execution);
    }
  }

  private readonly pendingSaves = new Map<string, NodeJS.Timeout>();

  /**
   * Writes the execution at most every SAVE_EVERY_MS while it runs: rewriting the whole record on
   * every event made a 200-tenant fleet rollout quadratic in its own history.
   */
  private saveSoon(execution: LocalExecution): void {
    if (this.pendingSaves.has(execution.name)) return;
    this.pendingSaves.set(
      execution.name,
      setTimeout(() => {
        this.pendingSaves.delete(execution.name);
        this.save(execution);
      }, SAVE_EVERY_MS),
    );
  }

  private save(execution: LocalExecution): void {
    clearTimeout(this.pendingSaves.get(execution.name));
    this.pendingSaves.delete(execution.name);
    const file = join(this.dir, `${execution.name}.json`);
    writeFileSync(file + PARTIAL, JSON.stringify(execution));
    renameSync(file + PARTIAL, file);
  }

  get(name: string): LocalExecution | undefined {
    return this.executions.get(name);
  }

  list(): LocalExecution[] {
    return [...this.executions.values()].sort((a, b) => b.startDate.localeCompare(a.startDate));
  }

  /** Resolves once the named execution has finished (at once if it is not running). */
  async settled(name: string): Promise<LocalExecution | undefined> {
    await this.running.get(name);
    return this.get(name);
  }

  /** Waits for every running execution; used on shutdown so no step is cut in half. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

}
