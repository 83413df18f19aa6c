// Classifies the code-server / VS Code server process tree: server processes, and the bootstrap-fork children
// (extensionHost per window, ptyHost, fileWatcher, agentHost). Pure: works on a Snapshot.
import { ProcessRecord, Snapshot, ancestorsOf } from './scanner';

export type ServerRole = 'server' | 'extensionHost' | 'ptyHost' | 'fileWatcher' | 'agentHost';

export interface Topology {
  /** code-server launcher + server, VS Code server-main processes. */
  servers: ProcessRecord[];
  extensionHosts: ProcessRecord[];
  ptyHosts: ProcessRecord[];
  fileWatchers: ProcessRecord[];
  agentHosts: ProcessRecord[];
  /** The extension host this code runs in, if it is in the snapshot. */
  self?: ProcessRecord;
  roles: Map<number, ServerRole>;
}

const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** The role of a process from its argv alone (never from a joined command line). */
export function roleOf(argv: readonly string[]): ServerRole | undefined {
  // Every server process is node running a script: `vim …/entry.js` or `grep bootstrap-fork` are not.
  if (!/^node(js|\d*)(\.exe)?$/.test(base(argv[0] ?? ''))) return undefined;
  const forkIdx = argv.findIndex((a) => {
    const b = base(a);
    return b === 'bootstrap-fork' || b === 'bootstrap-fork.js';
  });
  if (forkIdx >= 0) {
    const type = argv.slice(forkIdx + 1).find((a) => a.startsWith('--type='));
    switch (type?.slice('--type='.length)) {
      case 'extensionHost':
        return 'extensionHost';
      case 'ptyHost':
        return 'ptyHost';
      case 'fileWatcher':
        return 'fileWatcher';
      case 'agentHost':
        return 'agentHost';
      default:
        return undefined;
    }
  }
  // Only argv[0] (node) and argv[1] (the script) decide: a shell running `vim out/node/entry.js` is not a server.
  const script = argv[1] ?? '';
  if (/\/out\/node\/entry(\.js)?$/.test(script)) return 'server'; // code-server launcher and server
  if (/\/out\/server-main\.js$/.test(script)) return 'server'; // VS Code server (Remote-SSH, serve-web)
  if (/\/code-server$/.test(script)) return 'server'; // release tarball: `lib/node /usr/lib/code-server …`
  return undefined;
}

export function classifyTopology(snapshot: Snapshot, selfPid: number): Topology {
  const t: Topology = { servers: [], extensionHosts: [], ptyHosts: [], fileWatchers: [], agentHosts: [], roles: new Map() };
  for (const p of snapshot.processes.values()) {
    const role = roleOf(p.argv);
    if (!role) continue;
    // A child caught between fork and exec still carries its parent's argv: not a second server/host.
    const parent = snapshot.processes.get(p.ppid);
    if (parent && parent.argv.length === p.argv.length && parent.argv.every((a, i) => a === p.argv[i])) continue;
    t.roles.set(p.pid, role);
    switch (role) {
      case 'server':
        t.servers.push(p);
        break;
      case 'extensionHost':
        t.extensionHosts.push(p);
        break;
      case 'ptyHost':
        t.ptyHosts.push(p);
        break;
      case 'fileWatcher':
        t.fileWatchers.push(p);
        break;
      case 'agentHost':
        t.agentHosts.push(p);
        break;
    }
  }
  t.self = snapshot.processes.get(selfPid);
  return t;
}

/** The nearest server ancestor of a process (the server that owns an ext host or pty host). */
export function serverOf(snapshot: Snapshot, topology: Topology, pid: number): ProcessRecord | undefined {
  return ancestorsOf(snapshot, pid).find((a) => topology.roles.get(a.pid) === 'server');
}

/** The outermost server ancestor of a process: the root of the server tree it belongs to (code-server's launcher). */
export function rootServerOf(snapshot: Snapshot, topology: Topology, pid: number): ProcessRecord | undefined {
  let root = serverOf(snapshot, topology, pid);
  const seen = new Set<number>([pid]); // a ppid cycle (a torn read) must not loop forever
  for (let up = root; up && !seen.has(up.pid); up = serverOf(snapshot, topology, up.pid)) {
    seen.add(up.pid);
    root = up;
  }
  return root;
}
