// Extension clean-up — the pure part: which folders a selection (or "all reclaimable") targets, which are
// protected and why, and the re-validation of each target against a fresh read of the folder before it moves.
import * as path from 'path';
import { formatBytes } from '../../probes/format';
import { ExtensionFolder, ExtensionsDirReport, FolderClass, MANAGEMENT_NAMES, RECLAIMABLE } from '../../probes/extensionsDir';
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
  /** Install folders of extensions loaded in any window (this one and the registry's), real paths. */
  loadedPaths: ReadonlySet<string>;
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
  if (ctx.nowMs - f.mtimeMs < RECENT_MS) return 'modified in the last 10 minutes (an install may be running)';
  return undefined;
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
  return { ...plan, dir: report.dir, extensionsJsonStamp: report.extensionsJsonStamp };
}

/** Every reclaimable, unprotected folder. */
export function planCleanUpAll(report: ExtensionsDirReport, ctx: CleanContext): CleanPlan {
  const names = report.folders.filter((f) => RECLAIMABLE.has(f.cls) && !folderProtection(report, f, ctx)).map((f) => f.name);
  const plan = planCleanUp(report, names, ctx);
  return { ...plan, ...newPlan({ ...plan, action: 'clean-all-extensions' }, ctx.nowMs) };
}

/**
 * Right before moving: extensions.json unchanged since the plan, and each folder still there with the same
 * class, inode and mtime, and still not protected.
 */
export function revalidateFolders(
  plan: CleanPlan,
  fresh: ExtensionsDirReport,
  ctx: CleanContext,
): { valid: FolderTarget[]; skipped: { target: FolderTarget; because: string }[] } {
  if (fresh.extensionsJsonStamp !== plan.extensionsJsonStamp) {
    return { valid: [], skipped: plan.targets.map((target) => ({ target, because: 'extensions.json changed since the preview' })) };
  }
  const valid: FolderTarget[] = [];
  const skipped: { target: FolderTarget; because: string }[] = [];
  for (const t of plan.targets) {
    const f = fresh.folders.find((x) => x.name === t.name);
    const because = !f
      ? 'gone'
      : f.ino !== t.ino
        ? 'replaced by another folder'
        : f.mtimeMs !== t.mtimeMs
          ? 'modified since the preview'
          : f.cls !== t.cls
            ? `now ${CLASS_TEXT[f.cls]}`
            : folderProtection(fresh, f, ctx);
    if (because) skipped.push({ target: t, because });
    else valid.push(t);
  }
  return { valid, skipped };
}
