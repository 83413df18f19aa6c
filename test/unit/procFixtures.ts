// Shared helpers of the unit tests: the committed fake /proc trees (test/fixtures/proc, made by
// test/fixtures/make-proc-fixtures.js), a ProcFs that injects errors, in-memory and edited snapshots,
// Terminals models of a snapshot, and action targets.
import * as fs from 'fs';
import * as path from 'path';
import { ProcessTarget } from '../../src/core/safety';
import { NodeProcFs, ProcFs } from '../../src/probes/procFs';
import { ProcessRecord, ScanOptions, Snapshot, readCwd, scanProcesses } from '../../src/probes/scanner';
import { TerminalsModel, buildTerminalsModel } from '../../src/features/terminals/model';
import { classifyTopology } from '../../src/probes/topology';
import { WindowEntry } from '../../src/probes/windowRegistry';

/** The repository root: the nearest folder above this file with a package.json (works from out/ and from test/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export const FIXTURES = path.join(repoRoot(), 'test', 'fixtures', 'proc');

/** `btime` written into every fixture's top-level stat. */
export const BTIME = 1795400000;

export const fixtureRoot = (name: 'codeserver' | 'edge' | 'empty'): string => path.join(FIXTURES, name);

export function scanFixture(name: 'codeserver' | 'edge' | 'empty', options: ScanOptions = {}): Promise<Snapshot> {
  return scanProcesses({ procRoot: fixtureRoot(name), pageSize: 4096, ...options });
}

/** The record of pid, failing the test if the snapshot lacks it. */
export function proc(snapshot: Snapshot, pid: number): ProcessRecord {
  const p = snapshot.processes.get(pid);
  if (!p) throw new Error(`pid ${pid} is not in the snapshot (skipped: ${JSON.stringify(snapshot.skipped)})`);
  return p;
}

export const pidsOf = (records: readonly { pid: number }[]): number[] => records.map((r) => r.pid);

