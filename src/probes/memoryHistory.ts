// A bounded history of memory samples (time window + count cap), persisted atomically as zod-validated JSON, and the
// arithmetic the Memory view needs on it: a least-squares leak slope and the time left until a limit. Pure Node.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from './once';

const bytes = () => z.optional(z.number().check(z.nonnegative()));

/** One sample. t is epoch ms; every other value is bytes. */
export const MemorySampleRecord = once(() =>
  z.object({
    t: z.number().check(z.nonnegative()),
    /** RSS of this extension host. */
    extHostRss: z.number().check(z.nonnegative()),
    /** RSS of all extension hosts of the server. */
    allExtHostsRss: bytes(),
    /** RSS of the whole code-server process tree. */
    serverTreeRss: bytes(),
    /** RSS of AI agents/helpers. */
    aiRss: bytes(),
    cgroupCurrent: bytes(),
    cgroupLimit: bytes(),
    hostAvailable: bytes(),
    heapUsed: bytes(),
    heapLimit: bytes(),
  }),
);
export type MemorySample = z.infer<ReturnType<typeof MemorySampleRecord>>;

// The schema's keys, listed (taking them from the schema would build it at load; a unit test checks they are the same).
const SAMPLE_KEYS: readonly (keyof MemorySample)[] = [
  't',
  'extHostRss',
  'allExtHostsRss',
  'serverTreeRss',
  'aiRss',
  'cgroupCurrent',
  'cgroupLimit',
  'hostAvailable',
  'heapUsed',
  'heapLimit',
];

/** For tests: the keys plainSample copies. */
export const PLAIN_SAMPLE_KEYS = SAMPLE_KEYS;

/**
 * The copy MemorySampleRecord.parse would make of a plain sample — every known field a finite number ≥ 0, t and
 * extHostRss present — without zod (a monitor's own sample every 15 s: ~70 µs through zod when idle, measured);
 * undefined for anything else, which then goes through zod.
 */
