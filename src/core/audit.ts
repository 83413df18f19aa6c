// Audit log of every destructive action: one JSON line per action in an append-only file (globalStorage),
// mirrored to the output channel. Plain Node so the flow can be tested without VS Code.
import * as fs from 'fs';
import * as path from 'path';
import { ProcessTarget, SkippedTarget, TargetKind, TargetResult, processKind } from './safety';

export interface AuditEntry {
  time: string;
  action: string;
  planId: string;
  /** done: the action ran (see each target); refused: the plan was expired or reused; nothing to do. */
  outcome: 'done' | 'refused';
  message: string;
  /** Identity of each target (pid + starttime + uid, or path + inode) with what happened to it. */
  targets: ({ name: string; result: string } & Record<string, string | number>)[];
  /** Selected but never targeted (protected, attached elsewhere, gone), with why. */
  notTargeted: SkippedTarget[];
}

export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
}

export class AuditLog {
  constructor(
    readonly file: string,
    private readonly sink: LogSink,
  ) {}

  async record(entry: Omit<AuditEntry, 'time'>): Promise<void> {
    const line: AuditEntry = { time: new Date().toISOString(), ...entry };
    this.sink.info(`[audit] ${entry.action}: ${entry.message}`);
    for (const t of entry.targets) {
      const { name, result, ...identity } = t;
      const id = Object.entries(identity).map(([k, v]) => `${k}=${v}`).join(' ');
      this.sink.info(`[audit]   ${name} (${id}): ${result}`);
    }
    for (const t of entry.notTargeted) this.sink.info(`[audit]   ${t.name}${t.pid !== undefined ? ` (pid ${t.pid})` : ''}: not targeted, ${t.because}`);
    try {
      await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
      await fs.promises.appendFile(this.file, JSON.stringify(line) + '\n', { mode: 0o600 });
    } catch (e) {
      this.sink.warn(`could not append to the audit log ${this.file}: ${String(e)}`);
    }
  }
}

/** Audit rows from action results. */
export function auditTargets(results: readonly TargetResult<ProcessTarget>[]): AuditEntry['targets'];
export function auditTargets<T>(results: readonly TargetResult<T>[], kind: TargetKind<T>): AuditEntry['targets'];
export function auditTargets<T>(results: readonly TargetResult<T>[], kind?: TargetKind<T>): AuditEntry['targets'] {
  const k = kind ?? (processKind as unknown as TargetKind<T>);
  return results.map(({ target, outcome }) => ({
    ...k.identity(target),
    name: k.name(target),
    result: outcome.kind === 'done' ? outcome.how : outcome.kind === 'skipped' ? `skipped: ${outcome.because}` : `failed: ${outcome.error}`,
  }));
}
