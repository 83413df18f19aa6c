// A live feed of kernel OOM-killer records from /dev/kmsg. Pure Node, no `vscode`.
//
// Node has no lseek(SEEK_END) and no readiness notification for character devices (libuv treats them as files, so a
// blocking read would hold a thread-pool thread forever). The follower therefore lets a small reader process (`cat`)
// block in read() and streams its stdout through a pipe: nothing runs in this process while the kernel logs nothing.
// A fresh reader of /dev/kmsg starts at the oldest record, so "seek to the end" is done by the records themselves:
// records stamped before the follower started (and sequence numbers already seen, after a reader restart) are skipped.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { KernelOomEvent, parseKernelOomLine } from './kernelLog';

/** One /dev/kmsg record: `<prefix>,<seq>,<usec>,<flags>[,…];<text>` (Documentation/ABI/testing/dev-kmsg). */
export interface KmsgRecord {
  /** syslog priority and facility packed as the kernel writes them (facility * 8 + level). */
  priority: number;
  level: number;
  facility: number;
  /** 64-bit sequence number; numbers beyond 2^53 are not expected in practice and are rejected. */
  seq: number;
  /** Microseconds since boot (CLOCK_MONOTONIC). */
  usec: number;
  /** '-' normal, 'c' continuation start, '+' continuation. */
  flags: string;
  /** The message, with the kernel's \xNN escapes of non-printable bytes decoded back. */
  text: string;
}

const HEADER_RE = /^(\d{1,5}),(\d{1,20}),(\d{1,20}),([^,;]*)(?:,[^;]*)?;(.*)$/s;

/** Parses one record line (without its trailing newline); undefined for continuation lines (` KEY=value`) and junk. */
export function parseKmsgRecord(line: string): KmsgRecord | undefined {
  const m = HEADER_RE.exec(line);
  if (!m) return undefined;
  const priority = Number(m[1]);
  const seq = Number(m[2]);
  const usec = Number(m[3]);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(usec)) return undefined;
  const text = m[5].replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { priority, level: priority & 7, facility: priority >> 3, seq, usec, flags: m[4], text };
}

/** The OOM-killer event of a record (source 'kmsg'), or undefined. atMs from the boot time when given. */
export function oomEventOfRecord(record: KmsgRecord, bootTimeMs?: number): KernelOomEvent | undefined {
  if (!record.text.includes('ill')) return undefined; // every OOM line has "kill"/"Kill"
  const event = parseKernelOomLine(record.text, { source: 'kmsg' });
  if (!event) return undefined;
  event.bootSeconds = record.usec / 1e6;
  event.time = event.bootSeconds;
  if (bootTimeMs !== undefined) event.atMs = Math.round(bootTimeMs + record.usec / 1000);
  return event;
}

/** Splits a byte stream into lines; keeps an unfinished last line for the next chunk (bounded: 64 KiB). */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    if (this.rest.length > 65_536) this.rest = '';
    return lines;
  }
}

/**
 * Decides which records are new: "seek to the end" for a reader that starts at the oldest record. A record is new
 * when it was stamped at or after `startUsec` and its sequence number is above every one seen so far.
 */
export class KmsgCursor {
  private lastSeq = -1;
  constructor(readonly startUsec: number) {}
  accept(record: KmsgRecord): boolean {
    if (record.seq <= this.lastSeq) return false;
    this.lastSeq = record.seq;
    return record.usec >= this.startUsec;
  }
}

