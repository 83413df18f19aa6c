// The policy run history on disk: one JSON file in global storage (shared by the server's windows; only the policy
// runner writes it), written atomically (temp file + rename), 0600 in a 0700 folder, validated when read (./model).
// Plain Node (no `vscode`).
import * as fs from 'fs';
import * as path from 'path';
import { History, parseHistory } from './model';

export const HISTORY_FILE = 'policies.json';

export function historyPath(storageDir: string): string {
  return path.join(storageDir, HISTORY_FILE);
}

/** The history (empty when the file is missing); a file that cannot be read or parsed gives a problem and starts over. */
export function readHistory(file: string): { history: History; problem?: string } {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return { ...parseHistory(undefined), problem: `cannot read ${file}: ${code ?? String(e)}` };
  }
  const r = parseHistory(text);
  return r.problem ? { ...r, problem: `${file}: ${r.problem}` } : r;
}

export function writeHistory(file: string, history: History): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(history), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Calls back when the notes may be looked at (vscode's Event has this shape). */
export type HistoryTrigger = (listener: () => void) => { dispose(): void };

/**
 * The history re-read on demand, for the views' notes: when a view that shows them becomes visible or the window gains
 * focus (the triggers), runs another window recorded appear without a timer of our own (with no policy enabled the
 * runner sets none). While the file is unchanged (inode, size, mtime: writeHistory renames a new file in) a trigger
 * costs one stat; the file is read and `show` called only when it changed.
 */
export class HistoryOnDemand {
  private stamp?: string;

  constructor(
    private readonly file: string,
    private readonly show: (read: { history: History; problem?: string }) => void,
  ) {}

  /** Re-reads and shows the history if the file changed since the last read; whether it did. */
  refresh(): boolean {
    let stamp = 'missing';
    try {
      const st = fs.statSync(this.file);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') stamp = `error:${code ?? String(e)}`;
    }
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    this.show(readHistory(this.file));
    return true;
  }

  /** refresh() on each trigger, until the returned disposable is disposed. */
  watch(triggers: readonly HistoryTrigger[]): { dispose(): void } {
    const subs = triggers.map((t) => t(() => this.refresh()));
    return { dispose: () => subs.forEach((s) => s.dispose()) };
  }
}
