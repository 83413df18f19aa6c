// Finds the AI process trees of a snapshot: each assistant (Claude Code, Codex, Copilot, …) and each MCP server, the
// processes that belong to it, who started it (a terminal, an extension host and which extension, the agent host,
// or another assistant), its summed memory and CPU, and its state: active, leaked (reparented: its launcher is gone),
// duplicate (a second copy of the same tool in the same folder from the same terminal shell, when no session id tells
// them apart; the same session resumed twice is found in ./model), or external (started outside code-server, e.g. from
// tmux or ssh, and not reparented). Pure apart from the injected cwd, exe and fd readers.
import { LinkResult, ProcessRecord, Snapshot } from '../../probes/scanner';
import { formatDuration } from '../../probes/format';
import { Topology } from '../../probes/topology';
import { FdReader, SessionId, findSession } from '../../probes/ai/sessions';
import {
  ConfiguredIndex,
  ConfiguredMatch,
  DEFAULT_PATTERN_TABLE,
  PatternKind,
  PatternMatch,
  PatternTable,
  extensionFolderOf,
  matchArgv,
  matchConfigured,
  toolOfExtension,
} from './patterns';

export type AiState = 'active' | 'leaked' | 'duplicate' | 'external';

/** What keeps a tree alive: the terminal process under a pty host, an extension host, or the agent host. */
export interface Launcher {
  kind: 'terminal' | 'extensionHost' | 'agentHost';
  pid: number;
  /** For a terminal: its pty host. */
  ptyHostPid?: number;
}

export type AiOwner =
  /** Spawned by another AI tree (an MCP server of Claude Code, a Codex run by Claude's shell tool). */
  | { kind: 'assistant'; tool: string; rootPid: number }
  /** Spawned by an extension host, from the install folder of this extension (found in its argv). */
  | { kind: 'extension'; extensionId: string; folder: string; extensionHostPid: number; tool?: string }
  /** Spawned by an extension host, but no argv names an extension folder. */
  | { kind: 'extensionHost'; extensionHostPid: number }
  | { kind: 'terminal'; shellPid: number; ptyHostPid: number }
  | { kind: 'agentHost'; agentHostPid: number }
  | { kind: 'none' };

export interface AiTree {
  tool: string;
  kind: PatternKind;
  patternId: string;
  /** Variant (`app-server`, `language server`, `VS Code extension`, …). */
  label?: string;
  /**
   * `helper`: a daemon, pty host, pre-warmed worker or backend server of the tool (the table's `helper` matchers):
   * never a duplicate, never counted as a session, never in a bulk stop of its own. `session` otherwise.
   */
  role: 'session' | 'helper';
  /** A helper that outlives its session by design (Claude Code's background workers): never in the leaked bulk stop. */
  daemon?: true;
  /** What was recognised (for MCP servers: the server package, script or image). */
  name: string;
  /** Which argv element matched. */
  evidence: string;
  /** An MCP server defined in an assistant's configuration file: its config key(s) and where it is defined. */
  configured?: ConfiguredMatch;
  root: ProcessRecord;
  /** Root first, then its descendants that are not part of a nested AI tree. */
  memberPids: number[];
  /** Summed over the members. */
  rssBytes: number;
  cpuTicks: number;
  /** Members plus every nested tree (e.g. an assistant with its MCP servers). */
  totalRssBytes: number;
  totalCpuTicks: number;
  startedAtMs: number;
  ageMs: number;
  cwd: LinkResult;
  launcher?: Launcher;
  owner: AiOwner;
  /** Root pid of the tree that spawned this one. */
  parentRootPid?: number;
  /** Root pids of the trees this one spawned. */
  childRootPids: number[];
  state: AiState;
  reason: string;
  /** For a duplicate: the root pid of the newest copy, which is kept. */
  duplicateOf?: number;
}

export interface AiModel {
  /** Parents before children; within a level in pid order. */
  trees: AiTree[];
  /** Every member pid → root pid of its tree. */
  treeOfPid: Map<number, number>;
  /** Root pid → the tree's session id (./sessions; `unknown` when neither argv nor open files name one). */
  sessions: Map<number, SessionId>;
}

