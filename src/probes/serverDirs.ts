// What a code-server / VS Code Server box accumulates outside the extensions folder, listed per kind and classified
// on evidence: old server builds, the VSIX download cache, past sessions' log folders, workspaceStorage of folders
// that no longer exist, globalStorage of extensions no longer installed, npx caches; and, for information only, the
// assistants' transcript stores. Unknown is never reclaimable: every kept entry says why. Plain Node, fixture-tested.
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { QUARANTINE_DIR } from './extensionsDir';

export type DiskKind =
  'serverBuild' | 'vsixCache' | 'logs' | 'coderLogs' | 'workspaceStorage' | 'globalStorage' | 'npxCache' | 'uvCache' | 'transcripts';
export const DISK_KINDS: readonly DiskKind[] = [
  'serverBuild',
  'vsixCache',
  'logs',
  'coderLogs',
  'workspaceStorage',
  'globalStorage',
  'npxCache',
  'uvCache',
  'transcripts',
];

/** What reclaiming does to an entry of a kind: user data goes into the quarantine (undoable), pure caches are deleted. */
export const KIND_ACTION: Record<DiskKind, 'quarantine' | 'delete' | 'never'> = {
  serverBuild: 'delete',
  vsixCache: 'delete',
  npxCache: 'delete',
  logs: 'quarantine',
  coderLogs: 'quarantine',
  workspaceStorage: 'quarantine',
  globalStorage: 'quarantine',
  uvCache: 'never',
  transcripts: 'never',
};

/** Kinds shown for information only: sized, never offered (see classifyEntry for why). */
export const isInformational = (kind: DiskKind): boolean => KIND_ACTION[kind] === 'never';

/** Entries modified this recently may be being written (a download, an install): kept. */
export const BUSY_MS = 10 * 60 * 1000;

export interface DiskLayout {
  /** User-data dirs (code-server's --user-data-dir, VS Code Server's <server-data-dir>/data). Missing ones are skipped. */
  userDataDirs: readonly string[];
  /** VS Code Server roots (~/.vscode-server): their cli/servers/* and bin/* are server builds. */
  serverRoots: readonly string[];
  home: string;
  /** code-server's data dirs (<XDG_DATA_HOME>/code-server): its wrapper's rotated logs are in <dir>/coder-logs. */
  coderDataDirs?: readonly string[];
}

/** The folders holding code-server's wrapper logs (rotated by size: 10 files of 10 MB each, per stream). */
export function coderLogDirs(layout: DiskLayout): string[] {
  return [...layout.userDataDirs, ...(layout.coderDataDirs ?? [])].map((d) => path.join(d, 'coder-logs'));
}

export interface DiskEntry {
  kind: DiskKind;
  name: string;
  path: string;
  /** The folder it is in: a quarantine moves it into <parent>/.csops-quarantine (same file system). */
  parent: string;
  ino: number;
  mtimeMs: number;
  isDir: boolean;
}

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

async function entriesIn(parent: string, kind: DiskKind, dirsOnly: boolean, problems: string[]): Promise<DiskEntry[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(parent);
  } catch (e) {
    if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTDIR') problems.push(`cannot read ${parent} (${errCode(e)})`);
    return [];
  }
  const out: DiskEntry[] = [];
  for (const name of names.sort()) {
    if (name === QUARANTINE_DIR) continue;
    const p = path.join(parent, name);
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(p);
    } catch {
      continue; // vanished
    }
    if (st.isSymbolicLink()) continue; // never followed, never removed through
    if (dirsOnly && !st.isDirectory()) continue;
    out.push({ kind, name, path: p, parent, ino: st.ino, mtimeMs: st.mtimeMs, isDir: st.isDirectory() });
  }
  return out;
}

/** The folders whose entries go into a quarantine (<folder>/.csops-quarantine): logs, coder-logs, workspace and global storage. */
export function quarantineParents(layout: DiskLayout): string[] {
  const parents = layout.userDataDirs.flatMap((u) => [
    path.join(u, 'logs'),
    path.join(u, 'User', 'workspaceStorage'),
    path.join(u, 'User', 'globalStorage'),
  ]);
  for (const d of coderLogDirs(layout)) if (!parents.includes(d)) parents.push(d);
  return parents;
}

