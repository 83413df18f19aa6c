// Checked parsers for the /proc files the scanner reads. Pure functions, no I/O, no `vscode`.
// Each returns a typed value or a typed error; none throws.

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** The fields of /proc/PID/stat the features use. Times are in clock ticks, rss in pages. */
export interface StatRecord {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  tpgid: number;
  utime: number;
  stime: number;
  starttime: number;
  rssPages: number;
}

/** Field numbers (1-based, as in proc(5)) of the values we take from the part after comm. */
const FIELD = { state: 3, ppid: 4, pgrp: 5, session: 6, tpgid: 8, utime: 14, stime: 15, starttime: 22, rss: 24 } as const;

function int(text: string | undefined, min: number): number | undefined {
  if (text === undefined || !/^-?\d{1,19}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}

/**
 * Parses /proc/PID/stat. comm may contain spaces, parentheses and even newlines, so it is everything between
 * the first '(' and the LAST ')'.
 */
export function parseStat(text: string): Parsed<StatRecord> {
  return parseStatFast(text) ?? parseStatReference(text);
}

const SPACE = 32;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

/**
 * The walk of parseStatBytes over a text's latin1 bytes (one char a byte, so its offsets are the text's): the same
 * result as parseStatReference for the stat lines the kernel writes, undefined for anything else (which then goes
 * through parseStatReference). Not on the scanner's path (it parses the bytes it read); here for single reads.
 */
function parseStatFast(text: string): Parsed<StatRecord> | undefined {
  const bytes = Buffer.from(text, 'latin1');
  const f = newStatFields();
  if (!statBytesFast(bytes, bytes.length, f)) return undefined;
  const { pid, state, ppid, pgrp, session, tpgid, utime, stime, starttime, rssPages } = f;
  return ok({ pid, comm: text.slice(f.commStart, f.commEnd), state, ppid, pgrp, session, tpgid, utime, stime, starttime, rssPages });
}

/** parseStat with a regex split: every stat line the fast path does not take, and the reference that one is tested against. */
export function parseStatReference(text: string): Parsed<StatRecord> {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return fail('stat: no "(comm)"');
  const pid = int(text.slice(0, open).trim(), 1);
  if (pid === undefined) return fail('stat: bad pid');
  const comm = text.slice(open + 1, close);
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state)
  const at = (field: number): string | undefined => rest[field - 3];
  const state = at(FIELD.state);
  if (state === undefined || !/^[A-Za-z]$/.test(state)) return fail('stat: bad state');
  const ppid = int(at(FIELD.ppid), 0);
  const pgrp = int(at(FIELD.pgrp), 0);
  const session = int(at(FIELD.session), 0);
  const tpgid = int(at(FIELD.tpgid), -1);
  const utime = int(at(FIELD.utime), 0);
  const stime = int(at(FIELD.stime), 0);
  const starttime = int(at(FIELD.starttime), 0);
  const rssPages = int(at(FIELD.rss), 0);
  if (ppid === undefined || pgrp === undefined || session === undefined || tpgid === undefined) {
    return fail('stat: bad ppid/pgrp/session/tpgid');
  }
  if (utime === undefined || stime === undefined || starttime === undefined || rssPages === undefined) {
    return fail('stat: bad times or rss (truncated?)');
  }
  return ok({ pid, comm, state, ppid, pgrp, session, tpgid, utime, stime, starttime, rssPages });
}

