// OOM counters of a cgroup subtree, for live OOM kills without /dev/kmsg. cgroup v2: the own cgroup's memory.events
// (hierarchical: counts kills anywhere below) and memory.events.local (only this cgroup), plus memory.events.local of
// the child cgroups; cgroup v1 (counters are not hierarchical): memory.oom_control of the own cgroup and of every
// child memory cgroup below it. The walk is bounded (depth, count) and re-listed only on a slow interval; between
// listings a poll reads one small file per cgroup. Pure Node, no `vscode`; never throws.
import { NodeProcFs, ProcFs, errCode } from './procFs';
import { OomEventCounts, parseMemoryEvents, parseOomControl } from './cgroup';

export interface CgroupWalkLimits {
  /** Levels below the own cgroup (0: the own cgroup only). */
  maxDepth: number;
  /** Cgroups in all, the own one included. */
  maxCount: number;
}

export const DEFAULT_WALK_LIMITS: CgroupWalkLimits = { maxDepth: 3, maxCount: 64 };

export interface CgroupTree {
  /** Directories, the own cgroup first, then breadth first (sorted by name within a level). */
  dirs: string[];
  /** Why some cgroups were left out (depth or count limit, unreadable directory). */
  notIncluded: string[];
}

/** Entries of a cgroup directory that are control files, never child cgroups (saves a readdir per file). */
const CONTROL_FILE_RE =
  /^(?:cgroup|memory|cpu|cpuset|cpuacct|io|pids|hugetlb|rdma|misc|blkio|devices|freezer|net_cls|net_prio|perf_event)\.|^(?:tasks|notify_on_release|release_agent)$/;

function listDir(fs: ProcFs, dir: string): string[] | undefined {
  try {
    return fs.readdir(dir);
  } catch {
    return undefined;
  }
}

/** The cgroups at and below `root`, breadth first, within the limits; what was left out is said. */
export function listCgroupTree(fs: ProcFs, root: string, limits: CgroupWalkLimits = DEFAULT_WALK_LIMITS): CgroupTree {
  const dirs: string[] = [];
  const notIncluded: string[] = [];
  const rootEntries = listDir(fs, root);
  if (rootEntries === undefined) return { dirs, notIncluded: [`${root}: not readable`] };
  dirs.push(root);
  let level: { dir: string; entries: string[] }[] = [{ dir: root, entries: rootEntries }];
  let skippedByCount = 0;
  for (let depth = 1; level.length > 0; depth++) {
    const next: { dir: string; entries: string[] }[] = [];
    for (const { dir, entries } of level) {
      for (const name of [...entries].sort()) {
        if (CONTROL_FILE_RE.test(name)) continue;
        const child = `${dir}/${name}`;
        const childEntries = listDir(fs, child);
        if (childEntries === undefined) continue; // a file, or gone
        if (depth > limits.maxDepth) {
          notIncluded.push(`${child} and below: deeper than ${limits.maxDepth} level(s)`);
          continue;
        }
        if (dirs.length >= limits.maxCount) {
          skippedByCount++;
          continue;
        }
        dirs.push(child);
        next.push({ dir: child, entries: childEntries });
      }
    }
    level = next;
  }
  if (skippedByCount > 0) notIncluded.push(`${skippedByCount} more cgroup(s) and any below them: more than ${limits.maxCount} in all`);
  return { dirs, notIncluded };
}

export interface OomCounterReading {
  version: 1 | 2;
  ownDir: string;
  /** v2 only: memory.events of the own cgroup (kills in the whole subtree). */
  hierarchical?: OomEventCounts;
  /** Per cgroup directory: its own counters (v2 memory.events.local, v1 memory.oom_control). */
  local: Map<string, OomEventCounts>;
  problems: { file: string; reason: string }[];
}

function readCounts(fs: ProcFs, file: string, version: 1 | 2, problems: OomCounterReading['problems']): OomEventCounts | undefined {
  let text: string;
  try {
    text = fs.readText(file);
  } catch (e) {
    problems.push({ file, reason: errCode(e) === 'ENOENT' ? 'missing' : `unreadable (${errCode(e)})` });
    return undefined;
  }
  if (version === 2) {
    const r = parseMemoryEvents(text);
    if (!r.ok) problems.push({ file, reason: `unparsable: ${r.error}` });
    return r.ok ? { oom: r.value.oom, oomKill: r.value.oomKill } : undefined;
  }
  const r = parseOomControl(text);
  if (!r.ok) problems.push({ file, reason: `unparsable: ${r.error}` });
  // Before Linux 4.13 oom_control has no oom_kill line: under_oom is all there is, and it says nothing about kills.
  return r.ok && r.value.oomKill !== undefined ? { oomKill: r.value.oomKill } : undefined;
}

