// Extension-host lifecycle records: each start of the extension host of a window is recorded (pid + starttime), its
// clean end too; when a window comes back, classifyEnd tells how the previous host ended (clean, OOM-killed, JS heap
// exhausted, restarted by the user, or unexpectedly). Persisted as zod-validated JSON, one file per window key.
// Pure Node, no `vscode`; nothing here throws.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from './once';

export const EXT_HOST_END_KINDS = ['clean', 'oom', 'heap_exhausted', 'restarted_by_user', 'unexpected_exit'] as const;
export type ExtHostEnd = (typeof EXT_HOST_END_KINDS)[number];

export const LifecycleRecordSchema = once(() =>
  z.object({
    pid: z.int().check(z.positive()),
    /** /proc/PID/stat starttime (clock ticks after boot): with pid, identifies the process. */
    starttime: z.int().check(z.nonnegative()),
    startedAtMs: z.number().check(z.nonnegative()),
    /** Set by a clean end (deactivate). */
    endedAtMs: z.optional(z.number().check(z.nonnegative())),
    /** deactivate ran to its end. */
    cleanEnd: z.boolean(),
    /** The user asked for a restart of the extension host (or a window reload) through us. */
    restartRequested: z.optional(z.boolean()),
    /** Last time the host was seen alive (a heartbeat); bounds the end of a host that did not end cleanly. */
    lastSeenAtMs: z.optional(z.number().check(z.nonnegative())),
    /** How the host ended, once classified. */
    end: z.optional(z.enum(EXT_HOST_END_KINDS)),
  }),
);
export type LifecycleRecord = z.infer<ReturnType<typeof LifecycleRecordSchema>>;

/** Records kept per window (oldest dropped first). */
export const MAX_LIFECYCLE_RECORDS = 50;

export const LifecycleFileRecord = once(() =>
  z.object({
    version: z.literal(1),
    windowKey: z.string().check(z.maxLength(4096)),
    records: z.array(LifecycleRecordSchema()).check(z.maxLength(1000)),
  }),
);
export type LifecycleFile = z.infer<ReturnType<typeof LifecycleFileRecord>>;

/** The file of a window key: the key itself when it is a short safe name, else a hash of it. */
export function lifecycleFileName(windowKey: string): string {
  const safe = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/.test(windowKey)
    ? windowKey
    : crypto.createHash('sha256').update(windowKey).digest('hex').slice(0, 32);
  return `lifecycle-${safe}.json`;
}

/** The key as stored in the file: long keys (deep percent-encoded paths) are cut and tagged with their hash. */
function storedKey(windowKey: string): string {
  return windowKey.length > 4096 ? `${windowKey.slice(0, 4000)}#${lifecycleFileName(windowKey)}` : windowKey;
}

export interface LifecycleLoad {
  records: LifecycleRecord[];
  /** Why the file could not be used (records are then empty). Undefined when it was fine or did not exist. */
  problem?: string;
}

