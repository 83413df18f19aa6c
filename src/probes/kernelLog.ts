// Kernel OOM-killer messages from `dmesg` text (plain, `-T`, syslog/journal `short` and ISO prefixes) and from
// `journalctl -k -o json`, plus a runner that asks both tools with a timeout and an output cap. Pure Node, no `vscode`.
// Parsers never throw; the runner never throws and says which sources could not be used, and why.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as z from 'zod/mini';
import { once } from './once';
import { parseBootTime } from './procParsers';

/**
 * 'oom-kill': the OOM killer chose a task (`oom-kill:constraint=…,task=node,pid=…`, or on old kernels
 * `Out of memory: Kill process N (comm) score S or sacrifice child`). 'killed-process': the task was killed
 * (`… Killed process N (comm) total-vm:…`). A modern kernel logs both for one kill; see summarizeOomKills.
 */
export type OomEventKind = 'oom-kill' | 'killed-process';

export interface KernelOomEvent {
  kind: OomEventKind;
  pid: number;
  comm: string;
  /**
   * The time as the line gives it: a number is seconds since boot (`[ 1234.567890]`); a string is wall-clock text
   * (`dmesg -T`, a syslog or ISO prefix, or the journal's timestamp as ISO 8601).
   */
  time?: string | number;
  /** Seconds since boot, when the line has a `[ 1234.567890]` stamp (or the journal a monotonic timestamp). */
  bootSeconds?: number;
  /** Epoch milliseconds, when known: journal timestamp, ISO or `-T` text, or bootSeconds plus the boot time. */
  atMs?: number;
  /** 'memcg' when a cgroup limit was hit, 'global' when the whole machine ran out. */
  trigger?: 'memcg' | 'global';
  /** oom-kill lines: CONSTRAINT_NONE, CONSTRAINT_MEMCG, CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY. */
  constraint?: string;
  /** oom-kill lines: the cgroup of the killed task (task_memcg). */
  cgroup?: string;
  /** oom-kill lines: the cgroup whose limit was hit (oom_memcg). */
  oomCgroup?: string;
  uid?: number;
  totalVmKb?: number;
  anonRssKb?: number;
  fileRssKb?: number;
  shmemRssKb?: number;
  /** anon + file + shmem RSS at the kill, as far as the line gives them. */
  rssKb?: number;
  /** Old `Kill process … score S` lines. */
  score?: number;
  oomScoreAdj?: number;
  source: 'journal' | 'dmesg' | 'text' | 'kmsg';
  /** The kernel message without its prefix (at most 500 characters). */
  message: string;
}

