// Who an OOM kill hit: the killed pid (+ comm) matched against a small ring of recent process scans, then named by
// its place in the tree: an AI tree, a terminal's shell or job, an extension host, a process of an extension, another
// code-server process, or not a code-server process. Also the list of kills (both kernel lines of one kill merged) and
// the notification rate limit. Pure: no `vscode`.
import { commandLabel } from '../../probes/format';
import { KernelOomEvent } from '../../probes/kernelLog';
import { ProcessRecord, Snapshot, ancestorsOf } from '../../probes/scanner';
import { Topology } from '../../probes/topology';

export interface RingScan {
  snapshot: Snapshot;
  topology: Topology;
}

/** The last few scans, newest first, each kept at most maxAgeMs: a killed process is gone from the next scan. */
export class ScanRing {
  private scans: RingScan[] = [];
  constructor(
    readonly size = 5,
    readonly maxAgeMs = 10 * 60_000,
  ) {}

  add(scan: RingScan): void {
    if (scan.snapshot.unavailable || this.scans[0]?.snapshot === scan.snapshot) return;
    this.scans.unshift(scan);
    if (this.scans.length > this.size) this.scans.length = this.size;
  }

  /** Scans young enough at nowMs, newest first. */
  recent(nowMs: number): RingScan[] {
    return this.scans.filter((s) => nowMs - s.snapshot.takenAtMs <= this.maxAgeMs);
  }

  /** The newest record of pid whose comm matches (the kernel's comm is the same 15-character name as /proc stat). */
  find(pid: number, comm: string | undefined, nowMs: number): { record: ProcessRecord; scan: RingScan } | undefined {
    for (const scan of this.recent(nowMs)) {
      const record = scan.snapshot.processes.get(pid);
      if (record && (comm === undefined || sameComm(record.comm, comm))) return { record, scan };
    }
    return undefined;
  }
}

const sameComm = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

export const VICTIM_KINDS = ['ai', 'terminal', 'extensionHost', 'ptyHost', 'extension', 'codeServer', 'notCodeServer', 'unknown'] as const;
export type VictimKind = (typeof VICTIM_KINDS)[number];

export interface Victim {
  kind: VictimKind;
  /** "terminal 2 · node alloc.js", "Claude Code", "extension host pid 123 (this window)". Secrets redacted. */
  label: string;
  /** The process as last scanned, when it was. */
  record?: ProcessRecord;
}

export interface VictimContext {
  selfPid: number;
  /** The AI tree a pid belongs to in that scan ("Claude Code", "MCP server-filesystem"), if any. */
  aiNameOf?(scan: RingScan, pid: number): string | undefined;
  /** "terminal 2" for the shell pid of one of this window's terminals. */
  terminalNameOf?(shellPid: number): string | undefined;
}

const EXTENSION_DIR_RE = /\/extensions\/([a-z0-9][\w-]*\.[\w-]+?)-\d+\.\d+\.\d+[^/]*\//i;

/** The extension whose folder a process runs from (`…/extensions/<publisher.name>-<version>/…`). */
export function extensionOfArgv(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    const m = EXTENSION_DIR_RE.exec(a);
    if (m) return m[1];
  }
  return undefined;
}

