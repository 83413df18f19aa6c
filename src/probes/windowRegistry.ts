// A tiny shared registry through which the windows (extension hosts) running this extension learn about each other.
// Each instance owns one file `<pid>-<starttime>.json` in a shared folder (globalStorage), so writers never race.
// Readers validate every entry with zod and ignore entries whose process (pid + starttime) is known to be gone.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from './once';
import { NodeProcFs, ProcFs, errCode } from './procFs';
import { parseStat } from './procParsers';
import { Snapshot } from './scanner';

/**
 * How often a window someone looks at rewrites its entry (on the shared ticker: a multiple of the 30 s sampling tick's
 * period, so the heartbeat rides along with a tick instead of waking the host up on its own). Also the period of an
 * entry without `heartbeatMs` (written by older versions).
 */
export const REGISTRY_HEARTBEAT_MS = 60_000;

/** The heartbeat's period while nobody looks at the window (not focused, or no input for a minute): half the wake-ups. */
export const IDLE_HEARTBEAT_MS = 2 * REGISTRY_HEARTBEAT_MS;

/** The heartbeat timeout of an entry without `heartbeatMs`: three beats of REGISTRY_HEARTBEAT_MS (see heartbeatTimeoutOf). */
export const HEARTBEAT_TIMEOUT_MS = 3 * REGISTRY_HEARTBEAT_MS;

/** The heartbeat period an entry says its window beats at (REGISTRY_HEARTBEAT_MS for entries of older versions). */
export function heartbeatPeriodOf(e: { heartbeatMs?: number }): number {
  return e.heartbeatMs ?? REGISTRY_HEARTBEAT_MS;
}

/**
 * An entry's heartbeat is overdue after three of its own periods: two missed beats and one of slack (the "window
 * gone" evidence). Its own period, never a fixed one: a window beating every 120 s is not stale at 200 s.
 */
export function heartbeatTimeoutOf(e: { heartbeatMs?: number }): number {
  return 3 * heartbeatPeriodOf(e);
}

// zod/mini: the same checks as classic zod without its 260 KB of locale tables in the bundle.
export const WindowEntryRecord = once(() =>
  z.object({
    version: z.literal(1),
    pid: z.int().check(z.positive()),
    starttime: z.int().check(z.nonnegative()),
    terminalPids: z.array(z.int().check(z.positive())).check(z.maxLength(10_000)),
    folder: z.optional(z.string().check(z.maxLength(4096))),
    /** Install folders of the extensions loaded in that window (protected from clean-up). */
    extensionPaths: z.optional(z.array(z.string().check(z.maxLength(4096))).check(z.maxLength(5000))),
    updatedAtMs: z.number().check(z.nonnegative()),
    /**
     * The period this window's heartbeat beats at now (REGISTRY_HEARTBEAT_MS or IDLE_HEARTBEAT_MS), written whole when
     * it changes — a heartbeat only moves the mtime. Absent in entries of older versions (heartbeatPeriodOf).
     */
    heartbeatMs: z.optional(z.number().check(z.positive())),
  }),
);
export type WindowEntry = z.infer<ReturnType<typeof WindowEntryRecord>>;

export interface RegistryRead {
  entries: WindowEntry[];
  /** Files that could not be read or did not validate, with why (shown in the output channel). */
  problems: { file: string; reason: string }[];
}

const FILE_RE = /^(\d+)-(\d+)\.json$/;

export function entryFileName(pid: number, starttime: number): string {
  return `${pid}-${starttime}.json`;
}

let tmpCounter = 0;
/** Folders this process has created or tightened (0700) already: a heartbeat writes the entry only. */
const readyDirs = new Set<string>();

function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, st.mode & 0o700);
  readyDirs.add(dir);
}

/**
 * Writes this window's entry atomically (temp file, its mtime set to updatedAtMs, rename). The entry names this
 * window's terminals and folder: the file is 0600 and the folder 0700 (an existing folder is tightened at this process's
 * first write). A failed write leaves no temp file behind. Synchronous inside: a ~2 KB file in globalStorage on
 * terminal, extension and folder changes costs ~0.3 ms of CPU that way, against ~1 ms for the same steps through the
 * thread pool (measured, idle); the heartbeat in between only touches it (touchEntry).
 */
export function writeEntry(dir: string, entry: WindowEntry): Promise<void> {
  return new Promise((resolve) => resolve(writeEntrySync(dir, entry))); // a throw in the executor rejects
}

