// du-like sizing: recursive lstat (never follows symlinks), allocated blocks (st_blocks × 512) like `du -s`,
// each hard-linked inode counted once. Asynchronous and cancellable, with a cache keyed by folder mtime + inode.
import * as fs from 'fs';
import * as path from 'path';

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
  /** lstat calls in flight at once. */
  concurrency?: number;
  /** Shared across folders so a hard link between two folders counts once. */
  seen?: Set<string>;
}

export async function folderSize(root: string, options: SizeOptions = {}): Promise<FolderSize & { cancelled: boolean }> {
  const seen = options.seen ?? new Set<string>();
  const out = { bytes: 0, apparentBytes: 0, entries: 0, errors: 0, cancelled: false };
  const queue: string[] = [root];
  const concurrency = options.concurrency ?? 32;
  const visit = async (p: string): Promise<void> => {
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(p);
    } catch {
      out.errors++;
      return;
    }
    out.entries++;
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    out.bytes += st.blocks * 512;
    out.apparentBytes += st.size;
    if (st.isDirectory()) {
      try {
        for (const name of await fs.promises.readdir(p)) queue.push(path.join(p, name));
      } catch {
        out.errors++;
      }
    }
  };
  while (queue.length > 0) {
    if (options.isCancelled?.()) {
      out.cancelled = true;
      break;
    }
    await Promise.all(queue.splice(0, concurrency).map(visit));
  }
  return out;
}

/** Sizes keyed by path, valid while the folder's mtime and inode are unchanged. */
export class SizeCache {
  private readonly entries = new Map<string, { stamp: string; size: FolderSize }>();

  get(p: string, mtimeMs: number, ino: number): FolderSize | undefined {
    const e = this.entries.get(p);
    return e && e.stamp === `${mtimeMs}:${ino}` ? e.size : undefined;
  }

  set(p: string, mtimeMs: number, ino: number, size: FolderSize): void {
    this.entries.set(p, { stamp: `${mtimeMs}:${ino}`, size });
  }

  forget(p: string): void {
    this.entries.delete(p);
  }
}
