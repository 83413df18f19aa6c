// The AI Processes model: classified trees (./classify) plus each tree's session id and listening ports, and the
// session rule for duplicates: the same tool resuming the same session more than once. Pure apart from the
// injected readers.
import { formatDuration, shortenHome } from '../../probes/format';
import { LinkResult, Snapshot, readCwd } from '../../probes/scanner';
import { Topology, classifyTopology } from '../../probes/topology';
import { AiTree, classifyAiProcesses } from './classify';
import { ConfiguredIndex, PatternTable } from './patterns';
import { ListeningPort, PortsResult, readListeningPorts } from '../../probes/ai/ports';
import { FdReader, SessionId, procFdReader } from '../../probes/ai/sessions';
import { IdleHistory, IdleSample, claudeTranscriptPath, idleKey, updateIdle } from './idle';

export interface AiRow {
  tree: AiTree;
  session: SessionId;
  /** Listening ports of the tree's members. */
  ports: ListeningPort[];
  /** For a session: how long its CPU and transcript have been quiet, and whether that makes it idle (./idle). */
  idle?: { quietForMs: number; idle: boolean; transcript?: string };
}

/** "Claude Code", "MCP @modelcontextprotocol/server-filesystem". */
export function aiName(row: AiRow): string {
  const t = row.tree;
  if (t.kind !== 'mcp' || t.role === 'helper') return t.label ? `${t.tool} (${t.label})` : t.tool;
  if (t.configured) return `MCP ${t.configured.keys.join(' / ')}`;
  // node_modules/<pkg>/… or node_modules/@scope/pkg/… — but not npm's node_modules/.bin/<command> shims.
  const pkg = t.root.argv.map((a) => /node_modules\/((?:@[^/]+\/)?(?!\.bin\/)[^/]+)\//.exec(a)?.[1]).find(Boolean);
  return `MCP ${pkg ?? t.name}`;
}

/** For a server from an assistant's configuration: where it is defined (tooltip lines). */
export function definedInLines(t: AiTree, home: string): string[] {
  return (t.configured?.definedIn ?? []).map((d) => {
    const project = d.project !== undefined ? ` (project ${shortenHome(d.project, home)})` : '';
    return `defined in ${shortenHome(d.file, home)}${project} as "${d.key}" — an MCP server of ${d.assistant}`;
  });
}

export interface AiViewModel {
  rows: AiRow[];
  /** Root pid → row. */
  byRoot: Map<number, AiRow>;
  /** trees: top-level trees; sessions / helpers: rows by role; leaked, duplicate, idle: sessions only. */
  totals: {
    trees: number;
    sessions: number;
    helpers: number;
    processes: number;
    leaked: number;
    duplicate: number;
    idle: number;
    rssBytes: number;
  };
  /** Idle session trees (filled by applyIdle; empty before). */
  idle: AiTree[];
  problems: string[];
  snapshot: Snapshot;
  /** The topology of that snapshot (classified once per scan). */
  topology: Topology;
}

export interface AiModelInput {
  snapshot: Snapshot;
  topology: Topology;
  nowMs: number;
  readCwd(pid: number): LinkResult;
  readFds: FdReader;
  readPorts(pids: number[]): PortsResult;
  patterns?: PatternTable;
  /** MCP servers from the assistants' configuration files. */
  configured?: ConfiguredIndex;
  /** Problems reading those files (shown in the log). */
  configProblems?: string[];
}

/**
 * Same tool, same known session id, more than one live tree: all but the newest are duplicates (a session resumed
 * twice writes the same transcript from two processes), whatever launched them: this is the positive evidence an
 * extension host's trees need (./classify marks no folder duplicates there). Trees already marked stay marked; external
 * trees are left alone.
 */
export function markSessionDuplicates(rows: readonly AiRow[]): void {
  const groups = new Map<string, AiRow[]>();
  for (const r of rows) {
    // External trees (tmux, ssh) are never touched by bulk actions: they are not made duplicates either.
    if (
      r.session.id === 'unknown' ||
      r.tree.kind === 'mcp' ||
      r.tree.role === 'helper' ||
      r.tree.state === 'duplicate' ||
      r.tree.state === 'external'
    )
      continue;
    const key = `${r.tree.tool}\0${r.session.id}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    // Keep the newest copy that a live launcher still runs (a leaked copy never outranks the session in use).
    const live = (r: AiRow): number => (r.tree.state === 'active' ? 1 : 0);
    list.sort(
      (a, b) =>
        live(b) - live(a) ||
        b.tree.startedAtMs - a.tree.startedAtMs ||
        b.tree.root.starttime - a.tree.root.starttime ||
        b.tree.root.pid - a.tree.root.pid,
    );
    const newest = list[0].tree;
    for (const r of list.slice(1)) {
      r.tree.state = 'duplicate';
      r.tree.duplicateOf = newest.root.pid;
      const apart = formatDuration(Math.abs(newest.startedAtMs - r.tree.startedAtMs));
      const kept = newest.startedAtMs >= r.tree.startedAtMs ? 'the newer one is kept' : 'that one is kept: its terminal or window is alive';
      r.tree.reason = `same session id ${r.session.id} as ${newest.tool} pid ${newest.root.pid}, started ${apart} apart (${kept})`;
    }
  }
}

export function buildAiModel(input: AiModelInput): AiViewModel {
  const { trees, sessions } = classifyAiProcesses(input);
  const members = trees.flatMap((t) => t.memberPids);
  const ports = input.readPorts(members);
  const rows: AiRow[] = trees.map((tree) => ({
    tree,
    session: sessions.get(tree.root.pid) ?? { id: 'unknown', reason: 'not read' },
    ports: tree.memberPids.flatMap((pid) => ports.byPid.get(pid) ?? []),
  }));
  markSessionDuplicates(rows);
  const top = rows.filter((r) => r.tree.parentRootPid === undefined);
  const sessionRows = rows.filter((r) => r.tree.role === 'session');
  return {
    rows,
    byRoot: new Map(rows.map((r) => [r.tree.root.pid, r])),
    totals: {
      trees: top.length,
      sessions: sessionRows.length,
      helpers: rows.length - sessionRows.length,
      processes: members.length,
      leaked: sessionRows.filter((r) => r.tree.state === 'leaked').length,
      duplicate: sessionRows.filter((r) => r.tree.state === 'duplicate').length,
      idle: 0,
      rssBytes: top.reduce((s, r) => s + r.tree.totalRssBytes, 0),
    },
    idle: [],
    problems: [
      ...ports.problems.map((p) => `${p.file ?? (p.pid !== undefined ? `pid ${p.pid}` : 'ports')}: ${p.reason}`),
      ...(input.configProblems ?? []),
    ],
    snapshot: input.snapshot,
    topology: input.topology,
  };
}

export interface IdleInput {
  /** Kept by the caller between scans (the AI source). */
  history: IdleHistory;
  idleMs: number;
  home: string;
  /** mtime of a file in ms, undefined when it cannot be read. */
  mtimeOf(file: string): number | undefined;
}

/** The transcript a session writes, when known: the session file it holds open, else Claude Code's transcript path. */
function transcriptOf(row: AiRow, home: string): string | undefined {
  const s = row.session;
  if ('source' in s && s.source === 'open-file') return s.file;
  if ('source' in s && row.tree.patternId === 'claude-code' && row.tree.cwd.ok) return claudeTranscriptPath(home, row.tree.cwd.path, s.id);
  return undefined;
}

/** Assistant sessions (not helpers, not MCP servers) are the trees that can be idle. */
export const canBeIdle = (row: AiRow): boolean => row.tree.kind === 'assistant' && row.tree.role === 'session';

/** Folds this model's scan into the idle history and marks idle sessions (row.idle, model.idle, totals.idle). */
export function applyIdle(model: AiViewModel, input: IdleInput): void {
  const nowMs = model.snapshot.takenAtMs;
  const rows = model.rows.filter(canBeIdle);
  const samples: IdleSample[] = [];
  const files = new Map<AiRow, string | undefined>();
  for (const r of rows) {
    const file = transcriptOf(r, input.home);
    files.set(r, file);
    const mtime = file !== undefined ? input.mtimeOf(file) : undefined;
    samples.push({ key: idleKey(r.tree.root.pid, r.tree.root.starttime), ticks: r.tree.totalCpuTicks, transcriptMtimeMs: mtime });
  }
  const verdicts = updateIdle(input.history, samples, nowMs, { idleMs: input.idleMs, clockTicks: model.snapshot.clockTicks || 100 });
  for (const r of rows) {
    const v = verdicts.get(idleKey(r.tree.root.pid, r.tree.root.starttime));
    if (!v) continue;
    const file = files.get(r);
    r.idle = file !== undefined && input.mtimeOf(file) !== undefined ? { ...v, transcript: file } : v;
  }
  model.idle = rows.filter((r) => r.idle?.idle).map((r) => r.tree);
  model.totals.idle = model.idle.length;
}

/** The model of a snapshot with the real readers of its proc root (cwd, fd links, /proc/net/tcp{,6}). */
export function aiModelOfSnapshot(
  snapshot: Snapshot,
  selfPid: number,
  patterns?: PatternTable,
  topology?: Topology,
  configured?: { index: ConfiguredIndex; problems: string[] },
): AiViewModel {
  return buildAiModel({
    snapshot,
    topology: topology ?? classifyTopology(snapshot, selfPid),
    nowMs: Date.now(),
    readCwd: (pid) => readCwd(pid, snapshot.procRoot),
    readFds: procFdReader(snapshot.procRoot),
    readPorts: (pids) => readListeningPorts(pids, { procRoot: snapshot.procRoot }),
    patterns,
    configured: configured?.index,
    configProblems: configured?.problems,
  });
}

/** AI processes per owner (metrics): the extension that runs them, else the tool. */
export function aiByOwner(model: AiViewModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of model.rows) {
    const key = r.tree.owner.kind === 'extension' ? r.tree.owner.extensionId : r.tree.tool;
    out[key] = (out[key] ?? 0) + r.tree.memberPids.length;
  }
  return out;
}
