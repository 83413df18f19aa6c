// Property-based tests of the memory history (src/probes/memoryHistory.ts: ring buffer, toJSON/fromJSON, save/load,
// leakSlope, timeToLimit) and of the extension-host lifecycle records (src/probes/lifecycle.ts).
import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import {
  EXT_HOST_END_KINDS,
  EndEvidence,
  LifecycleRecord,
  LifecycleRecordSchema,
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
} from '../../../src/probes/lifecycle';
import { HistoryOptions, MemoryHistory, MemorySample, leakSlope, timeToLimit } from '../../../src/probes/memoryHistory';
import { fastTempDir, nastyString, noThrow, prop } from './harness';

const MIN = 60_000;
/** Epoch ms from 2000 to 2100, or small numbers (a clock near 0). */
const epochMs = fc.oneof(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), fc.nat({ max: 10 * MIN }));
const bytes = fc.oneof(fc.nat({ max: 16 * 2 ** 30 }), fc.maxSafeNat(), fc.double({ min: 0, max: 2 ** 53, noNaN: true }));

const sample = (t: fc.Arbitrary<number> = epochMs): fc.Arbitrary<MemorySample> =>
  fc.record(
    {
      t,
      extHostRss: bytes,
      allExtHostsRss: bytes,
      serverTreeRss: bytes,
      aiRss: bytes,
      cgroupCurrent: bytes,
      cgroupLimit: bytes,
      hostAvailable: bytes,
      heapUsed: bytes,
      heapLimit: bytes,
    },
    { requiredKeys: ['t', 'extHostRss'], noNullPrototype: true },
  );
/** A sample the history must refuse: a negative or non-finite number somewhere. */
const badSample = fc
  .tuple(
    sample(),
    fc.constantFrom<keyof MemorySample>('t', 'extHostRss', 'heapUsed', 'cgroupLimit'),
    fc.constantFrom(-1, -Number.MIN_VALUE, NaN, Infinity, -Infinity),
  )
  .map(([s, k, v]) => ({ ...s, [k]: v }) as MemorySample);
