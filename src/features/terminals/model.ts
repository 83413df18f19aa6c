// Builds the Terminals model: every shell that is a direct child of a pty host, with its status
// (attached to this window, attached to another window running this extension, or detached), its foreground job,
// and the memory of its whole subtree. Pure apart from the injected cwd reader.
import { commandLabel } from '../../probes/format';
import { LinkResult, ProcessRecord, Snapshot, descendantsOf, readCwd } from '../../probes/scanner';
import { Topology, rootServerOf, serverOf } from '../../probes/topology';
import { WindowEntry, liveEntries, readEntries } from '../../probes/windowRegistry';

export type ShellStatus = 'attachedHere' | 'attachedOther' | 'detached';

export interface ShellRow {
  shell: ProcessRecord;
  ptyHostPid: number;
  status: ShellStatus;
  /** Extension-host pid of the window that claims it (attachedHere: this one). */
  claimedBy?: number;
  /** The foreground job, when it is not the shell itself. */
  foreground?: ProcessRecord;
  /** Foreground command, or the shell's name when idle. */
  label: string;
  descendants: ProcessRecord[];
  /** Shell plus descendants. */
  totalRssBytes: number;
  ageMs: number;
  cwd: LinkResult;
}

export interface PtyHostGroup {
  ptyHost: ProcessRecord;
  server?: ProcessRecord;
  shells: ShellRow[];
}

export interface TerminalsModel {
  groups: PtyHostGroup[];
  shellCount: number;
  detachedCount: number;
  /**
   * Live extension hosts (other than this one) that have no registry entry: windows that may not run this
   * extension (opened before it was installed, or it is disabled there). Their shells look detached to us.
   */
  unregisteredExtensionHosts: ProcessRecord[];
  /** Registry entries that are alive (this window included). */
  liveWindows: WindowEntry[];
  /**
   * pty hosts of another server tree on this machine (another code-server instance with its own window registry):
   * their shells cannot be told attached from detached here, so they are not listed and never targeted.
   */
  otherServerPtyHosts: ProcessRecord[];
  /** What the model was built from (actions plan and re-validate against it). */
  snapshot: Snapshot;
  topology: Topology;
}

export interface TerminalsInput {
  snapshot: Snapshot;
  topology: Topology;
  selfPid: number;
  /** processIds of vscode.window.terminals in this window. */
  ownTerminalPids: ReadonlySet<number>;
  /** Live registry entries of all windows (may include this one). */
  liveWindows: readonly WindowEntry[];
  readCwd: (pid: number) => LinkResult;
  nowMs: number;
}

/**
 * The processId of each terminal (vscode.Terminal.processId), waiting at most timeoutMs in all: processId waits for
 * workspace trust and may never settle. undefined where it did not answer in time, rejected, or is not a pid.
 */
