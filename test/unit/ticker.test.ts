// The shared sampler timer (src/core/ticker.ts): one wake-up for every job that is due, later jobs coalesced into an
// earlier wake-up, nothing armed once every job is disposed, a throwing job reported and the others still run.
import * as assert from 'assert';
import { Ticker } from '../../src/core/ticker';

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
