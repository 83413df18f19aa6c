// The /proc scanner: one pass over every pid, reading stat and cmdline (and the owner uid) into typed records.
// Pure Node, never imports `vscode`. The proc root and the file-system surface are parameters so tests use fake trees.
import { performance } from 'perf_hooks';
import { NodeProcFs, ProcFs, errCode, unreadableReason, utf8 } from './procFs';
import { parseBootTime, parseCmdline, parseStat, parseStatmResident, parseStatusKb } from './procParsers';

export interface ProcessRecord {
  pid: number;
  ppid: number;
  /** Kernel's short name (may contain spaces and parentheses). */
  comm: string;
  /** R, S, D, Z, T, I, … */
  state: string;
  pgrp: number;
  session: number;
  /** Foreground process group of the controlling terminal (-1 or 0 without one). */
  tpgid: number;
  /** Start time in clock ticks after boot: with pid, the identity of a process. */
  starttime: number;
  /** Start time as epoch milliseconds (derived from btime). */
  startedAtMs: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  rssBytes: number;
  uid: number;
  /** argv; empty for kernel threads and zombies. */
  argv: string[];
}

export type SkipReason = 'vanished' | 'permission' | 'unparsable' | 'io';

export interface Snapshot {
  procRoot: string;
  takenAtMs: number;
  /** Wall time the scan took (including yields). */
  durationMs: number;
  processes: Map<number, ProcessRecord>;
  /** ppid → child pids, in pid order. */
  children: Map<number, number[]>;
  /** pids that were listed but could not be read, with why. */
  skipped: { pid: number; reason: SkipReason; detail: string }[];
  /** Set when the proc root itself is unusable: then `processes` is empty. */
  unavailable?: string;
  clockTicks: number;
  pageSize: number;
  bootTimeMs: number;
}

export interface ScanOptions {
  procRoot?: string;
  fs?: ProcFs;
  /** Processes read between two yields to the event loop. */
  sliceSize?: number;
  /**
   * Also yield once a slice has run this long (checked every 8 processes), so a slow machine or a cold cache never
   * blocks the extension host for more than a few milliseconds. Default 2 ms (event-loop delay target: 5 ms); 0 turns
   * the time check off.
   */
  sliceBudgetMs?: number;
  pageSize?: number;
  clockTicks?: number;
  /** Injected for tests; defaults to setImmediate. */
  yieldToLoop?: () => Promise<void>;
  /**
   * Incremental refresh: what does not change for one (pid, start time) — owner uid and argv — is kept here between
   * scans, so a refresh reads only `stat` for a known process. Owned by one caller (the core ScanService); never used
   * for commit-time re-validation (readProcess always reads afresh).
   */
  cache?: ScanCache;
}

/** What a scan keeps of one process between scans. */
interface CachedIdentity {
  starttime: number;
  /** comm as stat printed it (raw): a change means exec (or prctl) and argv is read again. */
  rawComm: string;
  uid: number;
  argv: string[];
  /** Generation of the scan that last saw this pid: entries not seen by a scan are dropped at its end. */
  seen: number;
}

export interface ScanCacheStats {
  /** Records built from the cache (stat read only). */
  hits: number;
  /** Records whose uid and cmdline were read (new pid, pid reused, comm changed, rotation, zombie). */
  misses: number;
  /** Entries dropped because their pid was gone or unreadable. */
  dropped: number;
}

/**
 * The per-(pid, start time) cache of an incremental scan. argv can change without a new start time (exec keeping the
 * comm, setproctitle), so besides re-reading on a comm change, each scan re-reads the cmdline of 1 in `rotation`
 * known processes (by pid modulo rotation), so every cached argv is at most `rotation` scans old. Zombies and user
 * processes with an empty argv are always read again (their argv is about to change); kernel threads' empty one is kept.
 * Not for concurrent scans: a scan that finds the cache in use by another one runs uncached.
 */
export class ScanCache {
  private readonly entries = new Map<number, CachedIdentity>();
  private generation = 0;
  private root?: string;
  /** @internal set while a scan uses the cache */
  busy = false;
  readonly stats: ScanCacheStats = { hits: 0, misses: 0, dropped: 0 };

  constructor(readonly rotation = 16) {
    if (!Number.isInteger(rotation) || rotation < 1) throw new Error(`ScanCache rotation must be an integer ≥ 1, got ${rotation}`);
  }

  /** Number of processes cached. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** @internal starts a scan of procRoot: a new generation (a different root empties the cache). */
  begin(procRoot: string): number {
    if (this.root !== procRoot) {
      this.entries.clear();
      this.root = procRoot;
    }
    return ++this.generation;
  }

  /** @internal the cached identity of pid if it is still the same process and need not be re-read this scan. */
  reuse(pid: number, ppid: number, starttime: number, rawComm: string, state: string, generation: number): CachedIdentity | undefined {
    const e = this.entries.get(pid);
    if (!e || e.starttime !== starttime || e.rawComm !== rawComm) return undefined;
    if (state === 'Z' || (pid + generation) % this.rotation === 0) return undefined;
    // An empty argv of a user process is transient (exiting, or read mid-exec): read it again. Kernel threads (kthreadd,
    // pid 2, and its children) never have one, and are most of the pids on a bare host: theirs is kept.
    if (e.argv.length === 0 && pid !== 2 && ppid !== 2) return undefined;
    e.seen = generation;
    return e;
  }

