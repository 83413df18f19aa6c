// Memory of the cgroup a process runs in (cgroup v2, or the v1 `memory` controller of a v1/hybrid host), and the
// host's MemTotal/MemAvailable. Pure Node, no `vscode`. Every file is read through ProcFs so tests can inject faults;
// nothing here throws: what could not be read is listed in `problems`, what was read in `sources`.
import { NodeProcFs, ProcFs, errCode } from './procFs';
import { Parsed } from './procParsers';

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** The cgroup of a process that holds its memory accounting. `path` is as /proc/PID/cgroup gives it ('/…'). */
export interface CgroupMembership {
  version: 1 | 2;
  path: string;
}

/** Counters of OOM events. v2: `oom` and `oom_kill` of memory.events; v1: only `oom_kill` of memory.oom_control. */
export interface OomEventCounts {
  /** Times the cgroup hit its limit and the OOM killer was invoked (v2 only). */
  oom?: number;
  /** Processes of the cgroup killed by the OOM killer. */
  oomKill?: number;
}

/** All counters of a v2 memory.events file (absent keys stay undefined). */
export interface MemoryEventCounts {
  low?: number;
  high?: number;
  max?: number;
  oom?: number;
  oomKill?: number;
  oomGroupKill?: number;
}

/** A file that could not be used, and why. */
export interface CgroupProblem {
  file: string;
  reason: string;
}

export interface CgroupMemory {
  version: 1 | 2;
  /** The cgroup path from /proc/PID/cgroup. */
  path: string;
  /** The directory the memory files were read from. */
  dir: string;
  currentBytes?: number;
  /** The memory limit; undefined when there is none (see `unlimited`) or it could not be read. */
  limitBytes?: number;
  /** true when the limit file says there is no limit ("max", or v1's huge page-counter maximum). */
  unlimited?: boolean;
  /** Highest usage recorded (v2 memory.peak, kernel ≥ 5.19; v1 memory.max_usage_in_bytes). */
  peakBytes?: number;
  oomEvents?: OomEventCounts;
  /** v2: every counter of memory.events. */
  events?: MemoryEventCounts;
  /** v1 memory.oom_control: the OOM killer is disabled for this cgroup (tasks hang instead of being killed). */
  oomKillDisabled?: boolean;
  /** v1 memory.oom_control: the cgroup is under OOM right now. */
  underOom?: boolean;
  /** Files read and used, as absolute paths. */
  sources: string[];
  /** Files missing, unreadable or unparsable, with why. */
  problems: CgroupProblem[];
}

/** The result of readCgroupMemory: the memory of the cgroup, or why the cgroup could not be found. */
export type CgroupMemoryRead =
  { ok: true; value: CgroupMemory } | { ok: false; error: string; sources: string[]; problems: CgroupProblem[] };

/** The memory files read for each version (names relative to the cgroup directory). */
export const CGROUP_V2_FILES = ['memory.current', 'memory.max', 'memory.peak', 'memory.events'] as const;
export const CGROUP_V1_FILES = [
  'memory.usage_in_bytes',
  'memory.limit_in_bytes',
  'memory.max_usage_in_bytes',
  'memory.oom_control',
] as const;

/**
 * Values at or above this are "no limit": v1 reports PAGE_COUNTER_MAX × page size (9223372036854771712 with 4 KiB
 * pages, a little less with bigger pages), which no real limit comes near. 2^60 bytes = 1 EiB.
 */
const UNLIMITED_AT = 2n ** 60n;

/** A copy of o without the keys whose value is undefined (so results compare and serialise cleanly). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function safeInt(text: string): number | undefined {
  if (!/^\d{1,19}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses /proc/PID/cgroup. A v1 line `4:memory:/path` (memory among the controllers, possibly co-mounted as
 * `4:cpu,memory:/path`) wins over the v2 line `0::/path`: on a hybrid host the v2 tree has no memory controller.
 */
