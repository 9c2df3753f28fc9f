/**
 * A Lambda entry point for a handler factory. `wire` builds only what the factory takes, from the
 * modules beside this one (one per adapter), so a bundle holds only the adapters and SDK clients
 * its function uses. Wired on the first event, then reused by the warm container.
 */
export function lambdaEntry<D, E, R>(create: (deps: D) => (event: E) => Promise<R>, wire: () => D): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => (handler ??= create(wire()))(event);
}