/** Names the victim of a kill. Unknown when no recent scan saw that pid: never guessed from the comm alone. */
export function identifyVictim(kill: { pid: number; comm: string }, ring: ScanRing, ctx: VictimContext, nowMs: number): Victim {
  const found = ring.find(kill.pid, kill.comm, nowMs);
  if (!found) return { kind: 'unknown', label: `${kill.comm} (pid ${kill.pid}): not seen in a recent scan` };
  const { record, scan } = found;
  const { topology, snapshot } = scan;
  const cmd = commandLabel(record.argv, record.comm);
  const role = topology.roles.get(record.pid);
  const hostLabel = (pid: number) => `extension host pid ${pid}${pid === ctx.selfPid ? ' (this window)' : ''}`;
  if (role === 'extensionHost') return { kind: 'extensionHost', label: hostLabel(record.pid), record };
  if (role === 'ptyHost') return { kind: 'ptyHost', label: `pty host pid ${record.pid} (all terminals of its server)`, record };
  if (role) return { kind: 'codeServer', label: `code-server ${role} pid ${record.pid}`, record };
  const ai = ctx.aiNameOf?.(scan, record.pid);
  if (ai) return { kind: 'ai', label: `${ai} · ${cmd}`, record };
  const ancestors = ancestorsOf(snapshot, record.pid);
  const chain = [record, ...ancestors];
  for (let i = 0; i < chain.length; i++) {
    const up = chain[i];
    const upRole = topology.roles.get(up.pid);
    if (upRole === 'ptyHost') {
      const shell = chain[i - 1];
      const name = ctx.terminalNameOf?.(shell.pid) ?? `terminal shell ${shell.pid}`;
      return { kind: 'terminal', label: shell === record ? `${name} · its shell (${cmd})` : `${name} · ${cmd}`, record };
    }
    if (upRole === 'extensionHost') {
      const ext =
        extensionOfArgv(record.argv) ??
        chain
          .slice(0, i)
          .map((p) => extensionOfArgv(p.argv))
          .find(Boolean);
      const of = ext ? `process of extension ${ext}` : 'process';
      return { kind: 'extension', label: `${of} · ${cmd} (under ${hostLabel(up.pid)})`, record };
    }
    if (upRole) return { kind: 'codeServer', label: `${cmd} (under code-server ${upRole} pid ${up.pid})`, record };
  }
  return { kind: 'notCodeServer', label: `${cmd}: not a code-server process`, record };
}

/** One OOM kill as the Memory view lists it. */
export interface OomKillEntry {
  pid: number;
  comm: string;
  atMs: number;
  /** Where it was seen: 'kmsg', 'dmesg', 'journal', 'cgroup'. */
  sources: string[];
  /** task_memcg of the oom-kill line. */
  cgroup?: string;
  trigger?: 'memcg' | 'global';
  rssKb?: number;
  victim: Victim;
}

/** Lines of one kill arrive within this window. */
const SAME_KILL_MS = 10_000;

/**
 * Adds a kernel event to the kill list: merged into the kill of the same pid and comm seen within 10 s (a kernel logs an
 * oom-kill and a Killed process line per kill), else a new entry. Returns the entry and whether it is new. Bounded.
 */
export function addKill(
  kills: OomKillEntry[],
  event: KernelOomEvent,
  victim: () => Victim,
  nowMs: number,
  max = 50,
): { entry: OomKillEntry; isNew: boolean } {
  const atMs = event.atMs ?? nowMs;
  const known = kills.find((k) => k.pid === event.pid && sameComm(k.comm, event.comm) && Math.abs(k.atMs - atMs) <= SAME_KILL_MS);
  if (known) {
    if (!known.sources.includes(event.source)) known.sources.push(event.source);
    known.cgroup ??= event.cgroup;
    known.trigger ??= event.trigger;
    known.rssKb ??= event.rssKb;
    return { entry: known, isNew: false };
  }
  const entry: OomKillEntry = { pid: event.pid, comm: event.comm, atMs, sources: [event.source], victim: victim() };
  if (event.cgroup !== undefined) entry.cgroup = event.cgroup;
  if (event.trigger !== undefined) entry.trigger = event.trigger;
  if (event.rssKb !== undefined) entry.rssKb = event.rssKb;
  kills.push(entry);
  if (kills.length > max) kills.splice(0, kills.length - max);
  return { entry, isNew: true };
}

/** At most `limit` notifications per `windowMs`; the rest are counted as suppressed (the view still lists them). */
export class RateLimiter {
  private times: number[] = [];
  suppressed = 0;
  constructor(
    readonly limit = 3,
    readonly windowMs = 60_000,
  ) {}

  take(nowMs: number): boolean {
    this.times = this.times.filter((t) => nowMs - t < this.windowMs);
    if (this.times.length >= this.limit) {
      this.suppressed++;
      return false;
    }
    this.times.push(nowMs);
    return true;
  }
}