export function parseProcCgroup(text: string): Parsed<CgroupMembership> {
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    const id = line.slice(0, first);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (!/^\d+$/.test(id) || !path.startsWith('/')) continue;
    if (id === '0' && controllers === '') v2 = path;
    else if (controllers.split(',').includes('memory')) return ok({ version: 1, path });
  }
  if (v2 !== undefined) return ok({ version: 2, path: v2 });
  return fail('cgroup: neither a "0::/path" line nor a line with the memory controller');
}

/** A byte count file (memory.current, memory.usage_in_bytes, …): one non-negative integer. */
export function parseCgroupBytes(text: string): Parsed<number> {
  const t = text.trim();
  const n = safeInt(t);
  return n === undefined ? fail(`not a byte count: ${JSON.stringify(t.slice(0, 40))}`) : ok(n);
}

/** A limit file (memory.max, memory.limit_in_bytes): bytes, or 'unlimited' for "max" and v1's huge maximum. */
export function parseCgroupLimit(text: string): Parsed<number | 'unlimited'> {
  const t = text.trim();
  if (t === 'max') return ok('unlimited');
  if (!/^\d{1,30}$/.test(t)) return fail(`not a limit: ${JSON.stringify(t.slice(0, 40))}`);
  if (BigInt(t) >= UNLIMITED_AT) return ok('unlimited');
  const n = safeInt(t);
  return n === undefined ? fail(`not a limit: ${t}`) : ok(n);
}

/** `key value` lines (memory.events, memory.oom_control) into a map; fails on a malformed line. */
function keyValues(text: string): Parsed<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length === 0) continue;
    const m = /^([a-z_]+)\s+(\d{1,19})$/.exec(t);
    const n = m ? safeInt(m[2]) : undefined;
    if (!m || n === undefined) return fail(`malformed line ${JSON.stringify(t.slice(0, 60))}`);
    out.set(m[1], n);
  }
  return ok(out);
}

/** Parses v2 memory.events (`low N`, `high N`, `max N`, `oom N`, `oom_kill N`, `oom_group_kill N`). */
export function parseMemoryEvents(text: string): Parsed<MemoryEventCounts> {
  const kv = keyValues(text);
  if (!kv.ok) return kv;
  const m = kv.value;
  if (!m.has('oom') && !m.has('oom_kill')) return fail('no oom or oom_kill line');
  return ok(
    defined({
      low: m.get('low'),
      high: m.get('high'),
      max: m.get('max'),
      oom: m.get('oom'),
      oomKill: m.get('oom_kill'),
      oomGroupKill: m.get('oom_group_kill'),
    }),
  );
}

export interface OomControl {
  oomKillDisabled: boolean;
  underOom: boolean;
  /** Absent before Linux 4.13. */
  oomKill?: number;
}

/** Parses v1 memory.oom_control (`oom_kill_disable 0`, `under_oom 0`, `oom_kill N`). */
export function parseOomControl(text: string): Parsed<OomControl> {
  const kv = keyValues(text);
  if (!kv.ok) return kv;
  const disable = kv.value.get('oom_kill_disable');
  const under = kv.value.get('under_oom');
  if (disable === undefined || under === undefined) return fail('no oom_kill_disable or under_oom line');
  return ok(defined({ oomKillDisabled: disable !== 0, underOom: under !== 0, oomKill: kv.value.get('oom_kill') }));
}

export interface HostMemory {
  totalBytes: number;
  /** Absent on kernels older than 3.14. */
  availableBytes?: number;
}

