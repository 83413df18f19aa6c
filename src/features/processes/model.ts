// The Processes model: the whole code-server tree labelled (server → each window's extension host → its children grouped
// by the extension they come from; pty host → shells → jobs; file watcher; agent host), then the other processes of this
// user. CPU % from two consecutive scans, subtree memory, age, listening ports. Pure: readers (cwd) are injected.
import { ListeningPort } from '../../probes/ai/ports';
import { commandLabel, formatBytes, formatDuration } from '../../probes/format';
import { ProcessRecord, Snapshot } from '../../probes/scanner';
import { ServerRole, Topology, rootServerOf } from '../../probes/topology';
import { HEARTBEAT_TIMEOUT_MS, heartbeatTimeoutOf } from '../../probes/windowRegistry';
import { extensionFolderOf, viewOf } from '../ai/patterns/argv';
import { protectionOf } from '../../core/safety';

// ---- CPU % from two scans -------------------------------------------------------------------------------------------

/** What a CPU figure needs of the previous scan: per pid, its start time and utime+stime, and when it was taken. */
export interface CpuBaseline {
  takenAtMs: number;
  clockTicks: number;
  ticks: Map<number, { starttime: number; cpuTicks: number }>;
}

export function cpuBaselineOf(snapshot: Snapshot): CpuBaseline {
  const ticks = new Map<number, { starttime: number; cpuTicks: number }>();
  for (const p of snapshot.processes.values()) ticks.set(p.pid, { starttime: p.starttime, cpuTicks: p.cpuTicks });
  return { takenAtMs: snapshot.takenAtMs, clockTicks: snapshot.clockTicks, ticks };
}

/**
 * CPU % per pid between two scans: (utime+stime delta) / (elapsed clock ticks) × 100 (100 % = one core). No figure on
 * the first scan, for a pid that was not in the previous scan or is another process now (pid reused: other start time),
 * when the counter went backwards, or when no time passed.
 */
export function cpuPercents(prev: CpuBaseline | undefined, cur: Snapshot): Map<number, number> {
  const out = new Map<number, number>();
  if (!prev) return out;
  const elapsedTicks = ((cur.takenAtMs - prev.takenAtMs) / 1000) * cur.clockTicks;
  if (!(elapsedTicks > 0) || prev.clockTicks !== cur.clockTicks) return out;
  for (const p of cur.processes.values()) {
    const before = prev.ticks.get(p.pid);
    if (!before || before.starttime !== p.starttime) continue;
    const delta = p.cpuTicks - before.cpuTicks;
    if (delta < 0) continue;
    out.set(p.pid, (delta / elapsedTicks) * 100);
  }
  return out;
}

// ---- which extension a process comes from ---------------------------------------------------------------------------

export interface KnownExtension {
  id: string;
  /** Its folder and, when different, the real path (a symlinked folder). */
  paths: string[];
}

const under = (p: string, root: string): boolean => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);

/** The extension a path lies in: a known extension folder (longest first, real paths too), else an install folder name. */
export function extensionOfPath(p: string, known: readonly KnownExtension[]): string | undefined {
  if (!p.startsWith('/')) return undefined;
  let best: { id: string; len: number } | undefined;
  for (const e of known)
    for (const root of e.paths) {
      const r = root.replace(/\/+$/, '');
      if (r.length > 1 && under(p, r) && (!best || r.length > best.len)) best = { id: e.id.toLowerCase(), len: r.length };
    }
  return best?.id ?? extensionFolderOf(p)?.id;
}

/**
 * The extension a process comes from, in this order: its executable or script (`node …/ext-1.0.0/server.js`), any other
 * absolute path on its command line (`--stdio …/bin/ls`), then its working directory.
 */
export function extensionOfProcess(argv: readonly string[], cwd: string | undefined, known: readonly KnownExtension[]): string | undefined {
  const view = viewOf(argv);
  for (const p of [...view.exePaths, ...(view.script !== undefined ? [view.script] : [])]) {
    const id = extensionOfPath(p, known);
    if (id) return id;
  }
  for (const a of argv.slice(1)) {
    const candidate = /^(?:--?[\w-]+=)?(\/.*)$/.exec(a)?.[1]; // `/path` or `--flag=/path`
    const id = candidate ? extensionOfPath(candidate, known) : undefined;
    if (id) return id;
  }
  return cwd ? extensionOfPath(cwd, known) : undefined;
}

