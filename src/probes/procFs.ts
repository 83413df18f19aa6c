// The small file-system surface the probes use, so tests can inject faults (EACCES, vanishing files, EIO)
// that a root test run could never provoke on a real /proc. Synchronous on purpose: /proc reads are served from
// kernel memory, and the scanner bounds each slice of work so the event loop is never blocked for long.
import * as fs from 'fs';

/** When a read shorter than asked ends a file (see ProcFs.readText). */
export type ReadEnd = 'eof' | 'short' | 'offPage';

export interface ProcFs {
  /** Names in a directory. */
  readdir(path: string): string[];
  /**
   * Optional: the same names in batches (a directory stream), so a caller can list thousands of entries (/proc) in
   * short stretches with other work in between. `next()` gives one name, or undefined at the end; `close()` ends it.
   */
  openDir?(path: string): DirStream;
  /**
   * Reads a whole (small) file as latin1 text, reusing an internal buffer, until a read returns 0 bytes — unless `end`
   * says a shorter read is the end: `short`, any read that does not fill the buffer (true of /proc/PID/stat, which the
   * kernel renders whole into one read, as procps relies on); `offPage`, a short read that does not end on a 4 KB page
   * boundary (true of /proc/PID/cmdline, which the kernel copies page by page; never of seq_files such as meminfo,
   * which stop at a record boundary). Either saves the second read that would return 0 bytes.
   */
  readText(path: string, end?: ReadEnd): string;
  /**
   * Optional: readText (readRaw) and readKept (readKeptRaw) without making a string — the bytes are left in the buffer
   * rawBytes() returns (valid until the next read through this ProcFs), and their count is returned. The scanner parses
   * /proc/PID/stat and cmdline there, so a scan makes no string of a whole file (less for V8 to collect mid-scan).
   */
  readRaw?(path: string, end?: ReadEnd): number;
  readKeptRaw?(fd: number): number;
  rawBytes?(): Buffer;
  /** Owner uid of a path (for /proc/PID: the process's effective uid). */
  uidOf(path: string): number;
  /** Target of a symlink (cwd, exe). */
  readlink(path: string): string;
  /**
   * Optional kept files of an incremental scan: open a file once (keepOpen), read it again from offset 0 with one read
   * on every refresh (readKept; /proc/PID/stat is re-rendered on each read, and a kept file of an exited process fails
   * with ESRCH rather than reading another one that reuses the pid), close it when the process is gone (closeKept).
   */
  keepOpen?(path: string): number;
  readKept?(fd: number): string;
  closeKept?(fd: number): void;
}

/** A directory read in batches (ProcFs.openDir). */
export interface DirStream {
  next(): string | undefined;
  close(): void;
}

/** Error code of a thrown fs error, or 'EUNKNOWN'. */
export function errCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** Why a /proc/PID entry could not be read, for the user: permission denied, process exited, or the error code. */
export function unreadableReason(code: string): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'process exited';
  return code;
}

/** The smallest page size /proc hands text out in (a multiple of it on 16 KB / 64 KB page kernels). */
const PROC_PAGE = 4096;

export class NodeProcFs implements ProcFs {
  private buf = Buffer.allocUnsafe(16 * 1024);

  readdir(path: string): string[] {
    return fs.readdirSync(path);
  }

  openDir(path: string): DirStream {
    // libuv reads 32 entries per call (the default buffer; measured no slower per entry than 128 or readdirSync)
    const dir = fs.opendirSync(path);
    return {
      next: () => dir.readSync()?.name,
      close: () => dir.closeSync(),
    };
  }

  readText(path: string, end: ReadEnd = 'eof'): string {
    const n = this.readRaw(path, end); // first: a long file replaces this.buf
    return this.buf.toString('latin1', 0, n);
  }

  readRaw(path: string, end: ReadEnd = 'eof'): number {
    const fd = fs.openSync(path, 'r');
    try {
      return this.readFd(fd, end);
    } finally {
      fs.closeSync(fd);
    }
  }

  rawBytes(): Buffer {
    return this.buf;
  }

  keepOpen(path: string): number {
    return fs.openSync(path, 'r');
  }

  readKept(fd: number): string {
    const n = this.readKeptRaw(fd);
    return this.buf.toString('latin1', 0, n);
  }

  readKeptRaw(fd: number): number {
    const n = fs.readSync(fd, this.buf, 0, this.buf.length, 0);
    if (n < this.buf.length) return n;
    // Longer than the buffer (never for a stat line): read it whole from the start.
    let len = n;
    for (;;) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, len);
      this.buf = bigger;
      const more = fs.readSync(fd, this.buf, len, this.buf.length - len, len);
      len += more;
      if (more === 0 || len < this.buf.length) return len;
    }
  }

  closeKept(fd: number): void {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed: nothing to release
    }
  }

  /** Reads an open file to its end (see ReadEnd) into this.buf; the byte count. */
  private readFd(fd: number, end: ReadEnd): number {
    let len = 0;
    for (;;) {
      if (len === this.buf.length) {
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, len);
        this.buf = bigger;
      }
      const n = fs.readSync(fd, this.buf, len, this.buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (end !== 'eof' && len < this.buf.length && (end === 'short' || len % PROC_PAGE !== 0)) break;
    }
    return len;
  }

  uidOf(path: string): number {
    return fs.statSync(path).uid;
  }

  readlink(path: string): string {
    return fs.readlinkSync(path, { encoding: 'latin1' }); // raw bytes; utf8() decodes once
  }
}

/** latin1 keeps every byte; argv and comm are usually UTF-8, so decode them for display. */
export function utf8(latin1: string): string {
  return /[\x80-\xff]/.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}

/**
 * How many /proc/PID/stat files an incremental scan may keep open, from the soft limit on open files (Node raises it to
 * the hard limit at start): half of it, so the rest of the process (the extension host and every other extension) keeps
 * at least as many as the cache takes, and never more than 16,384 (each costs ~4.4 KB of kernel memory, measured by
 * `npm run bench`: at most ~70 MB). 256 when the limit is unknown.
 */
export function keptFileBound(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 0) return 256;
  return Math.min(16_384, Math.floor(limit / 2));
}

/** The soft limit on open files of this process (from /proc/self/limits), or undefined if unknown / unlimited. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)\s/m.exec(fs.readFileSync(limitsFile, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
