import './polyfills';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
import type { Deps } from '../../functions/deps';
import { startResumed, type ExecutionState, type ProvisionInput, type StartResult, type StateMachineName, type Workflows } from '../../functions/providers/workflows';
import type { RolloutRequestInput } from '../../shared/fleet';
import { localTaskHandlers, stepFactory } from './step-handlers';
import { statesOfType, type AslState } from '../asl-states';

const STATE_MACHINES_DIR = new URL('../../statemachines/', import.meta.url);
const SAVE_EVERY_MS = 250;

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
  events: Array<{ type: string; timestamp: string; state?: string; error?: string; cause?: string }>;
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
  private readonly dir: string;

  constructor(
    private readonly deps: () => Deps,
    private readonly options: LocalWorkflowsOptions,
  ) {
    this.dir = join(options.dataDir, 'executions');
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir)) {
      const execution = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as LocalExecution;
      // A run cut short by a restart is no longer running; Step Functions would have gone on.
      if (execution.status === 'RUNNING') Object.assign(execution, { status: 'FAILED', error: 'Local.Interrupted', cause: 'The local server stopped during this execution' });
      // Rollouts recorded before roll-out-fleet got its name.
      if (execution.stateMachine === 'upgrade-fleet') execution.stateMachine = 'roll-out-fleet';
      this.executions.set(execution.name, execution);
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
   * The names already taken are the recorded executions (kept in dataDir, so across restarts too),
   * which start() refuses like Step Functions does: startResumed takes the first free `-r<n>`.
   */
  resumeProvisioning(tenantId: string): Promise<string> {
    const input: ProvisionInput = { tenantId };
    return startResumed(tenantId, (name) => this.start('provision-tenant', name, input));
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
    this.running.set(name, this.run(execution).finally(() => this.running.delete(name)));
    return 'started';
  }

  private async run(execution: LocalExecution): Promise<void> {
    const definition = loadStateMachineDefinition(execution.stateMachine);
    const deps = this.deps();
    const states = definition.States as unknown as Record<string, AslState>;
    const taskResourceLocalHandlers = localTaskHandlers(statesOfType(states, ['Task']), deps);
    const override = (types: string[], ms: number | undefined) =>
      ms === undefined ? undefined : Object.fromEntries(statesOfType(states, types).map((state) => [state, ms]));
    const retryIntervalOverrides = override(['Task', 'Parallel', 'Map'], this.options.retryIntervalMs);
    const waitTimeOverrides = override(['Wait'], this.options.waitMs);
    // Validated once per definition: asl-validator compiles its schemas on every construction (~0.3 s here).
    const validated = validatedDefinitions.has(execution.stateMachine);
    const machine = new StateMachine(definition, { validationOptions: validated ? { noValidate: true } : { checkArn: true } });
    validatedDefinitions.add(execution.stateMachine);
    const { result, eventLogs } = machine.run(execution.input as unknown as Record<string, never>, {
      overrides: { taskResourceLocalHandlers, ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}), ...(waitTimeOverrides ? { waitTimeOverrides } : {}) },
      context: { Execution: { Name: execution.name, StartTime: execution.startDate } },
    });
    const recording = this.record(execution, eventLogs);
    try {
      await result;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      execution.status = 'FAILED';
      // The engine wraps the state's error; Step Functions reports the state's own Error/Cause.
      const reported = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      execution.error = reported instanceof Error ? reported.name : 'Error';
      execution.cause = reported instanceof Error ? reported.message : String(reported);
      deps.logger.error('Local execution failed', { execution: execution.name, error });
    }
    await recording;
    execution.stopDate = new Date().toISOString();
    this.save(execution);
  }

  private async record(execution: LocalExecution, events: AsyncGenerator<EventLog>): Promise<void> {
    for await (const event of events) {
      const entry: LocalExecution['events'][number] = { type: event.type, timestamp: new Date(event.timestamp).toISOString() };
      if ('state' in event) entry.state = event.state.name;
      if ('Error' in event && typeof event.Error === 'string') entry.error = event.Error;
      if ('Cause' in event && event.Cause !== undefined) entry.cause = String(event.Cause);
      execution.events.push(entry);
      this.saveSoon(execution);
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
    writeFileSync(join(this.dir, `${execution.name}.json`), JSON.stringify(execution, null, 2));
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
