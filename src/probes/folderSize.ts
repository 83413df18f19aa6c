// du-like sizing: recursive lstat (never follows symlinks), allocated blocks (st_blocks × 512) like `du -s`,
// each hard-linked inode counted once. Asynchronous and cancellable, with a cache keyed by folder mtime + inode.
import * as fs from 'fs';
import { performance } from 'perf_hooks';

export interface FolderSize {
  /** Allocated bytes, as `du -s -B1` reports. */
  bytes: number;
  /** Sum of file sizes (st_size). */
  apparentBytes: number;
  entries: number;
  /** Entries that could not be read (vanished, permission). */
  errors: number;
}

export interface SizeOptions {
  /** Stop early (returns what was counted so far with `cancelled`). */
  isCancelled?: () => boolean;
  /** At most this many entries between two yields to the event loop (default: no count limit, only the time budget). */
  concurrency?: number;
  /** Shared across folders so a hard link between two folders counts once. */
  seen?: Set<string>;
}

/** Longest synchronous run (ms) before a turn is given to the event loop; with one entry's lstat on top, the loop is
 *  never held near the 5 ms the issue allows. */
const BUDGET_MS = 1;
/** The clock is read every CHECK_EVERY entries (a cached lstat costs ~2 µs, a cold one can take a millisecond). */
const CHECK_EVERY = 8;
/** When the current synchronous run began, shared by every call: a caller that sizes many small folders in a row
 *  (`await folderSize(…)` resolves as a microtask, without a turn) adds up to one budget, not one per folder. */
let runStart = -Infinity;
const NO_THROW = { throwIfNoEntry: false } as const;
const turn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

export async function folderSize(root: string, options: SizeOptions = {}): Promise<FolderSize & { cancelled: boolean }> {
  const seen = options.seen ?? new Set<string>();
  const out = { bytes: 0, apparentBytes: 0, entries: 0, errors: 0, cancelled: false };
  // Synchronous lstat/readdir in time-budgeted runs (like the /proc scanner): far cheaper per file than one promise per
  // call through the thread pool. Where the CPU goes (perf, Node 24; the floors in scripts/bench/sizing.js): the kernel's
  // walk of each full path (Node has no fstatat) and Node's per-call cost of lstatSync/readdirSync; this loop and its
  // turns add a few percent on top.
  const slice = options.concurrency ?? Infinity;
  const stack: string[] = [root];
  let sliceDone = 0;
  let k = 0;
  if (options.isCancelled?.()) out.cancelled = true;
  else if (performance.now() - runStart >= BUDGET_MS) {
    await turn();
    runStart = performance.now();
  }
  while (stack.length > 0 && !out.cancelled) {
    if (sliceDone >= slice || (++k % CHECK_EVERY === 0 && performance.now() - runStart >= BUDGET_MS)) {
      if (options.isCancelled?.()) {
        out.cancelled = true;
        break;
      }
      await turn();
      runStart = performance.now();
      sliceDone = 0;
    }
    sliceDone++;
    const p = stack.pop()!;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(p, NO_THROW);
    } catch {
      st = undefined; // EACCES on a parent, ENOTDIR, ELOOP…
    }
    if (st === undefined) {
      out.errors++;
      continue;
    }
    out.entries++;
    const dir = st.isDirectory();
    if (!dir && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.bytes += st.blocks * 512;
    out.apparentBytes += st.size;
    if (dir) {
      let names: string[];
      try {
        names = fs.readdirSync(p);
      } catch {
        out.errors++;
        continue;
      }
      const prefix = p.endsWith('/') ? p : `${p}/`;
      for (let i = 0; i < names.length; i++) stack.push(prefix + names[i]);
    }
  }
  return out;
}

/** Sizes keyed by path, valid while the folder's mtime and inode are unchanged (du's sizes carry bytes only). */
export class SizeCache<S extends { bytes: number } = FolderSize> {
  private readonly entries = new Map<string, { stamp: string; size: S }>();

  get(p: string, mtimeMs: number, ino: number): S | undefined {
    const e = this.entries.get(p);
    return e && e.stamp === `${mtimeMs}:${ino}` ? e.size : undefined;
  }

  set(p: string, mtimeMs: number, ino: number, size: S): void {
    this.entries.set(p, { stamp: `${mtimeMs}:${ino}`, size });
  }

  forget(p: string): void {
    this.entries.delete(p);
  }
}
