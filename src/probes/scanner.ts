// The /proc scanner: one pass over every pid, reading stat and cmdline (and the owner uid) into typed records.
// Pure Node, never imports `vscode`. The proc root and the file-system surface are parameters so tests use fake trees.
import { performance } from 'perf_hooks';
import { NodeProcFs, ProcFs, ReadEnd, errCode, keptFileBound, openFileLimit, unreadableReason, utf8 } from './procFs';
import {
  StatFields,
  decodeBytes,
  latin1Of,
  newStatFields,
  parseBootTime,
  parseCmdlineBytes,
  parseStatBytes,
  parseStatmResident,
  parseStatusKb,
  sameLatin1,
} from './procParsers';

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
   * Also yield once a slice has run this long, so a slow machine or a cold cache never blocks the extension host for
   * more than a few milliseconds. Checked every 4 processes, every 64 names while listing the proc root and every 256
   * cache entries while sweeping the cache, so no part of a scan (not the listing of 10,000 pids either) runs as one
   * stretch. Default 1 ms (event-loop delay target: 5 ms, which a garbage collection or the OS scheduling another
   * process can add to); 0 turns the time check off (then only `sliceSize` processes end a slice).
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

/**
 * Stat files kept open by all the ScanCaches of this process together: they share one keptFileBound of the open-file
 * limit, so two caches (a test, a second service) can never take the descriptors the rest of the host needs.
 */
const keptInProcess = {
  files: 0,
  limit: undefined as number | undefined,
  bound(): number {
    if (this.limit === undefined) this.limit = keptFileBound(openFileLimit());
    return this.limit;
  },
};

/** What a scan keeps of one process between scans. */
interface CachedIdentity {
  starttime: number;
  /** comm as stat printed it (raw): a change means exec (or prctl) and argv is read again. */
  rawComm: string;
  uid: number;
  argv: string[];
  /** Generation of the scan that last saw this pid: entries not seen by a scan are dropped at its end. */
  seen: number;
  /** `stat` of this process kept open (ProcFs.keepOpen), re-read with one pread per refresh. */
  fd?: number;
  /** The record the last scan built: a stat with the same fields gives the same record again. */
  record?: ProcessRecord;
}

export interface ScanCacheStats {
  /** Records built from the cache (stat read only). */
  hits: number;
  /** Records whose uid and cmdline were read (new pid, pid reused, comm changed, rotation, zombie). */
  misses: number;
  /** Entries dropped because their pid was gone or unreadable. */
  dropped: number;
  /** stat files read through a kept file descriptor (one pread instead of open, read, close). */
  keptReads: number;
  /** Hits whose stat text was the same as in the previous scan: the previous record was used again (not parsed). */
  unchanged: number;
}

/**
 * The per-(pid, start time) cache of an incremental scan. argv can change without a new start time (exec keeping the
 * comm, setproctitle), so besides re-reading on a comm change, each scan re-reads the cmdline of 1 in `rotation`
 * known processes (by pid modulo rotation), so every cached argv is at most `rotation` scans old. Zombies and user
 * processes with an empty argv are always read again (their argv is about to change); kernel threads' empty one is kept.
 * Not for concurrent scans: a scan that finds the cache in use by another one runs uncached.
 *
 * With a ProcFs that can keep files open (NodeProcFs), the cache also keeps `/proc/PID/stat` of up to `maxKeptFiles`
 * processes open, so a refresh reads it with one pread instead of open + read + close. A kept file of a process that
 * exited fails (ESRCH) even when its pid is reused, so it can never read another process; it is closed when its pid is
 * dropped, and `clear()` (ScanService.dispose) closes them all. Each costs one file descriptor and a little kernel
 * memory (~4.4 KB, measured by `npm run bench`); the default bound is half of the open-file limit, at most 16,384
 * (keptFileBound), and all the caches of the process together stay within that same bound.
 */
