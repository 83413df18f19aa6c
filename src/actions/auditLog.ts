// Audit log of every destructive action: one JSON line per action in an append-only file (globalStorage),
// mirrored to the output channel. Plain Node so the flow can be tested without VS Code.
import * as fs from 'fs';
import * as path from 'path';
import { ProcessIdentity, SkippedTarget, TargetResult } from './safety';

export interface AuditEntry {
  time: string;
  action: string;
  planId: string;
  /** done: the action ran (see each target); refused: the plan was expired or reused; nothing to do. */
  outcome: 'done' | 'refused';
  message: string;
  targets: { pid: number; starttime: number; uid: number; name: string; result: string }[];
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
    for (const t of entry.targets) this.sink.info(`[audit]   pid ${t.pid} (start ${t.starttime}, uid ${t.uid}) ${t.name}: ${t.result}`);
    for (const t of entry.notTargeted) this.sink.info(`[audit]   pid ${t.pid} ${t.name}: not targeted, ${t.because}`);
    try {
      await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
      await fs.promises.appendFile(this.file, JSON.stringify(line) + '\n', { mode: 0o600 });
    } catch (e) {
      this.sink.warn(`could not append to the audit log ${this.file}: ${String(e)}`);
    }
  }
}

/** Audit rows from action results. */
export function auditTargets<T extends ProcessIdentity & { name: string }>(results: readonly TargetResult<T>[]): AuditEntry['targets'] {
  return results.map(({ target, outcome }) => ({
    pid: target.pid,
    starttime: target.starttime,
    uid: target.uid,
    name: target.name,
    result: outcome.kind === 'done' ? outcome.how : outcome.kind === 'skipped' ? `skipped: ${outcome.because}` : `failed: ${outcome.error}`,
  }));
}
