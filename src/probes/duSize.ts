// Sizing folders with the system's GNU du in one child process (`du -s -B1 -0 -- p1 p2 …`), the Node walk
// (folderSize) as the fallback. du's fstatat/openat walk costs less CPU than any Node loop can (scripts/bench/sizing.js
// explains the floors); the child runs off the event loop and reports each folder as it finishes, in argument order.
// With several arguments GNU du counts each inode once across them all: a file hard-linked into two folders counts in
// the first one listed, as folderSize does with a shared `seen`.
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { folderSize } from './folderSize';

export interface DuOptions {
  /** Polled every POLL_MS (and on each output chunk); true kills the child and resolves 'cancelled'. */
  isCancelled?: () => boolean;
  /** Each folder's allocated bytes as its record arrives, in argument order. */
  onSize?: (path: string, bytes: number) => void;
  /** The du command (tests inject a fake one). */
  du?: string;
  /** Tests: the pid of each child as it starts. */
  onSpawn?: (pid: number) => void;
  /** Bytes of path arguments per child (tests: a small value splits the run). */
  maxArgBytes?: number;
  /** Tests: read du's stdout through a pipe, as when no temp file can be made. */
  pipe?: boolean;
}

export interface DuResult {
  /** 'failed': du is not usable (missing, not GNU, output not understood); `reason` says why. */
  status: 'ok' | 'cancelled' | 'failed';
  reason?: string;
  /** Per path, the sizes du gave (argument order). A path du printed nothing for (vanished, or inside a folder
   *  listed before it) has no entry. */
  sizes: Map<string, number>;
  /** stderr lines (du: cannot read directory …): the sizes are then lower bounds, as the walk's are. */
  errors: number;
}

/**
 * Starting a child forks this process: the kernel copies its page tables while the event loop waits, ~0.04 ms per MB
 * of RSS and the first spawn of a process ~1.7× a later one (scripts/bench/sizing.js, the spawn row; 3.9 ms for a
 * first spawn at 75 MB, 5.7 at 105 MB on the bench VM) — past ~64 MB more than the loop's budget leaves. du is used only
 * while this process's RSS is at most maxRssForDu; a spawn that held the loop longer than SPAWN_BUDGET_MS lowers it
 * (to 90 % of the RSS it was measured at) for the process's lifetime. Above it the walk sizes (1 ms slices).
 */
export const DU_MAX_RSS_BYTES = 64 * 1024 * 1024;
const SPAWN_BUDGET_MS = 4;
let maxRssForDu = DU_MAX_RSS_BYTES;

/** @internal A spawn took `ms` at `rssBytes`: past the budget, du is not started again at that size. */
export function noteSpawn(ms: number, rssBytes: number): void {
  if (ms > SPAWN_BUDGET_MS) maxRssForDu = Math.min(maxRssForDu, 0.9 * rssBytes);
}

/** The RSS up to which du is started (tests reset it with `resetDuLimit`). */
export const duRssLimit = (): number => maxRssForDu;
/** @internal */
export const resetDuLimit = (): void => {
  maxRssForDu = DU_MAX_RSS_BYTES;
};

/** How often the output is read and isCancelled polled while du runs. */
const POLL_MS = 20;
/** Well under Linux's 128 KiB per argument and ARG_MAX: a realistic run (a few hundred folders) is one child. */
const MAX_ARG_BYTES = 64 * 1024;
const NUL = 0;
const TAB = 9;
/** What a GNU du says of a path it could not read (LC_ALL=C): errors, not a failure of du. */
const CANNOT = /^du: cannot (access|read|open)/;

