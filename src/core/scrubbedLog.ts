// Defence in depth for the output channel: every string written to it goes through the secret scrubber, whatever the
// caller formatted (error stacks, webview messages, a command line someone forgot to redact). Pure: no vscode import.
import { scrubSecrets } from '../probes/redact';

const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

/** The same channel, with every string argument of its writing methods scrubbed of secrets. */
export function scrubbedLog<T extends object>(channel: T): T {
  return new Proxy(channel, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!WRITERS.has(String(prop))) return fn.bind(target);
      return (...args: unknown[]) =>
        fn.apply(
          target,
          args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)),
        );
    },
  });
}
