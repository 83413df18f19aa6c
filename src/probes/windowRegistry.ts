// A tiny shared registry through which the windows (extension hosts) running this extension learn about each other.
// Each instance owns one file `<pid>-<starttime>.json` in a shared folder (globalStorage), so writers never race.
// Readers validate every entry with zod and ignore entries whose process (pid + starttime) is no longer alive.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { Snapshot } from './scanner';

// zod/mini: the same checks as classic zod without its 260 KB of locale tables in the bundle.
export const WindowEntryRecord = z.object({
  version: z.literal(1),
  pid: z.int().check(z.positive()),
  starttime: z.int().check(z.nonnegative()),
  terminalPids: z.array(z.int().check(z.positive())).check(z.maxLength(10_000)),
  folder: z.optional(z.string().check(z.maxLength(4096))),
  /** Install folders of the extensions loaded in that window (protected from clean-up). */
  extensionPaths: z.optional(z.array(z.string().check(z.maxLength(4096))).check(z.maxLength(5000))),
  updatedAtMs: z.number().check(z.nonnegative()),
});
export type WindowEntry = z.infer<typeof WindowEntryRecord>;

export interface RegistryRead {
  entries: WindowEntry[];
  /** Files that could not be read or did not validate, with why (shown in the output channel). */
  problems: { file: string; reason: string }[];
}

const FILE_RE = /^(\d+)-(\d+)\.json$/;

export function entryFileName(pid: number, starttime: number): string {
  return `${pid}-${starttime}.json`;
}

/** Writes this window's entry atomically (temp file + rename). */
export async function writeEntry(dir: string, entry: WindowEntry): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, entryFileName(entry.pid, entry.starttime));
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify(entry));
  await fs.promises.rename(tmp, file);
}

export async function removeEntry(dir: string, pid: number, starttime: number): Promise<void> {
  await fs.promises.rm(path.join(dir, entryFileName(pid, starttime)), { force: true });
}

export async function readEntries(dir: string): Promise<RegistryRead> {
  const out: RegistryRead = { entries: [], problems: [] };
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push({ file: dir, reason: String(e) });
    return out;
  }
  for (const name of names) {
    const m = FILE_RE.exec(name);
    if (!m) continue;
    try {
      const parsed = WindowEntryRecord.safeParse(JSON.parse(await fs.promises.readFile(path.join(dir, name), 'utf8')));
      if (!parsed.success) {
        out.problems.push({ file: name, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ') });
      } else if (parsed.data.pid !== Number(m[1]) || parsed.data.starttime !== Number(m[2])) {
        out.problems.push({ file: name, reason: 'content does not match the file name' });
      } else {
        out.entries.push(parsed.data);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') out.problems.push({ file: name, reason: e instanceof SyntaxError ? 'invalid JSON' : String(code ?? e) });
    }
  }
  return out;
}

/** Entries whose extension host is alive in the snapshot with the same start time. */
export function liveEntries(entries: readonly WindowEntry[], snapshot: Snapshot): WindowEntry[] {
  return entries.filter((e) => snapshot.processes.get(e.pid)?.starttime === e.starttime);
}

/** Removes files of dead entries (pid gone or reused). Only files matching our naming are touched. */
export async function pruneDeadEntries(dir: string, entries: readonly WindowEntry[], snapshot: Snapshot): Promise<number> {
  let removed = 0;
  for (const e of entries) {
    const live = snapshot.processes.get(e.pid);
    if (live && live.starttime === e.starttime) continue;
    if (snapshot.unavailable || snapshot.skipped.some((s) => s.pid === e.pid)) continue;
    await removeEntry(dir, e.pid, e.starttime);
    removed++;
  }
  return removed;
}
