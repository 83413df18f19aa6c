// How tracked trees ended: the AI trees, the terminals' jobs, the extension hosts and pty hosts of consecutive scans are
// followed by root identity (pid + start time); when a root is gone from a scan, its end is classified from the
// evidence (OOM kill of a member, a signal this window sent, the shell that runs it) and kept in a short history; the
// same thing ending again and again is a restart loop. Pure: no `vscode`.
import * as crypto from 'crypto';
import { commandLabel, formatBytes, formatDuration, fullCommand } from '../../probes/format';
import { ProcessRecord, Snapshot, descendantsOf } from '../../probes/scanner';
import { Topology, serverOf } from '../../probes/topology';
import { AiRow, aiName } from '../ai/model';
import { foregroundOf, isPtyHostHelper, leadsOwnSession } from '../terminals/model';

export const END_KINDS = ['oom', 'signal', 'heap_exhausted', 'exit', 'unexpected_exit'] as const;
export type EndKind = (typeof END_KINDS)[number];
export const TREE_KINDS = ['ai', 'terminal', 'extensionHost', 'ptyHost'] as const;
export type TreeKind = (typeof TREE_KINDS)[number];

/** One tracked tree as last seen in a scan. */
export interface TrackedTree {
  kind: TreeKind;
  pid: number;
  starttime: number;
  startedAtMs: number;
  /** "terminal 2 · npm test", "Claude Code · MCP server-github", "extension host (this window)". Secrets redacted. */
  label: string;
  /** The same thing across restarts (window, MCP config key, command line); only its hash is kept. */
  thing: string;
  /** pids whose OOM kill or signal explains the tree's end (the root; for AI trees and jobs, the members too). */
  pids: number[];
  /** RSS of the root and its descendants. */
  rssBytes: number;
  /** The end without other evidence: 'exit' for a terminal's job (its exit status goes to the shell, not to us). */
  plainEnd: 'exit' | 'unexpected_exit';
}

/** One end, as the Memory view lists it and the history keeps it. */
export interface EndEntry {
  /** When the end was seen (the first scan without the root). */
  atMs: number;
  /** The last scan that saw it alive: the end happened in between. */
  lastSeenAtMs: number;
  kind: EndKind;
  treeKind: TreeKind;
  label: string;
  pid: number;
  starttime: number;
  uptimeMs: number;
  lastRssBytes: number;
  /** Why this kind, one sentence. */
  reason: string;
  /** Hash of TrackedTree.thing: restart loops group by it. */
  thingKey: string;
  /** Evidence pids (for an OOM kill reported after the end was seen). At most MAX_PIDS. */
  pids: number[];
  /** Exit code, where observable (our own children only). */
  code?: number;
}

export const MAX_ENDS = 50;
export const MAX_PIDS = 64;
/** Kernel and scan clocks differ a little. */
const SLACK_MS = 5_000;

export const thingKey = (thing: string): string => crypto.createHash('sha256').update(thing).digest('hex').slice(0, 16);

export interface EndEvidence {
  /** OOM kills seen (OomKillEntry fits). */
  oomKills: readonly { pid: number; comm?: string; atMs: number }[];
  /** Signals this window sent (SignalBook fits). */
  signalled?: { find(pids: readonly number[], fromMs: number, untilMs: number): { pid: number; signal: string } | undefined };
}

/** How a vanished tree ended: an OOM kill of one of its pids, a signal we sent, else its plain end. */
export function classifyEnd(tree: TrackedTree, atMs: number, evidence: EndEvidence): Pick<EndEntry, 'kind' | 'reason'> {
  const from = tree.startedAtMs - SLACK_MS;
  const kill = evidence.oomKills.find((k) => tree.pids.includes(k.pid) && k.atMs >= from && k.atMs <= atMs + SLACK_MS);
  if (kill) return { kind: 'oom', reason: oomReason(tree, kill) };
  const sig = evidence.signalled?.find(tree.pids, from, atMs);
  if (sig) return { kind: 'signal', reason: `stopped from this window (${sig.signal} to pid ${sig.pid}, recorded in the audit log)` };
  if (tree.plainEnd === 'exit')
    return { kind: 'exit', reason: 'ended in its terminal (its exit status goes to the shell: not observable here)' };
  return { kind: 'unexpected_exit', reason: 'ended without an OOM kill or a signal from this window' };
}

