import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseKernelLog } from '../../src/probes/kernelLog';
import {
  EndEvidence,
  LifecycleRecord,
  MAX_LIFECYCLE_RECORDS,
  classifyEnd,
  explainEnd,
  lifecycleFileName,
  markCleanEnd,
  markRestartRequested,
  markSeen,
  readLifecycle,
  recordStart,
  unclassified,
  writeLifecycle,
} from '../../src/probes/lifecycle';
import { FIXTURES } from './procFixtures';

const T0 = Date.UTC(2025, 10, 22, 17, 0, 0);
const MIN = 60_000;
const MB = 1024 * 1024;

const host = (fields: Partial<LifecycleRecord> = {}): LifecycleRecord => ({
  pid: 11067,
  starttime: 123400,
  startedAtMs: T0,
  cleanEnd: false,
  ...fields,
});
const noEvidence: EndEvidence = { oomEvents: [], oomKillIncreased: false, lastSamples: [] };
const evidence = (fields: Partial<EndEvidence>): EndEvidence => ({ ...noEvidence, ...fields });

describe('lifecycle records', () => {
  it('recordStart adds a host once; the mark helpers change only that host', () => {
    let records = recordStart([], { pid: 1, starttime: 10, startedAtMs: T0 });
    records = recordStart(records, { pid: 2, starttime: 20, startedAtMs: T0 + MIN });
    records = recordStart(records, { pid: 1, starttime: 10, startedAtMs: T0 + 5 * MIN });
    assert.deepStrictEqual(records, [
      { pid: 1, starttime: 10, startedAtMs: T0, cleanEnd: false },
      { pid: 2, starttime: 20, startedAtMs: T0 + MIN, cleanEnd: false },
    ]);
    const id = { pid: 1, starttime: 10 };
    const marked = markCleanEnd(markRestartRequested(markSeen(records, id, T0 + 2 * MIN), id), id, T0 + 3 * MIN);
    assert.deepStrictEqual(marked[0], {
      pid: 1,
      starttime: 10,
      startedAtMs: T0,
      cleanEnd: true,
      restartRequested: true,
      lastSeenAtMs: T0 + 2 * MIN,
      endedAtMs: T0 + 3 * MIN,
    });
    assert.deepStrictEqual(marked[1], records[1]);
    assert.deepStrictEqual(records[0], { pid: 1, starttime: 10, startedAtMs: T0, cleanEnd: false }, 'not mutated');
    assert.deepStrictEqual(markSeen(records, { pid: 1, starttime: 11 }, 5), records, 'same pid, other process: untouched');
  });

  it('recordStart keeps the newest MAX_LIFECYCLE_RECORDS', () => {
    let records: LifecycleRecord[] = [];
    for (let i = 1; i <= MAX_LIFECYCLE_RECORDS + 5; i++) records = recordStart(records, { pid: i, starttime: i, startedAtMs: i });
    assert.strictEqual(records.length, MAX_LIFECYCLE_RECORDS);
    assert.strictEqual(records[0].pid, 6);
  });

  it('unclassified lists earlier hosts without an end', () => {
    const records = [host({ pid: 1, end: 'clean' }), host({ pid: 2 }), host({ pid: 3 })];
    assert.deepStrictEqual(
      unclassified(records, { pid: 3, starttime: 123400 }).map((r) => r.pid),
      [2],
    );
  });

  it('lifecycleFileName: a safe key is kept, anything else is hashed', () => {
    assert.strictEqual(lifecycleFileName('ws-1a2b'), 'lifecycle-ws-1a2b.json');
    const hashed = lifecycleFileName('/home/coder/my project');
    assert.match(hashed, /^lifecycle-[0-9a-f]{32}\.json$/);
    assert.strictEqual(lifecycleFileName('/home/coder/my project'), hashed);
    assert.notStrictEqual(lifecycleFileName('/home/coder/other'), hashed);
    assert.match(lifecycleFileName('../../etc/passwd'), /^lifecycle-[0-9a-f]{32}\.json$/);
    assert.match(lifecycleFileName('..'), /^lifecycle-[0-9a-f]{32}\.json$/);
  });
});

