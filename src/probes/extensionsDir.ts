// Reads an extensions folder (code-server's --extensions-dir, ~/.vscode-server/extensions, ~/.vscode/extensions):
// extensions.json and .obsolete (zod), the folder names, and classifies every top-level folder. Pure Node.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from './once';
import { NodeProcFs, ProcFs, utf8 } from './procFs';
import { ProcessRecord, Snapshot, readCwd } from './scanner';
import { Topology } from './topology';

export const QUARANTINE_DIR = '.csops-quarantine';
/** Files and folders the editor (or we) manage: never classified, never cleaned. */
export const MANAGEMENT_NAMES = new Set(['extensions.json', '.obsolete', '.init-default-profile-extensions', QUARANTINE_DIR]);
/** Temp install folders younger than this may belong to a running install. */
export const TEMP_MIN_AGE_MS = 60 * 60 * 1000;

const PLATFORMS = [
  'win32-x64',
  'win32-arm64',
  'linux-x64',
  'linux-arm64',
  'linux-armhf',
  'alpine-x64',
  'alpine-arm64',
  'darwin-x64',
  'darwin-arm64',
  'web',
  'universal',
];

export interface FolderName {
  /** publisher.name, lower case. */
  id: string;
  version: string;
  targetPlatform?: string;
}

/** `publisher.name-1.2.3[-linux-x64]` → parts; undefined for anything else. */
const ID = '([a-z0-9][a-z0-9-]*\\.[a-z0-9][a-z0-9._-]*?)';
const VERSION = '(\\d+\\.\\d+\\.\\d+(?:-[0-9a-z.]+?)?)';
const WITH_PLATFORM = new RegExp(`^${ID}-${VERSION}-(${PLATFORMS.join('|')})$`, 'i');
const WITHOUT_PLATFORM = new RegExp(`^${ID}-${VERSION}$`, 'i');

export function parseFolderName(name: string): FolderName | undefined {
  // A known platform suffix wins over a pre-release tail (`-web` is a platform, not a pre-release).
  const m = WITH_PLATFORM.exec(name) ?? WITHOUT_PLATFORM.exec(name);
  if (!m) return undefined;
  return { id: m[1].toLowerCase(), version: m[2], targetPlatform: m[3]?.toLowerCase() };
}

/**
 * Compares one part of two versions. Numeric parts compare as numbers and sort before non-numeric ones, so the order
 * is total and transitive; non-numeric parts compare as strings.
 */
function comparePart(x: string, y: string): number {
  const xNum = /^\d+$/.test(x);
  const yNum = /^\d+$/.test(y);
  if (xNum && yNum) return Number(x) - Number(y);
  if (xNum !== yNum) return xNum ? -1 : 1;
  if (x < y) return -1;
  return x > y ? 1 : 0;
}

/** Compares dotted numeric versions (1.10.0 > 1.9.9); pre-release tails compare as strings. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (i >= pa.length) return -1; // a longer version with the same prefix ranks higher
    if (i >= pb.length) return 1;
    const c = comparePart(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  return 0;
}

const LocationRecord = once(() =>
  z.union([z.string(), z.looseObject({ path: z.optional(z.string()), fsPath: z.optional(z.string()), external: z.optional(z.string()) })]),
);

export const ExtensionsJsonEntryRecord = once(() =>
  z.looseObject({
    identifier: z.looseObject({ id: z.string().check(z.minLength(3)), uuid: z.optional(z.string()) }),
    version: z.string(),
    location: z.optional(LocationRecord()),
    relativeLocation: z.optional(z.string()),
    metadata: z.optional(z.looseObject({ installedTimestamp: z.optional(z.number()), source: z.optional(z.string()) })),
  }),
);
export const ExtensionsJsonRecord = once(() => z.array(ExtensionsJsonEntryRecord()));
export type ExtensionsJsonEntry = z.infer<ReturnType<typeof ExtensionsJsonEntryRecord>>;

export const ObsoleteRecord = once(() => z.record(z.string(), z.boolean()));

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function zodError(e: { issues: readonly { path: readonly PropertyKey[]; code: string }[] }): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.code}`)
    .join('; ');
}

export function parseExtensionsJson(text: string): Parsed<ExtensionsJsonEntry[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `extensions.json is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const r = ExtensionsJsonRecord().safeParse(data);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: `extensions.json has an unexpected shape (${zodError(r.error)})` };
}

/** .obsolete: {"<id>-<version>[-<platform>]": true}. Keys are lower-cased. A missing or empty file is an empty map. */
export function parseObsolete(text: string): Parsed<Set<string>> {
  if (text.trim() === '') return { ok: true, value: new Set() }; // the CLI sometimes leaves an empty file
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: '.obsolete is not valid JSON' };
  }
  const r = ObsoleteRecord().safeParse(data);
  if (!r.success) return { ok: false, error: `.obsolete has an unexpected shape (${zodError(r.error)})` };
  return {
    ok: true,
    value: new Set(
      Object.entries(r.data)
        .filter(([, v]) => v)
        .map(([k]) => k.toLowerCase()),
    ),
  };
}

