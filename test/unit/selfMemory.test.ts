import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SelfSampler, memoryLevel } from '../../src/probes/selfMemory';
import { FaultyProcFs } from './procFixtures';

const MB = 1024 * 1024;

describe('memoryLevel', () => {
  it('turns warning and critical at the thresholds, inclusive', () => {
    const level = (mb: number) => memoryLevel(mb * MB, 1024, 2048);
    assert.deepStrictEqual([1023.9, 1024, 2047.9, 2048, 5000].map(level), ['normal', 'warning', 'warning', 'critical', 'critical']);
  });
});

describe('SelfSampler', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-self-'));
    fs.mkdirSync(path.join(root, 'self'));
    fs.writeFileSync(path.join(root, 'self', 'status'), 'Name:\tnode\nVmPeak:\t 2000000 kB\nVmRSS:\t  161676 kB\nThreads:\t13\n');
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** true when a and b differ by less than `fraction` of b. */
  const near = (a: number, b: number, fraction: number) => Math.abs(a - b) < b * fraction;

  it('reports VmRSS of <procRoot>/self/status', () => {
    assert.strictEqual(new SelfSampler(root).sample().rssBytes, 161676 * 1024);
  });

  it('falls back to process.memoryUsage.rss() when status cannot be read', () => {
    const sample = new SelfSampler(root, new FaultyProcFs({ [`${root}/self/status`]: 'EACCES' })).sample();
    assert.ok(near(sample.rssBytes, process.memoryUsage.rss(), 0.5), `${sample.rssBytes}`);
  });

  it('on the real /proc agrees with process.memoryUsage.rss()', function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const sample = new SelfSampler().sample();
    assert.ok(near(sample.rssBytes, process.memoryUsage.rss(), 0.1), `${sample.rssBytes} vs ${process.memoryUsage.rss()}`);
    assert.ok(near(sample.uptimeMs, process.uptime() * 1000, 0.1));
    assert.ok(Math.abs(sample.atMs - Date.now()) < 1000);
  });

  it('measures the CPU used since the previous sample', () => {
    const sampler = new SelfSampler(root);
    const until = Date.now() + 200;
    while (Date.now() < until) {
      // busy: one core for 200 ms
    }
    const busy = sampler.sample().cpuPercent;
    assert.ok(busy > 10 && busy < 150, `cpu ${busy} %`);
  });

  it('two samples in the same millisecond repeat the previous CPU figure (no 500 % from other threads over 0 ms)', () => {
    let now = 1_000;
    let cpu = 0;
    const sampler = new SelfSampler(root, undefined, { nowMs: () => now, cpuUs: () => cpu });
    now += 1_000;
    cpu += 250_000; // a quarter of a core over one second
    assert.strictEqual(sampler.sample().cpuPercent, 25);
    cpu += 5_000; // 5 ms of CPU (GC threads, the thread pool) …
    assert.strictEqual(sampler.sample().cpuPercent, 25, '… over 0 ms of wall time: the previous figure');
    now += 40;
    assert.strictEqual(sampler.sample().cpuPercent, 25, 'still under the 50 ms window');
    now += 960; // one second after the last baseline, with those 5 ms counted
    cpu += 95_000;
    assert.strictEqual(sampler.sample().cpuPercent, 10);
  });
});