export class ScanCache {
  private readonly entries = new Map<number, CachedIdentity>();
  private generation = 0;
  private root?: string;
  /** The ProcFs whose keepOpen opened the kept files (they are closed through it). */
  private keptBy?: ProcFs;
  private kept = 0;
  private bound?: number;
  /** @internal set while a scan uses the cache */
  busy = false;
  readonly stats: ScanCacheStats = { hits: 0, misses: 0, dropped: 0, keptReads: 0, unchanged: 0 };

  constructor(
    readonly rotation = 16,
    maxKeptFiles?: number,
  ) {
    if (!Number.isInteger(rotation) || rotation < 1) throw new Error(`ScanCache rotation must be an integer ≥ 1, got ${rotation}`);
    if (maxKeptFiles !== undefined && (!Number.isInteger(maxKeptFiles) || maxKeptFiles < 0))
      throw new Error(`ScanCache maxKeptFiles must be an integer ≥ 0, got ${maxKeptFiles}`);
    this.bound = maxKeptFiles;
  }

  /** Number of processes cached. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of stat files kept open. */
  get keptFiles(): number {
    return this.kept;
  }

  /** At most this many stat files are kept open (half of the open-file limit, at most 16,384, unless given). */
  get maxKeptFiles(): number {
    if (this.bound === undefined) this.bound = keptFileBound(openFileLimit());
    return this.bound;
  }

  /** Forgets every process and closes every kept file. */
  clear(): void {
    for (const e of this.entries.values()) this.closeKept(e);
    this.entries.clear();
  }

  /**
   * @internal starts a scan of procRoot: a new generation (a different root or file system empties the cache).
   * `base`: what a record depends on besides its stat text (boot time, clock ticks, page size); when it changed, no
   * previous record is used again.
   */
  begin(procRoot: string, procFs?: ProcFs, base = ''): number {
    if (this.root !== procRoot || (this.kept > 0 && procFs !== this.keptBy)) {
      this.clear();
      this.root = procRoot;
    }
    this.sameBase = base === this.base;
    this.base = base;
    return ++this.generation;
  }

  private base?: string;
  /** @internal the current scan may use previous records again (same base). */
  sameBase = false;

  /** @internal the cached entry of pid, whatever its state (to read its kept stat file). */
  peek(pid: number): CachedIdentity | undefined {
    return this.entries.get(pid);
  }

  /** @internal opens stat of an entry to keep, within the bound; undefined when it may not or cannot. */
  keep(procFs: ProcFs, path: string): number | undefined {
    if (!procFs.keepOpen || !procFs.readKept || this.kept >= this.maxKeptFiles) return undefined;
    if (keptInProcess.files >= keptInProcess.bound()) return undefined; // every cache of this process together
    if (this.kept > 0 && procFs !== this.keptBy) return undefined;
    let fd: number;
    try {
      fd = procFs.keepOpen(path);
    } catch {
      return undefined; // EMFILE, vanished…: read it the ordinary way
    }
    this.keptBy = procFs;
    this.kept++;
    keptInProcess.files++;
    return fd;
  }

  /** @internal closes a kept file (given back by keep(), or of an entry). */
  release(fd: number): void {
    this.keptBy?.closeKept?.(fd);
    this.kept--;
    keptInProcess.files--;
  }