describe('readLifecycle / writeLifecycle', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-lifecycle-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips the records of a window, one file per key, no temp files left', async () => {
    const a = [
      host({ pid: 1, end: 'oom', lastSeenAtMs: T0 + MIN }),
      host({ pid: 2, cleanEnd: true, endedAtMs: T0 + 2 * MIN, restartRequested: true }),
    ];
    const b = [host({ pid: 3 })];
    assert.deepStrictEqual(await writeLifecycle(path.join(dir, 'new'), 'window-a', a), { ok: true });
    assert.deepStrictEqual(await writeLifecycle(path.join(dir, 'new'), '/some/folder', b), { ok: true });
    assert.deepStrictEqual(await readLifecycle(path.join(dir, 'new'), 'window-a'), { records: a });
    assert.deepStrictEqual(await readLifecycle(path.join(dir, 'new'), '/some/folder'), { records: b });
    assert.deepStrictEqual(
      fs.readdirSync(path.join(dir, 'new')).sort(),
      [lifecycleFileName('/some/folder'), 'lifecycle-window-a.json'].sort(),
    );
  });

  it('a missing file: no records, no problem', async () => {
    assert.deepStrictEqual(await readLifecycle(dir, 'nothing'), { records: [] });
    assert.deepStrictEqual(await readLifecycle(path.join(dir, 'absent'), 'nothing'), { records: [] });
  });

  it('invalid files: no records and the reason, never a throw', async () => {
    const file = path.join(dir, lifecycleFileName('w'));
    const cases: [string, RegExp][] = [
      ['{"version":1,', /invalid JSON$/],
      ['[]', /\(root\): invalid_type/],
      [
        JSON.stringify({ version: 1, windowKey: 'w', records: [{ pid: -1, starttime: 1, startedAtMs: 1, cleanEnd: false }] }),
        /records\.0\.pid: too_small/,
      ],
      [JSON.stringify({ version: 1, windowKey: 'w', records: [{ ...host(), end: 'exploded' }] }), /records\.0\.end: invalid_value/],
      [JSON.stringify({ version: 1, windowKey: 'w', records: [{ ...host(), cleanEnd: 'yes' }] }), /records\.0\.cleanEnd: invalid_type/],
      [JSON.stringify({ version: 2, windowKey: 'w', records: [] }), /version: invalid_value/],
      [JSON.stringify({ version: 1, windowKey: 'other', records: [] }), /belongs to another window key$/],
    ];
    for (const [content, reason] of cases) {
      fs.writeFileSync(file, content);
      const r = await readLifecycle(dir, 'w');
      assert.deepStrictEqual(r.records, [], content);
      assert.match(r.problem ?? '', reason, content);
    }
  });

  it('a failed write reports the error', async () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    const r = await writeLifecycle(path.join(dir, 'file'), 'w', [host()]);
    assert.strictEqual(r.ok, false);
  });
});

