import * as assert from 'assert';
import { once } from '../../src/probes/once';

describe('once', () => {
  it('builds on the first call only and hands every caller that value', () => {
    let builds = 0;
    const get = once(() => ({ n: ++builds }));
    assert.strictEqual(builds, 0, 'nothing is built before the first call');
    const a = get();
    assert.strictEqual(get(), a);
    assert.strictEqual(builds, 1);
  });

  it('keeps undefined as a value and retries after a throw', () => {
    let calls = 0;
    const undef = once(() => {
      calls++;
      return undefined;
    });
    undef();
    undef();
    assert.strictEqual(calls, 1);
    let tries = 0;
    const flaky = once(() => {
      if (++tries === 1) throw new Error('first');
      return tries;
    });
    assert.throws(() => flaky(), /first/);
    assert.strictEqual(flaky(), 2);
    assert.strictEqual(flaky(), 2);
  });
});