// ---- "window gone": only on positive evidence -----------------------------------------------------------------------

/** The heartbeat timeout of an entry without heartbeatMs (three 60 s beats); otherwise three of the entry's own period. */
export { HEARTBEAT_TIMEOUT_MS };

/**
 * `disconnected`: no client connected but still beating — code-server keeps an extension host whose tab closed for
 * `--reconnection-grace-time` (default 3 h). Like `unknown` it is never evidence for any action; only `gone` is shown as
 * a warning, and no plan branches on any of them (extension hosts are protected).
 */
export type WindowState = 'this' | 'live' | 'disconnected' | 'gone' | 'unknown';

export interface WindowEvidence {
  /** When that extension host last wrote its registry entry (undefined: no entry). */
  lastHeartbeatMs?: number;
  /** The period that entry says its window beats at (absent: an older version's entry, 60 s). */
  heartbeatMs?: number;
  /** Its connected TCP sockets (the client's connection is handed to the extension host); undefined: fds unreadable. */
  establishedSockets?: number;
  nowMs: number;
}

/**
 * The state of an extension host that is not this one: live when it holds a connected socket (code-server hands the
 * client's connection to the extension host — measured in 4.139.1); with its fds read and no connection, disconnected
 * while its heartbeat is fresh (within three of its own periods: an extension host kept for the reconnection grace
 * still runs this extension and keeps beating; it reconnects if the tab is reopened) and gone only once the heartbeat
 * is overdue too (both pieces of evidence positively absent); unknown when its fds could not be read.
 */
export function windowStateOf(e: WindowEvidence): Exclude<WindowState, 'this'> {
  if (e.establishedSockets === undefined) return 'unknown';
  if (e.establishedSockets > 0) return 'live';
  const beating = e.lastHeartbeatMs !== undefined && e.nowMs - e.lastHeartbeatMs <= heartbeatTimeoutOf(e);
  return beating ? 'disconnected' : 'gone';
}

// ---- the tree -------------------------------------------------------------------------------------------------------

export type NodeKind = ServerRole | 'extension' | 'process' | 'others';

export interface ProcNode {
  kind: NodeKind;
  /** Stable id within a model (pid + start time, or the group's key). */
  key: string;
  label: string;
  /** The process of the row (absent for extension groups and "Other processes"). */
  record?: ProcessRecord;
  /** Extension groups: the extension id. */
  extensionId?: string;
  /** Extension hosts: which window. */
  window?: { state: WindowState; folder?: string };
  /** Why Stop… may not target this process (the protected set), undefined if it may. Groups: never set. */
  protection?: string;
  /** A process that is an AI tree root, named as in the AI view. */
  aiName?: string;
  /** Subtree: summed CPU % (undefined when no member has a figure), RSS, every pid. */
  cpuPercent?: number;
  rssBytes: number;
  pids: number[];
  /** This row's own listening ports (a group's: its members'). */
  ports: ListeningPort[];
  children: ProcNode[];
}

export interface ProcessesInput {
  snapshot: Snapshot;
  topology: Topology;
  selfPid: number;
  selfUid: number;
  nowMs: number;
  cpu: Map<number, number>;
  ports: Map<number, ListeningPort[]>;
  /** Connected TCP sockets per pid (pids whose fds could be read). */
  established: Map<number, number>;
  /** Registry entries (heartbeat, folder) by extension host pid + start time. */
  windows: Map<string, { updatedAtMs: number; heartbeatMs?: number; folder?: string }>;
  known: readonly KnownExtension[];
  /** Working directory of a direct child of an extension host (read on demand). */
  cwdOf(pid: number): string | undefined;
  /** The AI view's name of an AI tree root. */
  aiNameOf?(pid: number): string | undefined;
}

