// The ticker's schedule as attention changes, on a fake clock (src/core/ticker.ts setPeriod / runNow / rideAlong,
// src/core/attention.ts, src/core/heartbeat.ts, src/features/memory/sampling.ts): a window nobody looks at (unfocused,
// or focused without input for a minute) with the default settings wakes the host up once every two minutes (the
// memory sampler rides along with the 120 s window heartbeat, the status bar's own job stops); looking again samples
// the status bar at once and goes back to the set periods; the heartbeat never beats slower than its entry says.
import * as assert from 'assert';
import { Ticker, TickerTimers } from '../../src/core/ticker';
import { DEFAULTS } from '../../src/core/settingsRead';
import { IDLE_HEARTBEAT_MS, REGISTRY_HEARTBEAT_MS } from '../../src/probes/windowRegistry';
import { WindowStateAttention, WindowStateLike, lookingOf } from '../../src/core/attention';
import { Heartbeat, heartbeatPeriodMs } from '../../src/core/heartbeat';
import { FocusSampling, SamplingSettings, notLookingSampleMs, samplingPeriods } from '../../src/features/memory/sampling';

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

/** vscode.window's state and its event, as the workbench drives them (focus, and `active` after a minute without input). */
class FakeWindow {
  private listeners = new Set<(s: WindowStateLike) => unknown>();
  constructor(public state: WindowStateLike) {}
  onDidChangeWindowState(l: (s: WindowStateLike) => unknown) {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }
  set(state: WindowStateLike): void {
    this.state = state;
    for (const l of [...this.listeners]) l(state);
  }
}

/** The registry entry on disk as readers see it: the period it says, when it last beat (touched or written). */
interface Disk {
  claimedMs: number;
  lastBeatAt: number;
  /** The longest time between two beats, over three times the period the entry said meanwhile (must stay ≤ 1). */
  worstRatio: number;
  writes: { at: number; heartbeatMs: number }[];
}

/**
 * The host's wiring: core's attention and heartbeat first (WindowPresence: beat = touch, rewrite = a whole write
 * reporting written() — at once, or never when `writesFail`), the memory feature `heartbeatLeadMs` later, its sampler
 * after start().
 */