/** Every entry of every kind in the layout (each folder read once, symlinks skipped, the quarantine folders skipped). */
export async function listDiskEntries(layout: DiskLayout): Promise<{ entries: DiskEntry[]; problems: string[] }> {
  const problems: string[] = [];
  const entries: DiskEntry[] = [];
  const seen = new Set<string>();
  const add = async (parent: string, kind: DiskKind, dirsOnly: boolean, filter: (name: string) => boolean = () => true) => {
    const key = path.normalize(parent);
    if (seen.has(key)) return;
    seen.add(key);
    for (const e of await entriesIn(key, kind, dirsOnly, problems)) if (filter(e.name)) entries.push(e);
  };
  for (const root of layout.serverRoots) {
    await add(path.join(root, 'cli', 'servers'), 'serverBuild', true, (n) => /^(Stable|Insiders|Exploration)-[0-9a-f]{7,64}$/.test(n));
    await add(path.join(root, 'bin'), 'serverBuild', true, (n) => /^[0-9a-f]{40}$/.test(n));
  }
  for (const u of layout.userDataDirs) {
    await add(path.join(u, 'CachedExtensionVSIXs'), 'vsixCache', false);
    await add(path.join(u, 'logs'), 'logs', true);
    await add(path.join(u, 'User', 'workspaceStorage'), 'workspaceStorage', true);
    await add(path.join(u, 'User', 'globalStorage'), 'globalStorage', true);
  }
  for (const d of coderLogDirs(layout)) await add(d, 'coderLogs', false);
  await add(path.join(layout.home, '.npm', '_npx'), 'npxCache', true);
  const informational: [DiskKind, string[]][] = [
    ['uvCache', ['.cache', 'uv']],
    ['transcripts', ['.claude', 'projects']],
    ['transcripts', ['.codex', 'sessions']],
    ['transcripts', ['.gemini', 'tmp']],
  ];
  for (const [kind, rel] of informational) {
    const p = path.join(layout.home, ...rel);
    try {
      const st = await fs.promises.lstat(p);
      if (st.isDirectory())
        entries.push({
          kind,
          name: rel.join('/'),
          path: p,
          parent: path.dirname(p),
          ino: st.ino,
          mtimeMs: st.mtimeMs,
          isDir: true,
        });
    } catch {
      // not there
    }
  }
  return { entries, problems };
}

/** The folder a workspaceStorage entry belongs to, from its workspace.json. */
export type WorkspaceRef = { kind: 'file'; path: string } | { kind: 'other'; uri: string } | { kind: 'none'; why: string };

export function parseWorkspaceJson(text: string): WorkspaceRef {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'none', why: 'workspace.json is not valid JSON' };
  }
  const rec = data as { folder?: unknown; workspace?: unknown; configuration?: unknown } | null;
  const uri = [rec?.folder, rec?.workspace, rec?.configuration].find((v): v is string => typeof v === 'string');
  if (!uri) return { kind: 'none', why: 'workspace.json names no folder or workspace' };
  if (!uri.startsWith('file://')) return { kind: 'other', uri };
  try {
    return { kind: 'file', path: fileURLToPath(uri) };
  } catch {
    return { kind: 'none', why: `workspace.json names an invalid file URI ${uri}` };
  }
}

export async function readWorkspaceRef(entryPath: string): Promise<WorkspaceRef> {
  try {
    return parseWorkspaceJson(await fs.promises.readFile(path.join(entryPath, 'workspace.json'), 'utf8'));
  } catch (e) {
    return { kind: 'none', why: `no readable workspace.json (${errCode(e)})` };
  }
}

/** Whether a path exists: undefined when it cannot be told (permission, I/O). */
export async function existsOrUnknown(p: string): Promise<boolean | undefined> {
  try {
    await fs.promises.lstat(p);
    return true;
  } catch (e) {
    return errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR' ? false : undefined;
  }
}

/** The evidence the classification weighs. Undefined fields are unknown: nothing that depends on them is reclaimable. */
export interface DiskEvidence {
  nowMs: number;
  /** Folder → pids using it (exe, cwd, open file); undefined when the processes could not be read. */
  users: ReadonlyMap<string, readonly number[]> | undefined;
  /** Why users is not complete (processes of this user that could not be read), if so. */
  usersProblem?: string;
  /** Real path of the build this window runs (vscode.env.appRoot). */
  currentAppRoot?: string;
  /** The log folders of sessions that are running (this window's logs/<timestamp>). */
  currentLogDirs: readonly string[];
  logDays: number;
  /** Lower-case ids of every installed extension (every profile), undefined when unknown. */
  installedIds: ReadonlySet<string> | undefined;
  /** Lower-case ids of the built-in extensions. */
  builtinIds: ReadonlySet<string>;
  /** workspaceStorage entry path → its workspace.json reference. */
  workspaces: ReadonlyMap<string, WorkspaceRef>;
  /** Local folder path → exists (undefined: cannot tell). */
  exists: ReadonlyMap<string, boolean | undefined>;
  realpathOf(p: string): string | undefined;
}

export type Verdict = { reclaim: 'quarantine' | 'delete'; reason: string } | { reclaim: 'keep'; reason: string };

const DAY_MS = 86_400_000;
const days = (ms: number): string => `${Math.floor(ms / DAY_MS)} day${Math.floor(ms / DAY_MS) === 1 ? '' : 's'}`;
const inside = (p: string, folder: string): boolean => p === folder || p.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
const LOG_NAME = /^\d{8}T\d{6}$/;
/** code-server's wrapper logs: the files being written, and the rotated ones (rotating-file-stream's default names). */
const CODER_LOG_LIVE = /^code-server-(stdout|stderr)\.log$/;
const CODER_LOG_ROTATED = /^\d{8}-\d{4}-\d{2}-code-server-(stdout|stderr)\.log(\.gz)?$/;
const EXTENSION_ID = /^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-._]*$/;