export interface AiInput {
  snapshot: Snapshot;
  topology: Topology;
  nowMs: number;
  readCwd: (pid: number) => LinkResult;
  patterns?: PatternTable;
  /** Target of /proc/PID/exe, if the caller wants the executable path matched too (undefined when unreadable). */
  readExe?: (pid: number) => string | undefined;
  /** fd links of the members, for session ids from open files (without it only argv names a session). */
  readFds?: FdReader;
  /** MCP servers defined in the assistants' configuration files (a process running one is that server). */
  configured?: ConfiguredIndex;
}

/** The MCP server tool name: configured servers and the table's `mcp-server` pattern share it (one tree each). */
export const MCP_TOOL = 'MCP server';

/** Reaper-like processes that adopt orphans (PR_SET_CHILD_SUBREAPER) or run as a container's pid 1. */
const SUBREAPERS = new Set([
  'systemd',
  'tini',
  'docker-init',
  'dumb-init',
  'catatonit',
  'containerd-shim',
  'containerd-shim-runc-v2',
  's6-svscan',
]);

const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
/** argv[0]'s basename (a login shell's `-bash` → bash), else the kernel's comm. */
const nameOf = (p: ProcessRecord): string => (p.argv[0] ? base(p.argv[0]).replace(/^-/, '') : p.comm);
const isDead = (p: ProcessRecord): boolean => p.state === 'Z' || p.state === 'X' || p.state === 'x';

/** A VS Code / code-server terminal shell, by its shell-integration script argument (one argv element). */
function isIntegratedShell(p: ProcessRecord): boolean {
  return p.argv.some((a) => /\/out\/vs\/workbench\/contrib\/terminal\/common\/scripts\/shellIntegration[\w.-]*$/.test(a));
}

function isSubreaper(p: ProcessRecord): boolean {
  return SUBREAPERS.has(nameOf(p).replace(/\.exe$/, '')) || SUBREAPERS.has(p.comm);
}

/** Depth from the top of the snapshot (a process whose parent is missing has depth 0). Loop-safe. */
function depths(snapshot: Snapshot): Map<number, number> {
  const depth = new Map<number, number>();
  for (const start of snapshot.processes.values()) {
    const path: ProcessRecord[] = [];
    const onPath = new Set<number>();
    let cur: ProcessRecord | undefined = start;
    while (cur && !depth.has(cur.pid) && !onPath.has(cur.pid)) {
      path.push(cur);
      onPath.add(cur.pid);
      cur = snapshot.processes.get(cur.ppid);
    }
    let d = cur && depth.has(cur.pid) ? depth.get(cur.pid)! + 1 : 0;
    for (let i = path.length - 1; i >= 0; i--) depth.set(path[i].pid, d++);
  }
  return depth;
}

/** [p, parent, grandparent, …] within the snapshot, loop-safe. */
function chainOf(snapshot: Snapshot, p: ProcessRecord): ProcessRecord[] {
  const out: ProcessRecord[] = [];
  const seen = new Set<number>();
  let cur: ProcessRecord | undefined = p;
  while (cur && !seen.has(cur.pid)) {
    out.push(cur);
    seen.add(cur.pid);
    cur = snapshot.processes.get(cur.ppid);
  }
  return out;
}

/** The nearest launcher in [root, ancestors…]: a direct child of a pty host, an extension host, the agent host. */
function findLauncher(topology: Topology, chain: readonly ProcessRecord[]): { launcher: Launcher; process: ProcessRecord } | undefined {
  for (const p of chain) {
    const role = topology.roles.get(p.pid);
    if (role === 'extensionHost') return { launcher: { kind: 'extensionHost', pid: p.pid }, process: p };
    if (role === 'agentHost') return { launcher: { kind: 'agentHost', pid: p.pid }, process: p };
    if (role === 'server' || role === 'ptyHost' || role === 'fileWatcher') return undefined;
    if (topology.roles.get(p.ppid) === 'ptyHost') return { launcher: { kind: 'terminal', pid: p.pid, ptyHostPid: p.ppid }, process: p };
  }
  return undefined;
}

