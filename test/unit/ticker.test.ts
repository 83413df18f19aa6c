// The shared sampler timer (src/core/ticker.ts): one wake-up for every job that is due, later jobs coalesced into an
// earlier wake-up, nothing armed once every job is disposed, a throwing job reported and the others still run.
import * as assert from 'assert';
import { Ticker } from '../../src/core/ticker';
import { DEFAULTS } from '../../src/core/settingsRead';
import { REGISTRY_HEARTBEAT_MS } from '../../src/probes/windowRegistry';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ticker', () => {
  it('runs two periods (1 : 3) with one wake-up per tick of the shorter: the longer always rides along', async () => {
    const ticker = new Ticker();
    const runs: { job: string; wake: number }[] = [];
    const a = ticker.every(30, () => runs.push({ job: 'a', wake: ticker.wakeUps }));
    const b = ticker.every(90, () => runs.push({ job: 'b', wake: ticker.wakeUps }));
    await sleep(400);
    a.dispose();
    b.dispose();
    const aWakes = new Set(runs.filter((r) => r.job === 'a').map((r) => r.wake));
    const bWakes = runs.filter((r) => r.job === 'b').map((r) => r.wake);
    assert.ok(bWakes.length >= 2, JSON.stringify(runs));
    for (const w of bWakes) assert.ok(aWakes.has(w), `b ran at wake-up ${w} without a: ${JSON.stringify(runs)}`);
    // every wake-up ran something: no wake-up of its own for b
    assert.strictEqual(ticker.wakeUps, new Set(runs.map((r) => r.wake)).size);
    assert.strictEqual(ticker.size, 0);
    const after = runs.length;
    await sleep(100);
    assert.strictEqual(runs.length, after, 'nothing runs after dispose');
  });

  it("the host's default periods (status bar, memory sampler, window heartbeat) wake it up once per sampling tick", async () => {
    // The real periods scaled down 250× (15 s → 60 ms); the heartbeat starts 0.4 of a tick out of phase with the samplers,
    // as in the host (core first, the memory sampler once its history is loaded).
    const scale = 1 / 250;
    const tickMs = Math.min(DEFAULTS.statusBarSampleSeconds, DEFAULTS.memorySampleSeconds) * 1000 * scale;
    const ticker = new Ticker();
    const runs: { job: string; wake: number }[] = [];
    const job = (name: string) => () => runs.push({ job: name, wake: ticker.wakeUps });
    const heartbeat = ticker.every(REGISTRY_HEARTBEAT_MS * scale, job('heartbeat'));
    await sleep(tickMs * 0.4);
    const samplers = [
      ticker.every(DEFAULTS.statusBarSampleSeconds * 1000 * scale, job('statusBar')),
      ticker.every(DEFAULTS.memorySampleSeconds * 1000 * scale, job('monitor')),
    ];
    await sleep(REGISTRY_HEARTBEAT_MS * scale * 4.5);
    for (const d of [heartbeat, ...samplers]) d.dispose();
    const beats = runs.filter((r) => r.job === 'heartbeat');
    assert.ok(beats.length >= 4, JSON.stringify(runs));
    const sampled = new Set(runs.filter((r) => r.job !== 'heartbeat').map((r) => r.wake));
    for (const b of beats) assert.ok(sampled.has(b.wake), `a heartbeat woke the host up on its own: ${JSON.stringify(runs)}`);
    assert.strictEqual(ticker.wakeUps, sampled.size, 'one wake-up per sampling tick, none of its own for the heartbeat');
  });

  it('a job that throws is reported; the others still run; a bad period is refused', async () => {
    const errors: unknown[] = [];
    const ticker = new Ticker(0.25, (e) => errors.push(e));
    let ok = 0;
    ticker.every(20, () => {
      throw new Error('boom');
    });
    ticker.every(20, () => ok++);
    await sleep(120);
    ticker.dispose();
    assert.ok(ok >= 2 && errors.length >= 2, `${ok} runs, ${errors.length} errors`);
    assert.ok(errors.every((e) => e instanceof Error && e.message === 'boom'));
    for (const bad of [0, -5, NaN]) assert.throws(() => ticker.every(bad, () => undefined), /period/);
  });
});