/** Splits /proc/PID/cmdline (NUL-separated argv, usually NUL-terminated). Kernel threads have an empty cmdline. */
export function parseCmdline(raw: string): string[] {
  if (raw.length === 0) return [];
  const parts = raw.split('\0');
  // The terminating NUL, and the NUL padding a process that rewrote its argv (setproctitle) leaves behind.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Reads `btime` (boot time, seconds since the epoch) from /proc/stat. */
export function parseBootTime(text: string): Parsed<number> {
  const m = /^btime\s+(\d+)\s*$/m.exec(text);
  const n = m ? int(m[1], 1) : undefined;
  return n === undefined ? fail('/proc/stat: no btime line') : ok(n);
}

/** Parses /proc/PID/statm: size resident shared text lib data dt (pages). Returns resident pages. */
export function parseStatmResident(text: string): Parsed<number> {
  const parts = text.trim().split(/\s+/);
  const n = int(parts[1], 0);
  return n === undefined ? fail('statm: bad resident field') : ok(n);
}

/** Reads a `Key:   value kB` line of /proc/PID/status, in bytes. */
export function parseStatusKb(text: string, key: string): Parsed<number> {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB\\s*$`, 'm').exec(text);
  const n = m ? int(m[1], 0) : undefined;
  return n === undefined ? fail(`status: no ${key}`) : ok(n * 1024);
}

// ---- The same parsers over the bytes of a file (a buffer the ProcFs reuses): the scanner's path, no string per file.

/** What parseStatBytes fills: StatRecord's numbers and state, comm as the byte range [commStart, commEnd) of the input. */
export interface StatFields extends Omit<StatRecord, 'comm'> {
  commStart: number;
  commEnd: number;
}

export function newStatFields(): StatFields {
  return {
    pid: 0,
    state: '',
    ppid: 0,
    pgrp: 0,
    session: 0,
    tpgid: 0,
    utime: 0,
    stime: 0,
    starttime: 0,
    rssPages: 0,
    commStart: 0,
    commEnd: 0,
  };
}

/**
 * parseStat of the latin1 text of bytes[0, length) (bytes past length are ignored), into `out` — one object reused for
 * every line, and no string made but the one-letter state (V8 keeps those). undefined when the line parses, else
 * parseStat's error. The same walk as parseStatFast, with parseStatReference for the lines it does not take.
 */
export function parseStatBytes(bytes: Buffer, length: number, out: StatFields): string | undefined {
  if (statBytesFast(bytes, length, out)) return undefined;
  const text = bytes.toString('latin1', 0, Math.min(length, bytes.length));
  const r = parseStatReference(text);
  if (!r.ok) return r.error;
  const v = r.value;
  out.pid = v.pid;
  out.state = v.state;
  out.ppid = v.ppid;
  out.pgrp = v.pgrp;
  out.session = v.session;
  out.tpgid = v.tpgid;
  out.utime = v.utime;
  out.stime = v.stime;
  out.starttime = v.starttime;
  out.rssPages = v.rssPages;
  out.commStart = text.indexOf('(') + 1;
  out.commEnd = text.lastIndexOf(')');
  return undefined;
}

const OPEN = 40;
const CLOSE = 41;

function statBytesFast(bytes: Buffer, length: number, out: StatFields): boolean {
  const len = Math.min(length, bytes.length);
  if (len < 4) return false;
  let open = 0;
  while (open < len && bytes[open] !== OPEN) open++;
  const close = bytes.lastIndexOf(CLOSE, len - 1);
  if (open >= len || open < 2 || close < open || close + 3 >= len || bytes[open - 1] !== SPACE || bytes[close + 1] !== SPACE) return false;
  const pid = bytesDigitsAt(bytes, 0, open - 1);
  if (pid === undefined || pid < 1) return false;
  const stateCode = bytes[close + 2];
  const isLetter = (stateCode >= 65 && stateCode <= 90) || (stateCode >= 97 && stateCode <= 122);
  if (!isLetter || bytes[close + 3] !== SPACE) return false;
  let ppid = 0;
  let pgrp = 0;
  let session = 0;
  let tpgid = 0;
  let utime = 0;
  let stime = 0;
  let starttime = 0;
  let rssPages = 0;
  let i = close + 4;
  for (let field = 4; field <= 24; field++) {
    let j = i;
    while (j < len && bytes[j] !== SPACE) j++;
    if (field < 24 && j >= len) return false;
    const value = bytesDigitsAt(bytes, i, j);
    if (value === undefined) return false;
    if (field === FIELD.ppid) ppid = value;
    else if (field === FIELD.pgrp) pgrp = value;
    else if (field === FIELD.session) session = value;
    else if (field === FIELD.tpgid) tpgid = value;
    else if (field === FIELD.utime) utime = value;
    else if (field === FIELD.stime) stime = value;
    else if (field === FIELD.starttime) starttime = value;
    else if (field === FIELD.rss) rssPages = value;
    i = j + 1;
  }
  if (ppid < 0 || pgrp < 0 || session < 0 || tpgid < -1 || utime < 0 || stime < 0 || starttime < 0 || rssPages < 0) return false;
  out.pid = pid;
  out.state = String.fromCharCode(stateCode);
  out.ppid = ppid;
  out.pgrp = pgrp;
  out.session = session;
  out.tpgid = tpgid;
  out.utime = utime;
  out.stime = stime;
  out.starttime = starttime;
  out.rssPages = rssPages;
  out.commStart = open + 1;
  out.commEnd = close;
  return true;
}

/** digitsAt over bytes[from, to). */
function bytesDigitsAt(bytes: Buffer, from: number, to: number): number | undefined {
  if (from >= to) return undefined;
  let k = from;
  const negative = bytes[k] === MINUS;
  if (negative) k++;
  if (to - k < 1 || to - k > 15) return undefined;
  let n = 0;
  for (; k < to; k++) {
    const c = bytes[k];
    if (c < ZERO || c > NINE) return undefined;
    n = n * 10 + (c - ZERO);
  }
  return negative ? -n : n;
}

/** Buffer's own decoders, which toString(encoding, start, end) calls after checking its arguments (~40 % less a call). */
interface Decoding {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}
const direct =
  typeof (Buffer.prototype as Decoding).latin1Slice === 'function' && typeof (Buffer.prototype as Decoding).utf8Slice === 'function';

/** bytes[start, end) (within the buffer) as latin1 text. */
export function latin1Of(bytes: Buffer, start: number, end: number): string {
  return direct ? (bytes as Decoding).latin1Slice!(start, end) : bytes.toString('latin1', start, end);
}

/** bytes[start, end) as text: UTF-8 when a byte ≥ 0x80 is there, else latin1 — utf8() of their latin1 text, in one step. */
export function decodeBytes(bytes: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) return direct ? (bytes as Decoding).utf8Slice!(start, end) : bytes.toString('utf8', start, end);
  }
  return latin1Of(bytes, start, end);
}

/** Whether bytes[start, end) are the latin1 text `text` (no string made). */
export function sameLatin1(bytes: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The argv of every process without one (kernel threads, zombies): one array, frozen — no record's argv is changed. */
export const NO_ARGV: string[] = Object.freeze([]) as unknown as string[];
const argvParts: string[] = [];

/**
 * parseCmdline of the latin1 text of bytes[0, length), each argument decoded as utf8() does: the same array, made
 * without the text and the array of split (each argument is a string of its own, not a slice of the whole cmdline).
 */
export function parseCmdlineBytes(bytes: Buffer, length: number): string[] {
  let end = Math.min(length, bytes.length);
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end === 0) return NO_ARGV;
  let n = 0;
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i < end && bytes[i] !== 0) continue;
    argvParts[n++] = decodeBytes(bytes, start, i);
    start = i + 1;
  }
  const argv = argvParts.slice(0, n); // exact length, packed
  for (let i = 0; i < n; i++) argvParts[i] = '';
  return argv;
}