export interface ParseOptions {
  /** Boot time (epoch ms), to turn `[ 1234.567890]` stamps into atMs. */
  bootTimeMs?: number;
  source?: KernelOomEvent['source'];
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?`;
/** `<6>` (dmesg -r) or `kern  :err   : ` (dmesg -x). */
const LEVEL_RE = /^(?:<\d{1,3}>|[a-z]{2,8}\s*:[a-z]{2,8}\s*:\s)/;
/** `2025-11-22T17:54:28.123456+00:00 host kernel: ` (short-iso, rsyslog) or the same without host (dmesg --time-format iso). */
const ISO_RE = new RegExp(String.raw`^(${ISO})\s+(?:\S+\s+kernel:\s?)?`);
/** `Nov 22 17:54:28 host kernel: ` (journalctl short, syslog). */
const SYSLOG_RE = new RegExp(String.raw`^((?:${MONTHS}) [ \d]\d \d\d:\d\d:\d\d)\s+\S+\s+kernel:\s?`);
/** A syslog or ISO-prefixed line of another program (`Nov 22 17:54:29 host systemd[1]: …`): not a kernel message. */
const OTHER_PROGRAM_RE = new RegExp(
  // the host is a host name (letters, digits, '.', '-', '_'): an oom-kill line's first word ("oom-kill:constraint=…,task=a")
  // is not one, so a comm "a b: c" after a bare ISO prefix (dmesg --time-format iso) is not taken for program "b"
  String.raw`^(?:(?:${MONTHS}) [ \d]\d \d\d:\d\d:\d\d|${ISO})\s+[\w.-]+\s+(?!kernel:)[^\s:\[]+(?:\[\d+\])?:\s`,
);
/** `[Sat Nov 22 17:54:28 2025] ` (dmesg -T). */
const CTIME_RE = new RegExp(String.raw`^\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:${MONTHS}) [ \d]\d \d\d:\d\d:\d\d \d{4})\]\s?`);
/** `[ 1234.567890] `. */
const STAMP_RE = /^\[\s*(\d{1,10}\.\d{1,9})\]\s?/;

interface Prefix {
  text?: string;
  bootSeconds?: number;
  atMs?: number;
  message: string;
}

function finiteOrUndefined(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/** Splits the time prefixes off a log line. */
function splitPrefix(line: string): Prefix {
  let rest = line.replace(LEVEL_RE, '');
  const out: Prefix = { message: rest };
  let m = ISO_RE.exec(rest);
  if (m) {
    out.text = m[1];
    out.atMs = finiteOrUndefined(Date.parse(m[1].replace(',', '.')));
  } else if ((m = SYSLOG_RE.exec(rest))) {
    out.text = m[1]; // no year: not turned into atMs
  } else if ((m = CTIME_RE.exec(rest))) {
    out.text = m[1];
    out.atMs = finiteOrUndefined(Date.parse(m[1])); // local time, as dmesg -T prints it
  }
  if (m) rest = rest.slice(m[0].length).replace(LEVEL_RE, '');
  const s = STAMP_RE.exec(rest);
  if (s) {
    out.bootSeconds = Number(s[1]);
    rest = rest.slice(s[0].length);
  }
  out.message = rest;
  return out;
}

function safeInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

type Fields = Omit<KernelOomEvent, 'source' | 'message' | 'time' | 'bootSeconds' | 'atMs'>;

/** `key:NkB` fields, UID and oom_score_adj of a Killed process line's tail. */
function killedFields(tail: string, into: Fields): void {
  const kb: Record<string, 'totalVmKb' | 'anonRssKb' | 'fileRssKb' | 'shmemRssKb'> = {
    'total-vm': 'totalVmKb',
    'anon-rss': 'anonRssKb',
    'file-rss': 'fileRssKb',
    'shmem-rss': 'shmemRssKb',
  };
  for (const m of tail.matchAll(/\b(total-vm|anon-rss|file-rss|shmem-rss):(\d{1,16})kB/g)) {
    const n = safeInt(m[2]);
    if (n !== undefined) into[kb[m[1]]] = n;
  }
  const parts = [into.anonRssKb, into.fileRssKb, into.shmemRssKb].filter((n): n is number => n !== undefined);
  if (parts.length > 0) into.rssKb = parts.reduce((a, b) => a + b, 0);
  const uid = safeInt(/\bUID[: ](\d{1,10})\b/.exec(tail)?.[1]);
  if (uid !== undefined) into.uid = uid;
  const adj = safeInt(/\boom_score_adj:(-?\d{1,5})\b/.exec(tail)?.[1]);
  if (adj !== undefined) into.oomScoreAdj = adj;
}

const TRIGGER = String.raw`(Memory cgroup out of memory: |Out of memory(?: \(oom_kill_allocating_task\))?: )`;
/** comm is everything between the '(' after the pid and the last ')' followed by a space, a comma or the end. */
const KILLED_RE = new RegExp(String.raw`(?:^|\s)${TRIGGER}?Killed process (\d{1,10}) \((.*)\)(?=[ ,]|$)(.*)$`);
const KILL_OLD_RE = new RegExp(String.raw`(?:^|\s)${TRIGGER}Kill process (\d{1,10}) \((.*)\) score (\d{1,10}) or sacrifice child`);
const OOM_KILL_RE = /(?:^|\s)oom-kill:(constraint=.*)$/;

function triggerOf(prefix: string | undefined): 'memcg' | 'global' | undefined {
  if (prefix === undefined) return undefined;
  return prefix.startsWith('Memory cgroup') ? 'memcg' : 'global';
}

/** The OOM fields of one kernel message (no prefix), or undefined when it is not an OOM-killer line. */
function parseMessage(message: string): Fields | undefined {
  let m = OOM_KILL_RE.exec(message);
  if (m) {
    const body = m[1];
    const task = /(?:^|,)task=(.*),pid=(\d{1,10}),uid=(\d{1,10})\s*$/.exec(body);
    const pid = safeInt(task?.[2]);
    if (!task || pid === undefined || pid < 1) return undefined;
    const out: Fields = { kind: 'oom-kill', pid, comm: task[1] };
    const uid = safeInt(task[3]);
    if (uid !== undefined) out.uid = uid;
    const constraint = /^constraint=([A-Z_]+)/.exec(body)?.[1];
    if (constraint) out.constraint = constraint;
    const oomCgroup = /(?:^|,)oom_memcg=(.*?),(?:task_memcg|task)=/.exec(body)?.[1];
    if (oomCgroup !== undefined) out.oomCgroup = oomCgroup;
    const cgroup = /(?:^|,)task_memcg=(.*?),task=/.exec(body)?.[1];
    if (cgroup !== undefined) out.cgroup = cgroup;
    if (/(?:^|,)global_oom(?:,|$)/.test(body)) out.trigger = 'global';
    else if (constraint === 'CONSTRAINT_MEMCG' || oomCgroup !== undefined) out.trigger = 'memcg';
    return out;
  }
  if ((m = KILL_OLD_RE.exec(message))) {
    const pid = safeInt(m[2]);
    if (pid === undefined || pid < 1) return undefined;
    const out: Fields = { kind: 'oom-kill', pid, comm: m[3] };
    const trigger = triggerOf(m[1]);
    if (trigger) out.trigger = trigger;
    const score = safeInt(m[4]);
    if (score !== undefined) out.score = score;
    return out;
  }
  if ((m = KILLED_RE.exec(message))) {
    const pid = safeInt(m[2]);
    if (pid === undefined || pid < 1) return undefined;
    const out: Fields = { kind: 'killed-process', pid, comm: m[3] };
    const trigger = triggerOf(m[1]);
    if (trigger) out.trigger = trigger;
    killedFields(m[4], out);
    return out;
  }
  return undefined;
}

/** Parses one log line (dmesg, dmesg -T, syslog or ISO prefixed). undefined when it is not an OOM-killer line. */
export function parseKernelOomLine(line: string, options: ParseOptions = {}): KernelOomEvent | undefined {
  const clean = line.replace(/\r$/, '');
  if (OTHER_PROGRAM_RE.test(clean)) return undefined;
  const prefix = splitPrefix(clean);
  const fields = parseMessage(prefix.message);
  if (!fields) return undefined;
  const event: KernelOomEvent = { ...fields, source: options.source ?? 'text', message: prefix.message.slice(0, 500) };
  if (prefix.text !== undefined) event.time = prefix.text;
  else if (prefix.bootSeconds !== undefined) event.time = prefix.bootSeconds;
  if (prefix.bootSeconds !== undefined) event.bootSeconds = prefix.bootSeconds;
  if (prefix.atMs !== undefined) event.atMs = prefix.atMs;
  else if (prefix.bootSeconds !== undefined && options.bootTimeMs !== undefined) {
    event.atMs = Math.round(options.bootTimeMs + prefix.bootSeconds * 1000);
  }
  return event;
}

/** The OOM-killer events of a kernel log text (dmesg output, kern.log, `journalctl -k` short output). */
export function parseKernelLog(text: string, options: ParseOptions = {}): KernelOomEvent[] {
  const out: KernelOomEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('ill')) continue; // cheap filter: every OOM line has "kill"/"Kill"
    const e = parseKernelOomLine(line, options);
    if (e) out.push(e);
  }
  return out;
}

/** One line of `journalctl -o json`. MESSAGE is an array of bytes when it is not valid UTF-8 or has control characters. */
export const JournalEntryRecord = once(() =>
  z.object({
    MESSAGE: z.union([z.string(), z.array(z.int().check(z.minimum(0), z.maximum(255))).check(z.maxLength(1 << 20)), z.null()]),
    __REALTIME_TIMESTAMP: z.optional(z.string().check(z.regex(/^\d{1,20}$/))),
    __MONOTONIC_TIMESTAMP: z.optional(z.string().check(z.regex(/^\d{1,20}$/))),
  }),
);
export type JournalEntry = z.infer<ReturnType<typeof JournalEntryRecord>>;

export interface JournalParse {
  events: KernelOomEvent[];
  /** Lines read as journal entries. */
  entries: number;
  /** Lines that were not JSON or not a journal entry. */
  invalidLines: number;
}

/** Parses `journalctl -o json` output (one JSON object a line). */
export function parseJournalJson(text: string): JournalParse {
  const out: JournalParse = { events: [], entries: 0, invalidLines: 0 };
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      out.invalidLines++;
      continue;
    }
    const parsed = JournalEntryRecord().safeParse(json);
    if (!parsed.success) {
      out.invalidLines++;
      continue;
    }
    out.entries++;
    const { MESSAGE, __REALTIME_TIMESTAMP: realtime, __MONOTONIC_TIMESTAMP: monotonic } = parsed.data;
    if (MESSAGE === null) continue;
    const message = typeof MESSAGE === 'string' ? MESSAGE : Buffer.from(MESSAGE).toString('utf8');
    const fields = parseMessage(message.replace(/\r?\n$/, ''));
    if (!fields) continue;
    const event: KernelOomEvent = { ...fields, source: 'journal', message: message.slice(0, 500) };
    if (realtime !== undefined) {
      const atMs = Math.floor(Number(realtime) / 1000);
      const date = new Date(atMs);
      // Beyond what a Date can hold (a corrupt or forged timestamp): the event simply has no time.
      if (Number.isFinite(date.getTime())) {
        event.atMs = atMs;
        event.time = date.toISOString();
      }
    }
    if (monotonic !== undefined) event.bootSeconds = Number(monotonic) / 1e6;
    out.events.push(event);
  }
  return out;
}

/** One OOM kill, merged from its oom-kill and Killed process lines (and from both sources, when both saw it). */
export type OomKill = Omit<KernelOomEvent, 'kind' | 'message'> & { kinds: OomEventKind[] };

/** Lines closer than this (when both have atMs) can describe the same kill. */
const SAME_KILL_MS = 10_000;

function sameKill(a: { pid: number; comm: string; atMs?: number }, b: KernelOomEvent): boolean {
  if (a.pid !== b.pid || a.comm !== b.comm) return false;
  return a.atMs === undefined || b.atMs === undefined || Math.abs(a.atMs - b.atMs) <= SAME_KILL_MS;
}

/**
 * Merges the lines of one kill (oom-kill + Killed process, and duplicates from journal and dmesg) into one record each,
 * in the order the kills were first seen. Fields of the first line win; later lines fill in what it lacked.
 */
export function summarizeOomKills(events: readonly KernelOomEvent[]): OomKill[] {
  const out: OomKill[] = [];
  for (const e of events) {
    const { kind, message, ...fields } = e;
    const known = out.find((k) => sameKill(k, e));
    if (!known) {
      out.push({ ...fields, kinds: [kind] });
      continue;
    }
    if (!known.kinds.includes(kind)) known.kinds.push(kind);
    for (const [key, value] of Object.entries(fields) as [keyof typeof fields, unknown][]) {
      if (known[key] === undefined && value !== undefined) Object.assign(known, { [key]: value });
    }
  }
  return out;
}

// ---- runner ----

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Set when the command could not run, failed, timed out or wrote more than maxBytes (as child_process reports it). */
  error?: { code?: string | number; signal?: string; killed?: boolean; message: string };
}

/** Runs a command; must never reject. */
export type ExecFn = (file: string, args: readonly string[], options: { timeoutMs: number; maxBytes: number }) => Promise<ExecResult>;

/** child_process.execFile with a timeout and an output cap; resolves with what it got, never rejects. */
export const nodeExec: ExecFn = (file, args, options) =>
  new Promise<ExecResult>((resolve) => {
    try {
      execFile(
        file,
        [...args],
        {
          timeout: options.timeoutMs,
          maxBuffer: options.maxBytes,
          encoding: 'utf8',
          windowsHide: true,
          env: { ...process.env, LC_ALL: 'C.UTF-8' },
        },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr });
          const e = error as NodeJS.ErrnoException & { code?: string | number; signal?: string | null; killed?: boolean };
          const info: NonNullable<ExecResult['error']> = { message: e.message };
          if (e.code !== undefined && e.code !== null) info.code = e.code;
          if (e.signal) info.signal = e.signal;
          if (e.killed) info.killed = true;
          resolve({ stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: info });
        },
      );
    } catch (e) {
      resolve({ stdout: '', stderr: '', error: { message: e instanceof Error ? e.message : String(e) } });
    }
  });

export interface KernelLogSource {
  name: 'journalctl' | 'dmesg';
  /** The tool ran and gave output that was used (possibly cut short: see truncated and reason). */
  available: boolean;
  /** Why the source is unavailable, or a caveat about what it returned. */
  reason?: string;
  /** The output was cut short (timeout or maxBytes) and only its complete lines were used. */
  truncated?: boolean;
  /** OOM events found in this source. */
  events: number;
}

export interface KernelOomRead {
  /** Events of all sources; a kill seen by both journal and dmesg is listed once (the journal's line). */
  events: KernelOomEvent[];
  sources: KernelLogSource[];
}

export interface KernelOomReadOptions {
  /** Only events at or after this time (epoch ms). Events whose time is unknown are kept. */
  since?: number;
  /** Per command. */
  timeoutMs: number;
  /** Output cap per command (bytes). */
  maxBytes: number;
  exec?: ExecFn;
  /** Boot time (epoch ms) for dmesg stamps; read from `<procRoot>/stat` when absent. */
  bootTimeMs?: number;
  /** Default /proc. */
  procRoot?: string;
  /** Where journal files live; checked only when journalctl returns no entries. Default /run/log/journal, /var/log/journal. */
  journalDirs?: readonly string[];
}

const firstLine = (text: string): string => text.trim().split('\n')[0]?.trim().slice(0, 200) ?? '';

/** Complete lines only: a cut-short output may end mid-line. */
const completeLines = (text: string): string => text.slice(0, text.lastIndexOf('\n') + 1);

/** true/false when the journal directories were listed, undefined when that was not possible. */
function journalFilesExist(dirs: readonly string[]): boolean | undefined {
  let listed = false;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
      listed = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        listed = true;
        continue;
      }
      return undefined;
    }
    for (const name of names) {
      if (name.endsWith('.journal')) return true;
      try {
        if (fs.readdirSync(`${dir}/${name}`).some((f) => f.endsWith('.journal') || f.endsWith('.journal~'))) return true;
      } catch {
        // not a directory, or not readable
      }
    }
  }
  return listed ? false : undefined;
}

/** What went wrong with a command, or undefined if nothing did; and whether its stdout is still usable. */
function failure(name: string, r: ExecResult, timeoutMs: number, maxBytes: number): { reason?: string; partial: boolean } {
  const e = r.error;
  if (!e) return { partial: false };
  if (e.code === 'ENOENT') return { reason: `${name} is not installed (not found on PATH)`, partial: false };
  if (e.code === 'EACCES' || e.code === 'EPERM') return { reason: `${name} cannot be run (${e.code})`, partial: false };
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
    return { reason: `output larger than ${maxBytes} bytes; only the first part was read`, partial: true };
  if (e.killed || e.signal) return { reason: `timed out after ${timeoutMs} ms${e.signal ? ` (${e.signal})` : ''}`, partial: true };
  const said = firstLine(r.stderr) || firstLine(e.message);
  const perm = /Operation not permitted|Permission denied/i.test(r.stderr)
    ? ' (not permitted; kernel.dmesg_restrict=1 or no access to the journal?)'
    : '';
  return { reason: `${said}${typeof e.code === 'number' ? ` (exit code ${e.code})` : ''}${perm}`, partial: false };
}

async function fromJournal(options: KernelOomReadOptions, exec: ExecFn): Promise<{ source: KernelLogSource; events: KernelOomEvent[] }> {
  const args = ['-k', '-o', 'json', '--no-pager'];
  if (options.since !== undefined) args.push('--since', `@${Math.floor(options.since / 1000)}`);
  const r = await exec('journalctl', args, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
  const source: KernelLogSource = { name: 'journalctl', available: false, events: 0 };
  const f = failure('journalctl', r, options.timeoutMs, options.maxBytes);
  const noFiles = /No journal files were found/i.test(r.stderr) || /No journal files were found/i.test(r.stdout);
  if (noFiles) return { source: { ...source, reason: 'No journal files were found' }, events: [] };
  if (f.reason !== undefined && !f.partial) return { source: { ...source, reason: f.reason }, events: [] };
  const parsed = parseJournalJson(f.partial ? completeLines(r.stdout) : r.stdout);
  const notes: string[] = [];
  if (f.reason !== undefined) notes.push(f.reason);
  if (parsed.entries === 0) {
    if (/not seeing messages from other users and the system|insufficient permissions/i.test(r.stderr)) {
      return {
        source: { ...source, reason: 'not permitted to read the system journal (not in the systemd-journal or adm group)' },
        events: [],
      };
    }
    if (f.partial) return { source: { ...source, reason: f.reason }, events: [] };
    const exists = journalFilesExist(options.journalDirs ?? ['/run/log/journal', '/var/log/journal']);
    if (exists === false)
      return { source: { ...source, reason: 'No journal files were found (is systemd-journald running?)' }, events: [] };
    notes.push(options.since !== undefined ? 'no kernel entries in the journal since then' : 'no kernel entries in the journal');
  }
  if (parsed.invalidLines > 0) notes.push(`${parsed.invalidLines} line(s) were not journal entries`);
  source.available = true;
  if (f.partial) source.truncated = true;
  if (notes.length > 0) source.reason = notes.join('; ');
  const { since } = options; // --since has whole seconds
  const events = since === undefined ? parsed.events : parsed.events.filter((e) => e.atMs === undefined || e.atMs >= since);
  source.events = events.length;
  return { source, events };
}

function bootTime(options: KernelOomReadOptions): number | undefined {
  if (options.bootTimeMs !== undefined) return options.bootTimeMs;
  try {
    const r = parseBootTime(fs.readFileSync(`${options.procRoot ?? '/proc'}/stat`, 'latin1'));
    return r.ok ? r.value * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function fromDmesg(options: KernelOomReadOptions, exec: ExecFn): Promise<{ source: KernelLogSource; events: KernelOomEvent[] }> {
  const r = await exec('dmesg', [], { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
  const source: KernelLogSource = { name: 'dmesg', available: false, events: 0 };
  const f = failure('dmesg', r, options.timeoutMs, options.maxBytes);
  if (f.reason !== undefined && (!f.partial || completeLines(r.stdout).length === 0))
    return { source: { ...source, reason: f.reason }, events: [] };
  const bootTimeMs = bootTime(options);
  let events = parseKernelLog(f.partial ? completeLines(r.stdout) : r.stdout, { bootTimeMs, source: 'dmesg' });
  const { since } = options;
  if (since !== undefined) events = events.filter((e) => e.atMs === undefined || e.atMs >= since);
  const notes: string[] = [];
  if (f.reason !== undefined) notes.push(f.reason);
  if (r.stdout.trim().length === 0) notes.push('the kernel ring buffer is empty');
  if (bootTimeMs === undefined) notes.push('boot time unknown: event times are seconds since boot');
  source.available = true;
  if (f.partial) source.truncated = true;
  if (notes.length > 0) source.reason = notes.join('; ');
  source.events = events.length;
  return { source, events };
}

/**
 * Reads OOM-killer events from `journalctl -k -o json` and `dmesg`, both run at once with a timeout and an output cap.
 * Never throws: each source reports whether it was available and why not.
 */
export async function readKernelOomEvents(options: KernelOomReadOptions): Promise<KernelOomRead> {
  const exec = options.exec ?? nodeExec;
  const safe = async (
    name: KernelLogSource['name'],
    run: () => Promise<{ source: KernelLogSource; events: KernelOomEvent[] }>,
  ): Promise<{ source: KernelLogSource; events: KernelOomEvent[] }> => {
    try {
      return await run();
    } catch (e) {
      return { source: { name, available: false, reason: `failed: ${e instanceof Error ? e.message : String(e)}`, events: 0 }, events: [] };
    }
  };
  const [journal, dmesg] = await Promise.all([
    safe('journalctl', () => fromJournal(options, exec)),
    safe('dmesg', () => fromDmesg(options, exec)),
  ]);
  const events = [...journal.events];
  for (const e of dmesg.events) {
    if (!journal.events.some((j) => j.kind === e.kind && sameKill(j, e))) events.push(e);
  }
  if (events.every((e) => e.atMs !== undefined)) events.sort((a, b) => (a.atMs ?? 0) - (b.atMs ?? 0));
  return { events, sources: [journal.source, dmesg.source] };
}
