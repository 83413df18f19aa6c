// One timer for every periodic sampler (status bar, memory monitor, kernel-log fallback): each asks for a period, the
// ticker wakes up once for all that are due, and a sampler due within a fraction of its period rides along with an
// earlier wake-up, or waits for a later one. An idle extension host is woken up as rarely as the shortest period
// allows. Plain Node, no `vscode`.

export interface TickerJob {
  /** Milliseconds between two runs. */
  periodMs: number;
  run(): void;
}

interface Scheduled extends TickerJob {
  dueMs: number;
}

/** A job of the ticker: stopped by dispose(); its period can change; it can run at once, out of its schedule. */
export interface TickerHandle {
  dispose(): void;
  /**
   * A new period. The next run rides along with a wake-up already planned within one new period from now (the latest
   * such: a slower sampler joins the heartbeat's wake-up rather than adding one of its own); without any, one new
   * period after the last run (at once if that is past). The same period changes nothing.
   */
  setPeriod(periodMs: number): void;
  /** Runs the job now (not a wake-up of the ticker); the next run is one period later. */
  runNow(): void;
}

/** The timer functions the ticker uses (tests pass a fake clock's). */
export interface TickerTimers {
  /** Returns a handle for clearTimeout (unref() is called on it when it has one). */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

const realTimers: TickerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

function checkPeriod(periodMs: number): void {
  if (!(periodMs > 0)) throw new Error(`Ticker period must be > 0 ms, got ${periodMs}`);
}

export class Ticker {
  private readonly jobs = new Set<Scheduled>();
  private timer?: unknown;
  private timerDueMs = Infinity;
  /** How many times the ticker woke up (the idle bench and tests count them). */
  wakeUps = 0;

  constructor(
    /** A job due within this fraction of its period after a wake-up runs at that wake-up (coalescing). */
    private readonly slack = 0.25,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly timers: TickerTimers = realTimers,
  ) {}

  /**
   * Runs `run` every `periodMs` until disposed: first after one period or, with `rideAlong`, at the latest wake-up
   * already planned within one period (see TickerHandle.setPeriod).
   */
  every(periodMs: number, run: () => void, options: { rideAlong?: boolean } = {}): TickerHandle {
    checkPeriod(periodMs);
    const now = this.now();
    const job: Scheduled = { periodMs, run, dueMs: now + periodMs };
    if (options.rideAlong) job.dueMs = this.rideAlongDue(job, now) ?? job.dueMs;
    this.jobs.add(job);
    this.arm();
    return {
      dispose: () => {
        this.jobs.delete(job);
        this.arm();
      },
      setPeriod: (ms) => {
        checkPeriod(ms);
        if (!this.jobs.has(job) || ms === job.periodMs) return;
        const at = this.now();
        const lastRun = job.dueMs - job.periodMs;
        job.periodMs = ms;
        job.dueMs = this.rideAlongDue(job, at) ?? Math.max(at, lastRun + ms);
        this.arm();
      },
      runNow: () => {
        if (!this.jobs.has(job)) return;
        job.dueMs = this.now() + job.periodMs;
        this.runJob(job);
        this.arm();
      },
    };
  }

  /** The latest due time of another job within one period of `job` from now, if any. */
  private rideAlongDue(job: Scheduled, now: number): number | undefined {
    let due: number | undefined;
    for (const o of this.jobs) if (o !== job && o.dueMs > now && o.dueMs <= now + job.periodMs) due = Math.max(due ?? o.dueMs, o.dueMs);
    return due;
  }

  /** Number of jobs. */
  get size(): number {
    return this.jobs.size;
  }

  dispose(): void {
    this.jobs.clear();
    this.arm();
  }

  private wake(): void {
    this.timer = undefined;
    this.timerDueMs = Infinity;
    this.wakeUps++;
    const now = this.now();
    for (const job of [...this.jobs]) {
      if (!this.jobs.has(job) || job.dueMs - now > job.periodMs * this.slack) continue;
      job.dueMs = Math.max(job.dueMs, now) + job.periodMs;
      this.runJob(job);
    }
    this.arm();
  }

  private runJob(job: Scheduled): void {
    try {
      job.run();
    } catch (e) {
      this.onError(e);
    }
  }

  /**
   * One timer (none when there is no job), set for the latest due time that keeps every job within `slack` of its
   * period after its own due time: a job may also run late to ride along with another one's wake-up (a 60 s heartbeat
   * out of phase with 30 s samplers waits for their next tick rather than waking the host up on its own).
   */
  private arm(): void {
    let next = Infinity;
    let deadline = Infinity;
    for (const job of this.jobs) {
      next = Math.min(next, job.dueMs);
      deadline = Math.min(deadline, job.dueMs + job.periodMs * this.slack);
    }
    for (const job of this.jobs) if (job.dueMs <= deadline && job.dueMs > next) next = job.dueMs;
    if (next === this.timerDueMs) return;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueMs = next;
    if (next === Infinity) return;
    const timer = (this.timer = this.timers.setTimeout(() => this.wake(), Math.max(0, next - this.now())));
    (timer as { unref?(): unknown }).unref?.();
  }
}
