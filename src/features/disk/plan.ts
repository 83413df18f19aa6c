// Disk reclaim — the pure part: which entries a selection (or "all reclaimable") targets, what happens to each
// (quarantine or delete), what is left out and why, and the re-check of each target against a fresh listing.
import { formatBytes } from '../../probes/format';
import { DISK_KINDS, DiskKind, isInformational } from '../../probes/serverDirs';
import { NotIncluded, Plan, SkippedTarget, TargetKind, newPlan } from '../../core/safety';
import { ClassifiedEntry, DiskModel, KIND_TITLE } from './model';

export interface DiskTarget {
  kind: DiskKind;
  name: string;
  path: string;
  parent: string;
  ino: number;
  mtimeMs: number;
  bytes: number;
  how: 'quarantine' | 'delete';
  reason: string;
}

export const HOW_TEXT = { quarantine: 'moved to the quarantine (undoable)', delete: 'deleted (a cache)' } as const;

export const diskTargetKind: TargetKind<DiskTarget> = {
  describe: (t) => `${t.name} — ${KIND_TITLE[t.kind]}, ${formatBytes(t.bytes)}: ${HOW_TEXT[t.how]}`,
  bytes: (t) => t.bytes,
  identity: (t) => ({ path: t.path, ino: t.ino, mtimeMs: t.mtimeMs, how: t.how }),
  name: (t) => t.name,
};

function toTarget(e: ClassifiedEntry, sizes: ReadonlyMap<string, number>): DiskTarget | undefined {
  const v = e.verdict;
  if (v.reclaim === 'keep') return undefined;
  return {
    kind: e.kind,
    name: e.name,
    path: e.path,
    parent: e.parent,
    ino: e.ino,
    mtimeMs: e.mtimeMs,
    bytes: sizes.get(e.path) ?? 0,
    how: v.reclaim,
    reason: v.reason,
  };
}

/** The selected entries (by path) that are reclaimable; the others skipped with their verdict's reason. */
export function planReclaim(model: Pick<DiskModel, 'entries' | 'sizes'>, paths: readonly string[], nowMs: number): Plan<DiskTarget> {
  const targets: DiskTarget[] = [];
  const skipped: SkippedTarget[] = [];
  for (const p of new Set(paths)) {
    const e = model.entries.find((x) => x.path === p);
    if (!e) {
      skipped.push({ name: p, path: p, because: 'no longer listed' });
      continue;
    }
    const t = toTarget(e, model.sizes);
    if (t) targets.push(t);
    else skipped.push({ name: e.name, path: e.path, because: e.verdict.reason });
  }
  return newPlan({ action: 'reclaim-disk', verb: 'Reclaim', noun: ['Item', 'Items'], targets, skipped }, nowMs);
}

/**
 * Every reclaimable entry; what it leaves out (the kept entries, transcripts aside) is grouped by kind and reason
 * for the preview's "Not included".
 */
export function planReclaimAll(model: Pick<DiskModel, 'entries' | 'sizes'>, nowMs: number): Plan<DiskTarget> {
  const targets = model.entries.flatMap((e) => toTarget(e, model.sizes) ?? []);
  const groups = new Map<string, { kind: DiskKind; reason: string; names: string[] }>();
  for (const e of model.entries) {
    if (e.verdict.reclaim !== 'keep' || isInformational(e.kind)) continue;
    const key = `${e.kind}\0${e.verdict.reason}`;
    const g = groups.get(key) ?? { kind: e.kind, reason: e.verdict.reason, names: [] };
    g.names.push(e.name);
    groups.set(key, g);
  }
  const notIncluded: NotIncluded[] = [...groups.values()].map((g) => ({
    name: g.names.length === 1 ? `${KIND_TITLE[g.kind]}: ${g.names[0]}` : `${KIND_TITLE[g.kind]}: ${g.names.length} entries`,
    reason: g.reason,
  }));
  return newPlan({ action: 'reclaim-all-disk', verb: 'Reclaim', noun: ['Item', 'Items'], targets, skipped: [], notIncluded }, nowMs);
}

/** Why a target may no longer be reclaimed as previewed, given its fresh listing and verdict; undefined if it may. */
export function revalidateTarget(t: DiskTarget, fresh: ClassifiedEntry | undefined): string | undefined {
  if (!fresh) return 'gone';
  if (fresh.ino !== t.ino) return 'replaced by another entry';
  if (fresh.mtimeMs !== t.mtimeMs) return 'modified since the preview';
  if (fresh.verdict.reclaim === 'keep') return `now kept: ${fresh.verdict.reason}`;
  if (fresh.verdict.reclaim !== t.how) return 'what reclaiming does to it changed';
  return undefined;
}

export interface ReclaimChoice {
  path: string;
  label: string;
  description: string;
  detail: string;
}

/**
 * The palette's "Reclaim…" with nothing selected: every reclaimable entry, grouped by kind in the view's order, each
 * saying its size (or that it is not sized yet) and what reclaiming does to it. Kept entries are not offered.
 */
export function reclaimChoices(model: Pick<DiskModel, 'entries' | 'sizes'>): { title: string; choices: ReclaimChoice[] }[] {
  const groups = new Map<DiskKind, ReclaimChoice[]>();
  for (const e of model.entries) {
    if (e.verdict.reclaim === 'keep') continue;
    const size = model.sizes.get(e.path);
    const list = groups.get(e.kind) ?? [];
    list.push({
      path: e.path,
      label: e.name,
      description: `${size === undefined ? 'not sized yet' : formatBytes(size)} · ${HOW_TEXT[e.verdict.reclaim]}`,
      detail: e.verdict.reason,
    });
    groups.set(e.kind, list);
  }
  return DISK_KINDS.flatMap((k) => {
    const choices = groups.get(k);
    return choices ? [{ title: KIND_TITLE[k], choices }] : [];
  });
}