  private closeKept(e: CachedIdentity): void {
    if (e.fd === undefined) return;
    this.release(e.fd);
    e.fd = undefined;
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

  /** @internal remembers what was just read of pid (keeping the kept file of a previous entry, if any). */
  store(pid: number, entry: CachedIdentity): void {
    const old = this.entries.get(pid);
    if (old && old.fd !== undefined && old.fd !== entry.fd) this.closeKept(old);
    this.entries.set(pid, entry);
  }

  /** @internal ends a scan: forgets every pid this generation did not see (exited, or unreadable now). */
  end(generation: number): void {
    const steps = this.sweep(generation);
    while (!steps.next().done) continue;
  }

  /**
   * @internal end() in steps: pauses (yields) after every 256 entries, so a scan can give the event loop a turn. The
   * iterator is stepped by hand: a for-of (over entries(), or values()) made one or two objects an entry, this none.
   */
  *sweep(generation: number): Generator<void, void> {
    const pids = this.entries.keys();
    for (let n = 1; ; n++) {
      const next = pids.next();
      if (next.done) return;
      const pid = next.value;
      const e = this.entries.get(pid);
      if (e && e.seen !== generation) {
        this.closeKept(e);
        this.entries.delete(pid); // a Map iterator goes on past a deleted entry
        this.stats.dropped++;
      }
      if ((n & 255) === 0) yield;
    }
  }
}

const defaultYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The ProcFs of scans that do not pass one: one instance, so a ScanCache's kept files stay readable across scans. */
const defaultProcFs = new NodeProcFs();

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
  const procFs = options.fs ?? defaultProcFs;
  const clockTicks = options.clockTicks ?? 100;
  const pageSize = options.pageSize ?? (procRoot === '/proc' ? detectPageSize(procRoot, procFs) : 4096);
  const started = Date.now();
  const slices = new Slicer(options.sliceSize ?? 200, options.sliceBudgetMs ?? 1, options.yieldToLoop ?? defaultYield);
  const snapshot = newSnapshot(procRoot, procFs, clockTicks, pageSize);
  let pids: number[];
  try {
    pids = await listPids(procRoot, procFs, slices);
  } catch (e) {
    snapshot.unavailable = `${procRoot} cannot be read (${errCode(e)})`;
    return snapshot;
  }
  if (pids.length === 0) {
    snapshot.unavailable = `${procRoot} lists no processes (not a proc filesystem?)`;
    return snapshot;
  }

  const cache = options.cache && !options.cache.busy ? options.cache : undefined;
  const base = `${snapshot.bootTimeMs}:${clockTicks}:${pageSize}`;
  const incremental = cache ? { cache, generation: cache.begin(procRoot, procFs, base) } : undefined;
  if (cache) cache.busy = true;
  const scratch = scratchOf(procFs);
  try {
    slices.countFrom(0);
    for (let i = 0; i < pids.length; i++) {
      if (i > 0 && slices.dueAt(i)) {
        await slices.pause();
        slices.countFrom(i);
      }
      readOne(procRoot, procFs, pids[i], snapshot, scratch, incremental);
    }
    if (incremental) {
      const steps = incremental.cache.sweep(incremental.generation);
      while (!steps.next().done) if (slices.overBudget()) await slices.pause();
    }
  } finally {
    if (cache) cache.busy = false;
  }
  // children lists: records were added in ascending pid order, so one pass in that order; in steps as well
  let n = 0;
  for (const p of snapshot.processes.values()) {
    const list = snapshot.children.get(p.ppid);
    if (list) list.push(p.pid);
    else snapshot.children.set(p.ppid, [p.pid]);
    if ((++n & 255) === 0 && slices.overBudget()) await slices.pause();
  }
  snapshot.takenAtMs = Date.now();
  snapshot.durationMs = snapshot.takenAtMs - started;
  return snapshot;
}

/**
 * When a scan yields: after `sliceSize` processes, or once the slice has run `budgetMs` (the time read every 4
 * processes, and by the listing and sweeping loops at their own steps). A yield is one setImmediate turn (~1–3 µs of
 * CPU on Node 24, measured: a MessageChannel message is not cheaper by enough to matter; a resolved promise does not
 * turn the loop at all).
 */
class Slicer {
  private start = performance.now();
  private first = 0;

  constructor(
    private readonly size: number,
    private readonly budgetMs: number,
    private readonly yieldToLoop: () => Promise<void>,
  ) {}

  /** A new slice of processes starts at index i (the time of the current one goes on). */
  countFrom(i: number): void {
    this.first = i;
  }

  /** Whether the slice ends before process index i. */
  dueAt(i: number): boolean {
    return i - this.first >= this.size || ((i & 3) === 0 && this.overBudget());
  }

  overBudget(): boolean {
    return this.budgetMs > 0 && performance.now() - this.start >= this.budgetMs;
  }

  async pause(): Promise<void> {
    await this.yieldToLoop();
    this.start = performance.now();
  }
}