/** Reads the records of a window. A missing file gives no records and no problem. Never throws. */
export async function readLifecycle(dir: string, windowKey: string): Promise<LifecycleLoad> {
  const file = path.join(dir, lifecycleFileName(windowKey));
  let text: string;
  try {
    const stat = await fs.promises.stat(file);
    if (stat.size > 4 * 1024 * 1024) return { records: [], problem: `${file}: too large (${stat.size} bytes)` };
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { records: [] } : { records: [], problem: `${file}: ${code ?? String(e)}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { records: [], problem: `${file}: invalid JSON` };
  }
  const parsed = LifecycleFileRecord().safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
    return { records: [], problem: `${file}: ${issues.join('; ')}` };
  }
  if (parsed.data.windowKey !== storedKey(windowKey)) return { records: [], problem: `${file}: belongs to another window key` };
  return { records: parsed.data.records };
}

/** Writes the records of a window atomically (temp file 0600 + rename), keeping the newest MAX_LIFECYCLE_RECORDS. Never throws. */
export async function writeLifecycle(
  dir: string,
  windowKey: string,
  records: readonly LifecycleRecord[],
): Promise<{ ok: true } | { ok: false; error: string }> {
  const file = path.join(dir, lifecycleFileName(windowKey));
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const content: LifecycleFile = { version: 1, windowKey: storedKey(windowKey), records: records.slice(-MAX_LIFECYCLE_RECORDS) };
  try {
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.promises.writeFile(tmp, JSON.stringify(content), { mode: 0o600 });
    await fs.promises.rename(tmp, file);
    return { ok: true };
  } catch (e) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    return { ok: false, error: `${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
}

export interface HostIdentity {
  pid: number;
  starttime: number;
}

const same = (r: HostIdentity, id: HostIdentity): boolean => r.pid === id.pid && r.starttime === id.starttime;

/** The records with a new one for a host that just started (unchanged if it is already recorded). */
export function recordStart(records: readonly LifecycleRecord[], host: HostIdentity & { startedAtMs: number }): LifecycleRecord[] {
  if (records.some((r) => same(r, host))) return [...records];
  const added: LifecycleRecord = { pid: host.pid, starttime: host.starttime, startedAtMs: host.startedAtMs, cleanEnd: false };
  return [...records, added].slice(-MAX_LIFECYCLE_RECORDS);
}

/** The records with the host's record changed (a copy; unchanged when the host is not recorded). */
export function updateRecord(
  records: readonly LifecycleRecord[],
  host: HostIdentity,
  patch: Partial<Omit<LifecycleRecord, 'pid' | 'starttime'>>,
): LifecycleRecord[] {
  return records.map((r) => (same(r, host) ? { ...r, ...patch } : r));
}

/** A clean end (deactivate ran). */
export const markCleanEnd = (records: readonly LifecycleRecord[], host: HostIdentity, endedAtMs: number): LifecycleRecord[] =>
  updateRecord(records, host, { cleanEnd: true, endedAtMs });

/** The user asked us to restart the extension host / reload the window. */
export const markRestartRequested = (records: readonly LifecycleRecord[], host: HostIdentity): LifecycleRecord[] =>
  updateRecord(records, host, { restartRequested: true });

/** The host is alive at atMs. */
export const markSeen = (records: readonly LifecycleRecord[], host: HostIdentity, atMs: number): LifecycleRecord[] =>
  updateRecord(records, host, { lastSeenAtMs: atMs });

/** Records of earlier hosts (not `current`) not yet classified, oldest first. */
export function unclassified(records: readonly LifecycleRecord[], current: HostIdentity): LifecycleRecord[] {
  return records.filter((r) => !same(r, current) && r.end === undefined);
}

export interface EndEvidence {
  /** Kernel OOM-killer events (KernelOomEvent fits): pid, and the time when known. */
  oomEvents: readonly { pid: number; atMs?: number }[];
  /** The cgroup's oom_kill counter went up while the host lived (see diffOomEvents). */
  oomKillIncreased: boolean;
  /** The host's last memory samples (MemorySample fits). Samples outside its lifetime are ignored. */
  lastSamples: readonly { t: number; heapUsed?: number; heapLimit?: number }[];
  /** The V8 heap limit, when the samples do not carry it. */
  heapLimit?: number;
  /** The latest the host can have ended (e.g. when its successor started). Default: no bound. */
  untilMs?: number;
}

export interface EndExplanation {
  end: ExtHostEnd;
  /** One sentence for the log / UI. */
  reason: string;
  /** The kernel event naming the host, for 'oom' found that way. */
  oomEvent?: { pid: number; atMs?: number };
}

/** Event times (dmesg stamps turned into epoch ms) are only roughly exact. */
const TIME_SLACK_MS = 60_000;
/** heapUsed at or above this fraction of the limit counts as heap exhaustion. */
export const HEAP_EXHAUSTED_FRACTION = 0.9;

/**
 * Why the previous host ended, with the evidence:
 * - 'oom' when a kernel OOM event names its pid within its lifetime;
 * - 'clean' when deactivate completed ('restarted_by_user' when the user had asked for the restart);
 * - 'oom' when the cgroup's oom_kill counter went up during its lifetime;
 * - 'heap_exhausted' when the last sample with heapUsed was at ≥ 90 % of the heap limit;
 * - 'restarted_by_user' when a restart had been requested;
 * - 'unexpected_exit' otherwise.
 */
export function explainEnd(previous: LifecycleRecord, evidence: EndEvidence): EndExplanation {
  const from = previous.startedAtMs - TIME_SLACK_MS;
  const end = previous.endedAtMs ?? evidence.untilMs;
  const until = end === undefined ? Infinity : end + TIME_SLACK_MS;
  const event = evidence.oomEvents.find((e) => e.pid === previous.pid && (e.atMs === undefined || (e.atMs >= from && e.atMs <= until)));
  if (event) {
    return { end: 'oom', reason: `the kernel OOM killer killed pid ${previous.pid}`, oomEvent: event };
  }
  if (previous.cleanEnd) {
    return previous.restartRequested
      ? { end: 'restarted_by_user', reason: 'restarted at the user’s request' }
      : { end: 'clean', reason: 'ended cleanly' };
  }
  if (evidence.oomKillIncreased) {
    return { end: 'oom', reason: 'the cgroup’s oom_kill counter went up while it ran (no kernel log line named it)' };
  }
  const inLifetime = evidence.lastSamples.filter((s) => s.t >= previous.startedAtMs && s.t <= until && s.heapUsed !== undefined);
  const last = inLifetime.reduce<(typeof inLifetime)[number] | undefined>((a, s) => (a === undefined || s.t >= a.t ? s : a), undefined);
  const limit = last?.heapLimit ?? evidence.heapLimit;
  if (last?.heapUsed !== undefined && limit !== undefined && limit > 0 && last.heapUsed >= HEAP_EXHAUSTED_FRACTION * limit) {
    const pct = Math.round((last.heapUsed / limit) * 100);
    return { end: 'heap_exhausted', reason: `the JavaScript heap was ${pct} % full in its last sample` };
  }
  if (previous.restartRequested) return { end: 'restarted_by_user', reason: 'a restart was requested' };
  return { end: 'unexpected_exit', reason: 'it ended without a clean shutdown and no OOM or heap evidence' };
}

/** How the previous host ended (see explainEnd). */
export function classifyEnd(previous: LifecycleRecord, evidence: EndEvidence): ExtHostEnd {
  return explainEnd(previous, evidence).end;
}
