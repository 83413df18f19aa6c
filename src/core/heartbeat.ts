// The window heartbeat's schedule (WindowPresence writes and touches the entry): every REGISTRY_HEARTBEAT_MS (60 s)
// while someone looks at the window, every IDLE_HEARTBEAT_MS (120 s) while nobody does — one job of the shared ticker.
// Readers time an entry out after three of the period written in it (heartbeatTimeoutOf), so the period on disk must
// never be shorter than the one the window beats at: slowing down, the entry is written whole with the slower period
// first and the job slows down only once that write succeeded (written()); speeding up, the job speeds up at once and
// the entry is written whole with the faster period (a slower period on disk only delays "window gone"). Plain Node.
import { Ticker, TickerHandle } from './ticker';
import { WindowAttention } from './attention';
import { IDLE_HEARTBEAT_MS, REGISTRY_HEARTBEAT_MS } from '../probes/windowRegistry';

/** The heartbeat's period by whether someone looks at the window. */
export function heartbeatPeriodMs(looking: boolean): number {
  return looking ? REGISTRY_HEARTBEAT_MS : IDLE_HEARTBEAT_MS;
}

export interface HeartbeatJobs {
  ticker: Ticker;
  attention: WindowAttention;
  /** One beat: touch the entry (or write it whole when it may not say it all). */
  beat(): void;
  /** Write the entry whole now, its heartbeatMs = entryPeriodMs (the period changed); call written() once it is on disk. */
  rewrite(): void;
}

export class Heartbeat {
  private readonly job: TickerHandle;
  private jobPeriodMs = REGISTRY_HEARTBEAT_MS;
  private targetMs: number;
  private readonly sub: { dispose(): void };

  /** Starts the job at REGISTRY_HEARTBEAT_MS; it slows down once an entry saying the slower period is written. */
  constructor(private readonly o: HeartbeatJobs) {
    this.targetMs = heartbeatPeriodMs(o.attention.looking);
    this.job = o.ticker.every(this.jobPeriodMs, () => o.beat());
    this.sub = o.attention.onDidChange((looking) => this.setLooking(looking));
  }

  /** The period a whole write of the entry says (its heartbeatMs). */
  get entryPeriodMs(): number {
    return this.targetMs;
  }

  /** The period the job beats at now: never longer than the one the entry on disk says. */
  get periodMs(): number {
    return this.jobPeriodMs;
  }

  /** The entry was written whole with heartbeatMs = `ms`: when that is the slower period wanted, beat at it now. */
  written(ms: number): void {
    if (ms !== this.targetMs || ms <= this.jobPeriodMs) return;
    this.setJobPeriod(ms);
  }

  private setLooking(looking: boolean): void {
    const ms = heartbeatPeriodMs(looking);
    if (ms === this.targetMs) return;
    this.targetMs = ms;
    if (ms < this.jobPeriodMs) this.setJobPeriod(ms); // faster at once: the entry on disk says longer, which is safe
    this.o.rewrite();
  }

  private setJobPeriod(ms: number): void {
    this.jobPeriodMs = ms;
    this.job.setPeriod(ms);
  }

  dispose(): void {
    this.sub.dispose();
    this.job.dispose();
  }
}