/**
 * The pids of the proc root, ascending. Listed in batches when the ProcFs can (a directory stream), pausing on the time
 * budget, so 10,000 entries are not one stretch of the event loop (nor a thread-pool round trip of one big array).
 */
async function listPids(procRoot: string, procFs: ProcFs, slices: Slicer): Promise<number[]> {
  if (!procFs.openDir) return pidsOf(procFs.readdir(procRoot));
  const dir = procFs.openDir(procRoot);
  const pids: number[] = [];
  let sorted = true;
  try {
    for (let n = 1; ; n++) {
      const name = dir.next();
      if (name === undefined) break;
      const pid = pidOf(name);
      if (pid !== undefined) {
        if (pids.length > 0 && pid <= pids[pids.length - 1]) sorted = false;
        pids.push(pid);
      }
      if ((n & 63) === 0 && slices.overBudget()) await slices.pause();
    }
  } finally {
    dir.close();
  }
  return sorted ? pids : sortedUnique(pids);
}

/** The pid a /proc entry names (digits only), else undefined. */
function pidOf(name: string): number | undefined {
  const c = name.charCodeAt(0);
  return c < 48 || c > 57 || !/^\d+$/.test(name) ? undefined : Number(name);
}

/** The numeric names, as numbers in ascending order, each once (/proc lists them so already: then no sort). */
function pidsOf(names: string[]): number[] {
  const pids: number[] = [];
  let sorted = true;
  for (const n of names) {
    const pid = pidOf(n);
    if (pid === undefined) continue;
    if (pids.length > 0 && pid <= pids[pids.length - 1]) sorted = false;
    pids.push(pid);
  }
  return sorted ? pids : sortedUnique(pids);
}

function sortedUnique(pids: number[]): number[] {
  pids.sort((a, b) => a - b);
  return pids.filter((p, i) => i === 0 || p !== pids[i - 1]);
}

/** The bytes of the file read last: ProcFs.rawBytes(), or, for a ProcFs without raw reads, its latin1 text copied in. */
class FileBytes {
  bytes: Buffer = NO_BYTES;
  length = 0;
  private own?: Buffer;
  private readonly raw: boolean;

  constructor(private readonly procFs: ProcFs) {
    this.raw = typeof procFs.readRaw === 'function' && typeof procFs.rawBytes === 'function';
  }

  read(path: string, end: ReadEnd): void {
    if (this.raw) {
      this.length = this.procFs.readRaw!(path, end);
      this.bytes = this.procFs.rawBytes!();
    } else this.take(this.procFs.readText(path, end));
  }

  readKept(fd: number): void {
    if (this.raw && typeof this.procFs.readKeptRaw === 'function') {
      this.length = this.procFs.readKeptRaw(fd);
      this.bytes = this.procFs.rawBytes!();
    } else this.take(this.procFs.readKept!(fd));
  }

  private take(text: string): void {
    if (!this.own || this.own.length < text.length) this.own = Buffer.allocUnsafe(Math.max(4096, 2 * text.length));
    this.length = this.own.write(text, 0, 'latin1'); // readText gives latin1: one byte per character
    this.bytes = this.own;
  }
}

const NO_BYTES = Buffer.alloc(0);

/** What one scan (or readProcess) reuses for every process: the file bytes and the parsed stat fields. */
interface Scratch {
  file: FileBytes;
  stat: StatFields;
}

const scratchOf = (procFs: ProcFs): Scratch => ({ file: new FileBytes(procFs), stat: newStatFields() });

