// Audit log of every destructive action: one JSON line per action in an append-only file (globalStorage),
// mirrored to the output channel. Plain Node so the flow can be tested without VS Code. Every string written (file and
// output channel) goes through the secret scrubber first; the file is 0600 in a folder created 0700.
import * as fs from 'fs';
import * as path from 'path';
import { scrubDeep, scrubSecrets } from '../probes/redact';
import { Outcome, ProcessTarget, SkippedTarget, TargetKind, TargetResult, processKind } from './safety';

export interface AuditEntry {
  time: string;
  action: string;
  planId: string;
  /** Set when a policy (not a person) ran the action: the policy's name, e.g. "detachedTerminals". */
  policy?: string;
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

  async record(raw: Omit<AuditEntry, 'time'>): Promise<void> {
    const entry = scrubDeep(raw);
    const line: AuditEntry = { time: new Date().toISOString(), ...entry };
    this.sink.info(`[audit] ${entry.action}: ${entry.message}`);
    for (const t of entry.targets) {
      const { name, result, ...identity } = t;
      const id = Object.entries(identity)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      this.sink.info(`[audit]   ${name} (${id}): ${result}`);
    }
    for (const t of entry.notTargeted)
      this.sink.info(`[audit]   ${t.name}${t.pid !== undefined ? ` (pid ${t.pid})` : ''}: not targeted, ${t.because}`);
    try {
      await fs.promises.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const fh = await fs.promises.open(this.file, 'a', 0o600);
      try {
        // a log left 0644 by an older version is made private before more is added to it
        if (((await fh.stat()).mode & 0o077) !== 0) await fh.chmod(0o600);
        await fh.appendFile(JSON.stringify(line) + '\n');
      } finally {
        await fh.close();
      }
    } catch (e) {
      this.sink.warn(scrubSecrets(`could not append to the audit log ${this.file}: ${String(e)}`));
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
    result: outcomeResult(outcome),
  }));
}

/** The audit line's `result` of one outcome: how it was done, or why it was skipped or failed. */
function outcomeResult(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'done':
      return outcome.how;
    case 'skipped':
      return `skipped: ${outcome.because}`;
    case 'failed':
      return `failed: ${outcome.error}`;
  }
}
