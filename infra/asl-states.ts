/** The parts of an Amazon States Language state that nest other states. */
export type AslState = {
  Type: string;
  Branches?: Array<{ States: Record<string, AslState> }>;
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState>; ProcessorConfig?: { Mode?: string } };
};

/** Names of the states of the given types, including those inside Parallel branches and Map processors. */
export function statesOfType(states: Record<string, AslState>, types: readonly string[]): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(types.includes(state.Type) ? [name] : []),
    ...(state.Branches ?? []).flatMap((branch) => statesOfType(branch.States, types)),
    ...[state.Iterator, state.ItemProcessor].flatMap((processor) => (processor ? statesOfType(processor.States, types) : [])),
  ]);
}

/**
 * Names of the states that run as child executions of a Distributed Map, and the maps themselves:
 * on Step Functions their events are in each child's own history, not in the parent's.
 */
export function distributedMapStates(states: Record<string, AslState>): Set<string> {
  const inside = Object.entries(states).flatMap(([name, state]): string[] => {
    if (state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') return [name, ...statesOfType(state.ItemProcessor.States, ALL_TYPES)];
    return [...(state.Branches ?? []).flatMap((branch) => [...distributedMapStates(branch.States)]), ...[state.Iterator, state.ItemProcessor].flatMap((p) => (p ? [...distributedMapStates(p.States)] : []))];
  });
  return new Set(inside);
}

const ALL_TYPES = ['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'] as const;
