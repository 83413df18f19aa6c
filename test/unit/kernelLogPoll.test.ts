import * as assert from 'assert';
import { ExecFn, readKernelOomEvents } from '../../src/probes/kernelLog';
import { KernelLogPoller } from '../../src/probes/kernelLogPoll';

const BOOT_MS = 1_700_000_000_000;
const line = (s: number, pid: number): string =>
  `[ ${s}.000000] Memory cgroup out of memory: Killed process ${pid} (node) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB`;

/** dmesg prints `lines`; journalctl is not installed. Records every call and the --since asked of the journal. */
function runner(lines: string[]): { exec: ExecFn; calls: string[][] } {
  const calls: string[][] = [];
  const exec: ExecFn = async (file, args) => {
    calls.push([file, ...args]);
    if (file !== 'dmesg') return { stdout: '', stderr: '', error: { code: 'ENOENT', message: `spawn ${file} ENOENT` } };
    return { stdout: lines.map((l) => l + '\n').join(''), stderr: '' };
  };
  return { exec, calls };
}

const poller = (exec: ExecFn, windowMs = 300_000) =>
  new KernelLogPoller({
    windowMs,
    read: (sinceMs) => readKernelOomEvents({ since: sinceMs, timeoutMs: 1000, maxBytes: 1 << 20, bootTimeMs: BOOT_MS, exec }),
  });

describe('KernelLogPoller (dmesg fallback, injected runner)', () => {
  it('reads only a bounded window back: older kills are not reported as new', async () => {
    const lines = [line(100, 11), line(1000, 22)];
    const { exec } = runner(lines);
    const r = await poller(exec).poll(BOOT_MS + 1100_000); // 1100 s after boot, window 300 s
    assert.deepStrictEqual(
      r.events.map((e) => e.pid),
      [22],
    );
    assert.strictEqual(r.sinceMs, BOOT_MS + 800_000);
  });

  it('each kill is returned once across polls; a new line is returned by the next poll', async () => {
    const lines = [line(1000, 22)];
    const { exec, calls } = runner(lines);
    const p = poller(exec);
    assert.deepStrictEqual(
      (await p.poll(BOOT_MS + 1010_000)).events.map((e) => e.pid),
      [22],
    );
    assert.deepStrictEqual((await p.poll(BOOT_MS + 1020_000)).events, []);
    lines.push(line(1025, 33));
    const third = await p.poll(BOOT_MS + 1030_000);
    assert.deepStrictEqual(
      third.events.map((e) => e.pid),
      [33],
    );
    assert.strictEqual(third.sinceMs, BOOT_MS + 1010_000, 'from the previous poll minus the 10 s overlap');
    assert.strictEqual(calls.filter((c) => c[0] === 'dmesg').length, 3);
    assert.strictEqual(p.polls, 3);
  });

  it('overlapping polls share one read (one dmesg run)', async () => {
    const { exec, calls } = runner([line(1000, 22)]);
    const p = poller(exec);
    const [a, b] = await Promise.all([p.poll(BOOT_MS + 1010_000), p.poll(BOOT_MS + 1010_500)]);
    assert.strictEqual(a, b);
    assert.strictEqual(calls.filter((c) => c[0] === 'dmesg').length, 1);
  });

  it('an unavailable dmesg is reported through the read, not thrown', async () => {
    const exec: ExecFn = async () => ({
      stdout: '',
      stderr: 'dmesg: read kernel buffer failed: Operation not permitted',
      error: { code: 1, message: 'x' },
    });
    const r = await poller(exec).poll(BOOT_MS + 1000_000);
    assert.deepStrictEqual(r.events, []);
    const d = r.read.sources.find((s) => s.name === 'dmesg');
    assert.strictEqual(d?.available, false);
    assert.match(d?.reason ?? '', /not permitted/);
  });
});