const oomReason = (tree: { pid: number }, kill: { pid: number; comm?: string }): string =>
  `the kernel OOM killer killed ${kill.pid === tree.pid ? 'its root' : 'its member'} pid ${kill.pid}${kill.comm ? ` (${kill.comm})` : ''}`;

/**
 * Follows trees across scans by root identity. observe() takes each new scan with the trees it shows; a root whose pid
 * is gone (or now has another start time: pid reuse) ended between the last scan that saw it and this one. A tree
 * whose root is still alive but not listed this time (e.g. the AI model was not rebuilt) stays tracked.
 */
export class EndTracker {
  private live = new Map<string, { tree: TrackedTree; lastSeenAtMs: number }>();
  private lastAtMs = 0;
  constructor(readonly maxTracked = 2000) {}

  get tracked(): number {
    return this.live.size;
  }

  observe(
    snapshot: Pick<Snapshot, 'takenAtMs' | 'unavailable'> & { processes: ReadonlyMap<number, Pick<ProcessRecord, 'starttime'>> },
    trees: readonly TrackedTree[],
    evidence: EndEvidence,
  ): EndEntry[] {
    // An older scan than one already observed (a model built from it published late) would end trees started since.
    if (snapshot.unavailable || snapshot.takenAtMs < this.lastAtMs) return [];
    const at = (this.lastAtMs = snapshot.takenAtMs);
    const ends: EndEntry[] = [];
    for (const [key, t] of this.live) {
      const rec = snapshot.processes.get(t.tree.pid);
      if (rec && rec.starttime === t.tree.starttime) {
        t.lastSeenAtMs = at;
        continue;
      }
      this.live.delete(key);
      ends.push(endEntry(t.tree, t.lastSeenAtMs, at, evidence));
    }
    for (const tree of trees) {
      // Only roots alive in this scan (trees of an older model whose root is gone are not started now).
      if (snapshot.processes.get(tree.pid)?.starttime !== tree.starttime) continue;
      const key = `${tree.pid}:${tree.starttime}`;
      const known = this.live.get(key);
      if (known) known.tree = tree;
      else if (this.live.size < this.maxTracked) this.live.set(key, { tree, lastSeenAtMs: at });
    }
    return ends;
  }
}

export function endEntry(tree: TrackedTree, lastSeenAtMs: number, atMs: number, evidence: EndEvidence): EndEntry {
  const { kind, reason } = classifyEnd(tree, atMs, evidence);
  return {
    atMs,
    lastSeenAtMs,
    kind,
    treeKind: tree.kind,
    label: tree.label,
    pid: tree.pid,
    starttime: tree.starttime,
    uptimeMs: Math.max(0, lastSeenAtMs - tree.startedAtMs),
    lastRssBytes: tree.rssBytes,
    reason,
    thingKey: thingKey(tree.thing),
    pids: tree.pids.slice(0, MAX_PIDS),
  };
}

/** Adds ends to the history (oldest first; one entry per pid + start time), keeping the newest MAX_ENDS. */
export function addEnds(history: readonly EndEntry[], ends: readonly EndEntry[]): EndEntry[] {
  const known = new Set(history.map((e) => `${e.pid}:${e.starttime}`));
  const added = ends.filter((e) => !known.has(`${e.pid}:${e.starttime}`));
  return [...history, ...added].sort((a, b) => a.atMs - b.atMs).slice(-MAX_ENDS);
}

/** Ends of this window's earlier extension hosts, as lifecycle.ts classified them at start (clean ends and restarts left out). */
export function lifecycleEnds(
  previous: readonly {
    record: { pid: number; starttime: number; startedAtMs: number; lastSeenAtMs?: number; endedAtMs?: number };
    explanation: { end: string; reason: string };
  }[],
  windowKey: string,
  lastRssOf: (fromMs: number, untilMs: number) => number | undefined,
): EndEntry[] {
  const out: EndEntry[] = [];
  for (const { record: r, explanation: x } of previous) {
    if (x.end !== 'oom' && x.end !== 'heap_exhausted' && x.end !== 'unexpected_exit') continue;
    const last = r.endedAtMs ?? r.lastSeenAtMs ?? r.startedAtMs;
    out.push({
      atMs: last,
      lastSeenAtMs: last,
      kind: x.end,
      treeKind: 'extensionHost',
      label: 'extension host (this window, before this one)',
      pid: r.pid,
      starttime: r.starttime,
      uptimeMs: Math.max(0, last - r.startedAtMs),
      lastRssBytes: lastRssOf(r.startedAtMs, last) ?? 0,
      reason: x.reason,
      thingKey: thingKey(`exthost:${windowKey}`),
      pids: [r.pid],
    });
  }
  return out;
}