const launcherNames: Record<Launcher['kind'], string> = {
  terminal: 'terminal shell',
  extensionHost: 'extension host',
  agentHost: 'agent host',
};
const launcherText = (l: Launcher): string => `${launcherNames[l.kind]} ${l.pid}`;

/** Human label of who started a tree (for the view). */
export function ownerLabel(owner: AiOwner): string {
  switch (owner.kind) {
    case 'assistant':
      return `${owner.tool} (pid ${owner.rootPid})`;
    case 'extension':
      return owner.tool ? `${owner.tool} extension (${owner.extensionId})` : `extension ${owner.extensionId}`;
    case 'extensionHost':
      return 'extension host (unknown extension)';
    case 'terminal':
      return `terminal (shell ${owner.shellPid})`;
    case 'agentHost':
      return `agent host (pid ${owner.agentHostPid})`;
    case 'none':
      return 'no live parent';
  }
}

interface Building {
  match: PatternMatch;
  configured?: ConfiguredMatch;
  root: ProcessRecord;
  members: ProcessRecord[];
  parentRootPid?: number;
  childRootPids: number[];
}

export function classifyAiProcesses(input: AiInput): AiModel {
  const { snapshot, topology, nowMs } = input;
  const table = input.patterns ?? DEFAULT_PATTERN_TABLE;
  const depth = depths(snapshot);
  const ordered = [...snapshot.processes.values()].sort((a, b) => depth.get(a.pid)! - depth.get(b.pid)! || a.pid - b.pid);

  // 1. Trees: a matching process whose parent is not a member of a tree of the same tool starts a tree; every other
  //    process whose parent is a member joins its parent's tree (its shells, helpers, a second claude it ran, …).
  const building = new Map<number, Building>();
  const treeOfPid = new Map<number, number>();
  for (const p of ordered) {
    // Server processes (extension hosts, pty host, …) are never part of an AI tree, even when a tree spawned one.
    if (topology.roles.has(p.pid)) continue;
    const parentRoot = treeOfPid.get(p.ppid);
    const parentTree = parentRoot !== undefined ? building.get(parentRoot) : undefined;
    // A command line an assistant's configuration names as an MCP server is that server, whatever its name says.
    const configured = matchConfigured(p.argv, input.configured);
    const match = configured ? configuredPattern(configured) : matchArgv(p.argv, table, input.readExe?.(p.pid));
    // A helper starts its own (child) tree even under its tool's session, so that it is shown and counted apart.
    if (match && (!parentTree || parentTree.match.tool !== match.tool || (match.helper && !parentTree.match.helper))) {
      building.set(p.pid, { match, configured, root: p, members: [p], parentRootPid: parentTree?.root.pid, childRootPids: [] });
      treeOfPid.set(p.pid, p.pid);
      parentTree?.childRootPids.push(p.pid);
    } else if (parentTree) {
      parentTree.members.push(p);
      treeOfPid.set(p.pid, parentTree.root.pid);
    }
  }

  // 2. Launcher, owner, state (parents first: a tree whose parent tree is leaked is leaked too).
  const trees: AiTree[] = [];
  const byRoot = new Map<number, AiTree>();
  for (const b of building.values()) {
    const root = b.root;
    const chain = chainOf(snapshot, root);
    const found = findLauncher(topology, chain);
    const parentTree = b.parentRootPid !== undefined ? byRoot.get(b.parentRootPid) : undefined;
    const tree: AiTree = {
      tool: b.match.tool,
      kind: b.match.kind,
      patternId: b.match.patternId,
      label: b.match.label,
      role: b.match.helper ? 'helper' : 'session',
      ...(b.match.daemon ? { daemon: true as const } : {}),
      name: b.match.name,
      evidence: b.match.evidence,
      configured: b.configured,
      root,
      memberPids: membersInTreeOrder(snapshot, b),
      rssBytes: b.members.reduce((s, m) => s + m.rssBytes, 0),
      cpuTicks: b.members.reduce((s, m) => s + m.cpuTicks, 0),
      totalRssBytes: 0,
      totalCpuTicks: 0,
      startedAtMs: root.startedAtMs,
      ageMs: Math.max(0, nowMs - root.startedAtMs),
      cwd: input.readCwd(root.pid),
      launcher: found?.launcher,
      owner: ownerOf(snapshot, table, chain, found?.launcher, parentTree),
      parentRootPid: b.parentRootPid,
      childRootPids: b.childRootPids,
      state: 'active',
      reason: '',
    };
    const st = stateOf(snapshot, treeOfPid, tree, chain, found, parentTree);
    tree.state = st.state;
    tree.reason = st.reason;
    trees.push(tree);
    byRoot.set(root.pid, tree);
  }

  // 3. Totals over nested trees (children first).
  for (let i = trees.length - 1; i >= 0; i--) {
    const t = trees[i];
    t.totalRssBytes = t.rssBytes + t.childRootPids.reduce((s, c) => s + (byRoot.get(c)?.totalRssBytes ?? 0), 0);
    t.totalCpuTicks = t.cpuTicks + t.childRootPids.reduce((s, c) => s + (byRoot.get(c)?.totalCpuTicks ?? 0), 0);
  }

  const readFds: FdReader = input.readFds ?? (() => ({ ok: false, reason: 'not read' }));
  const sessions = new Map<number, SessionId>();
  for (const t of trees) {
    const members = t.memberPids.map((pid) => ({ pid, argv: snapshot.processes.get(pid)?.argv ?? [] }));
    sessions.set(t.root.pid, findSession(members, readFds));
  }
  markDuplicates(trees, sessions);
  return { trees, treeOfPid, sessions };
}