export interface ProcessesModel {
  roots: ProcNode[];
  /** Processes in the code-server trees (others excluded). */
  serverProcesses: number;
  otherProcesses: number;
  /** Whether CPU figures exist yet (the first scan has none). */
  hasCpu: boolean;
}

const ROLE_LABEL: Record<ServerRole, string> = {
  server: 'code-server',
  extensionHost: 'Extension host',
  ptyHost: 'Pty host (terminals)',
  fileWatcher: 'File watcher',
  agentHost: 'Agent host',
};
const ROLE_ORDER: Record<string, number> = { server: 0, extensionHost: 1, ptyHost: 2, fileWatcher: 3, agentHost: 4 };

export const windowKey = (pid: number, starttime: number): string => `${pid}:${starttime}`;

function sum(nodes: readonly ProcNode[], own?: { cpu?: number; rss: number; pid?: number }) {
  let cpu: number | undefined = own?.cpu;
  let rss = own?.rss ?? 0;
  const pids = own?.pid !== undefined ? [own.pid] : [];
  for (const n of nodes) {
    if (n.cpuPercent !== undefined) cpu = (cpu ?? 0) + n.cpuPercent;
    rss += n.rssBytes;
    pids.push(...n.pids);
  }
  return { cpuPercent: cpu, rssBytes: rss, pids };
}

/** A row's label: the command with long absolute paths cut to `…/<last segment>` (the tooltip has the full line). */
export function processLabel(rec: ProcessRecord): string {
  const short = rec.argv.map((a, i) => (i > 0 && /^\/(?:[^/]+\/){2,}[^/]+$/.test(a) ? `…/${a.slice(a.lastIndexOf('/') + 1)}` : a));
  return commandLabel(short, rec.comm);
}

export function buildProcessesModel(input: ProcessesInput): ProcessesModel {
  const { snapshot, topology } = input;
  const inServer = new Set<number>();
  const seen = new Set<number>();

  const processNode = (rec: ProcessRecord): ProcNode => {
    seen.add(rec.pid);
    const role = topology.roles.get(rec.pid);
    const kids = (snapshot.children.get(rec.pid) ?? [])
      .map((pid) => snapshot.processes.get(pid))
      .filter((r): r is ProcessRecord => !!r && !seen.has(r.pid))
      .map((r) => ({ rec: r, node: processNode(r) }));
    let children = kids.map((k) => k.node);
    let window: ProcNode['window'];
    if (role === 'extensionHost') {
      children = groupByExtension(kids, input);
      window = windowOf(rec, input);
    }
    const totals = sum(children, { cpu: input.cpu.get(rec.pid), rss: rec.rssBytes, pid: rec.pid });
    return {
      kind: role ?? 'process',
      key: `p${rec.pid}-${rec.starttime}`,
      label: role ? ROLE_LABEL[role] : processLabel(rec),
      record: rec,
      window,
      protection: protectionOf(snapshot, topology, rec.pid, { selfPid: input.selfPid, selfUid: input.selfUid }),
      aiName: input.aiNameOf?.(rec.pid),
      ...totals,
      ports: input.ports.get(rec.pid) ?? [],
      children: children.sort((a, b) => (ROLE_ORDER[a.kind] ?? 9) - (ROLE_ORDER[b.kind] ?? 9)),
    };
  };

  const roots: ProcNode[] = [];
  for (const s of topology.servers) {
    if (rootServerOf(snapshot, topology, s.pid) || seen.has(s.pid)) continue; // not the outermost server
    const node = processNode(s);
    for (const pid of node.pids) inServer.add(pid);
    roots.push(node);
  }
  // Other processes of this user: each one whose parent is not one of them is a root with its subtree.
  const others = [...snapshot.processes.values()].filter((p) => p.uid === input.selfUid && !inServer.has(p.pid) && p.argv.length > 0);
  const otherSet = new Set(others.map((p) => p.pid));
  const otherRoots = others.filter((p) => !otherSet.has(p.ppid)).map((p) => processNode(p));
  const otherNodes = otherRoots;
  if (otherNodes.length)
    roots.push({
      kind: 'others',
      key: 'others',
      label: 'Other processes of this user',
      ...sum(otherNodes),
      ports: [],
      children: otherNodes,
    });
  return { roots, serverProcesses: inServer.size, otherProcesses: others.length, hasCpu: input.cpu.size > 0 };
}