/**
 * An OOM kill reported after its tree's end was seen (the kernel log read later than the scan): that end, if one of its
 * pids is the victim and it was not explained otherwise, becomes 'oom'. Returns whether something changed.
 */
export function applyLateOom(history: EndEntry[], kill: { pid: number; comm?: string; atMs: number }): boolean {
  let changed = false;
  for (const e of history) {
    if (e.kind === 'oom' || e.kind === 'signal' || !e.pids.includes(kill.pid)) continue;
    const startedAtMs = e.lastSeenAtMs - e.uptimeMs;
    if (kill.atMs < startedAtMs - SLACK_MS || kill.atMs > e.atMs + 60_000) continue;
    e.kind = 'oom';
    e.reason = oomReason(e, kill);
    changed = true;
  }
  return changed;
}

export interface RestartLoop {
  thingKey: string;
  label: string;
  treeKind: TreeKind;
  /** Ends of that thing in the window. */
  count: number;
  windowMs: number;
  last: EndKind;
  lastAtMs: number;
}

export interface LoopOptions {
  windowMs: number;
  /** Ends in the window that make a loop. */
  threshold: number;
}

export const LOOP_DEFAULTS: LoopOptions = { windowMs: 10 * 60_000, threshold: 3 };

/**
 * The things that ended at least `threshold` times within the last `windowMs` (a terminal job that ran to its end —
 * kind 'exit' — is a command re-run, not a restart loop, and is not counted). Newest loop first.
 */
export function restartLoops(history: readonly EndEntry[], nowMs: number, o: LoopOptions = LOOP_DEFAULTS): RestartLoop[] {
  const groups = new Map<string, EndEntry[]>();
  for (const e of history) {
    if (e.kind === 'exit' || e.atMs > nowMs || nowMs - e.atMs > o.windowMs) continue;
    groups.set(e.thingKey, [...(groups.get(e.thingKey) ?? []), e]);
  }
  const loops: RestartLoop[] = [];
  for (const [key, list] of groups) {
    if (list.length < o.threshold) continue;
    const last = list.reduce((a, e) => (e.atMs >= a.atMs ? e : a));
    loops.push({
      thingKey: key,
      label: last.label,
      treeKind: last.treeKind,
      count: list.length,
      windowMs: o.windowMs,
      last: last.kind,
      lastAtMs: last.atMs,
    });
  }
  return loops.sort((a, b) => b.lastAtMs - a.lastAtMs);
}

/** "restarted 4 times in 10 min (last: oom)". */
export const loopText = (l: RestartLoop): string => `restarted ${l.count} times in ${formatDuration(l.windowMs)} (last: ${l.last})`;

/** One row of the Memory view's "Recent ends" table. */
export interface EndRow {
  time: string;
  pid: number;
  what: string;
  treeKind: string;
  kind: string;
  uptime: string;
  rss: string;
  reason: string;
  /** An end of a thing in a restart loop now. */
  loop: boolean;
}

/** The "Recent ends" rows (newest first) and the restart loops active at nowMs. */
export function endsData(history: readonly EndEntry[], nowMs: number): { ends: EndRow[]; loops: string[] } {
  const active = restartLoops(history, nowMs);
  const looping = new Set(active.map((l) => l.thingKey));
  const ends = [...history].reverse().map((e) => ({
    time: new Date(e.atMs).toLocaleString(),
    pid: e.pid,
    what: e.label,
    treeKind: e.treeKind,
    kind: e.code !== undefined ? `${e.kind} ${e.code}` : e.kind,
    uptime: formatDuration(e.uptimeMs),
    rss: e.lastRssBytes > 0 ? formatBytes(e.lastRssBytes) : '—',
    reason: e.reason,
    loop: looping.has(e.thingKey) && e.kind !== 'exit' && nowMs - e.atMs <= active[0].windowMs,
  }));
  return { ends, loops: active.map((l) => `${l.label}: ${loopText(l)}`) };
}

export interface TreeNaming {
  selfPid: number;
  /** Identifies this window across restarts (the extension host's thing). */
  windowKey: string;
  /** "terminal 2 "bash"" for the shell pid of one of this window's terminals. */
  terminalNameOf?(shellPid: number): string | undefined;
  /** The folder of another window's extension host (window registry), when known. */
  windowOf?(extHostPid: number): string | undefined;
}