function configuredPattern(c: ConfiguredMatch): PatternMatch {
  return { patternId: 'mcp-configured', tool: MCP_TOOL, kind: 'mcp', origin: 'user', name: c.keys.join(' / '), evidence: c.evidence };
}

/** Root first, then members depth-first in pid order (the order descendantsOf uses). */
function membersInTreeOrder(snapshot: Snapshot, b: Building): number[] {
  const inTree = new Set(b.members.map((m) => m.pid));
  const out: number[] = [];
  const stack = [b.root.pid];
  const seen = new Set<number>();
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid) || !inTree.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    const kids = snapshot.children.get(pid) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

function ownerOf(
  snapshot: Snapshot,
  table: PatternTable,
  chain: readonly ProcessRecord[],
  launcher: Launcher | undefined,
  parentTree: AiTree | undefined,
): AiOwner {
  if (parentTree) return { kind: 'assistant', tool: parentTree.tool, rootPid: parentTree.root.pid };
  if (!launcher) return { kind: 'none' };
  if (launcher.kind === 'terminal')
    return { kind: 'terminal', shellPid: launcher.pid, ptyHostPid: launcher.ptyHostPid ?? snapshot.processes.get(launcher.pid)?.ppid ?? 0 };
  if (launcher.kind === 'agentHost') return { kind: 'agentHost', agentHostPid: launcher.pid };
  // Extension host: the extension whose install folder appears in the argv of the root, or of the processes between
  // the extension host and the root (nearest first).
  for (const p of chain) {
    if (p.pid === launcher.pid) break;
    for (const a of p.argv) {
      const ext = extensionFolderOf(a);
      if (ext)
        return {
          kind: 'extension',
          extensionId: ext.id,
          folder: ext.folder,
          extensionHostPid: launcher.pid,
          tool: toolOfExtension(ext.id, table),
        };
    }
  }
  return { kind: 'extensionHost', extensionHostPid: launcher.pid };
}