function host(o: { state: WindowStateLike; heartbeatLeadMs?: number; settings?: SamplingSettings; writesFail?: () => boolean }) {
  const clock = new FakeClock();
  const ticker = new Ticker(0.25, (e) => assert.fail(String(e)), clock.now, clock);
  const runs: { job: string; at: number; wake: number }[] = [];
  const log = (job: string) => () => runs.push({ job, at: clock.t, wake: ticker.wakeUps });
  const window = new FakeWindow(o.state);
  const attention = new WindowStateAttention(window);
  const disk: Disk = { claimedMs: 0, lastBeatAt: clock.t, worstRatio: 0, writes: [] };
  const beatAt = (t: number) => {
    disk.worstRatio = Math.max(disk.worstRatio, (t - disk.lastBeatAt) / (3 * disk.claimedMs));
    disk.lastBeatAt = t;
  };
  let heartbeat: Heartbeat | undefined = undefined;
  const write = () => {
    if (!heartbeat || o.writesFail?.()) return;
    const ms = heartbeat.entryPeriodMs;
    disk.writes.push({ at: clock.t, heartbeatMs: ms });
    beatAt(clock.t);
    disk.claimedMs = ms;
    heartbeat.written(ms);
  };
  heartbeat = new Heartbeat({
    ticker,
    attention,
    beat: () => (log('heartbeat')(), beatAt(clock.t)),
    rewrite: () => (log('rewrite')(), write()),
  });
  write(); // WindowPresence's first write
  disk.worstRatio = 0;
  clock.advance(o.heartbeatLeadMs ?? 400);
  let settings = o.settings ?? DEFAULTS;
  log('statusBar')(); // the status bar's first sample, in its constructor
  const sampling = new FocusSampling({
    ticker,
    attention,
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
    window,
    attention,
    heartbeat,
    disk,
    runs,
    sampling,
    /** Focused and active by default. */
    look: (looking: boolean, state: WindowStateLike = looking ? { focused: true, active: true } : { focused: false, active: true }) =>
      window.set(state),
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
    dispose: () => (sampling.dispose(), heartbeat.dispose(), attention.dispose()),
  };
}

const MIN = 60_000;
const LOOKING = { focused: true, active: true };
const UNFOCUSED = { focused: false, active: true };
/** Focused, but no keyboard or mouse input for a minute: the workbench says inactive. */
const LEFT_ALONE = { focused: true, active: false };

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

describe('WindowAttention: looking = focused and active', () => {
  it('lookingOf: focused and active; `active` missing (a host without it) counts as active', () => {
    assert.strictEqual(lookingOf(LOOKING), true);
    assert.strictEqual(lookingOf(UNFOCUSED), false);
    assert.strictEqual(lookingOf(LEFT_ALONE), false);
    assert.strictEqual(lookingOf({ focused: true }), true);
    assert.strictEqual(lookingOf({ focused: false }), false);
  });

  it('fires only when `looking` changes, with the new value; dispose ends the subscription', () => {
    const w = new FakeWindow(LOOKING);
    const a = new WindowStateAttention(w);
    const seen: boolean[] = [];
    const sub = a.onDidChange((l) => seen.push(l));
    w.set({ focused: true, active: true }); // same: nothing
    w.set(LEFT_ALONE);
    w.set(UNFOCUSED); // still not looking: nothing
    w.set({ focused: false, active: false });
    w.set(LOOKING);
    assert.deepStrictEqual(seen, [false, true]);
    assert.strictEqual(a.looking, true);
    sub.dispose();
    w.set(UNFOCUSED);
    assert.deepStrictEqual(seen, [false, true], 'a disposed listener is not called');
    assert.strictEqual(a.looking, false);
    a.dispose();
    w.set(LOOKING);
    assert.strictEqual(a.looking, false, 'disposed: no longer follows the window');
  });
});

describe('FocusSampling and the heartbeat: wake-ups by attention', () => {
  it('the periods: looking as set; not looking no status-bar job and the sampler at a multiple of the 120 s heartbeat', () => {
    assert.deepStrictEqual(samplingPeriods({ statusBarSampleSeconds: 5, memorySampleSeconds: 30 }, true), {
      statusBarMs: 5000,
      monitorMs: 30_000,
    });
    assert.deepStrictEqual(samplingPeriods({ statusBarSampleSeconds: 5, memorySampleSeconds: 30 }, false), {
      monitorMs: IDLE_HEARTBEAT_MS,
    });
    assert.deepStrictEqual(samplingPeriods({ statusBarSampleSeconds: 5, memorySampleSeconds: 300 }, false), { monitorMs: 360_000 });
    assert.deepStrictEqual(
      [30, 60, 90, 120, 121, 150, 240].map((s) => notLookingSampleMs(s * 1000) / 1000),
      [120, 120, 120, 120, 240, 240, 240],
    );
    assert.deepStrictEqual([heartbeatPeriodMs(true), heartbeatPeriodMs(false)], [REGISTRY_HEARTBEAT_MS, IDLE_HEARTBEAT_MS]);
  });

  for (const [name, state] of [
    ['unfocused', UNFOCUSED],
    ['focused without input (inactive)', LEFT_ALONE],
  ] as const) {
    it(`${name}, default settings: one wake-up every two minutes from activation on, first samples taken`, () => {
      const h = host({ state });
      assert.deepStrictEqual(
        h.runs.map((r) => r.job),
        ['statusBar', 'monitor', 'statusBarFromMonitor'],
        'the first status-bar and memory samples happen at activation, not looking too',
      );
      assert.deepStrictEqual(
        h.disk.writes.map((w) => w.heartbeatMs),
        [IDLE_HEARTBEAT_MS],
        'the entry says 120 s',
      );
      assert.strictEqual(h.heartbeat.periodMs, IDLE_HEARTBEAT_MS);
      h.during(4 * MIN); // settle
      const w = h.during(10 * MIN);
      assert.deepStrictEqual(
        w,
        { wakeUps: 5, statusBar: 0, monitor: 5, fed: 5, heartbeat: 5 },
        'the sampler rides along with the heartbeat',
      );
      assert.ok(h.disk.worstRatio <= 1, `${h.disk.worstRatio}`);
      h.dispose();
    });
  }

  it('focused and active, default settings: two wake-ups a minute, the heartbeat every 60 s riding along, one reading a tick', () => {
    const h = host({ state: LOOKING });
    assert.deepStrictEqual(
      h.disk.writes.map((w) => w.heartbeatMs),
      [REGISTRY_HEARTBEAT_MS],
    );
    h.during(2 * MIN);
    const w = h.during(10 * MIN);
    assert.deepStrictEqual(w, { wakeUps: 20, statusBar: 0, monitor: 20, fed: 20, heartbeat: 10 });
    h.dispose();
  });

  for (const seconds of [60, 90, 120, 150, 300]) {
    it(`not looking, csops.memory.sampleSeconds ${seconds}: no wake-up besides the heartbeat's`, () => {
      for (const lead of [0, 400, 29_000, 45_000, 59_000]) {
        const h = host({ state: UNFOCUSED, heartbeatLeadMs: lead, settings: { statusBarSampleSeconds: 30, memorySampleSeconds: seconds } });
        h.during(10 * MIN); // settle
        const w = h.during(24 * MIN);
        const every = notLookingSampleMs(seconds * 1000);
        assert.strictEqual(w.heartbeat, 12, `lead ${lead}: ${JSON.stringify(w)}`);
        assert.strictEqual(w.wakeUps, 12, `lead ${lead}: the sampler shares the heartbeat's wake-ups: ${JSON.stringify(w)}`);
        assert.ok(Math.abs(w.monitor - (24 * MIN) / every) <= 1, `lead ${lead}: ${JSON.stringify(w)}`);
        h.dispose();
      }
    });
  }

  for (const lead of [0, 5_000, 14_000, 15_000, 22_000, 29_000]) {
    it(`looking → not → looking, heartbeat ${lead / 1000} s ahead of the samplers: 0.5 wake-ups/min not looking, 2 looking`, () => {
      const h = host({ state: LOOKING, heartbeatLeadMs: lead });
      for (const blurAfter of [0, 7_000, 21_000, 29_000, 45_000]) {
        for (const away of [UNFOCUSED, LEFT_ALONE]) {
          h.during(3 * MIN + blurAfter);
          h.look(false, away);
          h.during(4 * MIN); // settle into the slower cadence
          const idle = h.during(10 * MIN);
          assert.deepStrictEqual(
            { wakeUps: idle.wakeUps, statusBar: idle.statusBar, heartbeat: idle.heartbeat },
            { wakeUps: 5, statusBar: 0, heartbeat: 5 },
            `blur ${blurAfter}: ${JSON.stringify(idle)}`,
          );
          assert.ok(idle.monitor >= 5 && idle.monitor <= 6, JSON.stringify(idle));
          h.look(true);
          h.during(MIN);
          const looking = h.during(10 * MIN);
          assert.deepStrictEqual(looking, { wakeUps: 20, statusBar: 0, monitor: 20, fed: 20, heartbeat: 10 }, `focus ${blurAfter}`);
        }
      }
      assert.ok(h.disk.worstRatio <= 1, `a reader would have seen the entry stale: ${h.disk.worstRatio}`);
      h.dispose();
    });
  }

  it('looking again: the status bar samples at once, the entry is rewritten with 60 s at once, the next beat within 60 s', () => {
    const h = host({ state: UNFOCUSED });
    h.during(5 * MIN + 17_000);
    const r0 = h.runs.length;
    const at = h.clock.t;
    h.look(true);
    assert.deepStrictEqual(
      h.runs.slice(r0).map((r) => [r.job, r.at]),
      [
        ['rewrite', at],
        ['statusBar', at],
      ],
      'the entry rewritten and the status bar sampled at once, synchronously on the window-state event',
    );
    assert.deepStrictEqual(h.disk.writes[h.disk.writes.length - 1], { at, heartbeatMs: REGISTRY_HEARTBEAT_MS });
    assert.strictEqual(h.heartbeat.periodMs, REGISTRY_HEARTBEAT_MS);
    h.during(REGISTRY_HEARTBEAT_MS);
    const beats = h.runs.slice(r0).filter((r) => r.job === 'heartbeat');
    assert.ok(beats.length >= 1 && beats[0].at <= at + REGISTRY_HEARTBEAT_MS, JSON.stringify(beats));
    const after = h.runs.slice(r0 + 2);
    // then refreshed within its set period: by the memory sample (the same period with the defaults), no read of its own
    const refreshed = after.filter((r) => r.job === 'statusBar' || r.job === 'statusBarFromMonitor');
    assert.ok(refreshed.length > 0 && refreshed[0].at <= at + DEFAULTS.statusBarSampleSeconds * 1000, JSON.stringify(after));
    assert.ok(
      refreshed.every((r) => r.job === 'statusBarFromMonitor'),
      JSON.stringify(after),
    );
    // gaps between memory samples over the whole run: never more than the not-looking period (+ its slack)
    const monitorAt = h.runs.filter((r) => r.job === 'monitor').map((r) => r.at);
    for (let i = 1; i < monitorAt.length; i++) assert.ok(monitorAt[i] - monitorAt[i - 1] <= IDLE_HEARTBEAT_MS * 1.25, `${i}`);
    const r1 = h.runs.length;
    h.look(true); // no change: nothing
    assert.strictEqual(h.runs.length, r1);
    h.dispose();
  });

  it('becoming not looked at: the entry says 120 s before the heartbeat slows down; while that write fails it keeps 60 s', () => {
    let fail = false;
    const h = host({ state: LOOKING, writesFail: () => fail });
    h.during(3 * MIN + 20_000);
    fail = true;
    h.look(false);
    assert.strictEqual(h.heartbeat.entryPeriodMs, IDLE_HEARTBEAT_MS);
    assert.strictEqual(h.heartbeat.periodMs, REGISTRY_HEARTBEAT_MS, 'the entry on disk still says 60 s: beat at 60 s');
    const w = h.during(10 * MIN);
    assert.strictEqual(w.heartbeat, 10, JSON.stringify(w));
    assert.strictEqual(h.disk.claimedMs, REGISTRY_HEARTBEAT_MS);
    fail = false;
    h.look(true);
    h.look(false); // written now: slower from here on
    assert.strictEqual(h.disk.claimedMs, IDLE_HEARTBEAT_MS);
    assert.strictEqual(h.heartbeat.periodMs, IDLE_HEARTBEAT_MS);
    h.during(4 * MIN);
    assert.strictEqual(h.during(10 * MIN).heartbeat, 5);
    h.heartbeat.written(REGISTRY_HEARTBEAT_MS); // a late report of an older write: ignored
    assert.strictEqual(h.heartbeat.periodMs, IDLE_HEARTBEAT_MS);
    assert.ok(h.disk.worstRatio <= 1, `${h.disk.worstRatio}`);
    h.dispose();
  });

  it('attention flapping at every offset never lets a beat come later than three periods of what the entry says', () => {
    for (const step of [1_000, 13_000, 37_000, 59_000, 61_000, 119_000, 150_000]) {
      const h = host({ state: LOOKING });
      for (let i = 0; i < 40; i++) {
        h.during(step * ((i % 3) + 1));
        h.look(i % 2 === 1, i % 4 === 0 ? LEFT_ALONE : UNFOCUSED);
      }
      h.during(10 * MIN);
      assert.ok(h.disk.worstRatio <= 1, `step ${step}: ${h.disk.worstRatio}`);
      h.dispose();
    }
  });

  it('settings changes follow (status bar every 5 s looking); dispose stops every job and the attention listener', () => {
    const h = host({ state: LOOKING });
    h.during(MIN);
    h.setSettings({ statusBarSampleSeconds: 5, memorySampleSeconds: 30 });
    h.during(MIN);
    const w = h.during(MIN);
    assert.strictEqual(w.statusBar, 12, JSON.stringify(w));
    assert.strictEqual(w.monitor, 2);
    assert.strictEqual(w.wakeUps, 12, 'the sampler and heartbeat ride along with status-bar ticks');
    h.dispose();
    const r0 = h.runs.length;
    h.window.set(UNFOCUSED);
    h.window.set(LOOKING);
    h.clock.advance(10 * MIN);
    assert.strictEqual(h.runs.length, r0);
    assert.strictEqual(h.ticker.size, 0);
    assert.strictEqual(h.clock.armed, 0);
  });
});