function readOne(
  procRoot: string,
  procFs: ProcFs,
  pid: number,
  snapshot: Snapshot,
  scratch: Scratch,
  incremental?: { cache: ScanCache; generation: number },
): void {
  const { file, stat } = scratch;
  /** uid and cmdline, read around stat on a full read; after stat (and only if the cache cannot answer) when incremental. */
  let uid = -1;
  /** A stat file opened to keep (incremental): stored with the entry, or closed if no entry is stored. */
  let opened: number | undefined;
  try {
    if (incremental) opened = readStatOf(file, procFs, procRoot, pid, incremental.cache);
    else {
      uid = procFs.uidOf(`${procRoot}/${pid}`);
      file.read(`${procRoot}/${pid}/stat`, 'short');
    }
  } catch (e) {
    skip(snapshot, pid, e);
    return;
  }
  // parsed in place (the bytes are the ProcFs's buffer, which the next read reuses); a read failing after it still
  // wins over a parse error, as when every file was read first
  let error = parseStatBytes(file.bytes, file.length, stat);
  if (error === undefined && stat.pid !== pid) error = `stat names pid ${stat.pid}`;
  if (error === undefined && incremental && unchangedRecord(pid, file, stat, snapshot, incremental, opened)) return;
  let record: ProcessRecord | undefined;
  if (!incremental) {
    const comm = error === undefined ? decodeBytes(file.bytes, stat.commStart, stat.commEnd) : '';
    try {
      file.read(`${procRoot}/${pid}/cmdline`, 'offPage');
    } catch (e) {
      skip(snapshot, pid, e);
      return;
    }
    if (error !== undefined) snapshot.skipped.push({ pid, reason: 'unparsable', detail: error });
    else record = recordOf(pid, stat, comm, uid, parseCmdlineBytes(file.bytes, file.length), snapshot);
  } else if (error !== undefined) snapshot.skipped.push({ pid, reason: 'unparsable', detail: error });
  else {
    const { cache, generation } = incremental;
    const e = cache.peek(pid);
    const sameComm = e !== undefined && sameLatin1(file.bytes, stat.commStart, stat.commEnd, e.rawComm);
    const rawComm = sameComm ? e.rawComm : latin1Of(file.bytes, stat.commStart, stat.commEnd);
    const comm = sameComm && e.record ? e.record.comm : decodeBytes(file.bytes, stat.commStart, stat.commEnd);
    const identity = cachedIdentity(procFs, procRoot, file, stat, rawComm, snapshot, incremental, opened);
    if (identity) {
      record = recordOf(pid, stat, comm, identity.uid, identity.argv, snapshot);
      const now = cache.peek(pid);
      if (now?.seen === generation) now.record = record;
    }
  }
  if (record) snapshot.processes.set(pid, record);
  else if (opened !== undefined) incremental?.cache.release(opened);
}

function skip(snapshot: Snapshot, pid: number, e: unknown): void {
  const code = errCode(e);
  snapshot.skipped.push({ pid, reason: skipReason(code), detail: code });
}

/**
 * A known process whose stat fields are those of the record the previous scan built (a sleeping process: no CPU tick,
 * same rss; comm compared byte by byte, no string made): that record is used again, unless the cache must re-read its
 * argv (rotation, zombie, …). Records are therefore shared between consecutive snapshots (no feature mutates one). The
 * fields, not the stat text, are compared: nothing of the text is kept (~300 bytes a process less in the cache).
 */
function unchangedRecord(
  pid: number,
  file: FileBytes,
  s: StatFields,
  snapshot: Snapshot,
  incremental: { cache: ScanCache; generation: number },
  opened: number | undefined,
): boolean {
  const { cache, generation } = incremental;
  const e = cache.peek(pid);
  const r = e?.record;
  if (!e || !r || !cache.sameBase || !sameStatFields(r, e.starttime, s, snapshot.pageSize)) return false;
  if (!sameLatin1(file.bytes, s.commStart, s.commEnd, e.rawComm)) return false;
  if (!cache.reuse(pid, r.ppid, e.starttime, e.rawComm, r.state, generation)) return false;
  if (opened !== undefined) e.fd = opened; // opened only for an entry without a kept file
  cache.stats.hits++;
  cache.stats.unchanged++;
  snapshot.processes.set(pid, r);
  return true;
}

/** Whether the stat fields a record is made of are the record's (uid and argv aside; comm compared by the caller). */
function sameStatFields(r: ProcessRecord, starttime: number, s: StatFields, pageSize: number): boolean {
  return (
    s.starttime === starttime &&
    s.ppid === r.ppid &&
    s.state === r.state &&
    s.pgrp === r.pgrp &&
    s.session === r.session &&
    s.tpgid === r.tpgid &&
    s.utime + s.stime === r.cpuTicks &&
    s.rssPages * pageSize === r.rssBytes
  );
}

