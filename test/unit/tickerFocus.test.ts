// The ticker's schedule under window focus changes, on a fake clock (src/core/ticker.ts setPeriod / runNow / rideAlong,
// src/features/memory/sampling.ts): an unfocused window with the default settings wakes the host up once a minute (the
// memory sampler rides along with the window heartbeat, the status bar's own job stops), focus samples the status bar
// at once and goes back to the set periods, the first samples always happen.
import * as assert from 'assert';
import { Ticker, TickerTimers } from '../../src/core/ticker';
import { DEFAULTS } from '../../src/core/settingsRead';
import { REGISTRY_HEARTBEAT_MS } from '../../src/probes/windowRegistry';
import { FocusSampling, SamplingSettings, UNFOCUSED_SAMPLE_MS, WindowFocus, samplingPeriods } from '../../src/features/memory/sampling';

/** setTimeout / clearTimeout on a clock that moves only when told to. */
class FakeClock implements TickerTimers {
  t = 1_000_000;
  private timers: { at: number; fn: () => void }[] = [];
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (timer: unknown): void => {
    this.timers = this.timers.filter((x) => x !== timer);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
  get armed(): number {
    return this.timers.length;
  }
}

class FakeFocus implements WindowFocus {
  private listeners = new Set<(f: boolean) => void>();
  constructor(public focused: boolean) {}
  onDidChange(l: (f: boolean) => void) {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }
  set(f: boolean): void {
    this.focused = f;
    for (const l of this.listeners) l(f);
  }
}

/** The host's wiring: core's heartbeat first, the memory feature `heartbeatLeadMs` later, its sampler after start(). */
function host(o: { focused: boolean; heartbeatLeadMs?: number; settings?: SamplingSettings }) {
  const clock = new FakeClock();
  const ticker = new Ticker(0.25, (e) => assert.fail(String(e)), clock.now, clock);
  const runs: { job: string; at: number; wake: number }[] = [];
  const log = (job: string) => () => runs.push({ job, at: clock.t, wake: ticker.wakeUps });
  const heartbeat = ticker.every(REGISTRY_HEARTBEAT_MS, log('heartbeat'));
  clock.advance(o.heartbeatLeadMs ?? 400);
  const focus = new FakeFocus(o.focused);
  let settings = o.settings ?? DEFAULTS;
  log('statusBar')(); // the status bar's first sample, in its constructor
  const sampling = new FocusSampling({
    ticker,
    focus,
    settings: () => settings,
    statusBar: log('statusBar'),
    monitor: log('monitor'),
    statusBarFromMonitor: log('statusBarFromMonitor'),
  });
  clock.advance(300); // the monitor's history loads
  sampling.startMonitor();
  return {
    clock,
    ticker,
    focus,
    runs,
    sampling,
    setSettings: (s: SamplingSettings) => ((settings = s), sampling.reschedule()),
    /** Wake-ups and runs of each job while `ms` pass. */
    during(ms: number) {
      const w0 = ticker.wakeUps;
      const r0 = runs.length;
      clock.advance(ms);
      const count = (job: string) => runs.slice(r0).filter((r) => r.job === job).length;
      return {
        wakeUps: ticker.wakeUps - w0,
        statusBar: count('statusBar'),
        monitor: count('monitor'),
        fed: count('statusBarFromMonitor'),
        heartbeat: count('heartbeat'),
      };
    },
    dispose: () => (sampling.dispose(), heartbeat.dispose()),
  };
}

const MIN = 60_000;

describe('Ticker on a fake clock: setPeriod, runNow, rideAlong', () => {
  it('setPeriod rides along with the latest wake-up planned within the new period; runNow runs at once, next one period later', () => {
    const clock = new FakeClock();
    const ticker = new Ticker(0.25, undefined, clock.now, clock);
    const at: Record<string, number[]> = { a: [], b: [] };
    ticker.every(60_000, () => at.a.push(clock.t));
    clock.advance(30_000);
    const b = ticker.every(30_000, () => at.b.push(clock.t));
    clock.advance(10_000); // b last "ran" at +30 s (created), a is due at +60 s
    b.setPeriod(60_000);
    clock.advance(5 * 60_000);
    assert.deepStrictEqual(
      at.b.map((t) => t - 1_000_000),
      at.a.map((t) => t - 1_000_000),
      'b joined a: the same wake-ups',
    );
    assert.strictEqual(ticker.wakeUps, at.a.length);
    const before = at.b.length;
    b.runNow();
    assert.strictEqual(at.b.length, before + 1);
    assert.strictEqual(at.b[at.b.length - 1], clock.t, 'ran now');
    const ranAt = clock.t;
    clock.advance(61_000);
    assert.strictEqual(at.b.length, before + 2);
    assert.strictEqual(at.b[at.b.length - 1], ranAt + 60_000, 'next one period after runNow');
    b.dispose();
    b.setPeriod(1000); // disposed: nothing
    b.runNow();
    assert.throws(() => ticker.every(10, () => undefined).setPeriod(0), /period/);
    ticker.dispose();
    assert.strictEqual(clock.armed, 0, 'no timer once every job is gone');
  });

  it('setPeriod to the same period keeps the phase; without another job the next run is one new period after the last', () => {
    const clock = new FakeClock();
    const ticker = new Ticker(0.25, undefined, clock.now, clock);
    const at: number[] = [];
    const j = ticker.every(30_000, () => at.push(clock.t - 1_000_000));
    clock.advance(40_000);
    j.setPeriod(30_000);
    j.setPeriod(60_000); // last run at 30 s: next at 90 s
    clock.advance(100_000);
    assert.deepStrictEqual(at, [30_000, 90_000]);
    ticker.dispose();
  });

  it('every(…, { rideAlong }) starts at the latest wake-up planned within its period', () => {
    const clock = new FakeClock();
    const ticker = new Ticker(0.25, undefined, clock.now, clock);
    ticker.every(60_000, () => undefined);
    clock.advance(20_000);
    const at: number[] = [];
    ticker.every(60_000, () => at.push(clock.t - 1_000_000), { rideAlong: true });
    clock.advance(130_000);
    assert.deepStrictEqual(at, [60_000, 120_000]);
    assert.strictEqual(ticker.wakeUps, 2);
    ticker.dispose();
  });
});

describe('FocusSampling: the status bar and memory sampler by window focus', () => {
  it('the periods: focused as set; not focused no status-bar job and the sampler at max(setting, 60 s)', () => {
    assert.deepStrictEqual(samplingPeriods({ statusBarSampleSeconds: 5, memorySampleSeconds: 30 }, true), {
      statusBarMs: 5000,
      monitorMs: 30_000,
    });
    assert.deepStrictEqual(samplingPeriods({ statusBarSampleSeconds: 5, memorySampleSeconds: 30 }, false), {
      monitorMs: UNFOCUSED_SAMPLE_MS,
    });
    assert.deepStrictEqual(samplingPeriods({ statusBarSampleSeconds: 5, memorySampleSeconds: 300 }, false), { monitorMs: 300_000 });
  });

  it('one wake-up a minute while unfocused with the default settings (from activation on), first samples taken', () => {
    const h = host({ focused: false });
    assert.deepStrictEqual(
      h.runs.map((r) => r.job),
      ['statusBar', 'monitor', 'statusBarFromMonitor'],
      'the first status-bar and memory samples happen at activation, unfocused too',
    );
    h.during(2 * MIN); // settle
    const w = h.during(10 * MIN);
    assert.strictEqual(w.wakeUps, 10, JSON.stringify(w));
    assert.strictEqual(w.statusBar, 0, 'no status-bar job of its own');
    assert.strictEqual(w.monitor, 10, 'the memory sampler still runs (OOM counters), once a minute');
    assert.strictEqual(w.fed, 10, 'the status bar shows the sampler’s reading');
    assert.strictEqual(w.heartbeat, 10);
    h.dispose();
  });

  it('focused with the default settings: two wake-ups a minute, the heartbeat riding along, one reading a tick (the status bar renders the memory sample)', () => {
    const h = host({ focused: true });
    h.during(2 * MIN);
    const w = h.during(10 * MIN);
    assert.deepStrictEqual(w, { wakeUps: 20, statusBar: 0, monitor: 20, fed: 20, heartbeat: 10 });
    h.dispose();
  });

  for (const lead of [0, 5_000, 14_000, 15_000, 22_000, 29_000]) {
    it(`focused → unfocused → focused, heartbeat ${lead / 1000} s ahead of the samplers: 1 wake-up/min unfocused, 2 focused`, () => {
      const h = host({ focused: true, heartbeatLeadMs: lead });
      for (const blurAfter of [0, 7_000, 21_000, 29_000]) {
        h.during(3 * MIN + blurAfter);
        h.focus.set(false);
        h.during(2 * MIN); // settle into the slower cadence
        const blurred = h.during(10 * MIN);
        assert.deepStrictEqual(
          { wakeUps: blurred.wakeUps, statusBar: blurred.statusBar },
          { wakeUps: 10, statusBar: 0 },
          `blur ${blurAfter}: ${JSON.stringify(blurred)}`,
        );
        assert.ok(blurred.monitor >= 10 && blurred.monitor <= 11, JSON.stringify(blurred));
        h.focus.set(true);
        h.during(MIN);
        const focused = h.during(10 * MIN);
        assert.deepStrictEqual(focused, { wakeUps: 20, statusBar: 0, monitor: 20, fed: 20, heartbeat: 10 }, `focus ${blurAfter}`);
      }
      h.dispose();
    });
  }

  it('focus → an immediate status-bar sample, then its set period; the memory sampler never waits more than its slow period', () => {
    const h = host({ focused: false });
    h.during(5 * MIN + 17_000);
    const r0 = h.runs.length;
    const at = h.clock.t;
    h.focus.set(true);
    assert.deepStrictEqual(
      h.runs.slice(r0).map((r) => [r.job, r.at]),
      [['statusBar', at]],
      'the status bar sampled at once, synchronously on the focus event',
    );
    h.during(31_000);
    const after = h.runs.slice(r0 + 1);
    // then refreshed within its set period: by the memory sample (the same period with the defaults), no read of its own
    const refreshed = after.filter((r) => r.job === 'statusBar' || r.job === 'statusBarFromMonitor');
    assert.ok(refreshed.length > 0 && refreshed[0].at <= at + DEFAULTS.statusBarSampleSeconds * 1000, JSON.stringify(after));
    assert.ok(
      refreshed.every((r) => r.job === 'statusBarFromMonitor'),
      JSON.stringify(after),
    );
    // gaps between memory samples over the whole run: never more than the unfocused period (+ its slack)
    const monitorAt = h.runs.filter((r) => r.job === 'monitor').map((r) => r.at);
    for (let i = 1; i < monitorAt.length; i++) assert.ok(monitorAt[i] - monitorAt[i - 1] <= UNFOCUSED_SAMPLE_MS * 1.25, `${i}`);
    h.focus.set(true); // no change: nothing
    assert.strictEqual(h.runs.filter((r) => r.at === h.clock.t && r.job === 'statusBar').length, 0);
    h.dispose();
  });

  it('settings changes follow (status bar every 5 s focused); dispose stops every job and the focus listener', () => {
    const h = host({ focused: true });
    h.during(MIN);
    h.setSettings({ statusBarSampleSeconds: 5, memorySampleSeconds: 30 });
    h.during(MIN);
    const w = h.during(MIN);
    assert.strictEqual(w.statusBar, 12, JSON.stringify(w));
    assert.strictEqual(w.monitor, 2);
    assert.strictEqual(w.wakeUps, 12, 'the sampler and heartbeat ride along with status-bar ticks');
    h.dispose();
    const r0 = h.runs.length;
    h.focus.set(false);
    h.focus.set(true);
    h.clock.advance(10 * MIN);
    assert.strictEqual(h.runs.length, r0);
    assert.strictEqual(h.ticker.size, 0);
    assert.strictEqual(h.clock.armed, 0);
  });
});
