import * as assert from 'assert';
import { ScanService } from '../../src/core/scan';
import { DEFAULTS, settingsFrom } from '../../src/core/settingsRead';
import { fixtureRoot, scanFixture } from './procFixtures';

describe('Profile Extension Host: our own scans pause while profiling', () => {
  function service() {
    const counts = { scans: 0 };
    const s = new ScanService(
      () => fixtureRoot('codeserver'),
      () => undefined,
      async () => (counts.scans++, scanFixture('codeserver')),
    );
    return { s, counts };
  }

  it('while held, polls get the latest scan whatever its age; released, they scan again', async () => {
    const { s, counts } = service();
    await s.fresh(0);
    assert.strictEqual(counts.scans, 1);
    const hold = s.hold();
    assert.strictEqual(s.held, true);
    await s.fresh(0);
    await s.fresh(1);
    assert.strictEqual(counts.scans, 1, 'no scan while held');
    hold.dispose();
    hold.dispose(); // twice is once
    assert.strictEqual(s.held, false);
    await s.fresh(0);
    assert.strictEqual(counts.scans, 2);
  });

  it('an action’s re-validation (request) still scans while held, and a first poll without any scan still scans', async () => {
    const { s, counts } = service();
    const hold = s.hold();
    await s.fresh(10_000);
    assert.strictEqual(counts.scans, 1, 'nothing to reuse: scans');
    await s.request();
    assert.strictEqual(counts.scans, 2);
    const second = s.hold();
    hold.dispose();
    assert.strictEqual(s.held, true, 'nested holds');
    second.dispose();
    assert.strictEqual(s.held, false);
  });

  it('csops.profile.seconds: default 10, at least 1, at most 300', () => {
    const cfg = (v: unknown) => settingsFrom({ get: (k) => (k === 'profile.seconds' ? v : undefined), inspect: () => undefined });
    assert.strictEqual(DEFAULTS.profileSeconds, 10);
    assert.strictEqual(cfg(undefined).profileSeconds, 10);
    assert.strictEqual(cfg(0).profileSeconds, 10);
    assert.strictEqual(cfg('5').profileSeconds, 10);
    assert.strictEqual(cfg(3).profileSeconds, 3);
    assert.strictEqual(cfg(10_000).profileSeconds, 300);
  });

  it('csops.profile.cpuSampleIntervalMs default 2; heapSamplePercent default 20, at least 1, at most 100', () => {
    // a user-only setting: read from the user (global) value
    const cfg = (k0: string, v: unknown) =>
      settingsFrom({ get: () => undefined, inspect: (k) => (k === k0 ? { globalValue: v } : undefined) });
    assert.strictEqual(cfg('x', undefined).profileCpuIntervalMs, 2);
    assert.strictEqual(cfg('x', undefined).profileHeapPercent, 20);
    assert.strictEqual(cfg('profile.heapSamplePercent', 0).profileHeapPercent, 20);
    assert.strictEqual(cfg('profile.heapSamplePercent', 'all').profileHeapPercent, 20);
    assert.strictEqual(cfg('profile.heapSamplePercent', 55).profileHeapPercent, 55);
    assert.strictEqual(cfg('profile.heapSamplePercent', 500).profileHeapPercent, 100);
  });
});
