// One timer for every periodic sampler (status bar, memory monitor, kernel-log fallback): each asks for a period, the
// ticker wakes up once for all that are due, and a sampler due within a fraction of its period rides along with an
// earlier wake-up. An idle extension host is woken up as rarely as the shortest period allows. Plain Node, no `vscode`.

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

  /** One timer, set for the earliest due job (none when there is no job). */
  private arm(): void {
    let next = Infinity;
    for (const job of this.jobs) next = Math.min(next, job.dueMs);
    if (next === this.timerDueMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueMs = next;
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.wake(), Math.max(0, next - this.now()));
    this.timer.unref?.();
  }
}
