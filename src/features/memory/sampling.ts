// When the memory feature samples, by the window's focus. Focused: the status bar and the memory sampler run at their
// set periods (with the defaults one wake-up and one reading for both: the status bar renders the memory sample). Not
// focused, nobody sees the status bar: its own job stops (the
// memory sampler's reading refreshes it, no read of its own) and the memory sampler (history, OOM counters) runs every
// max(csops.memory.sampleSeconds, 60 s), riding along with the window heartbeat's wake-up: with the default settings the
// host wakes up once a minute. On focus the status bar samples at once and both go back to their periods. An OOM
// counter change is noticed at the next sample either way; the kernel-log follower is event-driven. Plain Node.
import { Ticker, TickerHandle } from '../../core/ticker';

/** The window's focus (vscode.window.state.focused and onDidChangeWindowState behind it; tests pass their own). */
export interface WindowFocus {
  readonly focused: boolean;
  onDidChange(listener: (focused: boolean) => void): { dispose(): void };
}

/** The memory sampler's shortest period while the window is not focused: the window heartbeat's (one wake-up a minute). */
export const UNFOCUSED_SAMPLE_MS = 60_000;

export interface SamplingSettings {
  statusBarSampleSeconds: number;
  memorySampleSeconds: number;
}

/** The periods in ms (the status bar's own job: none while not focused). */
export function samplingPeriods(s: SamplingSettings, focused: boolean): { statusBarMs?: number; monitorMs: number } {
  const monitorMs = s.memorySampleSeconds * 1000;
  return focused ? { statusBarMs: s.statusBarSampleSeconds * 1000, monitorMs } : { monitorMs: Math.max(monitorMs, UNFOCUSED_SAMPLE_MS) };
}

export interface SamplingJobs {
  ticker: Ticker;
  focus: WindowFocus;
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
  private focusedNow: boolean;
  private readonly focusSub: { dispose(): void };
  private disposed = false;

  /** Schedules the status bar's job at once (the caller took its first sample); the memory sampler's at startMonitor(). */
  constructor(private readonly o: SamplingJobs) {
    this.focusedNow = o.focus.focused;
    this.focusSub = o.focus.onDidChange((f) => this.setFocused(f));
    this.apply();
  }

  get focused(): boolean {
    return this.focusedNow;
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

  private setFocused(focused: boolean): void {
    if (this.disposed || focused === this.focusedNow) return;
    this.focusedNow = focused;
    this.apply();
    // Fresh at once: the status bar's own sample; the memory sampler's next run joins the status bar's ticks.
    if (!focused) return;
    if (this.statusBarJob) this.statusBarJob.runNow();
    else this.o.statusBar();
  }

  private runMonitor(): void {
    this.o.monitor();
    if (!this.statusBarJob) this.o.statusBarFromMonitor();
  }

  private apply(): void {
    if (this.disposed) return;
    const p = samplingPeriods(this.o.settings(), this.focusedNow);
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
    this.focusSub.dispose();
    this.statusBarJob?.dispose();
    this.monitorJob?.dispose();
  }
}
