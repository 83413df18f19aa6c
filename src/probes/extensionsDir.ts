// Reads an extensions folder (code-server's --extensions-dir, ~/.vscode-server/extensions, ~/.vscode/extensions):
// extensions.json and .obsolete (zod), the folder names, and classifies every top-level folder. Pure Node.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';

export const QUARANTINE_DIR = '.csops-quarantine';
/** Files and folders the editor (or we) manage: never classified, never cleaned. */
export const MANAGEMENT_NAMES = new Set(['extensions.json', '.obsolete', '.init-default-profile-extensions', QUARANTINE_DIR]);
/** Temp install folders younger than this may belong to a running install. */
export const TEMP_MIN_AGE_MS = 60 * 60 * 1000;

const PLATFORMS = [
  'win32-x64', 'win32-arm64', 'linux-x64', 'linux-arm64', 'linux-armhf', 'alpine-x64', 'alpine-arm64',
  'darwin-x64', 'darwin-arm64', 'web', 'universal',
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

/** Compares dotted numeric versions (1.10.0 > 1.9.9); pre-release tails compare as strings. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (i >= pa.length) return -1; // a longer version with the same prefix ranks higher
    if (i >= pb.length) return 1;
    const x = pa[i];
    const y = pb[i];
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    // Numeric parts compare as numbers and sort before non-numeric ones, so the order is total and transitive.
    const c = xNum && yNum ? Number(x) - Number(y) : xNum !== yNum ? (xNum ? -1 : 1) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

const LocationRecord = z.union([
  z.string(),
  z.looseObject({ path: z.optional(z.string()), fsPath: z.optional(z.string()), external: z.optional(z.string()) }),
]);

export const ExtensionsJsonEntryRecord = z.looseObject({
  identifier: z.looseObject({ id: z.string().check(z.minLength(3)), uuid: z.optional(z.string()) }),
  version: z.string(),
  location: z.optional(LocationRecord),
  relativeLocation: z.optional(z.string()),
  metadata: z.optional(z.looseObject({ installedTimestamp: z.optional(z.number()), source: z.optional(z.string()) })),
});
export const ExtensionsJsonRecord = z.array(ExtensionsJsonEntryRecord);
export type ExtensionsJsonEntry = z.infer<typeof ExtensionsJsonEntryRecord>;

export const ObsoleteRecord = z.record(z.string(), z.boolean());

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
  const r = ExtensionsJsonRecord.safeParse(data);
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
  const r = ObsoleteRecord.safeParse(data);
  if (!r.success) return { ok: false, error: `.obsolete has an unexpected shape (${zodError(r.error)})` };
  return { ok: true, value: new Set(Object.entries(r.data).filter(([, v]) => v).map(([k]) => k.toLowerCase())) };
}

/** The folder name an extensions.json entry points at. */
export function entryFolderName(entry: ExtensionsJsonEntry): string | undefined {
  if (entry.relativeLocation) return entry.relativeLocation.split('/')[0];
  const loc = entry.location;
  if (typeof loc === 'string') {
    // A URI string: percent-encoded.
    try {
      return path.basename(decodeURIComponent(loc.replace(/^file:\/\//, '')));
    } catch {
      return path.basename(loc);
    }
  }
  const p = loc?.fsPath ?? loc?.path; // already decoded
  return p ? path.basename(p) : undefined;
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
}

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

/** Reads and classifies an extensions folder. Never throws. */
export async function readExtensionsDir(dir: string, nowMs = Date.now()): Promise<ExtensionsDirReport> {
  const report: ExtensionsDirReport = { dir, warnings: [], folders: [] };
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (e) {
    report.error = `the extensions folder ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    return report;
  }
  let entries: ExtensionsJsonEntry[] = [];
  try {
    const file = path.join(dir, 'extensions.json');
    const [text, st] = await Promise.all([fs.promises.readFile(file, 'utf8'), fs.promises.stat(file)]);
    report.extensionsJsonStamp = stampOf(st);
    const parsed = parseExtensionsJson(text);
    if (parsed.ok) entries = parsed.value;
    else report.error = parsed.error;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    report.error = code === 'ENOENT' ? 'extensions.json is missing' : `extensions.json cannot be read (${code ?? String(e)})`;
  }
  let obsolete = new Set<string>();
  try {
    const parsed = parseObsolete(await fs.promises.readFile(path.join(dir, '.obsolete'), 'utf8'));
    if (parsed.ok) obsolete = parsed.value;
    else report.warnings.push(parsed.error);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') report.warnings.push(`.obsolete cannot be read (${String(e)})`);
  }

  const referenced = new Map<string, ExtensionsJsonEntry>();
  for (const entry of entries) {
    const folder = entryFolderName(entry);
    if (folder) referenced.set(folder.toLowerCase(), entry);
  }
  // Newest referenced version per id.
  const installedVersion = new Map<string, string>();
  for (const [folder, entry] of referenced) {
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
        reason: old ? 'temporary folder of an install that did not finish' : 'temporary folder of an install that may still be running (< 1 h old)',
      });
      continue;
    }
    if (name.startsWith('.')) continue; // other hidden management files
    const parsed = parseFolderName(name);
    const key = name.toLowerCase();
    const entry = referenced.get(key);
    const installedAtMs = entry?.metadata?.installedTimestamp;
    if (obsolete.has(key)) {
      report.folders.push({ ...base, parsed, installedAtMs, cls: 'obsolete', reason: 'listed in .obsolete: the server deletes it at its next start' });
    } else if (entry) {
      report.folders.push({ ...base, parsed, installedAtMs, cls: 'installed', reason: 'referenced by extensions.json' });
    } else if (parsed && installedVersion.has(parsed.id) && compareVersions(installedVersion.get(parsed.id)!, parsed.version) > 0) {
      report.folders.push({
        ...base,
        parsed,
        cls: 'olderVersion',
        reason: `older version: ${parsed.id} ${installedVersion.get(parsed.id)} is installed`,
      });
    } else {
      report.folders.push({ ...base, parsed, cls: 'unreferenced', reason: 'not referenced by extensions.json' });
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
