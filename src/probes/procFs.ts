// The small file-system surface the probes use, so tests can inject faults (EACCES, vanishing files, EIO)
// that a root test run could never provoke on a real /proc. Synchronous on purpose: /proc reads are served from
// kernel memory, and the scanner bounds each slice of work so the event loop is never blocked for long.
import * as fs from 'fs';

export interface ProcFs {
  /** Names in a directory. */
  readdir(path: string): string[];
  /**
   * Reads a whole (small) file as latin1 text, reusing an internal buffer. `shortReadIsEnd`: a read that does not fill
   * the buffer is the end of the file (true of /proc/PID/stat, which the kernel renders whole into one read, as procps
   * relies on), saving the second read that would return 0 bytes; never for cmdline, which comes in page-sized reads.
   */
  readText(path: string, shortReadIsEnd?: boolean): string;
  /** Owner uid of a path (for /proc/PID: the process's effective uid). */
  uidOf(path: string): number;
  /** Target of a symlink (cwd, exe). */
  readlink(path: string): string;
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

export class NodeProcFs implements ProcFs {
  private buf = Buffer.allocUnsafe(16 * 1024);

  readdir(path: string): string[] {
    return fs.readdirSync(path);
  }

  readText(path: string, shortReadIsEnd = false): string {
    const fd = fs.openSync(path, 'r');
    try {
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
        if (shortReadIsEnd && len < this.buf.length) break;
      }
      return this.buf.toString('latin1', 0, len);
    } finally {
      fs.closeSync(fd);
    }
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
