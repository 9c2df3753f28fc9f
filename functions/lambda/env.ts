/** A deployment setting the function cannot run without; named in the error so a missing one is obvious. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** Built on first call and kept for the container's life; a failed async build is retried next time. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    if (built) return built.value;
    const value = build();
    if (value instanceof Promise) value.catch(() => (built = undefined));
    built = { value };
    return value;
  };
}
