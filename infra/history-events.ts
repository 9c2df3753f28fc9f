import type { StateMachine } from 'aws-local-stepfunctions';
import type { AslState } from './asl-states';

/** One event of aws-local-stepfunctions' event log. */
export type EngineEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

type Definition = { States: Record<string, AslState & { ItemProcessor?: { States: Record<string, AslState>; ProcessorConfig?: { Mode?: string } } }> };

/** History events of one run: the execution's own, and each child execution a Distributed Map started. */
export interface HistoryCount {
  execution: number;
  /** Per child execution (one per item of a Distributed Map), in the order they started. */
  children: number[];
}

/**
 * The Step Functions history events a run of `definition` records, counted from the local engine's
 * event log of the same run (the engine logs states, not history events). Per AWS's HistoryEvent
 * types (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html), and
 * on the pessimistic side where the documentation leaves it open:
 * - the execution: ExecutionStarted and ExecutionSucceeded/Failed (2);
 * - every state: <Type>StateEntered and <Type>StateExited (2);
 * - each attempt of a Lambda Task: LambdaFunctionScheduled, -Started, -Succeeded/-Failed/-TimedOut (3);
 *   a retry is another attempt, a caught failure one more event (counted);
 * - a Map or Parallel: <Type>StateStarted and <Type>StateSucceeded/Failed (2); an inline Map also
 *   MapIterationStarted and -Succeeded/-Failed per item (2), with the item's states in the same history;
 * - a Distributed Map: MapRunStarted and MapRunSucceeded/Failed (2 more); each item runs as a child
 *   execution with a history of its own (its execution events and its states), none in the parent's.
 * The 25,000-event limit applies to each execution on its own.
 */
export function countHistoryEvents(definition: Definition, events: readonly EngineEvent[]): HistoryCount {
  const distributed = new Map<string, Set<string>>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') distributed.set(name, new Set(Object.keys(state.ItemProcessor.States)));
  }
  const itemStates = new Set([...distributed.values()].flatMap((names) => [...names]));
  let execution = 0;
  const children: number[] = [];
  /** The child execution of each item index of the Distributed Map running now. */
  let childOf = new Map<number, number>();
  const add = (event: EngineEvent, count: number) => {
    const index = 'index' in event ? event.index : undefined;
    const stateName = 'state' in event ? event.state.name : undefined;
    if (index !== undefined && stateName !== undefined && itemStates.has(stateName)) {
      const child = childOf.get(index);
      if (child === undefined) throw new Error(`An event of item ${index} of a Distributed Map before its iteration started`);
      children[child]! += count;
    } else execution += count;
  };
  for (const event of events) {
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
        execution += 1;
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        if (distributed.has(event.parentState.name)) {
          // The child's ExecutionStarted / ExecutionSucceeded.
          if (event.type === 'MapIterationStarted') {
            childOf.set(event.index, children.length);
            children.push(0);
          }
          children[childOf.get(event.index)!]! += 1;
        } else execution += 1;
        break;
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        execution += 1;
        break;
      case 'StateEntered': {
        const type = event.state.type;
        const extra = type === 'Task' ? 3 : type === 'Map' ? (distributed.has(event.state.name) ? 4 : 2) : type === 'Parallel' ? 2 : 0;
        if (type === 'Map' && distributed.has(event.state.name)) childOf = new Map();
        add(event, 1 + extra);
        break;
      }
      case 'StateExited':
        add(event, 1);
        break;
      case 'StateRetried':
        add(event, event.state.type === 'Task' ? 3 : 1);
        break;
      case 'StateCaught':
        add(event, 1);
        break;
      default:
        break;
    }
  }
  return { execution, children };
}
