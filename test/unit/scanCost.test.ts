import * as assert from 'assert';
import { measuredScan } from '../../src/probes/scanCost';
import { Snapshot } from '../../src/probes/scanner';

describe('measuredScan', () => {
  it('returns the snapshot and the worst event-loop delay seen while it ran', async () => {
    const fake = { processes: new Map(), durationMs: 30 } as unknown as Snapshot;
    const { snapshot, loopDelayMaxMs } = await measuredScan(async () => {
      await new Promise((r) => setTimeout(r, 10)); // let the delay timer start
      const until = Date.now() + 40;
      while (Date.now() < until) {
        // block the event loop for ~40 ms
      }
      await new Promise((r) => setTimeout(r, 20));
      return fake;
    });
    assert.strictEqual(snapshot, fake);
    assert.ok(loopDelayMaxMs >= 20, `a 40 ms block shows as a delay (got ${loopDelayMaxMs} ms)`);
  });

  it('stops measuring when the scan fails', async () => {
    await assert.rejects(
      measuredScan(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
  });
});