/** Paths in chunks of at most `max` argument bytes. A hard link across two chunks counts twice (two du children). */
function chunks(paths: readonly string[], max: number): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (const p of paths) {
    const n = Buffer.byteLength(p) + 1;
    if (cur.length > 0 && size + n > max) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(p);
    size += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

type ChunkEnd = { status: 'ok' | 'cancelled' } | { status: 'failed'; reason: string };

/**
 * du's stdout: GNU du flushes after every record, so through a pipe each folder is one wakeup and one Buffer here
 * (a few ms of our CPU for a few hundred folders). An unlinked temp file (O_EXCL, 0600) instead, read with pread
 * every POLL_MS and at the end: a few reads a run. A pipe when no temp file can be made.
 */
function outputFile(): number | undefined {
  const name = path.join(os.tmpdir(), `csops-du-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(name, 'wx+', 0o600);
    fs.unlinkSync(name);
    return fd;
  } catch {
    if (fd !== undefined) fs.closeSync(fd);
    return undefined;
  }
}

function runChunk(paths: string[], o: DuOptions, out: DuResult): Promise<ChunkEnd> {
  const du = o.du ?? 'du';
  const want = paths.map((p) => Buffer.from(p));
  return new Promise((resolve) => {
    const fd = o.pipe ? undefined : outputFile();
    let child: ChildProcess;
    try {
      const t0 = performance.now();
      child = spawn(du, ['-s', '-B1', '-0', '--', ...paths], {
        stdio: ['ignore', fd ?? 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
      });
      noteSpawn(performance.now() - t0, process.memoryUsage.rss());
    } catch (e) {
      if (fd !== undefined) fs.closeSync(fd);
      resolve({ status: 'failed', reason: `cannot run ${du}: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    let end: ChunkEnd | undefined; // decided (cancelled, or a failure); settled on 'close' or 'error'
    let settled = false;
    let next = 0;
    let records = 0;
    let pending: Buffer = Buffer.alloc(0);
    let stderr = '';
    let readAt = 0;
    const readBuf = fd === undefined ? undefined : Buffer.allocUnsafe(64 * 1024);
    const settle = (r: ChunkEnd): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      if (fd !== undefined) fs.closeSync(fd);
      resolve(r);
    };
    const stop = (r: ChunkEnd): void => {
      if (end) return;
      end = r;
      // Our own child, through its handle, before Node has reaped it (exitCode/signalCode are set when it has).
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    /** Parses the NUL-terminated `<bytes>\t<path>` records in chunk (and what was left of the last one). */
    const feed = (chunk: Buffer): void => {
      const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (let nul = buf.indexOf(NUL, at); nul >= 0 && !end; nul = buf.indexOf(NUL, at)) {
        const rec = buf.subarray(at, nul);
        at = nul + 1;
        const tab = rec.indexOf(TAB);
        const num = tab > 0 ? rec.toString('latin1', 0, tab) : '';
        const p = rec.subarray(tab + 1);
        let j = next;
        while (j < want.length && !want[j].equals(p)) j++;
        if (!/^\d+$/.test(num) || j === want.length) {
          stop({ status: 'failed', reason: `du output not understood: ${JSON.stringify(rec.toString('latin1').slice(0, 80))}` });
          return;
        }
        // Paths before j printed nothing (vanished, or already counted inside an earlier argument).
        next = j + 1;
        records++;
        const bytes = Number(num);
        out.sizes.set(paths[j], bytes);
        o.onSize?.(paths[j], bytes); // may cancel: the loop ends
      }
      pending = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
    };
    /** What du has written to the file since the last read. */
    const readFile = (): void => {
      if (fd === undefined || !readBuf) return;
      for (let n = 1; n > 0 && !end;) {
        n = fs.readSync(fd, readBuf, 0, readBuf.length, readAt);
        readAt += n;
        if (n > 0) feed(readBuf.subarray(0, n));
      }
    };
    const poll = (): void => {
      if (o.isCancelled?.()) stop({ status: 'cancelled' });
      else readFile();
    };
    const timer = setInterval(poll, POLL_MS);
    if (child.pid !== undefined) o.onSpawn?.(child.pid);
    child.on('error', (e: NodeJS.ErrnoException) => {
      settle(end ?? { status: 'failed', reason: `cannot run ${du}: ${e.code ?? e.message}` });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (o.isCancelled?.()) stop({ status: 'cancelled' });
      if (!end) feed(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('latin1');
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      const lines = stderr.split('\n').filter((l) => l.length > 0);
      out.errors += lines.length;
      if (!end) poll();
      if (end) return settle(end);
      const first = lines[0] ?? '';
      if (pending.length) return settle({ status: 'failed', reason: 'du output not understood: a record without its NUL' });
      if (signal) return settle({ status: 'failed', reason: `du was ended by ${signal}` });
      if (records === 0 && (code !== 0 || lines.length === 0) && !(lines.length > 0 && lines.every((l) => CANNOT.test(l))))
        return settle({ status: 'failed', reason: `du exited with ${code ?? '?'}${first ? `: ${first.slice(0, 200)}` : ''}` });
      settle({ status: 'ok' });
    });
  });
}

/**
 * Sizes `paths` (absolute) with one `du -s -B1 -0` child (more only past MAX_ARG_BYTES of arguments), calling onSize
 * as each record arrives. Resolves 'cancelled' (the child killed) with what was counted, or 'failed' with the reason
 * (du missing, a busybox/BSD du rejecting -B1/-0, output not understood): the caller then walks.
 */
export async function duSizes(paths: readonly string[], o: DuOptions = {}): Promise<DuResult> {
  for (const p of paths) if (!path.isAbsolute(p)) throw new Error(`duSizes: not an absolute path: ${p}`);
  const out: DuResult = { status: 'ok', sizes: new Map(), errors: 0 };
  for (const chunk of chunks(paths, o.maxArgBytes ?? MAX_ARG_BYTES)) {
    if (o.isCancelled?.()) {
      out.status = 'cancelled';
      break;
    }
    const r = await runChunk(chunk, o, out);
    if (r.status !== 'ok') {
      out.status = r.status;
      if (r.status === 'failed') out.reason = r.reason;
      break;
    }
  }
  return out;
}

/** Per du command: undefined while usable (or not yet tried), else why not — decided for the process's lifetime. */
const unusable = new Map<string, string>();

/** Why `du` is not used in this process, if it is not. */
export const duUnusable = (du = 'du'): string | undefined => unusable.get(du);

export interface SizeFoldersResult {
  cancelled: boolean;
  errors: number;
  /** How the folders were sized: 'du', 'walk' (du unusable, or this process too big to fork within the loop's budget),
   *  or 'du+walk' (du failed mid-run, or printed nothing for some folders). */
  method: 'du' | 'walk' | 'du+walk';
  /** Set on the run that found du unusable (once per process): the reason, for the caller to log. */
  duProblem?: string;
}

/**
 * Sizes folders as the views do: du for all of them, or — du unusable (now or earlier in this process) — the rest
 * with the folderSize walk (one shared `seen`), keeping what du already gave. A path du printed nothing for is walked.
 * A hard link between a du-sized and a walked folder counts in both (rare: only after du failed mid-run).
 */
export async function sizeFolders(
  paths: readonly string[],
  o: {
    isCancelled?: () => boolean;
    onSize: (path: string, bytes: number) => void;
    du?: string;
    /** This process's RSS (tests pass their own). */
    rssBytes?: () => number;
  },
): Promise<SizeFoldersResult> {
  const du = o.du ?? 'du';
  const res: SizeFoldersResult = { cancelled: false, errors: 0, method: 'walk' };
  let sized = new Map<string, number>();
  if (!unusable.has(du) && (o.rssBytes ?? process.memoryUsage.rss)() <= maxRssForDu) {
    res.method = 'du';
    const r = await duSizes(paths, { isCancelled: o.isCancelled, onSize: o.onSize, du });
    res.errors += r.errors;
    if (r.status === 'cancelled') return { ...res, cancelled: true };
    if (r.status === 'failed') {
      unusable.set(du, r.reason ?? 'du failed');
      res.duProblem = r.reason;
    }
    sized = r.sizes;
  }
  const seen = new Set<string>();
  for (const p of paths) {
    if (sized.has(p)) continue;
    if (res.method === 'du') res.method = 'du+walk';
    const s = await folderSize(p, { seen, isCancelled: o.isCancelled });
    if (s.cancelled) return { ...res, cancelled: true };
    res.errors += s.errors;
    o.onSize(p, s.bytes);
  }
  return res;
}