  /** @internal remembers what was just read of pid. */
  store(pid: number, entry: CachedIdentity): void {
    this.entries.set(pid, entry);
  }

  /** @internal ends a scan: forgets every pid this generation did not see (exited, or unreadable now). */
  end(generation: number): void {
    for (const [pid, e] of this.entries) {
      if (e.seen !== generation) {
        this.entries.delete(pid);
        this.stats.dropped++;
      }
    }
  }
}

const defaultYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let detectedPageSize: number | undefined;

/** Page size from the kernel's own numbers for this process (statm pages vs VmRSS kB); 4096 if unknown. */
export function detectPageSize(procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): number {
  if (procRoot === '/proc' && detectedPageSize) return detectedPageSize;
  let size = 4096;
  try {
    const pages = parseStatmResident(procFs.readText(`${procRoot}/self/statm`));
    const bytes = parseStatusKb(procFs.readText(`${procRoot}/self/status`), 'VmRSS');
    if (pages.ok && bytes.ok && pages.value > 0) {
      const ratio = bytes.value / pages.value;
      size = [4096, 16384, 65536].reduce((best, s) => (Math.abs(s - ratio) < Math.abs(best - ratio) ? s : best), 4096);
    }
  } catch {
    // keep 4096
  }
  if (procRoot === '/proc') detectedPageSize = size;
  return size;
}

function newSnapshot(procRoot: string, procFs: ProcFs, clockTicks: number, pageSize: number): Snapshot {
  const snapshot: Snapshot = {
    procRoot,
    takenAtMs: Date.now(),
    durationMs: 0,
    processes: new Map(),
    children: new Map(),
    skipped: [],
    clockTicks,
    pageSize,
    bootTimeMs: 0,
  };
  try {
    const boot = parseBootTime(procFs.readText(`${procRoot}/stat`));
    if (boot.ok) snapshot.bootTimeMs = boot.value * 1000;
  } catch {
    // no /proc/stat: start times stay relative to boot; identities (pid + starttime ticks) still work
  }
  return snapshot;
}

function skipReason(code: string): SkipReason {
  if (code === 'ENOENT' || code === 'ESRCH') return 'vanished';
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  return 'io';
}

/**
 * Reads every numeric entry of the proc root. Never throws: an unreadable root yields `unavailable`,
 * an unreadable process is listed in `skipped` with the reason.
 */
export async function scanProcesses(options: ScanOptions = {}): Promise<Snapshot> {
  const procRoot = options.procRoot ?? '/proc';
  const procFs = options.fs ?? new NodeProcFs();
  const sliceSize = options.sliceSize ?? 200;
  const budgetMs = options.sliceBudgetMs ?? 2;
  const clockTicks = options.clockTicks ?? 100;
  const pageSize = options.pageSize ?? (procRoot === '/proc' ? detectPageSize(procRoot, procFs) : 4096);
  const yieldToLoop = options.yieldToLoop ?? defaultYield;
  const listedFrom = performance.now();
  const started = Date.now();
  const snapshot = newSnapshot(procRoot, procFs, clockTicks, pageSize);
  let names: string[];
  try {
    names = procFs.readdir(procRoot);
  } catch (e) {
    snapshot.unavailable = `${procRoot} cannot be read (${errCode(e)})`;
    return snapshot;
  }
  const pids = names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  if (pids.length === 0) {
    snapshot.unavailable = `${procRoot} lists no processes (not a proc filesystem?)`;
    return snapshot;
  }

  const cache = options.cache && !options.cache.busy ? options.cache : undefined;
  const incremental = cache ? { cache, generation: cache.begin(procRoot) } : undefined;
  if (cache) cache.busy = true;
  try {
    // The first slice's clock started before /proc was listed and sorted (a few ms at thousands of pids).
    let sliceStart = listedFrom;
    let sliceStartIdx = 0;
    for (let i = 0; i < pids.length; i++) {
      if (i > 0 && (i - sliceStartIdx >= sliceSize || (budgetMs > 0 && (i & 7) === 0 && performance.now() - sliceStart >= budgetMs))) {
        await yieldToLoop();
        sliceStart = performance.now();
        sliceStartIdx = i;
      }
      readOne(procRoot, procFs, pids[i], snapshot, incremental);
    }
    if (incremental) incremental.cache.end(incremental.generation);
  } finally {
    if (cache) cache.busy = false;
  }
  for (const p of snapshot.processes.values()) {
    const list = snapshot.children.get(p.ppid);
    if (list) list.push(p.pid);
    else snapshot.children.set(p.ppid, [p.pid]);
  }
  snapshot.takenAtMs = Date.now();
  snapshot.durationMs = snapshot.takenAtMs - started;
  return snapshot;
}