/** An fs error like Node's: an Error with a `code`. */
export function fsError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${path}`), { code, path });
}

type Method = 'readdir' | 'readText' | 'uidOf' | 'readlink';

/**
 * NodeProcFs with injected faults. `faults` maps a path (as the probes build it), or `method:path` to hit one method
 * only (e.g. `uidOf:/x/12`), to an error code to throw as an fs error, or to an Error to throw as it is.
 * Records every call as `method:path`.
 */
export class FaultyProcFs implements ProcFs {
  readonly calls: string[] = [];
  private readonly real = new NodeProcFs();

  constructor(private readonly faults: Record<string, string | Error>) {}

  readdir(p: string): string[] {
    return this.guard('readdir', p, () => this.real.readdir(p));
  }

  readText(p: string): string {
    return this.guard('readText', p, () => this.real.readText(p));
  }

  uidOf(p: string): number {
    return this.guard('uidOf', p, () => this.real.uidOf(p));
  }

  readlink(p: string): string {
    return this.guard('readlink', p, () => this.real.readlink(p));
  }

  private guard<T>(method: Method, p: string, read: () => T): T {
    this.calls.push(`${method}:${p}`);
    const fault = this.faults[`${method}:${p}`] ?? this.faults[p];
    if (fault instanceof Error) throw fault;
    if (fault) throw fsError(fault, p);
    return read();
  }
}

/** A record with plausible defaults, for in-memory trees. */
export function record(pid: number, ppid: number, fields: Partial<ProcessRecord> = {}): ProcessRecord {
  return {
    pid,
    ppid,
    comm: 'proc',
    state: 'S',
    pgrp: pid,
    session: pid,
    tpgid: -1,
    starttime: 1000,
    startedAtMs: 0,
    cpuTicks: 0,
    rssBytes: 4096,
    uid: 0,
    argv: [],
    ...fields,
  };
}

/** A snapshot of the given records, with the children map built as the scanner builds it (pid order). */
export function snapshotOf(records: readonly ProcessRecord[], extra: Partial<Snapshot> = {}): Snapshot {
  const processes = new Map([...records].sort((a, b) => a.pid - b.pid).map((r) => [r.pid, r] as const));
  const children = new Map<number, number[]>();
  for (const r of processes.values()) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r.pid]);
  return {
    procRoot: '/nonexistent',
    takenAtMs: 0,
    durationMs: 0,
    processes,
    children,
    skipped: [],
    clockTicks: 100,
    pageSize: 4096,
    bootTimeMs: BTIME * 1000,
    ...extra,
  };
}

/** A copy of snapshot with some records changed (fields merged in) or removed (null), and `added` ones added.
 * The children map is rebuilt; the original snapshot and its records are left untouched. */
export function editSnapshot(
  snapshot: Snapshot,
  edits: Record<number, Partial<ProcessRecord> | null>,
  added: readonly ProcessRecord[] = [],
): Snapshot {
  const records = [...snapshot.processes.values()]
    .filter((r) => edits[r.pid] !== null)
    .map((r) => (edits[r.pid] ? { ...r, ...edits[r.pid] } : r));
  const rebuilt = snapshotOf([...records, ...added]);
  return { ...snapshot, processes: rebuilt.processes, children: rebuilt.children };
}

/** Named pids of the codeserver fixture (see make-proc-fixtures.js). */
export const CS = {
  init: 1,
  launcher: 10583, // node …/out/node/entry.js: server
  server: 10597, // node …/out/node/entry: server
  fileWatcher: 10753,
  extHost: 10873, // the extension host "this extension" runs in
  agentHost: 10874,
  copilot: 10899, // child of the agent host, long argv
  ptyHost: 10922,
  busy: 10946, // shell running `sleep 1000` in the foreground, age 1 s
  sleep: 11122,
  cpuUsageSh: 11130, // pty host helper (sh -c …/cpuUsage.sh)
  cpuUsage: 11131,
  idle: 11200, // idle shell, age 5 min, cwd /home/coder/ws/café
  serving: 11300, // shell running `node server.js` (+ esbuild), age 1 h
  node: 11310,
  esbuild: 11311,
} as const;

/** The moment the codeserver fixture was taken: 5000 s after boot. */
export const CS_NOW = (BTIME + 5000) * 1000;

/** A registry entry of a window (extension host pid) claiming terminalPids. */
export const windowEntry = (pid: number, terminalPids: number[]): WindowEntry => ({
  version: 1,
  pid,
  starttime: 1,
  terminalPids,
  updatedAtMs: 0,
});

export interface ModelOptions {
  selfPid?: number;
  /** Shell pids that are terminals of this window. */
  own?: number[];
  windows?: WindowEntry[];
  nowMs?: number;
}

/** The Terminals model of a snapshot as the extension builds it (cwd read from the snapshot's proc root). */
export function terminalsModelOf(snapshot: Snapshot, options: ModelOptions = {}): TerminalsModel {
  const selfPid = options.selfPid ?? CS.extHost;
  return buildTerminalsModel({
    snapshot,
    topology: classifyTopology(snapshot, selfPid),
    selfPid,
    ownTerminalPids: new Set(options.own ?? []),
    liveWindows: options.windows ?? [],
    readCwd: (pid) => readCwd(pid, snapshot.procRoot),
    nowMs: options.nowMs ?? CS_NOW,
  });
}

/** A ProcessTarget with plausible defaults (60 MiB, age 1 h, detached, no descendants). */
export function processTarget(pid: number, fields: Partial<ProcessTarget> = {}): ProcessTarget {
  return {
    pid,
    starttime: 1000 + pid,
    uid: 1000,
    name: `proc${pid}`,
    facts: 'detached, age 1 h',
    rssBytes: 60 * 1024 * 1024,
    ageMs: 3_600_000,
    descendants: [],
    ...fields,
  };
}