const subtreeRss = (snapshot: Snapshot, root: ProcessRecord): number =>
  descendantsOf(snapshot, root.pid).reduce((s, p) => s + p.rssBytes, root.rssBytes);

function tracked(
  kind: TreeKind,
  root: ProcessRecord,
  label: string,
  thing: string,
  pids: number[],
  rssBytes: number,
  plainEnd: TrackedTree['plainEnd'],
): TrackedTree {
  return { kind, pid: root.pid, starttime: root.starttime, startedAtMs: root.startedAtMs, label, thing, pids, rssBytes, plainEnd };
}

/**
 * The trees of one scan worth following: every AI tree of the AI model (when it was built from this scan), every
 * terminal's foreground job, every extension host and pty host. A root listed twice keeps its first (AI) entry.
 */
export function trackedTrees(snapshot: Snapshot, topology: Topology, naming: TreeNaming, aiRows: readonly AiRow[] = []): TrackedTree[] {
  const out = new Map<number, TrackedTree>();
  const add = (t: TrackedTree): void => {
    if (!out.has(t.pid)) out.set(t.pid, t);
  };
  const shellOf = new Map<number, ProcessRecord>(); // terminal shells by pid
  for (const pty of topology.ptyHosts)
    for (const pid of snapshot.children.get(pty.pid) ?? []) {
      const shell = snapshot.processes.get(pid);
      if (shell && leadsOwnSession(shell) && !isPtyHostHelper(shell) && !topology.roles.has(pid)) shellOf.set(pid, shell);
    }
  const terminalName = (shell: ProcessRecord): string => naming.terminalNameOf?.(shell.pid) ?? `terminal shell ${shell.pid}`;
  const names = new Map(aiRows.map((r) => [r.tree.root.pid, aiName(r)]));
  for (const row of aiRows) {
    const t = row.tree;
    const parent = t.parentRootPid !== undefined ? names.get(t.parentRootPid) : undefined;
    const name = aiName(row);
    const label = parent ? `${parent} · ${name}` : name;
    const thing = t.configured ? `mcp:${t.configured.keys.join('/')}` : `ai:${t.tool}:${fullCommand(t.root.argv)}`;
    const shell = shellOf.get(t.root.ppid);
    const where = shell ? `${terminalName(shell)} · ` : '';
    add(tracked('ai', t.root, `${where}${label}`, thing, [...t.memberPids], t.totalRssBytes, shell ? 'exit' : 'unexpected_exit'));
  }
  for (const shell of shellOf.values()) {
    const fg = foregroundOf(shell, descendantsOf(snapshot, shell.pid));
    if (!fg) continue;
    const members = [fg, ...descendantsOf(snapshot, fg.pid)];
    const label = `${terminalName(shell)} · ${commandLabel(fg.argv, fg.comm)}`;
    add(
      tracked(
        'terminal',
        fg,
        label,
        `job:${fullCommand(fg.argv)}`,
        members.map((p) => p.pid),
        members.reduce((s, p) => s + p.rssBytes, 0),
        'exit',
      ),
    );
  }
  for (const host of topology.extensionHosts) {
    const self = host.pid === naming.selfPid;
    const window = self ? undefined : naming.windowOf?.(host.pid);
    const label = self ? 'extension host (this window)' : `extension host pid ${host.pid}${window ? ` (${window})` : ''}`;
    // Another window without a registry folder: its own identity (no loop can be told across its restarts).
    const other = window ? `exthost:${window}` : `exthost:pid ${host.pid}:${host.starttime}`;
    const thing = self ? `exthost:${naming.windowKey}` : other;
    add(tracked('extensionHost', host, label, thing, [host.pid], subtreeRss(snapshot, host), 'unexpected_exit'));
  }
  for (const pty of topology.ptyHosts) {
    const server = serverOf(snapshot, topology, pty.pid);
    const label = `pty host pid ${pty.pid} (terminals of its server)`;
    add(
      tracked(
        'ptyHost',
        pty,
        label,
        `ptyhost:${server?.pid ?? '?'}:${server?.starttime ?? ''}`,
        [pty.pid],
        subtreeRss(snapshot, pty),
        'unexpected_exit',
      ),
    );
  }
  return [...out.values()];
}
