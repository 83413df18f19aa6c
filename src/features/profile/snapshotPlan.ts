// Write Heap Snapshot: the pure parts — how long v8.writeHeapSnapshot pauses this extension host and how big the file gets,
// estimated from the current heap, whether the free disk space suffices, and the one-target plan the preview shows.
// The rates were measured on the development machine (2 cores, Node 20, scripts/bench/heapsnapshot.js): 34–40 ms per MB of
// used heap and a file of 1.39–1.61 × the used heap. The estimate takes the upper ends, so the preview errs on the long side.
import { formatBytes } from '../../probes/format';
import { Plan, TargetKind, newPlan } from '../../core/safety';

/** Milliseconds of pause per MiB of used heap (measured upper end). */
export const PAUSE_MS_PER_MIB = 40;
/** File size ÷ used heap (measured upper end). */
export const FILE_FACTOR = 1.6;
/** Free space that must remain after the file is written (the file is an estimate; the disk is shared). */
export const DISK_RESERVE_BYTES = 256 * 1024 * 1024;

export interface HeapSnapshotEstimate {
  heapUsedBytes: number;
  pauseMs: number;
  fileBytes: number;
}

export function estimateHeapSnapshot(heapUsedBytes: number): HeapSnapshotEstimate {
  const used = Number.isFinite(heapUsedBytes) && heapUsedBytes > 0 ? heapUsedBytes : 0;
  return {
    heapUsedBytes: used,
    pauseMs: Math.ceil((used / (1024 * 1024)) * PAUSE_MS_PER_MIB),
    fileBytes: Math.ceil(used * FILE_FACTOR),
  };
}

/** Free bytes for an unprivileged user from fs.statfs: bavail × bsize. */
export function freeBytesOf(statfs: { bavail: number | bigint; bsize: number | bigint }): number {
  return Number(statfs.bavail) * Number(statfs.bsize);
}

export type SpaceCheck =
  { ok: true; freeBytes: number; neededBytes: number } | { ok: false; freeBytes: number; neededBytes: number; why: string };

/** Enough room for the estimated file plus a reserve; otherwise why not, in words. */
export function checkFreeSpace(freeBytes: number, estimate: HeapSnapshotEstimate): SpaceCheck {
  const neededBytes = estimate.fileBytes + DISK_RESERVE_BYTES;
  if (!Number.isFinite(freeBytes) || freeBytes < 0)
    return { ok: false, freeBytes, neededBytes, why: 'the free disk space could not be determined' };
  if (freeBytes >= neededBytes) return { ok: true, freeBytes, neededBytes };
  return {
    ok: false,
    freeBytes,
    neededBytes,
    why:
      `only ${formatBytes(freeBytes)} free, and the snapshot needs about ${formatBytes(estimate.fileBytes)} ` +
      `plus ${formatBytes(DISK_RESERVE_BYTES)} left free`,
  };
}

/** "about 2 s" / "under 1 s". */
export function pauseText(ms: number): string {
  if (ms < 1000) return 'under 1 s';
  return `about ${Math.round(ms / 1000)} s`;
}

export interface HeapSnapshotTarget {
  /** Where the file will be written. */
  file: string;
  estimate: HeapSnapshotEstimate;
  freeBytes: number;
}

export const heapSnapshotKind: TargetKind<HeapSnapshotTarget> = {
  describe: (t) => `${t.file} (≈ ${formatBytes(t.estimate.fileBytes)}, from ${formatBytes(t.estimate.heapUsedBytes)} of used heap)`,
  bytes: () => 0,
  identity: (t) => ({ path: t.file, heapUsedBytes: t.estimate.heapUsedBytes, estimatedBytes: t.estimate.fileBytes }),
  name: () => 'heap snapshot of this extension host',
};

/** "Heap-20261201T095400Z-pid123.heapsnapshot": sortable, unique per process and second. */
export function snapshotFileName(nowMs: number, pid: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `Heap-${stamp}-pid${pid}.heapsnapshot`;
}

export function planHeapSnapshot(target: HeapSnapshotTarget, nowMs: number): Plan<HeapSnapshotTarget> {
  return newPlan(
    { action: 'write-heap-snapshot', verb: 'Write', noun: ['Heap Snapshot', 'Heap Snapshots'], targets: [target], skipped: [] },
    nowMs,
  );
}

/** The dialog's "what happens" paragraph. */
export function heapSnapshotWhatHappens(t: HeapSnapshotTarget): string {
  return (
    `This extension host pauses for ${pauseText(t.estimate.pauseMs)} while V8 writes the snapshot (every extension in this window ` +
    `stops responding meanwhile). The file will be about ${formatBytes(t.estimate.fileBytes)}; ${formatBytes(t.freeBytes)} are free ` +
    `there, which suffices. It is readable by you only (0600) and opens in Chrome DevTools → Memory → Load.`
  );
}

/** True when the first bytes of a file look like a V8 heap snapshot: a JSON object whose first key is "snapshot" with "meta". */
export function looksLikeHeapSnapshot(head: string): boolean {
  return /^\s*\{\s*"snapshot"\s*:\s*\{\s*"meta"\s*:/.test(head);
}
