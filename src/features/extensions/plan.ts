// Extension clean-up — the pure part: which folders a selection (or "all reclaimable") targets, which are
// protected and why, and the re-validation of each target against a fresh read of the folder before it moves.
import * as path from 'path';
import { formatBytes, formatDuration } from '../../probes/format';
import { ExtensionFolder, ExtensionsDirReport, FolderClass, MANAGEMENT_NAMES, RECLAIMABLE, ReadOptions } from '../../probes/extensionsDir';
import { Topology } from '../../probes/topology';
import { WindowEntry } from '../../probes/windowRegistry';
import { Plan, SkippedTarget, TargetKind, newPlan } from '../../core/safety';

export const CLASS_TEXT: Record<FolderClass, string> = {
  installed: 'installed',
  obsolete: 'obsolete',
  olderVersion: 'older version',
  unreferenced: 'unreferenced',
  leftoverTemp: 'leftover temp folder',
  installing: 'install in progress',
};

/** Folders modified this recently may be part of an install that is running. */
export const RECENT_MS = 10 * 60 * 1000;
/**
 * An extension host that started less than this after the last change of the extension lists may still have been
 * given the lists of before that change (the server scans them around the host's start).
 */
export const LIST_SETTLE_MS = 60 * 1000;

/** An extension host that is not in the window registry: which extensions it loaded is unknown. */
export interface UnlistedHost {
  pid: number;
  startedAtMs: number;
}

export interface FolderTarget {
  name: string;
  path: string;
  cls: FolderClass;
  reason: string;
  bytes: number;
  ino: number;
  mtimeMs: number;
}

export const folderKind: TargetKind<FolderTarget> = {
  describe: (t) => `${t.name} — ${CLASS_TEXT[t.cls]}, ${formatBytes(t.bytes)}`,
  bytes: (t) => t.bytes,
  identity: (t) => ({ path: t.path, ino: t.ino, mtimeMs: t.mtimeMs }),
  name: (t) => t.name,
};

export interface CleanContext {
  nowMs: number;
  /** Where the profiles' lists are (the user-data dirs), for every read of the folder. */
  readOptions: ReadOptions;
  /** Install folders of extensions loaded in any window (this one and the registry's), real paths. */
  loadedPaths: ReadonlySet<string>;
  /**
   * Extension hosts of other windows that are not in the window registry (no code-server Ops there, or opened
   * before it was installed); undefined when the processes could not be scanned (then other windows are unknown).
   */
  unlistedHosts: readonly UnlistedHost[] | undefined;
  /** This extension's own install folder. */
  selfPath: string;
  /** Real path of a folder (symlinks resolved), undefined if it cannot be resolved. */
  realpathOf(p: string): string | undefined;
  /** Sizes computed so far, by folder path. */
  sizeOf(p: string): number | undefined;
}

export interface CleanPlan extends Plan<FolderTarget> {
  dir: string;
  /** extensions.json stamp at plan time; a commit does nothing if it changed. */
  extensionsJsonStamp?: string;
  /** The profiles' lists stamp at plan time; a commit does nothing if it changed. */
  profilesStamp?: string;
}

/** Why a folder may never be cleaned (whatever the selection), or undefined. */
export function folderProtection(report: ExtensionsDirReport, f: ExtensionFolder, ctx: CleanContext): string | undefined {
  if (report.error) return `nothing is cleaned while extensions.json is unreadable (${report.error})`;
  if (MANAGEMENT_NAMES.has(f.name)) return 'a management file of the editor';
  if (!RECLAIMABLE.has(f.cls)) return `${CLASS_TEXT[f.cls]}: not reclaimable`;
  const real = ctx.realpathOf(f.path);
  const dirReal = ctx.realpathOf(report.dir) ?? report.dir;
  if (!real) return 'its real path cannot be resolved';
  if (path.dirname(real) !== dirReal) return `outside the extensions folder (resolves to ${real})`;
  if (f.path === ctx.selfPath || real === ctx.realpathOf(ctx.selfPath)) return "code-server Ops' own folder";
  if (ctx.loadedPaths.has(real) || ctx.loadedPaths.has(f.path)) return 'loaded in a window';
  const unlisted = unlistedRisk(report, f, ctx);
  if (unlisted) return unlisted;
  const age = ctx.nowMs - f.mtimeMs;
  if (age < RECENT_MS) return `modified ${formatDuration(Math.max(0, age))} ago, an install may be running`;
  return undefined;
}

/** Which extensions folder other servers' extension hosts use, as far as it is positively known. */
export interface HostDirs {
  /** Real path of this window's extensions folder; undefined when it cannot be resolved (then every host may use it). */
  ownDir: string | undefined;
  /** Extension host pid → real path of the extensions folder its server was given; absent when not known. */
  byHost: ReadonlyMap<number, string>;
}

/**
 * Extension hosts (of this user) other than this one that the live registry entries do not account for: windows
 * without code-server Ops, or whose entry does not list its extensions. A host whose server is known to use another
 * extensions folder is not one: it cannot load these folders.
 */
