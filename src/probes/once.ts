// A value computed on first use and kept: for what is costly to build and not needed at activation (zod schemas,
// compiled pattern tables). Plain Node, no state beyond the one value.

/** `build` runs on the first call only; every call returns its result (a throw is not kept: the next call retries). */
export function once<T>(build: () => T): () => T {
  let done = false;
  let value: T | undefined;
  return () => {
    if (!done) {
      value = build();
      done = true;
    }
    return value as T;
  };
}
