// Kill terminals — closing this window's own terminals (Terminal.dispose()) at commit. No `vscode` import: the
// terminals are passed in (vscode.window.terminals) so unit tests can drive it with terminals that never answer.
import { ProcessRecord } from '../../probes/scanner';
import { processIdsOf } from './model';
import { ProcessIdentity, sameIdentity } from '../../core/safety';

/** The part of vscode.Terminal this needs. */
export interface TerminalLike {
  readonly processId: PromiseLike<number | undefined>;
  dispose(): void;
}

export interface DisposeOptions {
  /** Longest wait for the terminals' processIds, in all. */
  timeoutMs: number;
  /** Re-reads one process now, right before its terminal is closed. */
  reread(pid: number): ProcessRecord | undefined;
}

/**
 * Closes the terminals whose shell is one of the targets, each re-checked (pid, start time, owner, program) right
 * before; returns the pids whose terminal was closed. Waits at most timeoutMs for the terminals' processIds: a
 * terminal that does not answer in time is not closed here (its shell still gets the signals).
 */
export async function disposeTerminalsOf(
  targets: readonly ProcessIdentity[],
  terminals: readonly TerminalLike[],
  options: DisposeOptions,
): Promise<Set<number>> {
  const closed = new Set<number>();
  if (targets.length === 0) return closed;
  const pids = await processIdsOf(terminals, options.timeoutMs);
  for (const t of targets) {
    const i = pids.indexOf(t.pid);
    if (i < 0 || sameIdentity(options.reread(t.pid), t)) continue;
    terminals[i].dispose();
    closed.add(t.pid);
  }
  return closed;
}