/** Why an entry is in use by a process (or that this is unknown), undefined when no process uses it. */
function useProblem(e: DiskEntry, ev: DiskEvidence): string | undefined {
  if (!ev.users) return 'the processes could not be read: whether it is in use is unknown';
  if (ev.usersProblem) return ev.usersProblem;
  const pids = ev.users.get(path.normalize(e.path));
  return pids?.length ? `in use by pid ${pids.slice(0, 5).join(', ')}${pids.length > 5 ? '…' : ''}` : undefined;
}

/** The evidence-based verdict for one entry: reclaimable (and how) or kept, always with the reason. Pure. */
export function classifyEntry(e: DiskEntry, ev: DiskEvidence): Verdict {
  if (e.kind === 'transcripts') return { reclaim: 'keep', reason: "an assistant's transcripts: your data, shown for information only" };
  if (e.kind === 'uvCache') {
    // uv links installed environments to its cache: removing an entry can break a venv that uses it.
    return {
      reclaim: 'keep',
      reason: "uv's cache, shared by the environments it installed: shown for information; `uv cache prune` frees it safely",
    };
  }
  const action = KIND_ACTION[e.kind] as 'quarantine' | 'delete';
  const keep = (reason: string): Verdict => ({ reclaim: 'keep', reason });
  const age = ev.nowMs - e.mtimeMs;
  if (age < BUSY_MS) return keep('modified in the last 10 minutes: it may be being written');
  const used = useProblem(e, ev);
  if (used) return keep(used);
  switch (e.kind) {
    case 'serverBuild': {
      if (!ev.currentAppRoot) return keep('the build this window runs is unknown');
      const real = ev.realpathOf(e.path) ?? e.path;
      if (inside(ev.currentAppRoot, real) || inside(ev.currentAppRoot, e.path)) return keep('the build this window runs');
      return { reclaim: action, reason: 'an old server build: no process runs from it or has a file open in it' };
    }
    case 'vsixCache':
      return { reclaim: action, reason: 'a downloaded VSIX: a cache, downloaded again when needed' };
    case 'npxCache':
      return { reclaim: action, reason: 'an npx cache entry no process uses: downloaded again when needed' };
    case 'logs': {
      if (!LOG_NAME.test(e.name)) return keep('not a session log folder (its name is not a timestamp)');
      if (ev.currentLogDirs.some((d) => inside(d, e.path))) return keep("the current session's logs");
      if (age < ev.logDays * DAY_MS) return keep(`younger than ${ev.logDays} days (csops.disk.logRetentionDays)`);
      return { reclaim: action, reason: `logs of a past session, last written ${days(age)} ago` };
    }
    case 'coderLogs': {
      if (CODER_LOG_LIVE.test(e.name)) return keep('the log code-server is writing now');
      if (!CODER_LOG_ROTATED.test(e.name)) return keep('not a rotated code-server log (unknown name)');
      if (age < ev.logDays * DAY_MS) return keep(`younger than ${ev.logDays} days (csops.disk.logRetentionDays)`);
      return { reclaim: action, reason: `a rotated code-server log, last written ${days(age)} ago` };
    }
    case 'workspaceStorage': {
      const ref = ev.workspaces.get(e.path);
      if (!ref) return keep('its workspace.json was not read');
      if (ref.kind === 'none') return keep(`${ref.why}: which folder it belongs to is unknown`);
      if (ref.kind === 'other')
        return keep(`belongs to ${ref.uri.split(':')[0]}: a remote or virtual folder, whether it exists is unknown`);
      const exists = ev.exists.get(ref.path);
      if (exists === undefined) return keep(`whether ${ref.path} exists cannot be told`);
      if (exists) return keep(`the state of ${ref.path}, which exists`);
      return { reclaim: action, reason: `the state of ${ref.path}, which no longer exists` };
    }
    case 'globalStorage': {
      const id = e.name.toLowerCase();
      if (!EXTENSION_ID.test(id)) return keep('not an extension id: editor state');
      if (id.startsWith('vscode.') || ev.builtinIds.has(id)) return keep('a built-in extension');
      if (!ev.installedIds) return keep('the installed extensions are unknown');
      if (ev.installedIds.has(id)) return keep('an installed extension');
      return { reclaim: action, reason: 'an extension that is installed in no profile' };
    }
  }
}

/** The local folders workspaceStorage entries name (to check they exist). */
export function workspaceFolders(workspaces: ReadonlyMap<string, WorkspaceRef>): string[] {
  return [...new Set([...workspaces.values()].flatMap((r) => (r.kind === 'file' ? [r.path] : [])))];
}
