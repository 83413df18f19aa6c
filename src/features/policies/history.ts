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