function readOne(
  procRoot: string,
  procFs: ProcFs,
  pid: number,
  snapshot: Snapshot,
  incremental?: { cache: ScanCache; generation: number },
): void {
  const dir = `${procRoot}/${pid}`;
  let statText: string;
  /** uid and cmdline, read around stat on a full read; after stat (and only if the cache cannot answer) when incremental. */
  let fresh: { uid: number; cmdline: string } | undefined;
  try {
    if (incremental) {
      // stat first: its start time and comm decide whether uid and argv may come from the cache.
      statText = procFs.readText(`${dir}/stat`, true);
    } else {
      const uid = procFs.uidOf(dir);
      statText = procFs.readText(`${dir}/stat`, true);
      fresh = { uid, cmdline: procFs.readText(`${dir}/cmdline`) };
    }
  } catch (e) {
    const code = errCode(e);
    snapshot.skipped.push({ pid, reason: skipReason(code), detail: code });
    return;
  }
  const stat = parseStat(statText);
  if (!stat.ok) {
    snapshot.skipped.push({ pid, reason: 'unparsable', detail: stat.error });
    return;
  }
  const s = stat.value;
  if (s.pid !== pid) {
    snapshot.skipped.push({ pid, reason: 'unparsable', detail: `stat names pid ${s.pid}` });
    return;
  }
  const identity = fresh
    ? { uid: fresh.uid, argv: parseCmdline(fresh.cmdline).map(utf8) }
    : cachedIdentity(procFs, dir, s, snapshot, incremental);
  if (!identity) return;
  snapshot.processes.set(pid, {
    pid,
    ppid: s.ppid,
    comm: utf8(s.comm),
    state: s.state,
    pgrp: s.pgrp,
    session: s.session,
    tpgid: s.tpgid,
    starttime: s.starttime,
    startedAtMs: snapshot.bootTimeMs + Math.round((s.starttime * 1000) / snapshot.clockTicks),
    cpuTicks: s.utime + s.stime,
    rssBytes: s.rssPages * snapshot.pageSize,
    uid: identity.uid,
    argv: identity.argv,
  });
}

/** uid and argv of an incremental scan: from the cache when it may answer, else read (and cached). undefined: skipped. */
function cachedIdentity(
  procFs: ProcFs,
  dir: string,
  s: { pid: number; ppid: number; starttime: number; comm: string; state: string },
  snapshot: Snapshot,
  incremental: { cache: ScanCache; generation: number } | undefined,
): { uid: number; argv: string[] } | undefined {
  if (!incremental) return undefined;
  const { cache, generation } = incremental;
  const hit = cache.reuse(s.pid, s.ppid, s.starttime, s.comm, s.state, generation);
  if (hit) {
    cache.stats.hits++;
    return hit;
  }
  let uid: number;
  let argv: string[];
  try {
    uid = procFs.uidOf(dir);
    argv = parseCmdline(procFs.readText(`${dir}/cmdline`)).map(utf8);
  } catch (e) {
    const code = errCode(e);
    snapshot.skipped.push({ pid: s.pid, reason: skipReason(code), detail: code });
    return undefined;
  }
  cache.stats.misses++;
  cache.store(s.pid, { starttime: s.starttime, rawComm: s.comm, uid, argv, seen: generation });
  return { uid, argv };
}

/** Re-reads one process (for re-validation before an action). undefined if it is gone or unreadable. */
export function readProcess(pid: number, procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): ProcessRecord | undefined {
  const tmp = newSnapshot(procRoot, procFs, 100, procRoot === '/proc' ? detectPageSize(procRoot, procFs) : 4096);
  readOne(procRoot, procFs, pid, tmp);
  return tmp.processes.get(pid);
}

export type LinkResult = { ok: true; path: string } | { ok: false; reason: string };

/** Working directory of a process, read on demand (EACCES for other users' processes under hidepid). */
export function readCwd(pid: number, procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): LinkResult {
  try {
    return { ok: true, path: utf8(procFs.readlink(`${procRoot}/${pid}/cwd`)) };
  } catch (e) {
    return { ok: false, reason: unreadableReason(errCode(e)) };
  }
}

/** All descendants of pid (not including pid), depth-first, within one snapshot. */
export function descendantsOf(snapshot: Snapshot, pid: number): ProcessRecord[] {
  const out: ProcessRecord[] = [];
  const stack = [...(snapshot.children.get(pid) ?? [])].reverse();
  const seen = new Set<number>([pid]);
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    const rec = snapshot.processes.get(next);
    if (!rec) continue;
    out.push(rec);
    const kids = snapshot.children.get(next);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/** Ancestors of pid, nearest first (stops at pid 0/1 or a loop). */
export function ancestorsOf(snapshot: Snapshot, pid: number): ProcessRecord[] {
  const out: ProcessRecord[] = [];
  const seen = new Set<number>();
  let cur = snapshot.processes.get(pid);
  while (cur) {
    seen.add(cur.pid);
    const parent = snapshot.processes.get(cur.ppid);
    if (!parent || seen.has(parent.pid)) break;
    out.push(parent);
    cur = parent;
  }
  return out;
}