function stateOf(
  snapshot: Snapshot,
  treeOfPid: ReadonlyMap<number, number>,
  tree: AiTree,
  chain: readonly ProcessRecord[],
  found: { launcher: Launcher; process: ProcessRecord } | undefined,
  parentTree: AiTree | undefined,
): { state: AiState; reason: string } {
  const root = tree.root;
  if (parentTree?.state === 'leaked') {
    return {
      state: 'leaked',
      reason: `the ${parentTree.tool} that started it (pid ${parentTree.root.pid}) is leaked: ${parentTree.reason}`,
    };
  }
  if (found && !isDead(found.process)) {
    const via = parentTree ? `, started by ${parentTree.tool} (pid ${parentTree.root.pid})` : '';
    return { state: 'active', reason: `runs under the live ${launcherText(found.launcher)}${via}` };
  }
  if (found) return { state: 'leaked', reason: `its ${launcherText(found.launcher)} has exited (zombie)` };

  const parent = snapshot.processes.get(root.ppid);
  // A parent missing from the scan is unknown (hidden by hidepid, unreadable, or it exited while the scan ran — a dead
  // parent would have reparented it to init or a subreaper): never treated as a leak.
  if (!parent) {
    const why = root.ppid === 0 ? 'it has no parent process' : `its parent (pid ${root.ppid}) could not be read`;
    return { state: 'external', reason: `${why}: unknown origin, not treated as a leak` };
  }
  if (root.ppid === 1) return { state: 'leaked', reason: 'reparented to init (pid 1): the process that started it has exited' };
  if (isSubreaper(parent)) {
    const subreaper = `${nameOf(parent)}${parent.argv.includes('--user') ? ' --user' : ''} (pid ${parent.pid})`;
    return { state: 'leaked', reason: `reparented to the subreaper ${subreaper}: the process that started it has exited` };
  }
  // The topmost ancestor below init or a subreaper: if that one was an AI process or a code-server terminal shell, the
  // chain was orphaned higher up (its terminal lost its pty host, its assistant died).
  let top = root;
  for (const p of chain) {
    const up = snapshot.processes.get(p.ppid);
    top = p;
    if (!up || up.pid === 1 || isSubreaper(up)) break;
  }
  if (top !== root && treeOfPid.has(top.pid)) {
    const ancestor = `${nameOf(top)} (pid ${top.pid})`;
    const reason = `its ancestor ${ancestor} was reparented (parent pid ${top.ppid}): the process that started it has exited`;
    return { state: 'leaked', reason };
  }
  if (isIntegratedShell(top)) {
    return { state: 'leaked', reason: `its terminal shell (pid ${top.pid}) lost its pty host and was reparented to pid ${top.ppid}` };
  }
  const origin = `parent: ${nameOf(parent)} pid ${parent.pid}; topmost: ${nameOf(top)} pid ${top.pid}`;
  return { state: 'external', reason: `not started from a code-server terminal or extension host (${origin})` };
}

/**
 * More than one active tree of the same tool, in the same folder, from the same terminal shell and the same parent tree,
 * none with a known session id: all but the newest become duplicates. For MCP servers the server (package, script,
 * image) must match too: one assistant runs several different servers. Left alone: trees whose cwd is unreadable,
 * trees with a known session id (different ids are different sessions; the same id is ./model's session rule), and
 * trees of an extension host or the agent host, which legitimately run several sessions of one tool in one folder
 * (only the same session id is evidence there).
 */
function markDuplicates(trees: AiTree[], sessions: ReadonlyMap<number, SessionId>): void {
  const groups = new Map<string, AiTree[]>();
  for (const t of trees) {
    if (t.state !== 'active' || t.role === 'helper' || t.launcher?.kind !== 'terminal' || !t.cwd.ok) continue;
    if (sessions.get(t.root.pid)?.id !== 'unknown') continue;
    const key = [t.tool, t.kind === 'mcp' ? t.name : '', t.cwd.path, t.launcher.kind, t.launcher.pid, t.parentRootPid ?? ''].join('\0');
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => b.startedAtMs - a.startedAtMs || b.root.starttime - a.root.starttime || b.root.pid - a.root.pid);
    const newest = list[0];
    for (const t of list.slice(1)) {
      t.state = 'duplicate';
      t.duplicateOf = newest.root.pid;
      const apart = formatDuration(Math.max(0, newest.startedAtMs - t.startedAtMs));
      t.reason =
        `another ${t.tool} (pid ${newest.root.pid}, started ${apart} later) runs in the same folder ${t.cwd.ok ? t.cwd.path : ''} ` +
        `from the same ${launcherText(t.launcher!)}, and no session id tells them apart`;
    }
  }
}
