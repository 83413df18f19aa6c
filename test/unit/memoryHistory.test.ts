import * as assert from 'assert';
import * as fs from 'fs';
import fc from 'fast-check';
import * as os from 'os';
import * as path from 'path';
import {
  MemoryHistory,
  MemorySample,
  MemorySampleRecord,
  PLAIN_SAMPLE_KEYS,
  leakSlope,
  plainSample,
  timeToLimit,
} from '../../src/probes/memoryHistory';

const MB = 1024 * 1024;
const T0 = Date.UTC(2025, 10, 22, 17, 0, 0);
const MIN = 60_000;

/** A sample at T0 + minutes with extHostRss in MiB. */
const at = (minutes: number, rssMb: number, extra: Partial<MemorySample> = {}): MemorySample => ({
  t: T0 + minutes * MIN,
  extHostRss: rssMb * MB,
  ...extra,
});

describe('MemoryHistory', () => {
  it('keeps samples oldest first and drops those older than historyMinutes before the newest', () => {
    const h = new MemoryHistory({ historyMinutes: 10 });
    for (let m = 0; m <= 15; m++) assert.strictEqual(h.add(at(m, 100 + m)), true);
    assert.deepStrictEqual(
      h.samples().map((s) => (s.t - T0) / MIN),
      [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    );
    assert.strictEqual(h.size, 11);
    assert.deepStrictEqual(h.latest(), at(15, 115));
  });

  it('caps the count, dropping the oldest, and wraps around the ring', () => {
    const h = new MemoryHistory({ historyMinutes: 1000, maxSamples: 4 });
    for (let m = 0; m < 11; m++) h.add(at(m, m));
    assert.deepStrictEqual(
      h.samples().map((s) => s.extHostRss / MB),
      [7, 8, 9, 10],
    );
    assert.strictEqual(h.maxSamples, 4);
  });

  it('inserts a sample older than the newest in order (clock stepped back)', () => {
    const h = new MemoryHistory({ historyMinutes: 60, maxSamples: 3 });
    h.add(at(1, 1));
    h.add(at(3, 3));
    h.add(at(2, 2));
    assert.deepStrictEqual(
      h.samples().map((s) => s.extHostRss / MB),
      [1, 2, 3],
    );
    h.add(at(0, 0)); // over the cap: the oldest (this one) goes
    assert.deepStrictEqual(
      h.samples().map((s) => s.extHostRss / MB),
      [1, 2, 3],
    );
    h.add(at(4, 4));
    assert.deepStrictEqual(
      h.samples().map((s) => s.extHostRss / MB),
      [2, 3, 4],
    );
  });

  it('rejects invalid samples and copies what it stores', () => {
    const h = new MemoryHistory({ historyMinutes: 60 });
    assert.strictEqual(h.add({ t: Number.NaN, extHostRss: 1 }), false);
    assert.strictEqual(h.add({ t: T0, extHostRss: -1 }), false);
    assert.strictEqual(h.add({ t: T0, extHostRss: 1, heapUsed: Infinity }), false);
    const s = at(0, 1, { heapUsed: 5 });
    h.add(s);
    s.heapUsed = 6;
    assert.strictEqual(h.latest()?.heapUsed, 5);
    assert.strictEqual(h.size, 1);
  });

  it('prune(now) drops samples older than the window before now; clear() empties', () => {
    const h = new MemoryHistory({ historyMinutes: 5 });
    for (let m = 0; m < 5; m++) h.add(at(m, m));
    h.prune(T0 + 7 * MIN);
    assert.deepStrictEqual(
      h.samples().map((s) => s.extHostRss / MB),
      [2, 3, 4],
    );
    h.clear();
    assert.deepStrictEqual([h.size, h.latest()], [0, undefined]);
  });

  it('toJSON / fromJSON round-trip', () => {
    const h = new MemoryHistory({ historyMinutes: 60 });
    h.add(
      at(0, 100, {
        allExtHostsRss: 300 * MB,
        serverTreeRss: 900 * MB,
        aiRss: 50 * MB,
        cgroupCurrent: 1,
        cgroupLimit: 2,
        hostAvailable: 3,
        heapUsed: 4,
        heapLimit: 5,
      }),
    );
    h.add(at(1, 101));
    const json = JSON.parse(JSON.stringify(h.toJSON()));
    assert.deepStrictEqual(json.version, 1);
    const back = MemoryHistory.fromJSON(json, { historyMinutes: 60 });
    assert.strictEqual(back.problem, undefined);
    assert.deepStrictEqual(back.history.samples(), h.samples());
  });

  it('fromJSON sorts, prunes against now and caps', () => {
    const data = { version: 1, samples: [at(3, 3), at(1, 1), at(2, 2), at(0, 0)] };
    assert.deepStrictEqual(
      MemoryHistory.fromJSON(data, { historyMinutes: 60, maxSamples: 3 })
        .history.samples()
        .map((s) => s.extHostRss / MB),
      [1, 2, 3],
    );
    assert.deepStrictEqual(
      MemoryHistory.fromJSON(data, { historyMinutes: 2 }, T0 + 4 * MIN)
        .history.samples()
        .map((s) => s.extHostRss / MB),
      [2, 3],
    );
    assert.strictEqual(MemoryHistory.fromJSON(data, { historyMinutes: 2 }, T0 + 60 * MIN).history.size, 0);
  });

  it('fromJSON: invalid data gives an empty history and the reason, never a throw', () => {
    for (const data of [
      undefined,
      null,
      42,
      'x',
      [],
      {},
      { version: 2, samples: [] },
      { version: 1, samples: {} },
      { version: 1, samples: [{ t: 'now', extHostRss: 1 }] },
      { version: 1, samples: [{ t: 1, extHostRss: -5 }] },
      { version: 1, samples: [{ t: 1 }] },
    ]) {
      const r = MemoryHistory.fromJSON(data, { historyMinutes: 60 });
      assert.strictEqual(r.history.size, 0, JSON.stringify(data));
      assert.match(r.problem ?? '', /^invalid history: /, JSON.stringify(data));
    }
    const r = MemoryHistory.fromJSON({ version: 1, samples: [{ t: 1, extHostRss: 'big' }] }, { historyMinutes: 60 });
    assert.match(r.problem ?? '', /samples\.0\.extHostRss/);
  });
});

describe('plainSample (the add() path without zod)', () => {
  it('property: whatever it accepts, zod accepts with the same copy; whatever zod accepts as plain numbers, it accepts', () => {
    const value = fc.oneof(
      fc.double(),
      fc.integer({ min: -5, max: 1e12 }),
      fc.constantFrom(undefined, null, '5', NaN, Infinity, -0, [], {}, 1e300),
    );
    const keys = [...PLAIN_SAMPLE_KEYS, 'extra']; // the schema's keys (checked below) and one it does not know
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value), (o) => {
        const fast = plainSample(o);
        const zod = MemorySampleRecord().safeParse(o);
        // zod keeps a key given as undefined; plainSample leaves it out (the same once saved as JSON)
        const defined = (x: object) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));
        if (fast !== undefined) assert.deepStrictEqual(fast, zod.success ? defined(zod.data) : 'zod refused');
        else if (zod.success)
          assert.ok(
            Object.values(o).some((v) => v !== undefined && typeof v !== 'number'),
            JSON.stringify(o),
          );
      }),
      { numRuns: 2000 },
    );
  });
});