describe('classifyEnd', () => {
  it('clean when deactivate completed', () => {
    assert.strictEqual(classifyEnd(host({ cleanEnd: true, endedAtMs: T0 + MIN }), noEvidence), 'clean');
  });

  it('oom when a kernel OOM event names the pid within its lifetime', () => {
    const previous = host({ lastSeenAtMs: T0 + 30 * MIN });
    const e = explainEnd(previous, evidence({ oomEvents: [{ pid: 11067, atMs: T0 + 31 * MIN }], untilMs: T0 + 32 * MIN }));
    assert.deepStrictEqual(e, {
      end: 'oom',
      reason: 'the kernel OOM killer killed pid 11067',
      oomEvent: { pid: 11067, atMs: T0 + 31 * MIN },
    });
    // events without a time match on the pid alone
    assert.strictEqual(classifyEnd(previous, evidence({ oomEvents: [{ pid: 11067 }] })), 'oom');
  });

  it('not oom for an event of another pid, or of the same pid outside its lifetime (pid reuse)', () => {
    const previous = host({ endedAtMs: undefined });
    assert.strictEqual(classifyEnd(previous, evidence({ oomEvents: [{ pid: 4242, atMs: T0 + MIN }] })), 'unexpected_exit');
    assert.strictEqual(classifyEnd(previous, evidence({ oomEvents: [{ pid: 11067, atMs: T0 - 3600_000 }] })), 'unexpected_exit');
    assert.strictEqual(
      classifyEnd(previous, evidence({ oomEvents: [{ pid: 11067, atMs: T0 + 90 * MIN }], untilMs: T0 + 60 * MIN })),
      'unexpected_exit',
    );
  });

  it('oom from the kernel log fixture (dmesg stamps turned into epoch ms)', () => {
    const text = fs.readFileSync(path.join(path.dirname(FIXTURES), 'kernel-log', 'dmesg-memcg.txt'), 'utf8');
    const bootTimeMs = T0 - 1000_000; // the kill at 1234.56 s after boot is ~4 minutes after T0
    const events = parseKernelLog(text, { bootTimeMs });
    assert.strictEqual(classifyEnd(host(), evidence({ oomEvents: events, untilMs: T0 + 10 * MIN })), 'oom');
    assert.strictEqual(classifyEnd(host({ pid: 20202 }), evidence({ oomEvents: events, untilMs: T0 + 60 * MIN })), 'oom');
    assert.strictEqual(classifyEnd(host({ pid: 20202 }), evidence({ oomEvents: events, untilMs: T0 + 10 * MIN })), 'unexpected_exit');
  });

  it('oom when the cgroup oom_kill counter went up, unless the host ended cleanly', () => {
    const e = explainEnd(host(), evidence({ oomKillIncreased: true }));
    assert.strictEqual(e.end, 'oom');
    assert.match(e.reason, /oom_kill counter/);
    assert.strictEqual(classifyEnd(host({ cleanEnd: true }), evidence({ oomKillIncreased: true })), 'clean');
  });

  it('a kernel event naming the pid wins even over a recorded clean end', () => {
    assert.strictEqual(
      classifyEnd(host({ cleanEnd: true, endedAtMs: T0 + MIN }), evidence({ oomEvents: [{ pid: 11067, atMs: T0 + MIN }] })),
      'oom',
    );
  });

  it('heap_exhausted when the last sample with heapUsed was at ≥ 90 % of the heap limit', () => {
    const samples = [
      { t: T0 + MIN, heapUsed: 100 * MB, heapLimit: 4096 * MB },
      { t: T0 + 2 * MIN, heapUsed: 3700 * MB, heapLimit: 4096 * MB },
      { t: T0 + 3 * MIN }, // no heap values: ignored
    ];
    const e = explainEnd(host(), evidence({ lastSamples: samples }));
    assert.deepStrictEqual(e, { end: 'heap_exhausted', reason: 'the JavaScript heap was 90 % full in its last sample' });
    // the limit can come from the evidence instead of the samples
    assert.strictEqual(classifyEnd(host(), evidence({ lastSamples: [{ t: T0 + MIN, heapUsed: 95 }], heapLimit: 100 })), 'heap_exhausted');
    assert.strictEqual(classifyEnd(host(), evidence({ lastSamples: [{ t: T0 + MIN, heapUsed: 89 }], heapLimit: 100 })), 'unexpected_exit');
    // a high heap earlier that went down again is not exhaustion
    assert.strictEqual(
      classifyEnd(
        host(),
        evidence({
          lastSamples: [
            { t: T0 + MIN, heapUsed: 99 },
            { t: T0 + 2 * MIN, heapUsed: 40 },
          ],
          heapLimit: 100,
        }),
      ),
      'unexpected_exit',
    );
    // no limit known
    assert.strictEqual(classifyEnd(host(), evidence({ lastSamples: [{ t: T0 + MIN, heapUsed: 99 }] })), 'unexpected_exit');
  });

  it('ignores samples from outside the lifetime (another host’s)', () => {
    const samples = [
      { t: T0 - MIN, heapUsed: 99, heapLimit: 100 },
      { t: T0 + 20 * MIN, heapUsed: 99, heapLimit: 100 },
    ];
    assert.strictEqual(classifyEnd(host(), evidence({ lastSamples: samples, untilMs: T0 + 10 * MIN })), 'unexpected_exit');
  });

  it('restarted_by_user when a restart was requested (clean or not), unless OOM or heap evidence says otherwise', () => {
    assert.strictEqual(classifyEnd(host({ restartRequested: true }), noEvidence), 'restarted_by_user');
    assert.strictEqual(classifyEnd(host({ restartRequested: true, cleanEnd: true, endedAtMs: T0 + MIN }), noEvidence), 'restarted_by_user');
    assert.strictEqual(classifyEnd(host({ restartRequested: true }), evidence({ oomKillIncreased: true })), 'oom');
    assert.strictEqual(
      classifyEnd(host({ restartRequested: true }), evidence({ lastSamples: [{ t: T0 + MIN, heapUsed: 95, heapLimit: 100 }] })),
      'heap_exhausted',
    );
  });

  it('unexpected_exit otherwise', () => {
    const e = explainEnd(host(), noEvidence);
    assert.strictEqual(e.end, 'unexpected_exit');
    assert.ok(e.reason.length > 0);
  });
});