function windowOf(rec: ProcessRecord, input: ProcessesInput): ProcNode['window'] {
  const entry = input.windows.get(windowKey(rec.pid, rec.starttime));
  if (rec.pid === input.selfPid) return { state: 'this', folder: entry?.folder };
  const state = windowStateOf({
    lastHeartbeatMs: entry?.updatedAtMs,
    heartbeatMs: entry?.heartbeatMs,
    establishedSockets: input.established.get(rec.pid),
    nowMs: input.nowMs,
  });
  return { state, folder: entry?.folder };
}

/** An extension host's children: one group per extension they come from (sorted by id), the rest after them. */
function groupByExtension(kids: readonly { rec: ProcessRecord; node: ProcNode }[], input: ProcessesInput): ProcNode[] {
  const groups = new Map<string, ProcNode[]>();
  const rest: ProcNode[] = [];
  for (const { rec, node } of kids) {
    const id = extensionOfProcess(rec.argv, input.cwdOf(rec.pid), input.known);
    if (id) groups.set(id, [...(groups.get(id) ?? []), node]);
    else rest.push(node);
  }
  const hostPid = kids[0]?.rec.ppid ?? 0;
  const grouped = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, nodes]): ProcNode => ({
      kind: 'extension',
      key: `x${hostPid}-${id}`,
      label: id,
      extensionId: id,
      ...sum(nodes),
      ports: nodes.flatMap((n) => n.ports),
      children: nodes,
    }));
  return [...grouped, ...rest];
}

// ---- sort and filter ------------------------------------------------------------------------------------------------

export type SortBy = 'cpu' | 'memory';

/** Siblings ordered by CPU (then memory) or memory; the server's own parts keep their order (role first). */
export function sortTree(nodes: readonly ProcNode[], by: SortBy): ProcNode[] {
  const metric = (n: ProcNode): [number, number] => (by === 'cpu' ? [n.cpuPercent ?? -1, n.rssBytes] : [n.rssBytes, n.cpuPercent ?? -1]);
  return [...nodes]
    .sort((a, b) => {
      const role = (ROLE_ORDER[a.kind] ?? (a.kind === 'others' ? 99 : 9)) - (ROLE_ORDER[b.kind] ?? (b.kind === 'others' ? 99 : 9));
      if (role) return role;
      const [a1, a2] = metric(a);
      const [b1, b2] = metric(b);
      return b1 - a1 || b2 - a2 || a.key.localeCompare(b.key);
    })
    .map((n) => ({ ...n, children: sortTree(n.children, by) }));
}

/** Does a row itself match a filter: a pid (exact), a port (`:8080` or a number that is one of its ports), or text. */
export function nodeMatches(n: ProcNode, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const num = /^:?(\d+)$/.exec(q);
  if (num) {
    const v = Number(num[1]);
    if (n.ports.some((p) => p.port === v)) return true;
    if (!q.startsWith(':') && n.record?.pid === v) return true;
    if (q.startsWith(':')) return false;
  }
  const text = [n.label, n.aiName, n.extensionId, n.record?.comm, n.record ? commandLabel(n.record.argv, n.record.comm, 400) : '']
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return text.includes(q);
}

/** The rows that match (with their ancestors, so they stay in place, and their whole subtree). */
export function filterTree(nodes: readonly ProcNode[], query: string): ProcNode[] {
  if (!query.trim()) return [...nodes];
  const out: ProcNode[] = [];
  for (const n of nodes) {
    if (nodeMatches(n, query)) out.push(n);
    else {
      const kids = filterTree(n.children, query);
      if (kids.length) out.push({ ...n, children: kids });
    }
  }
  return out;
}

/** Every node, depth-first (for finding a row by pid). */
export function* walk(nodes: readonly ProcNode[]): Generator<ProcNode> {
  for (const n of nodes) {
    yield n;
    yield* walk(n.children);
  }
}

// ---- what a row shows: a refresh re-renders only the rows that changed ----------------------------------------------