describe('MemoryHistory.saveAtomically / load', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-history-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('saves (creating folders) and loads the same samples, leaving no temp file', async () => {
    const file = path.join(dir, 'sub', 'history.json');
    const h = new MemoryHistory({ historyMinutes: 60 });
    for (let m = 0; m < 5; m++) h.add(at(m, 100 + m, { heapUsed: m * MB }));
    assert.deepStrictEqual(await h.saveAtomically(file), { ok: true });
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['history.json']);
    const loaded = await MemoryHistory.load(file, { historyMinutes: 60 });
    assert.strictEqual(loaded.problem, undefined);
    assert.deepStrictEqual(loaded.history.samples(), h.samples());
    // saving again replaces the file
    h.add(at(5, 200));
    await h.saveAtomically(file);
    assert.strictEqual((await MemoryHistory.load(file, { historyMinutes: 60 })).history.size, 6);
  });

  it('a missing file is an empty history without a problem', async () => {
    const r = await MemoryHistory.load(path.join(dir, 'none.json'), { historyMinutes: 60 });
    assert.deepStrictEqual([r.history.size, r.problem], [0, undefined]);
  });

  it('corrupt or invalid files are an empty history with the reason', async () => {
    const file = path.join(dir, 'h.json');
    fs.writeFileSync(file, '{"version":1,"samples":[');
    assert.deepStrictEqual(await MemoryHistory.load(file, { historyMinutes: 60 }).then((r) => [r.history.size, r.problem]), [
      0,
      `${file}: invalid JSON`,
    ]);
    fs.writeFileSync(file, '{"version":1,"samples":[{"t":1}]}');
    const r = await MemoryHistory.load(file, { historyMinutes: 60 });
    assert.strictEqual(r.history.size, 0);
    assert.match(r.problem ?? '', /h\.json: invalid history: samples\.0\.extHostRss/);
    const asDir = await MemoryHistory.load(dir, { historyMinutes: 60 });
    assert.deepStrictEqual([asDir.history.size, asDir.problem], [0, `${dir}: EISDIR`]);
  });

  it('a failed save reports the error and leaves no temp file', async () => {
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, '');
    const r = await new MemoryHistory({ historyMinutes: 1 }).saveAtomically(path.join(blocker, 'history.json'));
    assert.strictEqual(r.ok, false);
    const target = path.join(dir, 'target');
    fs.mkdirSync(target); // rename over a directory fails
    const r2 = await new MemoryHistory({ historyMinutes: 1 }).saveAtomically(target);
    assert.strictEqual(r2.ok, false);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['file', 'target']);
  });
});