export async function processIdsOf(
  terminals: readonly { readonly processId: PromiseLike<number | undefined> }[],
  timeoutMs: number,
): Promise<(number | undefined)[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const pids = await Promise.all(
      terminals.map((t) => Promise.race([Promise.resolve(t.processId).then(undefined, () => undefined), timeout])),
    );
    return pids.map((p) => (typeof p === 'number' && Number.isSafeInteger(p) && p > 0 ? p : undefined));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * ptyHost helpers (cpuUsage.sh, ps.sh) are children of the pty host but not terminals. They run as
 * `/bin/sh -c '"…/out/vs/base/node/cpuUsage.sh" 123 456'`, so the script path sits inside an argument.
 */
export function isPtyHostHelper(p: ProcessRecord): boolean {
  return p.argv.some((a) => /\/out\/vs\/base\/node\/[\w.-]+\.sh\b/.test(a));
}

/**
 * node-pty starts every terminal's shell in a session of its own (setsid, then the pts as its controlling terminal),
 * so a shell leads its session for life. A child of the pty host that shares another session was started without a
 * terminal — VS Code's own `ps` / `sh -c …` helpers (exec), whatever their argv says — and is not a terminal's shell.
 */
export function leadsOwnSession(p: ProcessRecord): boolean {
  return p.session === p.pid;
}

/** A child caught between fork and exec still shows the pty host's own argv: not a shell (yet). */
function isUnexecedFork(child: ProcessRecord, ptyHost: ProcessRecord): boolean {
  return child.argv.length === ptyHost.argv.length && child.argv.every((a, i) => a === ptyHost.argv[i]);
}

/** The foreground job of a shell: the leader (or any member) of its terminal's foreground process group. */
export function foregroundOf(shell: ProcessRecord, descendants: readonly ProcessRecord[]): ProcessRecord | undefined {
  if (shell.tpgid <= 0 || shell.tpgid === shell.pid) return undefined;
  return descendants.find((d) => d.pid === shell.tpgid) ?? descendants.find((d) => d.pgrp === shell.tpgid);
}

export function buildTerminalsModel(input: TerminalsInput): TerminalsModel {
  const { snapshot, topology, selfPid, ownTerminalPids, liveWindows, nowMs } = input;
  const claims = new Map<number, number>();
  for (const w of liveWindows) {
    if (w.pid === selfPid) continue;
    for (const pid of w.terminalPids) claims.set(pid, w.pid);
  }
  const groups: PtyHostGroup[] = [];
  let shellCount = 0;
  let detachedCount = 0;
  const ownServer = rootServerOf(snapshot, topology, selfPid);
  const ours = (p: ProcessRecord): boolean => !ownServer || rootServerOf(snapshot, topology, p.pid)?.pid === ownServer.pid;
  const otherServerPtyHosts = topology.ptyHosts.filter((p) => !ours(p));
  for (const ptyHost of topology.ptyHosts.filter(ours)) {
    const shells: ShellRow[] = [];
    for (const childPid of snapshot.children.get(ptyHost.pid) ?? []) {
      const shell = snapshot.processes.get(childPid);
      if (!shell || !leadsOwnSession(shell) || isPtyHostHelper(shell) || isUnexecedFork(shell, ptyHost)) continue;
      const descendants = descendantsOf(snapshot, shell.pid);
      const foreground = foregroundOf(shell, descendants);
      let status: ShellStatus = 'detached';
      let claimedBy: number | undefined;
      if (ownTerminalPids.has(shell.pid)) {
        status = 'attachedHere';
        claimedBy = selfPid;
      } else if (claims.has(shell.pid)) {
        status = 'attachedOther';
        claimedBy = claims.get(shell.pid);
      }
      if (status === 'detached') detachedCount++;
      shells.push({
        shell,
        ptyHostPid: ptyHost.pid,
        status,
        claimedBy,
        foreground,
        label: foreground ? commandLabel(foreground.argv, foreground.comm) : commandLabel(shell.argv.slice(0, 1), shell.comm),
        descendants,
        totalRssBytes: descendants.reduce((sum, d) => sum + d.rssBytes, shell.rssBytes),
        ageMs: Math.max(0, nowMs - shell.startedAtMs),
        cwd: input.readCwd(shell.pid),
      });
    }
    shellCount += shells.length;
    groups.push({ ptyHost, server: serverOf(snapshot, topology, ptyHost.pid), shells });
  }
  const registered = new Set(liveWindows.map((w) => w.pid));
  const unregisteredExtensionHosts = topology.extensionHosts.filter((e) => e.pid !== selfPid && !registered.has(e.pid) && ours(e));
  return {
    groups,
    shellCount,
    detachedCount,
    unregisteredExtensionHosts,
    liveWindows: [...liveWindows],
    otherServerPtyHosts,
    snapshot,
    topology,
  };
}

/** Where the Terminals model of a scan gets the windows and this window's terminals from. */
export interface TerminalsReaders {
  /** Live windows of the registry (the views prune dead entries; metrics only read). */
  liveWindows(snapshot: Snapshot): Promise<readonly WindowEntry[]>;
  ownTerminalPids(): Promise<ReadonlySet<number>>;
}

/** The Terminals model of one scan: its topology, the live windows and the cwd of each shell read from its procRoot. */
export async function terminalsModelOf(scan: { snapshot: Snapshot; topology: Topology }, r: TerminalsReaders): Promise<TerminalsModel> {
  const { snapshot, topology } = scan;
  const [liveWindows, ownTerminalPids] = await Promise.all([r.liveWindows(snapshot), r.ownTerminalPids()]);
  return buildTerminalsModel({
    snapshot,
    topology,
    selfPid: process.pid,
    ownTerminalPids,
    liveWindows,
    readCwd: (pid) => readCwd(pid, snapshot.procRoot),
    nowMs: Date.now(),
  });
}

/** Live windows read from the registry folder without pruning anything (a scrape changes nothing). */
export function registryReader(dir: string): (snapshot: Snapshot) => Promise<WindowEntry[]> {
  return async (snapshot) => liveEntries((await readEntries(dir)).entries, snapshot);
}