/** A row's CPU figure: `…` before the second scan (no figure at all yet), `–` for a row without one. */
export function cpuText(n: ProcNode, hasCpu: boolean): string {
  if (n.cpuPercent === undefined) return hasCpu ? '–' : '…';
  return `${n.cpuPercent.toFixed(n.cpuPercent < 10 ? 1 : 0)} %`;
}

/** Whether Stop… applies to a row (an extension group: when one of its processes may be stopped). */
export function rowStoppable(n: ProcNode): boolean {
  return n.kind === 'extension' ? n.children.some((c) => !c.protection) : !!n.record && !n.protection;
}

/**
 * Everything a row shows — label, description (CPU, memory, age, ports), icon, menu, tooltip, whether it expands — as
 * one string: two rows with the same key render the same tree item. Far cheaper than rendering the item (no Markdown,
 * no l10n, no redaction of the command line).
 */
export function rowRenderKey(n: ProcNode, hasCpu: boolean, nowMs: number): string {
  const r = n.record;
  return [
    n.kind,
    n.label,
    n.aiName,
    n.window?.state,
    n.window?.folder,
    cpuText(n, hasCpu),
    formatBytes(n.rssBytes),
    r ? formatDuration(nowMs - r.startedAtMs) : '',
    n.ports.map((p) => `${p.address}:${p.port}`).join(','),
    rowStoppable(n) ? 's' : 'p',
    n.protection,
    n.pids.length,
    n.children.length > 0 ? '+' : '',
    r ? `${r.pid} ${r.ppid} ${r.uid}\u0000${r.argv.join('\u0000')}` : '',
  ].join('\u0001');
}

/** The parent key of the root rows in ShownRows. */
export const ROOT_ROW = '';

/**
 * What the tree was given, to tell which rows a new model changes: the render key of every row handed out and, per row
 * whose children were fetched (ROOT_ROW for the roots), their keys in order. Rows the tree never fetched (below a
 * collapsed row) are never compared: when expanded they are rendered from the model of that time.
 */
export class ShownRows {
  private readonly render = new Map<string, string>();
  private children = new Map<string, string>();

  /** The tree fetched these children of `parent` (and renders them now). */
  fetched(parent: string, nodes: readonly ProcNode[], hasCpu: boolean, nowMs: number): void {
    this.children.set(parent, nodes.map((n) => n.key).join('\n'));
    for (const n of nodes) this.render.set(n.key, rowRenderKey(n, hasCpu, nowMs));
  }

  /** Forget everything (the whole tree is re-rendered). */
  clear(): void {
    this.render.clear();
    this.children.clear();
  }

  /**
   * The rows to refresh for a new model, which becomes what is shown: `'all'` when the root rows changed (or nothing
   * was fetched yet), else the keys of the shown rows whose own text changed or whose children changed (added,
   * removed, reordered). Never a row the tree does not have.
   */
  changes(roots: readonly ProcNode[], hasCpu: boolean, nowMs: number): 'all' | string[] {
    if (!this.children.has(ROOT_ROW)) return 'all';
    const changed = new Set<string>();
    const nextChildren = new Map<string, string>();
    const seen = new Set<string>();
    let all = false;
    const visit = (parent: string, nodes: readonly ProcNode[]): void => {
      const keys = nodes.map((n) => n.key).join('\n');
      if (keys !== this.children.get(parent)) {
        if (parent === ROOT_ROW) all = true;
        else changed.add(parent);
      }
      nextChildren.set(parent, keys);
      for (const n of nodes) {
        const was = this.render.get(n.key);
        const now = rowRenderKey(n, hasCpu, nowMs);
        if (was !== undefined && was !== now) changed.add(n.key);
        this.render.set(n.key, now);
        seen.add(n.key);
        if (this.children.has(n.key)) visit(n.key, n.children);
      }
    };
    visit(ROOT_ROW, roots);
    // rows that went away: their entries go with them (a row shown again later is compared from its next fetch)
    for (const key of this.render.keys()) if (!seen.has(key)) this.render.delete(key);
    this.children = nextChildren;
    return all ? 'all' : [...changed];
  }
}
