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

export class Ticker {
  private readonly jobs = new Set<Scheduled>();
  private timer?: NodeJS.Timeout;
  private timerDueMs = Infinity;
  /** How many times the ticker woke up (the idle bench and tests count them). */
  wakeUps = 0;

  constructor(
    /** A job due within this fraction of its period after a wake-up runs at that wake-up (coalescing). */
    private readonly slack = 0.25,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `run` every `periodMs` (first after one period) until disposed. */
  every(periodMs: number, run: () => void): { dispose(): void } {
    if (!(periodMs > 0)) throw new Error(`Ticker period must be > 0 ms, got ${periodMs}`);
    const job: Scheduled = { periodMs, run, dueMs: this.now() + periodMs };
    this.jobs.add(job);
    this.arm();
    return {
      dispose: () => {
        this.jobs.delete(job);
        this.arm();
      },
    };
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
      try {
        job.run();
      } catch (e) {
        this.onError(e);
      }
    }
    this.arm();
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueMs = next;
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.wake(), Math.max(0, next - this.now()));
    this.timer.unref?.();
  }
}