export function plainSample(sample: unknown): MemorySample | undefined {
  if (typeof sample !== 'object' || sample === null) return undefined;
  const out: Partial<Record<keyof MemorySample, number>> = {};
  for (const k of SAMPLE_KEYS) {
    const v: unknown = (sample as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
    out[k] = v;
  }
  return out.t !== undefined && out.extHostRss !== undefined ? (out as MemorySample) : undefined;
}

/** The numeric fields of a sample other than t. */
export type SampleField = Exclude<keyof MemorySample, 't'>;

/** Hard cap of persisted samples, whatever the options say. */
export const MAX_PERSISTED_SAMPLES = 100_000;

export const PersistedHistoryRecord = once(() =>
  z.object({
    version: z.literal(1),
    samples: z.array(MemorySampleRecord()).check(z.maxLength(MAX_PERSISTED_SAMPLES)),
  }),
);
export type PersistedHistory = z.infer<ReturnType<typeof PersistedHistoryRecord>>;

export interface HistoryOptions {
  /** Samples older than this (before the newest sample) are dropped. */
  historyMinutes: number;
  /** Most samples kept; the oldest go first. Default 10 000. */
  maxSamples?: number;
}

export interface HistoryLoad {
  history: MemoryHistory;
  /** Why the persisted history could not be used (the history is then empty). Undefined when there was none. */
  problem?: string;
}

/** Largest history file load() reads. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * A ring buffer of samples ordered by t: at most maxSamples, none older than historyMinutes before the newest.
 * A sample older than the newest one (the clock went back) is inserted in order.
 */
export class MemoryHistory {
  private readonly windowMs: number;
  private readonly capacity: number;
  private buf: (MemorySample | undefined)[];
  private head = 0;
  private count = 0;

  constructor(options: HistoryOptions) {
    this.windowMs = Math.max(0, options.historyMinutes) * 60_000;
    this.capacity = Math.max(1, Math.min(MAX_PERSISTED_SAMPLES, Math.floor(options.maxSamples ?? 10_000)));
    this.buf = new Array<MemorySample | undefined>(this.capacity);
  }

  get size(): number {
    return this.count;
  }

  get maxSamples(): number {
    return this.capacity;
  }

  /** The samples, oldest first (a copy). */
  samples(): MemorySample[] {
    const out: MemorySample[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  /**
   * The samples of the last `windowMs` before the newest one, oldest first (a copy; read from the end of the ring, so
   * a 10-minute trend does not copy an hour of samples).
   */
  recent(windowMs: number): MemorySample[] {
    const out: MemorySample[] = [];
    const newest = this.latest()?.t ?? 0;
    for (let i = this.count - 1; i >= 0; i--) {
      const s = this.at(i);
      if (s.t < newest - windowMs) break;
      out.push(s);
    }
    return out.reverse();
  }

  latest(): MemorySample | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  /**
   * Adds a sample (copied) and drops what falls out of the window or over the cap. A sample that does not validate
   * (negative or non-finite numbers) is not added: returns false.
   */
  add(sample: MemorySample): boolean {
    let s = plainSample(sample);
    if (!s) {
      const parsed = MemorySampleRecord().safeParse(sample);
      if (!parsed.success) return false;
      s = parsed.data;
    }
    const last = this.latest();
    if (last !== undefined && s.t < last.t) {
      const all = this.samples();
      let i = all.length;
      while (i > 0 && all[i - 1].t > s.t) i--;
      all.splice(i, 0, s);
      this.reset(all);
    } else {
      if (this.count === this.capacity) this.dropOldest();
      this.buf[(this.head + this.count) % this.capacity] = s;
      this.count++;
    }
    this.prune();
    return true;
  }

  /** Drops samples older than historyMinutes before nowMs (default: the newest sample). */
  prune(nowMs?: number): void {
    const newest = nowMs ?? this.latest()?.t;
    if (newest === undefined) return;
    while (this.count > 0 && this.at(0).t < newest - this.windowMs) this.dropOldest();
  }

  clear(): void {
    this.reset([]);
  }

  toJSON(): PersistedHistory {
    return { version: 1, samples: this.samples() };
  }

  /**
   * A history from persisted data. Invalid data gives an empty history and the reason; never throws.
   * Samples are sorted and pruned against nowMs (default: the newest sample) and the cap.
   */
  static fromJSON(data: unknown, options: HistoryOptions, nowMs?: number): HistoryLoad {
    const history = new MemoryHistory(options);
    const parsed = PersistedHistoryRecord().safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
      return { history, problem: `invalid history: ${issues.join('; ')}` };
    }
    const sorted = [...parsed.data.samples].sort((a, b) => a.t - b.t);
    history.reset(sorted.slice(-history.capacity));
    history.prune(nowMs);
    return { history };
  }

  /** Writes the history as JSON to a temp file (0600) next to `file`, then renames it over `file`. Never throws. */
  async saveAtomically(file: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await fs.promises.writeFile(tmp, JSON.stringify(this.toJSON()), { mode: 0o600 });
      await fs.promises.rename(tmp, file);
      return { ok: true };
    } catch (e) {
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      return { ok: false, error: `${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    }
  }

  /** Loads a history saved by saveAtomically. A missing file is an empty history without a problem. Never throws. */
  static async load(file: string, options: HistoryOptions, nowMs?: number): Promise<HistoryLoad> {
    try {
      const stat = await fs.promises.stat(file);
      if (stat.size > MAX_FILE_BYTES)
        return { history: new MemoryHistory(options), problem: `${file}: larger than ${MAX_FILE_BYTES} bytes` };
      const text = await fs.promises.readFile(file, 'utf8');
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        return { history: new MemoryHistory(options), problem: `${file}: invalid JSON` };
      }
      const loaded = MemoryHistory.fromJSON(data, options, nowMs);
      return loaded.problem === undefined ? loaded : { ...loaded, problem: `${file}: ${loaded.problem}` };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? { history: new MemoryHistory(options) }
        : { history: new MemoryHistory(options), problem: `${file}: ${code ?? String(e)}` };
    }
  }

  private at(i: number): MemorySample {
    const s = this.buf[(this.head + i) % this.capacity];
    if (s === undefined) throw new Error(`MemoryHistory: no sample at ${i}`); // unreachable: i < count
    return s;
  }

  private dropOldest(): void {
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  /** Replaces the contents with `sorted` (at most capacity, oldest first). */
  private reset(sorted: MemorySample[]): void {
    const keep = sorted.slice(-this.capacity);
    this.buf = new Array<MemorySample | undefined>(this.capacity);
    keep.forEach((s, i) => (this.buf[i] = s));
    this.head = 0;
    this.count = keep.length;
  }
}

const MIB = 1024 * 1024;
/** leakSlope needs at least this many points spanning at least MIN_SPAN_MS. */
const MIN_POINTS = 3;
const MIN_SPAN_MS = 60_000;

/**
 * Least-squares slope of `field` (default extHostRss) in MiB per minute over the last windowMs of the samples
 * (measured back from the newest one). Undefined with fewer than 3 points or a span under 60 s.
 */
export function leakSlope(samples: readonly MemorySample[], windowMs = 10 * 60_000, field: SampleField = 'extHostRss'): number | undefined {
  const points: [number, number][] = [];
  for (const s of samples) {
    const v = s[field];
    if (v !== undefined && Number.isFinite(v) && Number.isFinite(s.t)) points.push([s.t, v]);
  }
  if (points.length === 0) return undefined;
  const newest = Math.max(...points.map((p) => p[0]));
  const inWindow = points.filter(([t]) => t >= newest - windowMs);
  if (inWindow.length < MIN_POINTS) return undefined;
  const oldest = Math.min(...inWindow.map((p) => p[0]));
  if (newest - oldest < MIN_SPAN_MS) return undefined;
  // Centre t and v: epoch milliseconds squared would lose precision.
  const n = inWindow.length;
  const meanT = inWindow.reduce((a, [t]) => a + t, 0) / n;
  const meanV = inWindow.reduce((a, [, v]) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [t, v] of inWindow) {
    sxy += (t - meanT) * (v - meanV);
    sxx += (t - meanT) * (t - meanT);
  }
  if (sxx === 0) return undefined;
  const slope = ((sxy / sxx) * 60_000) / MIB; // bytes/ms → MiB/min
  return Number.isFinite(slope) ? slope : undefined; // absurd (corrupt) values overflow the sums
}

/**
 * Minutes until currentBytes reaches limitBytes at slopeMbPerMin (MiB/min). 0 when already at or over the limit;
 * undefined when the slope is not positive or there is no limit.
 */
export function timeToLimit(currentBytes: number, limitBytes: number | undefined, slopeMbPerMin: number | undefined): number | undefined {
  if (limitBytes === undefined || !Number.isFinite(limitBytes) || limitBytes <= 0) return undefined;
  if (slopeMbPerMin === undefined || !Number.isFinite(slopeMbPerMin) || slopeMbPerMin <= 0) return undefined;
  if (!Number.isFinite(currentBytes)) return undefined;
  if (currentBytes >= limitBytes) return 0;
  return (limitBytes - currentBytes) / MIB / slopeMbPerMin;
}
