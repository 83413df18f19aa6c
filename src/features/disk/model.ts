// The Disk model: every entry the server left behind, its verdict, the sizes known so far and the free space. Pure.
import { DISK_KINDS, DiskEntry, DiskKind, Verdict, isInformational } from '../../probes/serverDirs';

export interface ClassifiedEntry extends DiskEntry {
  verdict: Verdict;
}

export interface FreeSpace {
  path: string;
  freeBytes: number;
  totalBytes: number;
}

export interface DiskModel {
  entries: ClassifiedEntry[];
  /** Allocated bytes (du -s) by entry path, as far as sized. */
  sizes: Map<string, number>;
  sizing: boolean;
  /** Free space of the file system of the first user-data dir, when it could be read. */
  free?: FreeSpace;
  problems: string[];
}

export const KIND_TITLE: Record<DiskKind, string> = {
  serverBuild: 'Server builds',
  vsixCache: 'Downloaded VSIXs (CachedExtensionVSIXs)',
  logs: 'Session logs',
  coderLogs: "code-server's own logs (coder-logs)",
  workspaceStorage: 'Workspace storage',
  globalStorage: 'Extension global storage',
  npxCache: 'npx caches (MCP servers)',
  uvCache: "uv's cache (MCP servers run with uvx; information only)",
  transcripts: "Assistants' transcripts (information only)",
};

/** Bytes the offered entries would free, in total and per kind (unsized entries count 0 until sized). */
export function reclaimableBytes(model: Pick<DiskModel, 'entries' | 'sizes'>): { total: number; byKind: Map<DiskKind, number> } {
  const byKind = new Map<DiskKind, number>();
  let total = 0;
  for (const e of model.entries) {
    if (e.verdict.reclaim === 'keep') continue;
    const b = model.sizes.get(e.path) ?? 0;
    total += b;
    byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + b);
  }
  return { total, byKind };
}

/**
 * csops_disk_reclaimable_bytes by kind, from a finished sizing only: undefined while there is no model or sizing is
 * incomplete (unknown is not 0). Every reclaimable kind is reported (0 when nothing of it is offered); transcripts
 * are never reclaimable and never reported.
 */
export function reclaimableMetric(model: Pick<DiskModel, 'entries' | 'sizes' | 'sizing'> | undefined): Record<string, number> | undefined {
  if (!model || model.sizing) return undefined;
  if (model.entries.some((e) => e.verdict.reclaim !== 'keep' && !model.sizes.has(e.path))) return undefined;
  const { byKind } = reclaimableBytes(model);
  const out: Record<string, number> = {};
  for (const k of DISK_KINDS) if (!isInformational(k)) out[k] = byKind.get(k) ?? 0;
  return out;
}