export function unlistedHostsOf(
  topology: Topology,
  liveWindows: readonly WindowEntry[],
  selfPid: number,
  selfUid: number,
  dirs?: HostDirs,
): UnlistedHost[] {
  const listed = new Set(liveWindows.filter((w) => w.extensionPaths !== undefined).map((w) => w.pid));
  const elsewhere = (pid: number): boolean => {
    const dir = dirs?.byHost.get(pid);
    return dirs?.ownDir !== undefined && dir !== undefined && dir !== dirs.ownDir;
  };
  return topology.extensionHosts
    .filter((h) => h.pid !== selfPid && h.uid === selfUid && !listed.has(h.pid) && !elsewhere(h.pid))
    .map((h) => ({ pid: h.pid, startedAtMs: h.startedAtMs }));
}

/**
 * Windows whose loaded extensions are unknown may have loaded any folder but a temp folder, unless they started after
 * the last change of the extension lists (then they were given the lists as they are now, which do not use it).
 */
function unlistedRisk(report: ExtensionsDirReport, f: ExtensionFolder, ctx: CleanContext): string | undefined {
  if (f.cls === 'leftoverTemp') return undefined; // never loaded: the install did not finish
  if (ctx.unlistedHosts === undefined) return 'other windows cannot be listed (no process scan): it may be loaded in one';
  const changedAtMs = report.listsChangedAtMs ?? Infinity;
  const risky = ctx.unlistedHosts.filter((h) => !(h.startedAtMs > changedAtMs + LIST_SETTLE_MS));
  if (risky.length === 0) return undefined;
  const pids = risky.map((h) => h.pid).join(', ');
  return (
    `may be loaded in a window without code-server Ops (extension host pid ${pids}, ` +
    'started before the last change of the extension lists)'
  );
}

/**
 * Why a folder the view shows among the reclaimable classes is not offered (and not in "Clean Up All"), or
 * undefined when it is offered or not of a reclaimable class. The tree and the bulk preview both use it.
 */
export function notIncludedReason(report: ExtensionsDirReport, f: ExtensionFolder, ctx: CleanContext): string | undefined {
  return RECLAIMABLE.has(f.cls) ? folderProtection(report, f, ctx) : undefined;
}

export function planCleanUp(report: ExtensionsDirReport, names: readonly string[], ctx: CleanContext): CleanPlan {
  const targets: FolderTarget[] = [];
  const skipped: SkippedTarget[] = [];
  for (const name of new Set(names)) {
    const f = report.folders.find((x) => x.name === name);
    if (!f) {
      skipped.push({ name, path: path.join(report.dir, name), because: 'no longer in the extensions folder' });
      continue;
    }
    const because = folderProtection(report, f, ctx);
    if (because) {
      skipped.push({ name, path: f.path, because });
      continue;
    }
    targets.push({ name, path: f.path, cls: f.cls, reason: f.reason, bytes: ctx.sizeOf(f.path) ?? 0, ino: f.ino, mtimeMs: f.mtimeMs });
  }
  const plan = newPlan({ action: 'clean-extensions', verb: 'Clean Up', noun: ['Folder', 'Folders'], targets, skipped }, ctx.nowMs);
  return { ...plan, dir: report.dir, extensionsJsonStamp: report.extensionsJsonStamp, profilesStamp: report.profilesStamp };
}

/** Every reclaimable, unprotected folder; the protected ones of a reclaimable class are listed as skipped, with why. */
export function planCleanUpAll(report: ExtensionsDirReport, ctx: CleanContext): CleanPlan {
  const names = report.folders.filter((f) => RECLAIMABLE.has(f.cls)).map((f) => f.name);
  const plan = planCleanUp(report, names, ctx);
  return { ...plan, ...newPlan({ ...plan, action: 'clean-all-extensions' }, ctx.nowMs) };
}

/**
 * Right before moving: extensions.json unchanged since the plan, and each folder still there with the same
 * class, inode and mtime, and still not protected.
 */
/** How a previewed folder differs from its fresh listing (the same name): undefined if it is the same folder, unchanged. */
function changedSincePreview(t: FolderTarget, f: ExtensionFolder): string | undefined {
  if (f.ino !== t.ino) return 'replaced by another folder';
  if (f.mtimeMs !== t.mtimeMs) return 'modified since the preview';
  if (f.cls !== t.cls) return `now ${CLASS_TEXT[f.cls]}`;
  return undefined;
}

export function revalidateFolders(
  plan: CleanPlan,
  fresh: ExtensionsDirReport,
  ctx: CleanContext,
): { valid: FolderTarget[]; skipped: { target: FolderTarget; because: string }[] } {
  if (fresh.extensionsJsonStamp !== plan.extensionsJsonStamp) {
    return { valid: [], skipped: plan.targets.map((target) => ({ target, because: 'extensions.json changed since the preview' })) };
  }
  if (fresh.profilesStamp !== plan.profilesStamp) {
    const because = "a profile's extensions list changed since the preview";
    return { valid: [], skipped: plan.targets.map((target) => ({ target, because })) };
  }
  const valid: FolderTarget[] = [];
  const skipped: { target: FolderTarget; because: string }[] = [];
  for (const t of plan.targets) {
    const f = fresh.folders.find((x) => x.name === t.name);
    const because = f ? changedSincePreview(t, f) || folderProtection(fresh, f, ctx) : 'gone';
    if (because) skipped.push({ target: t, because });
    else valid.push(t);
  }
  return { valid, skipped };
}