/** Reads the OOM counters of the listed cgroups (dirs[0] is the own cgroup). */
export function readOomCounters(fs: ProcFs, version: 1 | 2, dirs: readonly string[]): OomCounterReading {
  const problems: OomCounterReading['problems'] = [];
  const local = new Map<string, OomEventCounts>();
  const ownDir = dirs[0] ?? '';
  const reading: OomCounterReading = { version, ownDir, local, problems };
  if (version === 2 && dirs.length > 0) reading.hierarchical = readCounts(fs, `${ownDir}/memory.events`, 2, problems);
  for (const dir of dirs) {
    const counts = readCounts(fs, `${dir}/${version === 2 ? 'memory.events.local' : 'memory.oom_control'}`, version, problems);
    if (counts) local.set(dir, counts);
  }
  return reading;
}

export interface CgroupOomChange {
  /** The cgroup directory the kills were counted in; for v2 kills below the listed cgroups, the own cgroup. */
  dir: string;
  oomKill: number;
  oom: number;
  /** v2: counted by the own cgroup's hierarchical memory.events but in none of the listed cgroups. */
  belowListed?: boolean;
}

const delta = (a: number | undefined, b: number | undefined): number => {
  if (a === undefined || b === undefined) return 0;
  return b >= a ? b - a : b; // a counter that went down belongs to a recreated cgroup: all it counts is new
};

/**
 * What changed between two readings, per cgroup. A cgroup that is new in `next` has no baseline and counts nothing
 * (it is seen from its first reading on). v2: what the hierarchical counter gained beyond the listed cgroups' local
 * counters (kills in cgroups past the walk limits, or created and removed between two polls) is one more change.
 */
export function diffOomCounters(prev: OomCounterReading | undefined, next: OomCounterReading): CgroupOomChange[] {
  if (!prev || prev.version !== next.version || prev.ownDir !== next.ownDir) return [];
  const changes: CgroupOomChange[] = [];
  let localKills = 0;
  let localOoms = 0;
  for (const [dir, counts] of next.local) {
    const before = prev.local.get(dir);
    if (!before) continue;
    const oomKill = delta(before.oomKill, counts.oomKill);
    const oom = delta(before.oom, counts.oom);
    localKills += oomKill;
    localOoms += oom;
    if (oomKill > 0 || oom > 0) changes.push({ dir, oomKill, oom });
  }
  if (next.version === 2) {
    const oomKill = delta(prev.hierarchical?.oomKill, next.hierarchical?.oomKill) - localKills;
    const oom = delta(prev.hierarchical?.oom, next.hierarchical?.oom) - localOoms;
    if (oomKill > 0 || oom > 0) changes.push({ dir: next.ownDir, oomKill: Math.max(0, oomKill), oom: Math.max(0, oom), belowListed: true });
  }
  return changes;
}

export interface CgroupOomWatcherOptions {
  version: 1 | 2;
  /** The own cgroup's directory (as readCgroupMemory found it). */
  ownDir: string;
  limits?: CgroupWalkLimits;
  /** How often the subtree is listed again. Default 60 s. */
  relistMs?: number;
  fs?: ProcFs;
}

export interface CgroupOomStatus {
  version: 1 | 2;
  ownDir: string;
  /** Cgroups whose counters are read. */
  watched: number;
  notIncluded: string[];
  problems: { file: string; reason: string }[];
  /** Kills counted since the watcher started. */
  kills: number;
}

/** Polls the OOM counters of a cgroup subtree; each poll returns what changed since the previous one. */
export class CgroupOomWatcher {
  private tree?: CgroupTree;
  private listedAtMs = -Infinity;
  private last?: OomCounterReading;
  private kills = 0;
  private readonly fs: ProcFs;

  constructor(private readonly o: CgroupOomWatcherOptions) {
    this.fs = o.fs ?? new NodeProcFs();
  }

  get ownDir(): string {
    return this.o.ownDir;
  }

  poll(nowMs: number): CgroupOomChange[] {
    if (!this.tree || nowMs - this.listedAtMs >= (this.o.relistMs ?? 60_000)) {
      this.tree = listCgroupTree(this.fs, this.o.ownDir, this.o.limits ?? DEFAULT_WALK_LIMITS);
      this.listedAtMs = nowMs;
    }
    const next = readOomCounters(this.fs, this.o.version, this.tree.dirs.length ? this.tree.dirs : [this.o.ownDir]);
    const changes = diffOomCounters(this.last, next);
    this.last = next;
    for (const c of changes) this.kills += c.oomKill;
    return changes;
  }

  status(): CgroupOomStatus {
    return {
      version: this.o.version,
      ownDir: this.o.ownDir,
      watched: this.tree?.dirs.length ?? 0,
      notIncluded: this.tree?.notIncluded ?? [],
      problems: this.last?.problems ?? [],
      kills: this.kills,
    };
  }
}