const options: fc.Arbitrary<HistoryOptions> = fc.record(
  {
    historyMinutes: fc.oneof(fc.integer({ min: 0, max: 24 * 60 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
    maxSamples: fc.integer({ min: 1, max: 40 }),
  },
  { requiredKeys: ['historyMinutes'], noNullPrototype: true },
);

type Op = { kind: 'add'; s: MemorySample } | { kind: 'bad'; s: MemorySample } | { kind: 'prune'; now: number } | { kind: 'clear' };
/** Samples close together in time (so windows and out-of-order inserts both happen). */
const closeT = fc.integer({ min: 1_800_000_000_000, max: 1_800_000_000_000 + 60 * MIN });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: sample(closeT).map((s) => ({ kind: 'add' as const, s })) },
  { weight: 2, arbitrary: badSample.map((s) => ({ kind: 'bad' as const, s })) },
  { weight: 1, arbitrary: closeT.map((now) => ({ kind: 'prune' as const, now })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

/** The reference model of the ring buffer: a sorted list, capped, pruned to the window of the newest sample. */
class Model {
  list: MemorySample[] = [];
  constructor(private readonly o: HistoryOptions) {}
  private get cap(): number {
    return Math.max(1, Math.min(100_000, Math.floor(this.o.maxSamples ?? 10_000)));
  }
  private prune(now = this.list[this.list.length - 1]?.t): void {
    if (now === undefined) return;
    const windowMs = Math.max(0, this.o.historyMinutes) * MIN;
    while (this.list.length > 0 && this.list[0].t < now - windowMs) this.list.shift(); // sorted: the oldest go
  }
  apply(o: Op): void {
    if (o.kind === 'add') {
      let i = this.list.length;
      while (i > 0 && this.list[i - 1].t > o.s.t) i--; // after the samples with the same t
      this.list.splice(i, 0, { ...o.s });
      this.list = this.list.slice(-this.cap);
      this.prune();
    } else if (o.kind === 'prune') this.prune(o.now);
    else if (o.kind === 'clear') this.list = [];
  }
}

function assertHistoryInvariants(h: MemoryHistory, o: HistoryOptions): void {
  const s = h.samples();
  assert.strictEqual(h.size, s.length);
  assert.ok(s.length <= h.maxSamples, `${s.length} > ${h.maxSamples}`);
  for (let i = 1; i < s.length; i++) assert.ok(s[i - 1].t <= s[i].t, 'samples out of order');
  assert.deepStrictEqual(h.latest(), s[s.length - 1]);
  const newest = s[s.length - 1]?.t;
  if (newest !== undefined)
    for (const x of s) assert.ok(x.t >= newest - Math.max(0, o.historyMinutes) * MIN, 'a sample outside the window');
}

describe('properties: MemoryHistory', () => {
  prop('any sequence of add / invalid add / prune / clear matches a sorted, capped, windowed reference list', 1000, () =>
    fc.property(options, fc.array(op, { maxLength: 80 }), (o, ops) => {
      const h = new MemoryHistory(o);
      const model = new Model(o);
      for (const x of ops) {
        if (x.kind === 'add') assert.strictEqual(h.add(x.s), true);
        else if (x.kind === 'bad') assert.strictEqual(h.add(x.s), false, `accepted ${JSON.stringify(x.s)}`);
        else if (x.kind === 'prune') h.prune(x.now);
        else h.clear();
        model.apply(x);
        assert.deepStrictEqual(h.samples(), model.list);
      }
      assertHistoryInvariants(h, o);
    }),
  );

  prop('toJSON → JSON text → fromJSON gives the same samples back, without a problem', 1000, () =>
    fc.property(options, fc.array(sample(closeT), { maxLength: 60 }), (o, samples) => {
      const h = new MemoryHistory(o);
      for (const s of samples) h.add(s);
      const loaded = MemoryHistory.fromJSON(JSON.parse(JSON.stringify(h.toJSON())), o);
      assert.strictEqual(loaded.problem, undefined);
      assert.deepStrictEqual(loaded.history.samples(), h.samples());
      assert.deepStrictEqual(loaded.history.toJSON(), h.toJSON());
    }),
  );

  prop('fromJSON sorts, caps and prunes against nowMs whatever order and count the file has', 1000, () =>
    fc.property(options, fc.array(sample(closeT), { maxLength: 60 }), fc.option(closeT, { nil: undefined }), (o, samples, now) => {
      const { history, problem } = MemoryHistory.fromJSON({ version: 1, samples }, o, now);
      assert.strictEqual(problem, undefined);
      const cap = Math.max(1, Math.floor(o.maxSamples ?? 10_000));
      const sorted = [...samples].sort((a, b) => a.t - b.t).slice(-cap);
      const newest = now ?? sorted[sorted.length - 1]?.t;
      const windowMs = o.historyMinutes * MIN;
      let start = 0;
      while (newest !== undefined && start < sorted.length && sorted[start].t < newest - windowMs) start++;
      assert.deepStrictEqual(history.samples(), sorted.slice(start));
    }),
  );

  prop('fromJSON of any value (wrong types, NaN, negative, arrays, strings) never throws: a history or a problem', 2000, () =>
    fc.property(
      fc.oneof(
        fc.anything(),
        fc.jsonValue(),
        fc.array(fc.oneof(sample(), badSample, fc.anything()), { maxLength: 5 }).map((samples) => ({ version: 1, samples })),
        fc.record({ version: fc.oneof(fc.constant(1), fc.anything()), samples: fc.anything() }),
      ),
      options,
      (data, o) => {
        const r = noThrow(() => MemoryHistory.fromJSON(data, o), 'fromJSON');
        assert.ok(r.history instanceof MemoryHistory);
        if (r.problem !== undefined) {
          assert.ok(typeof r.problem === 'string' && r.problem.startsWith('invalid history'));
          assert.strictEqual(r.history.size, 0);
        }
        assertHistoryInvariants(r.history, o);
        for (const s of r.history.samples()) for (const v of Object.values(s)) assert.ok(Number.isFinite(v) && (v as number) >= 0);
      },
    ),
  );

  describe('saveAtomically / load on disk', () => {
    let tmp: string;
    let n = 0;
    before(() => {
      tmp = fastTempDir('csops-prop-history-');
    });
    after(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    prop('a saved history loads back the same; no temp file is left', 150, () =>
      fc.asyncProperty(options, fc.array(sample(closeT), { maxLength: 30 }), async (o, samples) => {
        const h = new MemoryHistory(o);
        for (const s of samples) h.add(s);
        const dir = path.join(tmp, `h${++n}`);
        const file = path.join(dir, 'history.json');
        assert.deepStrictEqual(await h.saveAtomically(file), { ok: true });
        assert.deepStrictEqual(fs.readdirSync(dir), ['history.json']);
        const loaded = await MemoryHistory.load(file, o);
        assert.strictEqual(loaded.problem, undefined);
        assert.deepStrictEqual(loaded.history.samples(), h.samples());
      }),
    );

    prop('a history file with any content (cut off, binary, wrong JSON) loads as a history or a problem, never throws', 150, () =>
      fc.asyncProperty(
        fc.oneof(
          fc.array(sample(), { minLength: 1, maxLength: 5 }).chain((samples) => {
            const json = JSON.stringify({ version: 1, samples });
            return fc.integer({ min: 0, max: json.length - 1 }).map((cut) => json.slice(0, cut));
          }),
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (content) => {
          const file = path.join(tmp, `junk${++n}.json`);
          fs.writeFileSync(file, content);
          const loaded = await MemoryHistory.load(file, { historyMinutes: 60 });
          assert.ok(loaded.history instanceof MemoryHistory);
          if (loaded.problem === undefined) assert.ok(loaded.history.size >= 0);
          else assert.ok(loaded.problem.startsWith(file));
        },
      ),
    );
  });
});

describe('properties: leakSlope and timeToLimit', () => {
  prop('leakSlope of realistic samples (byte counts up to 2^53) is a finite number or undefined, never NaN', 2000, () =>
    fc.property(
      fc.array(sample(), { maxLength: 40 }),
      fc.integer({ min: 0, max: 24 * 60 * MIN }),
      fc.constantFrom<'extHostRss' | 'heapUsed' | 'cgroupCurrent'>('extHostRss', 'heapUsed', 'cgroupCurrent'),
      (samples, windowMs, field) => {
        const slope = leakSlope(samples, windowMs, field);
        assert.ok(slope === undefined || Number.isFinite(slope), String(slope));
      },
    ),
  );

  prop('leakSlope of samples growing exactly linearly is that rate (MiB/min)', 1000, () =>
    fc.property(
      fc.integer({ min: 3, max: 30 }),
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: -100, max: 100 }),
      epochMs,
      (count, stepS, mibPerMin, t0) => {
        const samples = Array.from({ length: count }, (_, i) => ({
          t: t0 + i * stepS * 1000,
          extHostRss: 2 ** 40 + (i * stepS * 1000 * mibPerMin * 1024 * 1024) / MIN,
        }));
        const slope = leakSlope(samples, 24 * 60 * MIN);
        if ((count - 1) * stepS < 60) return assert.strictEqual(slope, undefined); // under a minute of data
        assert.ok(slope !== undefined && Math.abs(slope - mibPerMin) < 1e-6, `${slope} vs ${mibPerMin}`);
      },
    ),
  );

  // src/probes/memoryHistory.ts leakSlope (lines 213–235): the means and sums are plain double sums, so samples the schema
  // accepts (any finite non-negative number) but with values ≳ 1e295 overflow to Infinity and give NaN (Infinity -
  // Infinity) or ±Infinity. Minimal counterexample (fast-check): three samples 60 s apart with extHostRss 1e308
  // → NaN. A persisted history file is the only way such values get in (real RSS is < 2^53). Expected: undefined (or a
  // finite slope), as timeToLimit already guards against non-finite input.
  prop(
    'leakSlope of any samples the schema accepts is finite or undefined',
    2000,
    () =>
      fc.property(
        fc.array(
          sample().map((s) => s),
          { maxLength: 10 },
        ),
        fc.array(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), { maxLength: 10 }),
        (samples, values) => {
          const withValues = samples.map((s, i) => ({ ...s, extHostRss: values[i] ?? s.extHostRss }));
          const slope = leakSlope(withValues, 24 * 60 * MIN);
          assert.ok(slope === undefined || Number.isFinite(slope), String(slope));
        },
      ),
    {
      examples: [
        [
          [
            { t: 0, extHostRss: 1 },
            { t: MIN, extHostRss: 1 },
            { t: 2 * MIN, extHostRss: 1 },
          ],
          [1e308, 1e308, 1e308],
        ],
      ],
    },
  );

  prop('timeToLimit is undefined, 0, or positive minutes, never NaN, for any numbers', 3000, () =>
    fc.property(
      fc.double(),
      fc.option(fc.double(), { nil: undefined }),
      fc.option(fc.double(), { nil: undefined }),
      (current, limit, slope) => {
        const m = timeToLimit(current, limit, slope);
        if (m === undefined) return;
        assert.ok(!Number.isNaN(m) && m >= 0, String(m));
        if (current >= (limit as number)) assert.strictEqual(m, 0);
      },
    ),
  );
});

// ---- lifecycle records ----

const record: fc.Arbitrary<LifecycleRecord> = fc.record(
  {
    pid: fc.integer({ min: 1, max: 4_194_304 }),
    starttime: fc.nat({ max: 10_000_000 }),
    startedAtMs: epochMs,
    endedAtMs: epochMs,
    cleanEnd: fc.boolean(),
    restartRequested: fc.boolean(),
    lastSeenAtMs: epochMs,
    end: fc.constantFrom(...EXT_HOST_END_KINDS),
  },
  { requiredKeys: ['pid', 'starttime', 'startedAtMs', 'cleanEnd'], noNullPrototype: true },
);
const windowKey = fc.oneof(
  fc.constantFrom(
    'empty-window',
    'file:///home/coder/ws',
    'vscode-remote://ssh-remote+box/home/a b',
    '..',
    '.',
    '',
    'a/../../etc',
    '-',
    'x'.repeat(100),
    'x'.repeat(101),
  ),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/),
  nastyString(200),
);

describe('properties: lifecycle records', () => {
  prop('lifecycleFileName is a safe, bounded file name, different for different window keys', 3000, () =>
    fc.property(windowKey, windowKey, (a, b) => {
      const fa = lifecycleFileName(a);
      assert.match(fa, /^lifecycle-[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\.json$/);
      assert.ok(!fa.includes('/') && fa.length <= 255);
      if (a !== b) assert.notStrictEqual(fa, lifecycleFileName(b), `${JSON.stringify(a)} and ${JSON.stringify(b)} share a file`);
    }),
  );

  prop('recordStart / markCleanEnd / markRestartRequested / markSeen keep records valid, bounded and unique per host', 2000, () =>
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant('start' as const),
            pid: fc.integer({ min: 1, max: 5 }),
            starttime: fc.nat({ max: 3 }),
            at: epochMs,
          }),
          fc.record({
            kind: fc.constantFrom('clean' as const, 'restart' as const, 'seen' as const),
            pid: fc.integer({ min: 1, max: 5 }),
            starttime: fc.nat({ max: 3 }),
            at: epochMs,
          }),
        ),
        { maxLength: 120 },
      ),
      (ops) => {
        let records: LifecycleRecord[] = [];
        for (const o of ops) {
          const host = { pid: o.pid, starttime: o.starttime };
          const before = records;
          if (o.kind === 'start') records = recordStart(records, { ...host, startedAtMs: o.at });
          else if (o.kind === 'clean') records = markCleanEnd(records, host, o.at);
          else if (o.kind === 'restart') records = markRestartRequested(records, host);
          else records = markSeen(records, host, o.at);
          assert.ok(records.length <= MAX_LIFECYCLE_RECORDS);
          if (o.kind !== 'start') assert.strictEqual(records.length, before.length);
          const keys = records.map((r) => `${r.pid}-${r.starttime}`);
          assert.strictEqual(new Set(keys).size, keys.length, 'two records of one host');
          for (const r of records) assert.ok(LifecycleRecordSchema().safeParse(r).success, JSON.stringify(r));
          // only the host's own record changed
          for (const r of records) if (r.pid !== o.pid || r.starttime !== o.starttime) assert.ok(before.includes(r));
          assert.ok(unclassified(records, host).every((r) => r.end === undefined && (r.pid !== o.pid || r.starttime !== o.starttime)));
        }
      },
    ),
  );

  const evidence: fc.Arbitrary<EndEvidence> = fc.record(
    {
      oomEvents: fc.array(
        fc.record({ pid: fc.integer({ min: 1, max: 6 }), atMs: fc.option(epochMs, { nil: undefined }) }, { requiredKeys: ['pid'] }),
        { maxLength: 4 },
      ),
      oomKillIncreased: fc.boolean(),
      lastSamples: fc.array(fc.record({ t: epochMs, heapUsed: bytes, heapLimit: bytes }, { requiredKeys: ['t'] }), { maxLength: 6 }),
      heapLimit: bytes,
      untilMs: epochMs,
    },
    { requiredKeys: ['oomEvents', 'oomKillIncreased', 'lastSamples'] },
  );

  prop('explainEnd always gives one of the end kinds with a reason, consistent with the evidence', 3000, () =>
    fc.property(
      record.map((r) => ({ ...r, pid: (r.pid % 6) + 1 })),
      evidence,
      (prev, ev) => {
        const x = noThrow(() => explainEnd(prev, ev), 'explainEnd');
        assert.ok(EXT_HOST_END_KINDS.includes(x.end));
        assert.ok(typeof x.reason === 'string' && x.reason.length > 0);
        assert.strictEqual(classifyEnd(prev, ev), x.end);
        const timelessEvent = ev.oomEvents.some((e) => e.pid === prev.pid && e.atMs === undefined);
        const anyEvent = ev.oomEvents.some((e) => e.pid === prev.pid);
        if (timelessEvent) assert.strictEqual(x.end, 'oom');
        if (x.oomEvent) assert.strictEqual(x.oomEvent.pid, prev.pid);
        if (!anyEvent && prev.cleanEnd) assert.strictEqual(x.end, prev.restartRequested ? 'restarted_by_user' : 'clean');
        if (x.end === 'unexpected_exit') assert.ok(!prev.cleanEnd && !ev.oomKillIncreased && !prev.restartRequested);
        if (x.end === 'clean') assert.ok(prev.cleanEnd);
      },
    ),
  );

  describe('writeLifecycle / readLifecycle on disk', () => {
    let tmp: string;
    let n = 0;
    before(() => {
      tmp = fastTempDir('csops-prop-lifecycle-');
    });
    after(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    prop('written records read back (the newest 50), for any window key up to 4096 characters', 150, () =>
      fc.asyncProperty(windowKey, fc.array(record, { maxLength: 60 }), async (key, records) => {
        const dir = path.join(tmp, `l${++n}`);
        assert.deepStrictEqual(await writeLifecycle(dir, key, records), { ok: true });
        assert.deepStrictEqual(await readLifecycle(dir, key), { records: records.slice(-MAX_LIFECYCLE_RECORDS) });
        assert.deepStrictEqual(fs.readdirSync(dir), [lifecycleFileName(key)]);
      }),
    );

    prop('a lifecycle file with any content is records or a problem, never a throw', 150, () =>
      fc.asyncProperty(
        fc.oneof(
          fc.array(record, { minLength: 1, maxLength: 3 }).chain((records) => {
            const json = JSON.stringify({ version: 1, windowKey: 'k', records });
            return fc.integer({ min: 0, max: json.length }).map((cut) => json.slice(0, cut));
          }),
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .record({ version: fc.anything(), windowKey: fc.oneof(fc.constant('k'), fc.anything()), records: fc.anything() })
            .map((v) => JSON.stringify(v) ?? ''),
        ),
        async (content) => {
          const dir = path.join(tmp, `j${++n}`);
          fs.mkdirSync(dir);
          fs.writeFileSync(path.join(dir, lifecycleFileName('k')), content);
          const r = await readLifecycle(dir, 'k');
          assert.ok(Array.isArray(r.records));
          if (r.problem !== undefined) assert.deepStrictEqual(r.records, []);
          for (const rec of r.records) assert.ok(LifecycleRecordSchema().safeParse(rec).success);
        },
      ),
    );

    // src/probes/lifecycle.ts: writeLifecycle (line 83) writes any window key, but LifecycleFileRecord (line 36)
    // refuses a windowKey over 4096 characters, so readLifecycle reports "windowKey: too_big" and returns no records.
    // The window key is the workspace URI (src/extension.ts), which exceeds 4096 characters for a deep path of
    // percent-encoded non-ASCII names (each UTF-8 byte becomes "%XX"). Such a window never gets its lifecycle history
    // back, so ends are never classified. Minimal counterexample (fast-check): windowKey "x".repeat(4097), records [].
    // Expected: what writeLifecycle writes, readLifecycle reads (e.g. store a hash of long keys, or no bound on write+read).
    prop(
      'written records read back for window keys over 4096 characters',
      50,
      () =>
        fc.asyncProperty(
          fc.nat({ max: 2000 }).map((n) => 'x'.repeat(4097 + n)),
          fc.array(record, { maxLength: 3 }),
          async (key, records) => {
            const dir = path.join(tmp, `long${++n}`);
            assert.deepStrictEqual(await writeLifecycle(dir, key, records), { ok: true });
            assert.deepStrictEqual(await readLifecycle(dir, key), { records });
          },
        ),
      { examples: [['x'.repeat(4097), []]] },
    );
  });
});