/** A folder name that can be a direct child of the extensions folder (not empty, `.` or `..`). */
const usableName = (name: string | undefined): string | undefined => (name && name !== '.' && name !== '..' ? name : undefined);

/** The last segment of a URI string (percent-encoded). */
function uriBasename(uri: string): string {
  try {
    return path.basename(decodeURIComponent(uri.replace(/^file:\/\//, '')));
  } catch {
    return path.basename(uri);
  }
}

/** The folder name an extensions.json entry points at; undefined when its location does not name one. */
export function entryFolderName(entry: ExtensionsJsonEntry): string | undefined {
  const relative = usableName(entry.relativeLocation?.split('/')[0]);
  if (relative) return relative;
  const loc = entry.location;
  if (typeof loc === 'string') return usableName(uriBasename(loc));
  const p = loc?.fsPath ?? loc?.path; // already decoded
  if (p) return usableName(path.basename(p));
  return loc?.external ? usableName(uriBasename(loc.external)) : undefined;
}

/**
 * The folder the server names for an entry without a usable location: `<id>-<version>[-<platform>]`, lower case
 * (what the server writes). Undefined when id, version or platform cannot make such a name.
 */
export function derivedFolderName(entry: ExtensionsJsonEntry): string | undefined {
  const meta = entry.metadata as { targetPlatform?: unknown } | undefined;
  const platform = typeof meta?.targetPlatform === 'string' && meta.targetPlatform !== 'undefined' ? meta.targetPlatform : undefined;
  if (platform !== undefined && !PLATFORMS.includes(platform.toLowerCase())) return undefined;
  const name = `${entry.identifier.id}-${entry.version}${platform ? `-${platform}` : ''}`;
  const parsed = parseFolderName(name);
  if (!parsed || parsed.id !== entry.identifier.id.toLowerCase() || parsed.version !== entry.version) return undefined;
  return name.toLowerCase();
}

export type FolderClass = 'installed' | 'obsolete' | 'olderVersion' | 'unreferenced' | 'leftoverTemp' | 'installing';

export const RECLAIMABLE: ReadonlySet<FolderClass> = new Set(['obsolete', 'olderVersion', 'unreferenced', 'leftoverTemp']);

export interface ExtensionFolder {
  name: string;
  path: string;
  cls: FolderClass;
  /** Why it has this class, for the tooltip and the preview. */
  reason: string;
  parsed?: FolderName;
  /** From extensions.json metadata, when referenced. */
  installedAtMs?: number;
  mtimeMs: number;
  ino: number;
  isSymlink: boolean;
}

export interface ExtensionsDirReport {
  dir: string;
  /** extensions.json problems: when set, nothing is reclaimable (unknown is never orphan). */
  error?: string;
  /** Non-fatal problems (e.g. a malformed .obsolete), shown in the view. */
  warnings: string[];
  folders: ExtensionFolder[];
  /** mtime + size of extensions.json at read time: a commit checks it is unchanged. */
  extensionsJsonStamp?: string;
  /** The other profiles found under the user-data dirs (their lists reference folders of this folder too). */
  profiles: ProfileInfo[];
  /** Stamps of every profile's list at read time: a commit checks they are unchanged. */
  profilesStamp?: string;
  /**
   * The newest mtime of the extension lists (extensions.json, the profiles' lists, .obsolete): an extension host
   * started after it saw the lists as they are now. Undefined when unknown.
   */
  listsChangedAtMs?: number;
}

export interface ProfileInfo {
  /** The folder name under User/profiles. */
  id: string;
  /** From User/globalStorage/storage.json, when it names it. */
  name?: string;
  /** Its extensions.json (it may not exist: then the profile has no list of its own). */
  file: string;
  /** Entries of its list; undefined without one. */
  entries?: number;
}

export interface ReadOptions {
  /** User-data dirs of the servers using this folder: their User/profiles/<id>/extensions.json are read too. */
  userDataDirs?: readonly string[];
  /** Why some server's user-data dir could not be located: then the profiles are unknown and nothing is reclaimable. */
  userDataProblems?: readonly string[];
}

const profileLabel = (p: ProfileInfo): string => `profile "${p.name ?? p.id}"`;
const listName = (p: ProfileInfo, file: string): string => `${profileLabel(p)} (${file})`;

function stampOf(st: fs.Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

export async function extensionsJsonStamp(dir: string): Promise<string | undefined> {
  try {
    return stampOf(await fs.promises.stat(path.join(dir, 'extensions.json')));
  } catch {
    return undefined;
  }
}

const TEMP_RE = /(\.vsctmp$)|(^\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)/i;

/** Profile id → name, from User/globalStorage/storage.json (best effort: names are only for display). */
async function profileNames(userDataDir: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  try {
    const data = JSON.parse(await fs.promises.readFile(path.join(userDataDir, 'User', 'globalStorage', 'storage.json'), 'utf8')) as unknown;
    const list = (data as { userDataProfiles?: unknown } | null)?.userDataProfiles;
    if (!Array.isArray(list)) return names;
    for (const p of list as { location?: unknown; name?: unknown }[]) {
      const loc = p?.location as string | { path?: unknown; fsPath?: unknown } | undefined;
      const where = typeof loc === 'string' ? loc : (loc?.fsPath ?? loc?.path);
      if (typeof where === 'string' && typeof p.name === 'string') names.set(uriBasename(where), p.name);
    }
  } catch {
    // no names: the ids are shown
  }
  return names;
}

interface ProfileList {
  info: ProfileInfo;
  entries: ExtensionsJsonEntry[];
  stamp: string;
  mtimeMs?: number;
}

/** Every profile's list under the user-data dirs; an error when one that exists cannot be read or understood. */
async function readProfiles(userDataDirs: readonly string[]): Promise<{ lists: ProfileList[]; error?: string }> {
  const lists: ProfileList[] = [];
  const seen = new Set<string>();
  for (const udd of userDataDirs) {
    const root = path.join(udd, 'User', 'profiles');
    const real = realpathOf(root);
    if (real && seen.has(real)) continue;
    if (real) seen.add(real);
    let ids: string[];
    try {
      ids = (await fs.promises.readdir(root, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // no user-data dir there, or no profiles
      const error = `the profiles folder ${root} cannot be read (${code ?? String(e)}): the extensions other profiles use are unknown`;
      return { lists, error };
    }
    const names = ids.length ? await profileNames(udd) : new Map<string, string>();
    for (const id of ids) {
      const file = path.join(root, id, 'extensions.json');
      const info: ProfileInfo = { id, name: names.get(id), file };
      if (info.name === undefined) delete info.name;
      try {
        const [text, st] = await Promise.all([fs.promises.readFile(file, 'utf8'), fs.promises.stat(file)]);
        const parsed = parseExtensionsJson(text);
        if (!parsed.ok) return { lists, error: `the extensions list of ${listName(info, file)} is not understood: ${parsed.error}` };
        info.entries = parsed.value.length;
        lists.push({ info, entries: parsed.value, stamp: `${file}=${stampOf(st)}`, mtimeMs: st.mtimeMs });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') {
          return { lists, error: `the extensions list of ${listName(info, file)} cannot be read (${code ?? String(e)})` };
        }
        lists.push({ info, entries: [], stamp: `${file}=none` }); // a profile without a list of its own
      }
    }
  }
  return { lists };
}

/** Reads and classifies an extensions folder (and every profile's list). Never throws. */
export async function readExtensionsDir(dir: string, nowMs = Date.now(), options: ReadOptions = {}): Promise<ExtensionsDirReport> {
  const report: ExtensionsDirReport = { dir, warnings: [], folders: [], profiles: [] };
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (e) {
    report.error = `the extensions folder ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    return report;
  }
  let entries: ExtensionsJsonEntry[] = [];
  const listTimes: number[] = [];
  try {
    const file = path.join(dir, 'extensions.json');
    const [text, st] = await Promise.all([fs.promises.readFile(file, 'utf8'), fs.promises.stat(file)]);
    report.extensionsJsonStamp = stampOf(st);
    listTimes.push(st.mtimeMs);
    const parsed = parseExtensionsJson(text);
    if (parsed.ok) entries = parsed.value;
    else report.error = parsed.error;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    report.error = code === 'ENOENT' ? 'extensions.json is missing' : `extensions.json cannot be read (${code ?? String(e)})`;
  }
  let obsolete = new Set<string>();
  try {
    const file = path.join(dir, '.obsolete');
    const [text, st] = await Promise.all([fs.promises.readFile(file, 'utf8'), fs.promises.stat(file)]);
    listTimes.push(st.mtimeMs);
    const parsed = parseObsolete(text);
    if (parsed.ok) obsolete = parsed.value;
    else report.warnings.push(parsed.error);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') report.warnings.push(`.obsolete cannot be read (${String(e)})`);
  }
  const profiles = await readProfiles(options.userDataDirs ?? []);
  report.profiles = profiles.lists.map((l) => l.info);
  report.profilesStamp = profiles.lists.map((l) => l.stamp).join('\n');
  for (const l of profiles.lists) if (l.mtimeMs !== undefined) listTimes.push(l.mtimeMs);
  if (report.extensionsJsonStamp !== undefined) report.listsChangedAtMs = Math.max(...listTimes);
  report.error ??= profiles.error;
  if (!report.error && options.userDataProblems?.length) {
    report.error = `the other profiles are unknown: ${options.userDataProblems.join('; ')}`;
  }

  // Folder (lower case) → the entry and the lists that reference it; `<id>@<version>` for entries without a location.
  const referenced = new Map<string, { entry: ExtensionsJsonEntry; by: string[] }>();
  const sources: [string, ExtensionsJsonEntry[]][] = [
    ['extensions.json', entries],
    ...profiles.lists.map((l): [string, ExtensionsJsonEntry[]] => [profileLabel(l.info), l.entries]),
  ];
  for (const [by, list] of sources) {
    for (const entry of list) {
      const folder = entryFolderName(entry) ?? derivedFolderName(entry);
      if (!folder) {
        // Which folder it uses is unknown: any could be it (unknown is never orphan).
        report.error ??=
          `${by === 'extensions.json' ? 'extensions.json' : `the extensions list of ${by}`} is not understood: ` +
          `the entry "${entry.identifier.id}" has no location, and "${entry.identifier.id}" ${entry.version} makes no folder name`;
        continue;
      }
      const key = folder.toLowerCase();
      const ref = referenced.get(key);
      if (ref) {
        if (!ref.by.includes(by)) ref.by.push(by);
      } else {
        referenced.set(key, { entry, by: [by] });
      }
    }
  }
  // Newest referenced version per id.
  const installedVersion = new Map<string, string>();
  for (const [folder, { entry }] of referenced) {
    if (obsolete.has(folder)) continue;
    const id = entry.identifier.id.toLowerCase();
    const prev = installedVersion.get(id);
    if (!prev || compareVersions(entry.version, prev) > 0) installedVersion.set(id, entry.version);
  }

  for (const name of names.sort()) {
    if (MANAGEMENT_NAMES.has(name)) continue;
    const full = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(full);
    } catch {
      continue; // vanished meanwhile
    }
    const isSymlink = st.isSymbolicLink();
    if (!st.isDirectory() && !isSymlink) continue; // stray files are not extensions
    const base = { name, path: full, mtimeMs: st.mtimeMs, ino: st.ino, isSymlink };
    if (TEMP_RE.test(name)) {
      const old = nowMs - st.mtimeMs >= TEMP_MIN_AGE_MS;
      report.folders.push({
        ...base,
        cls: old ? 'leftoverTemp' : 'installing',
        reason: old
          ? 'temporary folder of an install that did not finish'
          : 'temporary folder of an install that may still be running (< 1 h old)',
      });
      continue;
    }
    if (name.startsWith('.')) continue; // other hidden management files
    const parsed = parseFolderName(name);
    const key = name.toLowerCase();
    const ref = referenced.get(key);
    const installedAtMs = ref?.entry.metadata?.installedTimestamp;
    if (obsolete.has(key)) {
      report.folders.push({
        ...base,
        parsed,
        installedAtMs,
        cls: 'obsolete',
        reason: 'listed in .obsolete: the server deletes it at its next start',
      });
    } else if (ref) {
      report.folders.push({ ...base, parsed, installedAtMs, cls: 'installed', reason: `referenced by ${ref.by.join(' and ')}` });
    } else if (parsed && installedVersion.has(parsed.id) && compareVersions(installedVersion.get(parsed.id)!, parsed.version) > 0) {
      report.folders.push({
        ...base,
        parsed,
        cls: 'olderVersion',
        reason: `older version: ${parsed.id} ${installedVersion.get(parsed.id)} is installed`,
      });
    } else {
      const others = profiles.lists.length;
      const inProfiles = others ? ` or the lists of ${others} other profile${others === 1 ? '' : 's'}` : '';
      const reason = `not referenced by extensions.json${inProfiles}`;
      report.folders.push({ ...base, parsed, cls: 'unreferenced', reason });
    }
  }
  return report;
}

/** A folder is reclaimable only when extensions.json could be read (otherwise nothing is). */
export function isReclaimable(report: ExtensionsDirReport, f: ExtensionFolder): boolean {
  return !report.error && RECLAIMABLE.has(f.cls);
}

/** Real path (symlinks resolved), or undefined when it cannot be resolved. */
export function realpathOf(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

export interface ServerArgv {
  pid: number;
  argv: readonly string[];
  /** Its working directory, to resolve a relative --user-data-dir; undefined when it cannot be read. */
  cwd?: string;
}

/** The value of `--name value` or `--name=value` in argv (the last one wins, as in the servers' parsers). */
function argValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && i + 1 < argv.length) value = argv[i + 1];
    else if (argv[i].startsWith(`${name}=`)) value = argv[i].slice(name.length + 1);
  }
  return value;
}

/**
 * Where the user-data dirs (with User/profiles) of the servers using an extensions folder may be: this window's
 * (from its globalStorage path), each server's `--user-data-dir` (code-server) or `--server-data-dir`/data (VS Code
 * server), their defaults, and the layouts next to the extensions folder. Reading more than needed only keeps more
 * folders. A relative dir that cannot be resolved is a problem (the profiles are then unknown). Pure.
 */
export function userDataDirCandidates(input: {
  globalStoragePath?: string;
  servers: readonly ServerArgv[];
  extensionsDir: string;
  home: string;
  xdgDataHome?: string;
}): { dirs: string[]; problems: string[] } {
  const dirs: string[] = [];
  const problems: string[] = [];
  const add = (d: string): void => {
    const n = path.normalize(d);
    if (!dirs.includes(n)) dirs.push(n);
  };
  const g = input.globalStoragePath?.split(path.sep);
  const user = g ? g.lastIndexOf('User') : -1;
  if (g && user > 0) add(g.slice(0, user).join(path.sep) || path.sep);
  const resolve = (s: ServerArgv, flag: string, value: string): string | undefined => {
    if (path.isAbsolute(value)) return value;
    if (s.cwd) return path.resolve(s.cwd, value);
    problems.push(`the server (pid ${s.pid}) has a relative ${flag} "${value}" and its working directory cannot be read`);
    return undefined;
  };
  const xdg = input.xdgDataHome && path.isAbsolute(input.xdgDataHome) ? input.xdgDataHome : path.join(input.home, '.local', 'share');
  for (const s of input.servers) {
    const userDataDir = argValue(s.argv, '--user-data-dir');
    if (userDataDir !== undefined) {
      const d = resolve(s, '--user-data-dir', userDataDir);
      if (d) add(d);
    }
    if (!/\/out\/server-main\.js$/.test(s.argv[1] ?? '')) {
      if (userDataDir === undefined) add(path.join(xdg, 'code-server')); // code-server's default
      continue;
    }
    // VS Code server: <server-data-dir>/data, ~/.vscode-server by default
    const serverDataDir = argValue(s.argv, '--server-data-dir');
    const d = serverDataDir === undefined ? path.join(input.home, '.vscode-server') : resolve(s, '--server-data-dir', serverDataDir);
    if (d) add(path.join(d, 'data'));
  }
  const parent = path.dirname(input.extensionsDir);
  add(parent); // code-server: <user-data-dir>/extensions
  add(path.join(parent, 'data')); // VS Code server: ~/.vscode-server/{extensions,data}
  return { dirs, problems };
}

/** What a code-server launcher's command line says about its extensions folder, read with code-server's own rules. */
export interface CodeServerDirArgs {
  /** The last `--extensions-dir` value, as given (relative to the launcher's cwd when not absolute). */
  extensionsDir?: string;
  /** `--extensions-dir` without a value (code-server refuses to start): the folder is unknown. */
  missingValue?: boolean;
  /** The last `--config` value, as given. */
  config?: string;
  /** A `--vscode-option` naming extensions-dir: VS Code is given that folder instead. */
  vscodeOverride?: boolean;
}

/**
 * Parses code-server's arguments (argv after node and the script): options until `--`, `--name=value` or
 * `--name value` (a value never starts with `-`), the last one wins.
 */
export function codeServerDirArgs(args: readonly string[]): CodeServerDirArgs {
  const out: CodeServerDirArgs = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (key !== 'extensions-dir' && key !== 'config' && key !== 'vscode-option') continue;
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && i + 1 < args.length && !args[i + 1].startsWith('-')) value = args[++i];
    if (key === 'vscode-option') {
      if (value?.includes('extensions-dir')) out.vscodeOverride = true;
    } else if (key === 'config') {
      out.config = value;
    } else if (value) {
      out.extensionsDir = value;
      delete out.missingValue;
    } else {
      out.missingValue = true;
    }
  }
  return out;
}

/** Everything read about a code-server launcher (the process whose argv code-server parses). */
export interface LauncherFacts {
  argv: readonly string[];
  startedAtMs: number;
  /** Its working directory; undefined when unreadable. */
  cwd?: string;
  /** Its environment; undefined when unreadable. */
  env?: ReadonlyMap<string, string>;
  /** Reads the config file: its text and mtime, undefined when it cannot be read. */
  readConfig(file: string): { text: string; mtimeMs: number } | undefined;
}

/** A config file modified later than this after the server started may not be what it read. */
export const CONFIG_SETTLE_MS = 60 * 1000;

/**
 * The extensions folder a code-server launcher gave its server (absolute, not realpath'd), or undefined when it is
 * not positively known: no `--extensions-dir` (the default depends on more than argv), a relative one with an
 * unreadable cwd, a `--vscode-option` for extensions-dir on the command line, in VSCODE_OPTIONS or in the config file
 * (which may also hold one: it must be readable and not changed since the server started), or an unreadable environment.
 */
export function codeServerExtensionsDir(l: LauncherFacts): string | undefined {
  const args = codeServerDirArgs(l.argv.slice(2));
  if (args.extensionsDir === undefined || args.missingValue || args.vscodeOverride || !l.env) return undefined;
  if (l.env.get('VSCODE_OPTIONS')?.includes('extensions-dir')) return undefined;
  const resolve = (p: string): string | undefined => (path.isAbsolute(p) ? path.normalize(p) : l.cwd && path.resolve(l.cwd, p));
  const home = l.env.get('HOME');
  const xdgConfig = l.env.get('XDG_CONFIG_HOME') || (home && path.join(home, '.config'));
  const configPath = args.config || l.env.get('CODE_SERVER_CONFIG') || (xdgConfig && path.join(xdgConfig, 'code-server', 'config.yaml'));
  const configFile = configPath ? resolve(configPath) : undefined;
  const config = configFile ? l.readConfig(configFile) : undefined;
  if (!config || config.text.includes('extensions-dir') || config.mtimeMs > l.startedAtMs + CONFIG_SETTLE_MS) return undefined;
  return resolve(args.extensionsDir);
}

/** NUL-separated environment (/proc/PID/environ) → map; the first of a repeated name wins (as getenv). */
export function parseEnviron(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !env.has(entry.slice(0, eq))) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

const CODE_SERVER_CHILD = /\/out\/node\/entry$/;

/**
 * The code-server launcher an extension host runs under, from the ppid chain: host → server child
 * (`…/out/node/entry`) → launcher (`…/entry.js`, or a release's `code-server`). Undefined for anything else
 * (VS Code server, a broken chain, a process that is not such a host).
 */
export function codeServerLauncherOf(snapshot: Snapshot, topology: Topology, hostPid: number): ProcessRecord | undefined {
  if (topology.roles.get(hostPid) !== 'extensionHost') return undefined;
  const child = snapshot.processes.get(snapshot.processes.get(hostPid)?.ppid ?? -1);
  if (!child || topology.roles.get(child.pid) !== 'server' || !CODE_SERVER_CHILD.test(child.argv[1] ?? '')) return undefined;
  const launcher = snapshot.processes.get(child.ppid);
  if (!launcher || topology.roles.get(launcher.pid) !== 'server') return undefined;
  const script = launcher.argv[1] ?? '';
  return CODE_SERVER_CHILD.test(script) || /\/out\/server-main\.js$/.test(script) ? undefined : launcher;
}

/**
 * For each extension host (but selfPid's and those under the same launcher): the real path of the extensions folder
 * its code-server was given, when positively known (see codeServerExtensionsDir). Reads the launchers' cwd and
 * environ under the snapshot's proc root and their config files.
 */
export function hostExtensionsDirs(
  snapshot: Snapshot,
  topology: Topology,
  selfPid: number,
  procFs: ProcFs = new NodeProcFs(),
): Map<number, string> {
  const out = new Map<number, string>();
  const own = codeServerLauncherOf(snapshot, topology, selfPid);
  const byLauncher = new Map<number, string | undefined>();
  for (const h of topology.extensionHosts) {
    if (h.pid === selfPid) continue;
    const launcher = codeServerLauncherOf(snapshot, topology, h.pid);
    if (!launcher || launcher.pid === own?.pid) continue;
    if (!byLauncher.has(launcher.pid)) byLauncher.set(launcher.pid, launcherExtensionsDir(snapshot.procRoot, launcher, procFs));
    const dir = byLauncher.get(launcher.pid);
    if (dir !== undefined) out.set(h.pid, dir);
  }
  return out;
}

function launcherExtensionsDir(procRoot: string, launcher: ProcessRecord, procFs: ProcFs): string | undefined {
  const cwd = readCwd(launcher.pid, procRoot, procFs);
  let env: Map<string, string> | undefined;
  try {
    env = parseEnviron(utf8(procFs.readText(`${procRoot}/${launcher.pid}/environ`)));
  } catch {
    env = undefined; // unknown: a VSCODE_OPTIONS there may name another folder
  }
  const dir = codeServerExtensionsDir({
    argv: launcher.argv,
    startedAtMs: launcher.startedAtMs,
    cwd: cwd.ok ? cwd.path : undefined,
    env,
    readConfig: (file) => {
      try {
        const st = fs.statSync(file); // a regular file of config size only: a FIFO would block the host
        if (!st.isFile() || st.size > 1024 * 1024) return undefined;
        return { text: fs.readFileSync(file, 'utf8'), mtimeMs: st.mtimeMs };
      } catch {
        return undefined;
      }
    },
  });
  return dir === undefined ? undefined : realpathOf(dir);
}
