// What the extension clean-up must never touch: extensions loaded in this window and in every live window
// (from the shared registry), code-server Ops' own folder, and what windows without code-server Ops may have loaded;
// and where the profiles' extension lists are (the servers' user-data dirs).
import * as os from 'os';
import * as vscode from 'vscode';
import { ScanService } from '../../core/scan';
import { ServerArgv, hostExtensionsDirs, realpathOf, userDataDirCandidates } from '../../probes/extensionsDir';
import { readCwd } from '../../probes/scanner';
import { WindowPresence } from '../../core/presence';
import { CleanContext, UnlistedHost, unlistedHostsOf } from './plan';

export function cleanContextFactory(
  scans: ScanService,
  windows: WindowPresence,
  selfPath: string,
  globalStoragePath: string,
  extensionsDir: () => string,
): (maxAgeMs?: number) => Promise<CleanContext> {
  // A view refresh may reuse a recent (incremental) scan; a commit's re-check (maxAgeMs 0) scans afresh.
  return async (maxAgeMs = 0) => {
    const { snapshot, topology } = maxAgeMs > 0 ? await scans.fresh(maxAgeMs) : await scans.request();
    const others = snapshot.unavailable ? [] : await windows.liveWindows(snapshot);
    const paths = [...vscode.extensions.all.map((e) => e.extensionPath), ...others.flatMap((w) => w.extensionPaths ?? [])];
    const selfUid = process.getuid?.() ?? -1;
    let unlistedHosts: UnlistedHost[] | undefined; // unknown without a scan
    const servers: ServerArgv[] = [];
    if (!snapshot.unavailable) {
      // Hosts of other code-servers known to use another extensions folder cannot load these folders.
      const dirs = { ownDir: realpathOf(extensionsDir()), byHost: hostExtensionsDirs(snapshot, topology, process.pid) };
      unlistedHosts = unlistedHostsOf(topology, others, process.pid, selfUid, dirs);
      for (const s of topology.servers) {
        if (s.uid !== selfUid) continue; // another user's server does not use this user's profiles
        const cwd = readCwd(s.pid, snapshot.procRoot);
        servers.push({ pid: s.pid, argv: s.argv, cwd: cwd.ok ? cwd.path : undefined });
      }
    }
    const candidates = userDataDirCandidates({
      globalStoragePath,
      servers,
      extensionsDir: extensionsDir(),
      home: os.homedir(),
      xdgDataHome: process.env.XDG_DATA_HOME,
    });
    return {
      nowMs: Date.now(),
      readOptions: { userDataDirs: candidates.dirs, userDataProblems: candidates.problems },
      loadedPaths: new Set(paths.flatMap((p) => [p, realpathOf(p) ?? p])),
      unlistedHosts,
      selfPath,
      realpathOf,
      sizeOf: () => undefined,
    };
  };
}