function writeEntrySync(dir: string, entry: WindowEntry): void {
  if (!readyDirs.has(dir)) ensureDir(dir);
  const file = path.join(dir, entryFileName(entry.pid, entry.starttime));
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`; // unique: two overlapping writes never share a temp file
  const text = JSON.stringify(entry);
  try {
    try {
      fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
      ensureDir(dir); // the folder was removed since: create it again, once
      fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    }
    setMtime(tmp, entry.updatedAtMs); // mtime = updatedAtMs: a later touchEntry moves only the mtime
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // the write's error is the one to report
    }
    throw e;
  }
}

/**
 * A heartbeat that changes nothing but the time: sets the mtime of this window's entry to nowMs (one utimes call, against
 * ~0.5 ms for a temp file + rename). Readers take the later of the content's updatedAtMs and the file's mtime. Throws
 * when the file is gone (pruned, folder removed): the caller then writes the entry whole.
 */
export function touchEntry(dir: string, pid: number, starttime: number, nowMs: number): void {
  const t = nowMs / 1000;
  fs.utimesSync(path.join(dir, entryFileName(pid, starttime)), t, t);
}

/** Best effort: a time the file system cannot store leaves the write's own mtime (readers take the later one). */
function setMtime(file: string, ms: number): void {
  try {
    fs.utimesSync(file, ms / 1000, ms / 1000);
  } catch {
    // EINVAL / EOVERFLOW for a time out of range: the entry is still written
  }
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
      const file = path.join(dir, name);
      const parsed = WindowEntryRecord().safeParse(JSON.parse(await fs.promises.readFile(file, 'utf8')));
      // after the read: a rename in between gives a newer file's mtime, never an older one
      const mtimeMs = parsed.success ? (await fs.promises.stat(file)).mtimeMs : 0;
      if (!parsed.success) {
        out.problems.push({ file: name, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ') });
      } else if (parsed.data.pid !== Number(m[1]) || parsed.data.starttime !== Number(m[2])) {
        out.problems.push({ file: name, reason: 'content does not match the file name' });
      } else {
        // a heartbeat may only have touched the file (touchEntry): its mtime is then the later time (by more than the
        // rounding of a stored time: a write sets the mtime to updatedAtMs itself)
        const e = parsed.data;
        out.entries.push(mtimeMs - e.updatedAtMs > 1000 ? { ...e, updatedAtMs: Math.floor(mtimeMs) } : e);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') out.problems.push({ file: name, reason: e instanceof SyntaxError ? 'invalid JSON' : String(code ?? e) });
    }
  }
  return out;
}

export type PidLiveness = 'alive' | 'gone' | 'unknown';

/**
 * Re-reads /proc/<pid>/stat now, not from a scan: is the process with this start time alive? 'gone' only when the
 * pid does not exist or is another process; any other failure (EACCES, EIO, unparsable) is 'unknown'.
 */
export function checkPid(pid: number, starttime: number, procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): PidLiveness {
  let text: string;
  try {
    text = procFs.readText(`${procRoot}/${pid}/stat`);
  } catch (e) {
    const code = errCode(e);
    return code === 'ENOENT' || code === 'ESRCH' ? 'gone' : 'unknown';
  }
  const stat = parseStat(text);
  if (!stat.ok || stat.value.pid !== pid) return 'unknown';
  return stat.value.starttime === starttime ? 'alive' : 'gone';
}

/** Re-reads one pid's stat directly (pid + start time), bypassing any scan. */
export type PidCheck = (pid: number, starttime: number) => PidLiveness;

const directCheck =
  (snapshot: Snapshot): PidCheck =>
  (pid, starttime) =>
    checkPid(pid, starttime, snapshot.procRoot);

/**
 * Entries whose extension host is alive: in the snapshot with the same start time, or — when the snapshot does not
 * show it (a scan older than a restarted window, an unreadable pid) — not known to be dead when its stat is re-read
 * now. Unknown is never treated as dead: the terminals such an entry claims stay claimed.
 */
export function liveEntries(entries: readonly WindowEntry[], snapshot: Snapshot, check: PidCheck = directCheck(snapshot)): WindowEntry[] {
  return entries.filter((e) => snapshot.processes.get(e.pid)?.starttime === e.starttime || check(e.pid, e.starttime) !== 'gone');
}

export interface PruneOptions {
  nowMs: number;
  /** Defaults to re-reading <snapshot.procRoot>/<pid>/stat. */
  check?: PidCheck;
}

/**
 * Removes files of dead entries (pid gone or reused). An entry is removed only when it is older than its heartbeat
 * period (its window would have rewritten it) and a direct re-read of its pid's stat says that process is gone —
 * never on the word of a snapshot alone, which may predate the window. Only files matching our naming are touched.
 */
export async function pruneDeadEntries(
  dir: string,
  entries: readonly WindowEntry[],
  snapshot: Snapshot,
  options: PruneOptions,
): Promise<number> {
  const check = options.check ?? directCheck(snapshot);
  let removed = 0;
  for (const e of entries) {
    if (snapshot.processes.get(e.pid)?.starttime === e.starttime) continue;
    if (snapshot.unavailable || snapshot.skipped.some((s) => s.pid === e.pid)) continue;
    if (!(options.nowMs - e.updatedAtMs > heartbeatPeriodOf(e))) continue; // recently written (or dated in the future)
    if (check(e.pid, e.starttime) !== 'gone') continue;
    await removeEntry(dir, e.pid, e.starttime);
    removed++;
  }
  return removed;
}