describe('leakSlope', () => {
  it('property: over recent(window) it is the slope over every sample (the status bar reads only the last 10 minutes)', () => {
    const sample = fc.record({ minutes: fc.double({ min: 0, max: 120, noNaN: true }), rssMb: fc.integer({ min: 1, max: 4096 }) });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 300 }), fc.integer({ min: 1, max: 90 }), (added, windowMinutes) => {
        const h = new MemoryHistory({ historyMinutes: 60, maxSamples: 240 });
        for (const a of added) h.add(at(a.minutes, a.rssMb)); // out of order too: the clock went back
        const w = windowMinutes * MIN;
        assert.deepStrictEqual(
          h.recent(w),
          h.samples().filter((s) => s.t >= (h.latest()?.t ?? 0) - w),
        );
        assert.strictEqual(leakSlope(h.recent(w), w), leakSlope(h.samples(), w));
      }),
    );
  });

  it('is the least-squares slope in MiB/min', () => {
    const samples = [0, 1, 2, 3, 4, 5].map((m) => at(m, 100 + 2 * m));
    assert.ok(Math.abs((leakSlope(samples) ?? NaN) - 2) < 1e-9);
    const noisy = [at(0, 100), at(1, 103), at(2, 103), at(3, 107)]; // slope of (0,0),(1,3),(2,3),(3,7) = 2.1
    assert.ok(Math.abs((leakSlope(noisy) ?? NaN) - 2.1) < 1e-9);
    assert.ok(Math.abs((leakSlope([at(0, 100), at(1, 99), at(2, 98)]) ?? NaN) + 1) < 1e-9);
    assert.strictEqual(leakSlope([at(0, 100), at(1, 100), at(2, 100)]), 0);
  });

  it('uses only the window before the newest sample', () => {
    const samples = [...[0, 1, 2, 3].map((m) => at(m, 500 - 50 * m)), ...[20, 21, 22, 23, 24, 25].map((m) => at(m, 100 + m))];
    assert.ok(Math.abs((leakSlope(samples, 10 * MIN) ?? NaN) - 1) < 1e-9);
    assert.ok((leakSlope(samples, 60 * MIN) ?? 0) < 0);
  });

  it('is undefined with fewer than 3 points or a span under 60 s', () => {
    assert.strictEqual(leakSlope([]), undefined);
    assert.strictEqual(leakSlope([at(0, 1), at(5, 10)]), undefined);
    assert.strictEqual(leakSlope([at(0, 1), at(0.4, 2), at(0.99, 3)]), undefined);
    assert.notStrictEqual(leakSlope([at(0, 1), at(0.5, 2), at(1, 3)]), undefined);
    assert.strictEqual(leakSlope([at(0, 1), at(20, 2), at(21, 3)], 10 * MIN), undefined); // only 2 in the window
  });

  it('can follow another field, skipping samples without it', () => {
    const samples = [
      at(0, 1, { cgroupCurrent: 10 * MB }),
      at(1, 1),
      at(2, 1, { cgroupCurrent: 16 * MB }),
      at(3, 1, { cgroupCurrent: 19 * MB }),
    ];
    assert.ok(Math.abs((leakSlope(samples, 10 * MIN, 'cgroupCurrent') ?? NaN) - 3) < 1e-9);
    assert.strictEqual(leakSlope(samples, 10 * MIN, 'aiRss'), undefined);
  });
});

describe('timeToLimit', () => {
  it('is the minutes until the limit at the slope', () => {
    assert.strictEqual(timeToLimit(1000 * MB, 2000 * MB, 10), 100);
    assert.strictEqual(timeToLimit(1536 * MB, 2048 * MB, 0.5), 1024);
  });

  it('is 0 at or over the limit', () => {
    assert.strictEqual(timeToLimit(2000 * MB, 2000 * MB, 1), 0);
    assert.strictEqual(timeToLimit(3000 * MB, 2000 * MB, 1), 0);
  });

  it('is undefined without a rising slope or without a limit', () => {
    for (const [cur, limit, slope] of [
      [1, 2 * MB, 0],
      [1, 2 * MB, -3],
      [1, 2 * MB, undefined],
      [1, undefined, 5],
      [1, 0, 5],
      [1, Infinity, 5],
      [1, 2 * MB, NaN],
      [NaN, 2 * MB, 1],
    ] as [number, number | undefined, number | undefined][]) {
      assert.strictEqual(timeToLimit(cur, limit, slope), undefined, `${cur} ${limit} ${slope}`);
    }
  });

  it('plainSample copies exactly the schema’s keys', () => {
    assert.deepStrictEqual([...PLAIN_SAMPLE_KEYS].sort(), Object.keys(MemorySampleRecord().shape).sort());
  });
});