/**
 * Reads stat of a pid of an incremental scan into `file`: through its kept file when that read works; otherwise (not
 * cached, no kept file, or the kept file failed — the process exited, perhaps with its pid reused — and was closed)
 * through a newly kept file, returned, if the cache may keep one more; else plainly. Throws when the read fails (a
 * newly kept file closed first).
 */
function readStatOf(file: FileBytes, procFs: ProcFs, procRoot: string, pid: number, cache: ScanCache): number | undefined {
  const e = cache.peek(pid);
  if (e?.fd !== undefined && procFs.readKept) {
    try {
      file.readKept(e.fd);
      cache.stats.keptReads++;
      return undefined;
    } catch {
      cache.release(e.fd);
      e.fd = undefined;
    }
  }
  const path = `${procRoot}/${pid}/stat`;
  const opened = e?.fd === undefined ? cache.keep(procFs, path) : undefined;
  try {
    if (opened !== undefined) file.readKept(opened);
    else file.read(path, 'short');
  } catch (err) {
    if (opened !== undefined) cache.release(opened);
    throw err;
  }
  return opened;
}

/** The record of one parsed stat line, its decoded comm, uid and argv. */
function recordOf(pid: number, s: StatFields, comm: string, uid: number, argv: string[], snapshot: Snapshot): ProcessRecord {
  return {
    pid,
    ppid: s.ppid,
    comm,
    state: s.state,
    pgrp: s.pgrp,
    session: s.session,
    tpgid: s.tpgid,
    starttime: s.starttime,
    startedAtMs: snapshot.bootTimeMs + Math.round((s.starttime * 1000) / snapshot.clockTicks),
    cpuTicks: s.utime + s.stime,
    rssBytes: s.rssPages * snapshot.pageSize,
    uid,
    argv,
  };
}

/** uid and argv of an incremental scan: from the cache when it may answer, else read (and cached). undefined: skipped. */
function cachedIdentity(
  procFs: ProcFs,
  procRoot: string,
  file: FileBytes,
  s: StatFields,
  rawComm: string,
  snapshot: Snapshot,
  incremental: { cache: ScanCache; generation: number },
  opened: number | undefined,
): { uid: number; argv: string[] } | undefined {
  const { cache, generation } = incremental;
  const hit = cache.reuse(s.pid, s.ppid, s.starttime, rawComm, s.state, generation);
  if (hit) {
    cache.stats.hits++;
    // an entry without a kept file (its read failed, or the bound was reached when it was stored) takes this one
    if (opened !== undefined && hit.fd === undefined) hit.fd = opened;
    else if (opened !== undefined) cache.release(opened);
    return hit;
  }
  let uid: number;
  let argv: string[];
  try {
    const dir = `${procRoot}/${s.pid}`;
    uid = procFs.uidOf(dir);
    file.read(`${dir}/cmdline`, 'offPage');
    argv = parseCmdlineBytes(file.bytes, file.length);
  } catch (e) {
    skip(snapshot, s.pid, e);
    return undefined; // the caller closes `opened`
  }
  cache.stats.misses++;
  // A kept file of the previous entry (same pid, still readable: same process, comm changed or rotation) stays.
  const fd = opened ?? cache.peek(s.pid)?.fd;
  const entry: CachedIdentity = { starttime: s.starttime, rawComm, uid, argv, seen: generation, fd };
  cache.store(s.pid, entry);
  return entry;
}

/** Re-reads one process (for re-validation before an action). undefined if it is gone or unreadable. */
export function readProcess(pid: number, procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): ProcessRecord | undefined {
  const tmp = newSnapshot(procRoot, procFs, 100, procRoot === '/proc' ? detectPageSize(procRoot, procFs) : 4096);
  readOne(procRoot, procFs, pid, tmp, scratchOf(procFs));
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