/** Reads MemTotal and MemAvailable of /proc/meminfo (kB lines), in bytes. */
export function parseMeminfo(text: string): Parsed<HostMemory> {
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d{1,19})\\s+kB\\s*$`, 'm').exec(text);
    const n = m ? safeInt(m[1]) : undefined;
    return n === undefined ? undefined : n * 1024;
  };
  const totalBytes = kb('MemTotal');
  if (totalBytes === undefined) return fail('meminfo: no MemTotal line');
  const availableBytes = kb('MemAvailable');
  return ok(availableBytes === undefined ? { totalBytes } : { totalBytes, availableBytes });
}

export interface CgroupReadOptions {
  /** Default /proc. */
  procRoot?: string;
  /** Where the cgroup file systems are mounted. Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** Whose cgroup: a pid or 'self' (default). */
  pid?: number | 'self';
  fs?: ProcFs;
  /**
   * Remembers where the cgroup is (its membership line and directory) between reads, so a periodic sample reads only
   * the memory files; see CgroupLocator.
   */
  locator?: CgroupLocator;
}

/** Where a process's memory cgroup is: what /proc/PID/cgroup said and the directory found for it. */
interface CgroupLocation {
  key: string;
  atMs: number;
  version: 1 | 2;
  path: string;
  mount: string;
  dir: string | undefined;
  /** What locating it read, and its problems (repeated in every read that uses the location). */
  sources: string[];
  problems: CgroupProblem[];
}

/**
 * The file surface of a periodic sampler: each file it reads (the cgroup's memory files, /proc/meminfo) is opened once
 * and read again from offset 0 on every sample (cgroup files and seq_files such as meminfo are rendered afresh on each
 * read) — one pread instead of open, read, read, close, and one buffer instead of a new 16 KB one per read. A kept file
 * whose read fails (ENODEV once its cgroup was removed) is closed and opened afresh once; past `max` kept files the
 * rest are read the plain way; close() releases them all (the monitor does when its cgroup moved).
 */
export class KeptFiles implements ProcFs {
  private readonly fds = new Map<string, number>();
  /** Files opened (tests count them: a steady sampler opens each file once). */
  opened = 0;

  constructor(
    private readonly inner: NodeProcFs = new NodeProcFs(),
    readonly max = 8,
  ) {}

  readdir(path: string): string[] {
    return this.inner.readdir(path);
  }

  uidOf(path: string): number {
    return this.inner.uidOf(path);
  }

  readlink(path: string): string {
    return this.inner.readlink(path);
  }

  readText(path: string): string {
    const kept = this.fds.get(path);
    if (kept !== undefined) {
      try {
        return this.inner.readKept(kept);
      } catch {
        this.drop(path, kept); // opened afresh below: the error, if any, is the fresh open's
      }
    }
    if (this.fds.size >= this.max) return this.inner.readText(path);
    const fd = this.inner.keepOpen(path);
    this.opened++;
    this.fds.set(path, fd);
    try {
      return this.inner.readKept(fd);
    } catch (e) {
      this.drop(path, fd);
      throw e;
    }
  }

  get size(): number {
    return this.fds.size;
  }

  close(): void {
    for (const fd of this.fds.values()) this.inner.closeKept(fd);
    this.fds.clear();
  }

  private drop(path: string, fd: number): void {
    this.inner.closeKept(fd);
    this.fds.delete(path);
  }
}

/**
 * Caches the location of a cgroup for `maxAgeMs` (default 10 minutes): /proc/PID/cgroup and the directory check are
 * read again after that, and at once when a memory file cannot be read from the cached directory (the process moved
 * to another cgroup, the cgroup was removed). A process moved between cgroups is therefore seen within that time, or
 * at the next sample when its old cgroup is gone.
 */
export class CgroupLocator {
  private cached?: CgroupLocation;
  /** How many times the location was read (tests and the idle bench count them). */
  reads = 0;

  constructor(readonly maxAgeMs = 10 * 60_000) {}

  /** @internal the cached location for key, if young enough. */
  get(key: string, nowMs: number): CgroupLocation | undefined {
    const c = this.cached;
    return c && c.key === key && nowMs - c.atMs < this.maxAgeMs ? c : undefined;
  }

  /** @internal */
  set(location: CgroupLocation): void {
    this.reads++;
    this.cached = location;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

function describeError(e: unknown): string {
  const code = errCode(e);
  if (code === 'ENOENT') return 'missing (ENOENT)';
  if (code === 'EACCES' || code === 'EPERM') return `not permitted (${code})`;
  if (code !== 'EUNKNOWN') return `unreadable (${code})`;
  return `unreadable (${e instanceof Error ? e.message : String(e)})`;
}

/** Reads a file, recording it in sources or problems (`missingHint` is added to the reason of a missing file). */
function readInto(procFs: ProcFs, file: string, sources: string[], problems: CgroupProblem[], missingHint = ''): string | undefined {
  try {
    const text = procFs.readText(file);
    sources.push(file);
    return text;
  } catch (e) {
    const reason = describeError(e);
    problems.push({ file, reason: errCode(e) === 'ENOENT' ? reason + missingHint : reason });
    return undefined;
  }
}

/** Parses what readInto returned; an unparsable file moves from sources to problems. */
function use<T>(
  file: string,
  text: string | undefined,
  parsed: (t: string) => Parsed<T>,
  sources: string[],
  problems: CgroupProblem[],
): T | undefined {
  if (text === undefined) return undefined;
  const r = parsed(text);
  if (r.ok) return r.value;
  sources.splice(sources.indexOf(file), 1);
  problems.push({ file, reason: `unparsable: ${r.error}` });
  return undefined;
}

function isDir(procFs: ProcFs, dir: string): boolean {
  try {
    procFs.readdir(dir);
    return true;
  } catch {
    return false;
  }
}

const join = (dir: string, path: string): string => (path === '/' ? dir : `${dir}${path}`);

/**
 * Picks the directory of the cgroup: `<mount><path>`, or, when that is missing and the path is not '/', the mount
 * root itself (a container without its own cgroup namespace sees its host path in /proc/self/cgroup but has its own
 * cgroup mounted at the root). A fallback is recorded in problems.
 */
function cgroupDir(procFs: ProcFs, mount: string, path: string, problems: CgroupProblem[]): string | undefined {
  const dir = join(mount, path);
  if (isDir(procFs, dir)) return dir;
  if (path !== '/' && isDir(procFs, mount)) {
    problems.push({ file: dir, reason: `missing; read the mount root ${mount} instead (a container without its own cgroup namespace?)` });
    return mount;
  }
  problems.push({ file: dir, reason: 'cgroup directory missing' });
  return undefined;
}

/** What a problem line adds when a memory file is missing: the root cgroup has none, memory.peak is Linux 5.19+. */
function missingFileHint(version: 1 | 2, path: string, name: string): string {
  if (version === 2 && path === '/') return '; the root cgroup has no memory files (use /proc/meminfo)';
  if (name === 'memory.peak') return '; memory.peak needs Linux 5.19 or later';
  return '';
}

/** Reads /proc/PID/cgroup and finds the memory cgroup's directory. */
function locate(
  procFs: ProcFs,
  procRoot: string,
  root: string,
  key: string,
  pid: number | 'self',
): CgroupLocation | { error: string; sources: string[]; problems: CgroupProblem[] } {
  const sources: string[] = [];
  const problems: CgroupProblem[] = [];
  const cgroupFile = `${procRoot}/${pid}/cgroup`;
  const membership = use(cgroupFile, readInto(procFs, cgroupFile, sources, problems), parseProcCgroup, sources, problems);
  if (!membership) return { error: `no memory cgroup found in ${cgroupFile}`, sources, problems };
  const { version, path } = membership;
  const mount = version === 1 ? `${root}/memory` : root;
  const dir = cgroupDir(procFs, mount, path, problems);
  return { key, atMs: Date.now(), version, path, mount, dir, sources, problems };
}

/** Reads the memory of a process's cgroup. Never throws. */
export function readCgroupMemory(options: CgroupReadOptions = {}): CgroupMemoryRead {
  const first = readCgroupMemoryOnce(options, true);
  // A memory file missing from a cached directory: the cgroup may have moved. Locate it afresh, once.
  if (first.ok && first.fromCache && first.value.currentBytes === undefined && options.locator) {
    options.locator.invalidate();
    return strip(readCgroupMemoryOnce(options, false));
  }
  return strip(first);
}

function strip(r: CgroupMemoryRead & { fromCache?: boolean }): CgroupMemoryRead {
  delete r.fromCache;
  return r;
}

function readCgroupMemoryOnce(options: CgroupReadOptions, useCache: boolean): CgroupMemoryRead & { fromCache?: boolean } {
  const procRoot = options.procRoot ?? '/proc';
  const root = options.cgroupRoot ?? '/sys/fs/cgroup';
  const procFs = options.fs ?? new NodeProcFs();
  const pid = options.pid ?? 'self';
  const key = `${procRoot}\0${root}\0${pid}`;
  const cached = useCache ? options.locator?.get(key, Date.now()) : undefined;
  const loc = cached ?? locate(procFs, procRoot, root, key, pid);
  if ('error' in loc) return { ok: false, error: loc.error, sources: loc.sources, problems: loc.problems };
  if (!cached) options.locator?.set(loc);
  const sources = [...loc.sources];
  const problems = [...loc.problems];
  const { version, path, mount, dir } = loc;
  const names = version === 1 ? CGROUP_V1_FILES : CGROUP_V2_FILES;
  if (dir === undefined) {
    for (const name of names) problems.push({ file: `${join(mount, path)}/${name}`, reason: 'not read: cgroup directory missing' });
    return { ok: true, value: { version, path, dir: join(mount, path), sources, problems }, fromCache: !!cached };
  }
  const value: CgroupMemory = { version, path, dir, sources, problems };
  const read = <T>(name: string, parsed: (t: string) => Parsed<T>): T | undefined => {
    const file = `${dir}/${name}`;
    const hint = missingFileHint(version, path, name);
    return use(file, readInto(procFs, file, sources, problems, hint), parsed, sources, problems);
  };
  const [currentName, limitName, peakName, eventsName] = names;
  const current = read(currentName, parseCgroupBytes);
  if (current !== undefined) value.currentBytes = current;
  const limit = read(limitName, parseCgroupLimit);
  if (limit === 'unlimited') value.unlimited = true;
  else if (limit !== undefined) value.limitBytes = limit;
  const peak = read(peakName, parseCgroupBytes);
  if (peak !== undefined) value.peakBytes = peak;
  if (version === 2) {
    const events = read(eventsName, parseMemoryEvents);
    if (events) {
      value.events = events;
      value.oomEvents = defined({ oom: events.oom, oomKill: events.oomKill });
    }
  } else {
    const control = read(eventsName, parseOomControl);
    if (control) {
      value.oomKillDisabled = control.oomKillDisabled;
      value.underOom = control.underOom;
      value.oomEvents = defined({ oomKill: control.oomKill });
    }
  }
  return { ok: true, value, fromCache: !!cached };
}

/** Reads MemTotal/MemAvailable of `<procRoot>/meminfo`. Never throws. */
export function readHostMemory(procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): Parsed<HostMemory> {
  const file = `${procRoot}/meminfo`;
  let text: string;
  try {
    text = procFs.readText(file);
  } catch (e) {
    return fail(`${file}: ${describeError(e)}`);
  }
  return parseMeminfo(text);
}

export interface OomEventDiff {
  /** New `oom` events (v2) since prev. */
  oom: number;
  /** New processes killed by the OOM killer since prev. */
  oomKill: number;
  /** A counter went down (the cgroup was recreated, or the process moved to another cgroup): counted from zero. */
  reset: boolean;
}

/**
 * How many OOM events happened between two readings. A counter that went down was reset (the cgroup was recreated),
 * so everything it counts now is new. With no previous reading (or a counter missing on either side) nothing is
 * counted: there is no baseline.
 */
export function diffOomEvents(prev: OomEventCounts | undefined, next: OomEventCounts | undefined): OomEventDiff {
  let reset = false;
  const diff = (a: number | undefined, b: number | undefined): number => {
    if (a === undefined || b === undefined) return 0;
    if (b >= a) return b - a;
    reset = true;
    return b;
  };
  const oom = diff(prev?.oom, next?.oom);
  const oomKill = diff(prev?.oomKill, next?.oomKill);
  return { oom, oomKill, reset };
}
