// When the memory feature samples, by whether someone looks at the window (core/attention.ts: focused and active — a
// focused window without keyboard or mouse input for about a minute is not looked at). Looking: the status bar and the
// memory sampler run at their set periods (with the defaults one wake-up and one reading for both: the status bar
// renders the memory sample). Not looking, nobody sees the status bar: its own job stops (the memory sampler's
// reading refreshes it, no read of its own) and the memory sampler (history, OOM counters) runs every
// max(csops.memory.sampleSeconds, 120 s) rounded up to a multiple of the window heartbeat's 120 s period, riding along
// with the heartbeat's wake-ups: with the default settings the host wakes up once every two minutes, and a setting of
// 90 s or 150 s adds no wake-up of its own. On looking again the status bar samples at once and both go back to their
// periods. An OOM counter change is noticed at the next sample either way; the kernel-log follower is event-driven.
// Plain Node.
import { Ticker, TickerHandle } from '../../core/ticker';
import { WindowAttention } from '../../core/attention';
import { IDLE_HEARTBEAT_MS } from '../../probes/windowRegistry';

/**
 * The memory sampler's period while nobody looks at the window: the setting, at least the idle heartbeat's period and
 * a multiple of it — every sample shares a heartbeat's wake-up (90 s → 120 s, 150 s → 240 s).
 */
export function notLookingSampleMs(settingMs: number): number {
  return Math.ceil(Math.max(settingMs, IDLE_HEARTBEAT_MS) / IDLE_HEARTBEAT_MS) * IDLE_HEARTBEAT_MS;
}

export interface SamplingSettings {
  statusBarSampleSeconds: number;
  memorySampleSeconds: number;
}

/** The periods in ms (the status bar's own job: none while nobody looks). */
export function samplingPeriods(s: SamplingSettings, looking: boolean): { statusBarMs?: number; monitorMs: number } {
  const monitorMs = s.memorySampleSeconds * 1000;
  return looking ? { statusBarMs: s.statusBarSampleSeconds * 1000, monitorMs } : { monitorMs: notLookingSampleMs(monitorMs) };
}

export interface SamplingJobs {
  ticker: Ticker;
  attention: WindowAttention;
  settings(): SamplingSettings;
  /** The status bar's own sample (its read, then the item). */
  statusBar(): void;
  /** One memory sample. */
  monitor(): void;
  /** The status bar from the memory sample just taken (while its own job is stopped). */
  statusBarFromMonitor(): void;
}

export class FocusSampling {
  private statusBarJob?: TickerHandle;
  private monitorJob?: TickerHandle;
  private monitorStarted = false;
  private lookingNow: boolean;
  private readonly attentionSub: { dispose(): void };
  private disposed = false;

  /** Schedules the status bar's job at once (the caller took its first sample); the memory sampler's at startMonitor(). */
  constructor(private readonly o: SamplingJobs) {
    this.lookingNow = o.attention.looking;
    this.attentionSub = o.attention.onDidChange((l) => this.setLooking(l));
    this.apply();
  }

  get looking(): boolean {
    return this.lookingNow;
  }

  /** Takes the first memory sample now and schedules the next ones (once the sampler's history has loaded). */
  startMonitor(): void {
    if (this.disposed || this.monitorStarted) return;
    this.monitorStarted = true;
    this.apply(); // the job's first run rides along with a planned wake-up: the first sample is taken here
    this.runMonitor();
  }

  /** The settings changed: the periods follow (a period that did not change keeps its phase). */
  reschedule(): void {
    this.apply();
  }

  private setLooking(looking: boolean): void {
    if (this.disposed || looking === this.lookingNow) return;
    this.lookingNow = looking;
    this.apply();
    // Fresh at once: the status bar's own sample; the memory sampler's next run joins the status bar's ticks.
    if (!looking) return;
    if (this.statusBarJob) this.statusBarJob.runNow();
    else this.o.statusBar();
  }

  private runMonitor(): void {
    this.o.monitor();
    if (!this.statusBarJob) this.o.statusBarFromMonitor();
  }

  private apply(): void {
    if (this.disposed) return;
    const p = samplingPeriods(this.o.settings(), this.lookingNow);
    // The same period as the memory sampler's (the defaults): one reading a tick — the status bar renders the memory
    // sample (statusBarFromMonitor), no read of its own. Until the sampler has started, the status bar samples itself.
    const ownStatusBar = p.statusBarMs !== undefined && !(this.monitorStarted && p.statusBarMs === p.monitorMs);
    if (!ownStatusBar || p.statusBarMs === undefined) {
      this.statusBarJob?.dispose();
      this.statusBarJob = undefined;
    } else if (this.statusBarJob) this.statusBarJob.setPeriod(p.statusBarMs);
    else this.statusBarJob = this.o.ticker.every(p.statusBarMs, () => this.o.statusBar());
    if (!this.monitorStarted) return;
    if (this.monitorJob) this.monitorJob.setPeriod(p.monitorMs);
    else this.monitorJob = this.o.ticker.every(p.monitorMs, () => this.runMonitor(), { rideAlong: true });
  }

  dispose(): void {
    this.disposed = true;
    this.attentionSub.dispose();
    this.statusBarJob?.dispose();
    this.monitorJob?.dispose();
  }
}
