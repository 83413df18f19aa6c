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
   * Also yield once a slice has run this long (checked every 16 processes), so a slow machine or a cold cache never
   * blocks the extension host for more than a few milliseconds. Default 4 ms; 0 turns the time check off.
   */
  sliceBudgetMs?: number;
  pageSize?: number;
  clockTicks?: number;
  /** Injected for tests; defaults to setImmediate. */
  yieldToLoop?: () => Promise<void>;
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
  const budgetMs = options.sliceBudgetMs ?? 4;
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

  // The first slice's clock started before /proc was listed and sorted (a few ms at thousands of pids).
  let sliceStart = listedFrom;
  let sliceStartIdx = 0;
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && (i - sliceStartIdx >= sliceSize || (budgetMs > 0 && (i & 15) === 0 && performance.now() - sliceStart >= budgetMs))) {
      await yieldToLoop();
      sliceStart = performance.now();
      sliceStartIdx = i;
    }
    readOne(procRoot, procFs, pids[i], snapshot);
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

function readOne(procRoot: string, procFs: ProcFs, pid: number, snapshot: Snapshot): void {
  const dir = `${procRoot}/${pid}`;
  let statText: string;
  let cmdlineText: string;
  let uid: number;
  try {
    uid = procFs.uidOf(dir);
    statText = procFs.readText(`${dir}/stat`);
    cmdlineText = procFs.readText(`${dir}/cmdline`);
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
    uid,
    argv: parseCmdline(cmdlineText).map(utf8),
  });
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
