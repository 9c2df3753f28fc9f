/** The parts of an Amazon States Language state that nest other states. */
export type AslState = {
  Type: string;
  Branches?: Array<{ States: Record<string, AslState> }>;
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState> };
};

/** Names of the states of the given types, including those inside Parallel branches and Map processors. */
export function statesOfType(states: Record<string, AslState>, types: readonly string[]): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(types.includes(state.Type) ? [name] : []),
    ...(state.Branches ?? []).flatMap((branch) => statesOfType(branch.States, types)),
    ...[state.Iterator, state.ItemProcessor].flatMap((processor) => (processor ? statesOfType(processor.States, types) : [])),
  ]);
}