/** Seconds since boot from /proc/uptime, in microseconds; undefined when unreadable. */
export function uptimeUsec(procRoot = '/proc'): number | undefined {
  try {
    const s = Number(fs.readFileSync(`${procRoot}/uptime`, 'latin1').split(' ')[0]);
    return Number.isFinite(s) ? Math.floor(s * 1e6) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the file can be opened for reading (non-blocking: never waits); the reason when not. */
export function kmsgReadable(file: string): { ok: true } | { ok: false; reason: string } {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    return { ok: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    const hint = code === 'EACCES' || code === 'EPERM' ? ' (not permitted: kernel.dmesg_restrict=1 or not root?)' : '';
    return { ok: false, reason: `${file}: ${code}${hint}` };
  }
}

export type SpawnReader = (file: string) => Pick<ChildProcess, 'stdout' | 'stderr' | 'on' | 'kill'>;

export const catReader: SpawnReader = (file) =>
  spawn('cat', [file], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });

export interface KmsgFollowerOptions {
  /** Default /dev/kmsg. */
  file?: string;
  /** Records stamped earlier are backlog (default: /proc/uptime at start()). */
  startUsec?: number;
  /** Boot time (epoch ms) to give events an atMs. */
  bootTimeMs?: number;
  procRoot?: string;
  spawnReader?: SpawnReader;
  onEvent(event: KernelOomEvent, record: KmsgRecord): void;
  /** The reader stopped and was (or was not) restarted. */
  onStatus?(status: KmsgStatus): void;
  /** Restarts allowed after the reader exits (a reader overrun by the ring buffer ends with EPIPE). Default 5. */
  maxRestarts?: number;
  restartDelayMs?: number;
}

export interface KmsgStatus {
  following: boolean;
  reason?: string;
  /** Records read since start (new and backlog). */
  records: number;
  events: number;
  restarts: number;
}

/** Follows /dev/kmsg and reports each new OOM-killer record. Never throws; say stop() to end the reader. */
export class KmsgFollower {
  private child?: ReturnType<SpawnReader>;
  private cursor?: KmsgCursor;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  readonly status: KmsgStatus = { following: false, records: 0, events: 0, restarts: 0 };

  constructor(private readonly o: KmsgFollowerOptions) {}

  get file(): string {
    return this.o.file ?? '/dev/kmsg';
  }

  /** Starts following; the status says whether it could. */
  start(): KmsgStatus {
    const readable = kmsgReadable(this.file);
    if (!readable.ok) return this.setStatus(false, readable.reason);
    const start = this.o.startUsec ?? uptimeUsec(this.o.procRoot);
    if (start === undefined) return this.setStatus(false, `${this.o.procRoot ?? '/proc'}/uptime is not readable`);
    this.cursor = new KmsgCursor(start);
    this.spawn();
    return this.status;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.child?.kill('SIGTERM');
    this.child = undefined;
    this.status.following = false;
  }

  private setStatus(following: boolean, reason?: string): KmsgStatus {
    this.status.following = following;
    if (reason === undefined) delete this.status.reason;
    else this.status.reason = reason;
    this.o.onStatus?.(this.status);
    return this.status;
  }

  private spawn(): void {
    let child: ReturnType<SpawnReader>;
    try {
      child = this.o.spawnReader ? this.o.spawnReader(this.file) : catReader(this.file);
    } catch (e) {
      this.setStatus(false, `reader could not start: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.child = child;
    this.setStatus(true);
    const lines = new LineSplitter();
    let stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) this.line(line);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-500)));
    child.on('error', (e: Error) => this.ended(child, `reader failed: ${e.message}`));
    child.on('exit', (code: number | null, signal: string | null) =>
      this.ended(child, `reader exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`),
    );
  }

  private ended(child: ReturnType<SpawnReader>, reason: string): void {
    if (this.child !== child) return; // already handled (error then exit)
    this.child = undefined;
    if (this.stopped) return;
    const max = this.o.maxRestarts ?? 5;
    if (this.status.restarts >= max) {
      this.setStatus(false, `${reason}; gave up after ${max} restarts`);
      return;
    }
    this.status.restarts++;
    this.setStatus(false, `${reason}; restarting`);
    this.timer = setTimeout(() => this.spawn(), this.o.restartDelayMs ?? 1000 * this.status.restarts);
    this.timer.unref?.();
  }

  private line(line: string): void {
    const record = parseKmsgRecord(line);
    if (!record || !this.cursor) return;
    this.status.records++;
    if (!this.cursor.accept(record)) return;
    let event: KernelOomEvent | undefined;
    try {
      event = oomEventOfRecord(record, this.o.bootTimeMs);
    } catch {
      event = undefined;
    }
    if (!event) return;
    this.status.events++;
    this.o.onEvent(event, record);
  }
}
