// The incremental scan (ScanCache): a refresh reads only `stat` of a known (pid, start time) and reuses its uid and
// argv; exec (comm changed), pid reuse (new start time), zombies and a slow rotation make it read them again; pids that
// are gone are forgotten; re-validation (readProcess, ScanService.request) never uses the cache.
import * as assert from 'assert';
import * as fc from 'fast-check';
import { ScanService } from '../../src/core/scan';
import { ProcFs, keptFileBound, openFileLimit } from '../../src/probes/procFs';
import { parseStat, parseStatReference } from '../../src/probes/procParsers';
import { ScanCache, ScanOptions, Snapshot, readProcess, scanProcesses } from '../../src/probes/scanner';
import { fsError } from './procFixtures';
import { prop } from './properties/harness';

interface FakeProc {
  comm: string;
  state: string;
  ppid: number;
  starttime: number;
  cpu: number;
  rssPages: number;
  uid: number;
  argv: string[];
}

const ROOT = '/fakeproc';

/** An in-memory /proc: pid → process, every call recorded as `method:path`. */
class MemProcFs implements ProcFs {
  readonly procs = new Map<number, FakeProc>();
  calls: string[] = [];
  /** path → error code thrown on read */
  readonly faults = new Map<string, string>();

  readdir(p: string): string[] {
    this.calls.push(`readdir:${p}`);
    return [...this.procs.keys()].map(String).concat(['self', 'stat']);
  }

  readText(p: string): string {
    this.calls.push(`readText:${p}`);
    this.fault(p);
    if (p === `${ROOT}/stat`) return 'cpu 1 2 3\nbtime 1795400000\n';
    const m = /^\/fakeproc\/(\d+)\/(stat|cmdline)$/.exec(p);
    const proc = m && this.procs.get(Number(m[1]));
    if (!m || !proc) throw fsError('ENOENT', p);
    if (m[2] === 'cmdline') return proc.argv.map((a) => a + '\0').join('');
    const f = [proc.state, proc.ppid, proc.ppid, proc.ppid, 0, -1, 0, 0, 0, 0, 0, proc.cpu, 0, 0, 0, 20, 0, 1, 0, proc.starttime];
    return `${m[1]} (${proc.comm}) ${f.join(' ')} 1000 ${proc.rssPages} 0 0\n`;
  }

  uidOf(p: string): number {
    this.calls.push(`uidOf:${p}`);
    this.fault(`uidOf:${p}`);
    const proc = this.procs.get(Number(p.slice(ROOT.length + 1)));
    if (!proc) throw fsError('ENOENT', p);
    return proc.uid;
  }

  readlink(p: string): string {
    throw fsError('ENOENT', p);
  }

  private fault(p: string): void {
    const code = this.faults.get(p);
    if (code) throw fsError(code, p);
  }
}

/**
 * MemProcFs that can keep stat files open, as the kernel does it: a kept file belongs to one process (pid + start
 * time) and fails with ESRCH once that process is gone, even when its pid is reused; reading a closed one throws EBADF.
 */
class KeepingProcFs extends MemProcFs {
  private nextFd = 100;
  /** fd → the process it was opened on */
  readonly open = new Map<number, { pid: number; starttime: number }>();
  opens = 0;

  keepOpen(p: string): number {
    this.calls.push(`keepOpen:${p}`);
    const m = /^\/fakeproc\/(\d+)\/stat$/.exec(p);
    const proc = m && this.procs.get(Number(m[1]));
    if (!m || !proc) throw fsError('ENOENT', p);
    const fd = this.nextFd++;
    this.open.set(fd, { pid: Number(m[1]), starttime: proc.starttime });
    this.opens++;
    return fd;
  }

  readKept(fd: number): string {
    this.calls.push(`readKept:${fd}`);
    const f = this.open.get(fd);
    if (!f) throw fsError('EBADF', String(fd));
    if (this.procs.get(f.pid)?.starttime !== f.starttime) throw fsError('ESRCH', String(fd));
    return this.readText(`${ROOT}/${f.pid}/stat`);
  }

  closeKept(fd: number): void {
    this.calls.push(`closeKept:${fd}`);
    if (!this.open.delete(fd)) throw fsError('EBADF', String(fd));
  }
}

const proc = (comm: string, starttime: number, argv: string[], fields: Partial<FakeProc> = {}): FakeProc => ({
  comm,
  state: 'S',
  ppid: 1,
  starttime,
  cpu: 0,
  rssPages: 100,
  uid: 1000,
  argv,
  ...fields,
});

function fleet<T extends MemProcFs = MemProcFs>(fs: T = new MemProcFs() as T): T {
  fs.procs.set(1, proc('init', 10, ['/sbin/init']));
  fs.procs.set(20, proc('node', 200, ['node', 'server.js', '--port', '8080']));
  fs.procs.set(21, proc('bash', 210, ['bash', '-l']));
  fs.procs.set(22, proc('sleep', 220, ['sleep', '1000'], { uid: 0 }));
  fs.procs.set(23, proc('kworker/0:1', 5, [], { ppid: 2 })); // a kernel thread: empty argv
  return fs;
}

const scan = (fs: ProcFs, cache?: ScanCache, extra: ScanOptions = {}): Promise<Snapshot> =>
  scanProcesses({ procRoot: ROOT, fs, pageSize: 4096, clockTicks: 100, ...(cache ? { cache } : {}), ...extra });

/** What a scan says about each process (takenAtMs and durations differ between scans). */
const content = (s: Snapshot) => ({ processes: s.processes, children: s.children, skipped: s.skipped });

const callsOf = (fs: MemProcFs, kind: string): string[] => fs.calls.filter((c) => c.startsWith(kind));

describe('ScanCache: incremental scans', () => {
  it('a refresh reads only stat of known processes, reuses uid and argv, and equals a full scan', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000); // no rotation within this test
    const cold = await scan(fs, cache);
    assert.deepStrictEqual(content(cold), content(await scan(fs)));
    assert.strictEqual(cache.size, 5);
    assert.deepStrictEqual(cache.stats, { hits: 0, misses: 5, dropped: 0, keptReads: 0, unchanged: 0 });
    fs.calls = [];
    fs.procs.get(20)!.cpu = 77; // stat changes between refreshes; the record must follow
    const warm = await scan(fs, cache);
    // no uid, no cmdline: not even the kernel thread's (pid 23, child of kthreadd) empty argv
    assert.deepStrictEqual(callsOf(fs, 'uidOf'), []);
    assert.deepStrictEqual(
      callsOf(fs, 'readText').filter((c) => c.endsWith('/cmdline')),
      [],
    );
    assert.deepStrictEqual(callsOf(fs, 'readText').filter((c) => c.endsWith('/stat')).length, 6); // 5 pids + /proc/stat
    assert.deepStrictEqual(content(warm), content(await scan(fs)));
    assert.strictEqual(warm.processes.get(20)!.cpuTicks, 77);
    assert.strictEqual(warm.processes.get(22)!.uid, 0);
    assert.deepStrictEqual(cache.stats, { hits: 5, misses: 5, dropped: 0, keptReads: 0, unchanged: 4 });
  });

  it('sweeping the cache yields on the time budget and still drops exactly the pids that are gone', async () => {
    const fs = new KeepingProcFs();
    for (let pid = 100; pid < 3100; pid++) fs.procs.set(pid, proc(`w${pid}`, pid, ['worker', String(pid)], { ppid: 100 + (pid % 7) }));
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    for (let pid = 100; pid < 3100; pid++) if (pid % 3 !== 0) fs.procs.delete(pid); // two thirds exit
    let yields = 0;
    // a budget so small that every check yields: the sweep (3000 entries, a check per 256) must pause too
    const refresh = await scan(fs, cache, { sliceSize: 1_000_000, sliceBudgetMs: 1e-9, yieldToLoop: async () => void yields++ });
    const processYields = Math.ceil(1000 / 4) - 1; // a time check every 4 processes (1000 left)
    assert.ok(yields >= processYields + Math.floor(3000 / 256), `${yields} yields`);
    assert.strictEqual(cache.size, 1000);
    assert.strictEqual(cache.stats.dropped, 2000);
    assert.strictEqual(cache.keptFiles, 1000);
    assert.strictEqual(fs.open.size, 1000);
    assert.deepStrictEqual(content(refresh), content(await scan(fs)));
  });

  it('all the caches of a process share one kept-file bound (half the open-file limit, ≤ 16384)', async function () {
    this.timeout(30_000);
    const bound = keptFileBound(openFileLimit());
    const n = Math.ceil(bound * 0.6);
    const fs = new KeepingProcFs();
    for (let pid = 100; pid < 100 + n; pid++) fs.procs.set(pid, proc(`w${pid}`, pid, ['worker']));
    const a = new ScanCache(1_000_000, bound);
    const b = new ScanCache(1_000_000, bound);
    try {
      await scan(fs, a);
      await scan(fs, b);
      assert.strictEqual(a.keptFiles, n);
      assert.ok(b.keptFiles < n && a.keptFiles + b.keptFiles <= bound, `${a.keptFiles} + ${b.keptFiles} of ${bound}`);
      assert.ok(a.keptFiles + b.keptFiles >= bound - 1000, 'other tests keep at most a few files open');
      a.clear();
      await scan(fs, b);
      assert.strictEqual(b.keptFiles, n, "the files the first cache gave back are the second one's to keep");
    } finally {
      a.clear();
      b.clear();
    }
    assert.strictEqual(fs.open.size, 0);
  });

  it('an exec that changes comm is caught on the next refresh', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    Object.assign(fs.procs.get(21)!, { comm: 'python3', argv: ['python3', '-m', 'http.server'] });
    const after = await scan(fs, cache);
    assert.deepStrictEqual(after.processes.get(21)!.argv, ['python3', '-m', 'http.server']);
    assert.strictEqual(after.processes.get(21)!.comm, 'python3');
  });

  it('an argv change that keeps comm (exec of the same binary, setproctitle) is caught within `rotation` refreshes', async () => {
    const rotation = 4;
    const fs = fleet();
    const cache = new ScanCache(rotation);
    await scan(fs, cache);
    fs.procs.get(20)!.argv = ['node', 'other.js'];
    const seen: string[][] = [];
    for (let i = 0; i < rotation; i++) seen.push((await scan(fs, cache)).processes.get(20)!.argv);
    assert.deepStrictEqual(seen[seen.length - 1], ['node', 'other.js']);
    // exactly one of the refreshes re-read it; until then the cached argv stood
    const firstNew = seen.findIndex((a) => a[1] === 'other.js');
    assert.ok(firstNew >= 0 && seen.slice(firstNew).every((a) => a[1] === 'other.js'), JSON.stringify(seen));
  });

  it('a reused pid (new start time) is read again: argv and owner of the new process', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    fs.procs.set(22, proc('sleep', 999, ['sleep', '5'], { uid: 1000 })); // same comm, other process
    const after = await scan(fs, cache);
    assert.deepStrictEqual(after.processes.get(22)!.argv, ['sleep', '5']);
    assert.strictEqual(after.processes.get(22)!.uid, 1000);
    assert.strictEqual(after.processes.get(22)!.starttime, 999);
  });

  it('a user process with an empty argv (exiting, read mid-exec) is read again; a kernel thread is not', async () => {
    const fs = fleet();
    fs.procs.set(24, proc('node', 240, []));
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    fs.procs.get(24)!.argv = ['node', 'late.js'];
    fs.calls = [];
    assert.deepStrictEqual((await scan(fs, cache)).processes.get(24)!.argv, ['node', 'late.js']);
    assert.deepStrictEqual(
      callsOf(fs, 'readText').filter((c) => c.endsWith('/cmdline')),
      [`readText:${ROOT}/24/cmdline`],
    );
  });

  it('a process turned zombie gets its (empty) argv read again', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    Object.assign(fs.procs.get(22)!, { state: 'Z', argv: [] });
    assert.deepStrictEqual((await scan(fs, cache)).processes.get(22)!.argv, []);
  });

  it('vanished and unreadable pids are dropped from the cache, and a pid unreadable after stat is skipped', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    fs.procs.delete(21);
    fs.faults.set(`${ROOT}/22/stat`, 'EACCES');
    const after = await scan(fs, cache);
    assert.deepStrictEqual([...after.processes.keys()], [1, 20, 23]);
    assert.deepStrictEqual(after.skipped, [{ pid: 22, reason: 'permission', detail: 'EACCES' }]);
    assert.strictEqual(cache.size, 3);
    assert.strictEqual(cache.stats.dropped, 2);
    // a new pid whose cmdline cannot be read after its stat was: skipped with the reason, not cached
    fs.procs.set(30, proc('secret', 300, ['secret']));
    fs.faults.set(`${ROOT}/30/cmdline`, 'EACCES');
    const third = await scan(fs, cache);
    assert.ok(!third.processes.has(30));
    assert.deepStrictEqual(
      third.skipped.find((s) => s.pid === 30),
      { pid: 30, reason: 'permission', detail: 'EACCES' },
    );
    assert.strictEqual(cache.size, 3);
  });

  it('another proc root empties the cache; a scan while the cache is in use runs uncached', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    assert.strictEqual(cache.size, 5);
    await scanProcesses({ procRoot: '/elsewhere', fs, cache });
    assert.strictEqual(cache.size, 0);
    await scan(fs, cache);
    let release!: () => void;
    const blocked = scan(fs, cache, { sliceSize: 1, yieldToLoop: () => new Promise<void>((r) => (release = r)) });
    await new Promise((r) => setImmediate(r));
    assert.strictEqual(cache.busy, true);
    fs.calls = [];
    const concurrent = await scan(fs);
    assert.strictEqual(callsOf(fs, 'uidOf').length, 5);
    const uncachedWhileBusy = await scan(fs, cache);
    assert.strictEqual(callsOf(fs, 'uidOf').length, 10, 'the busy cache was not used');
    assert.deepStrictEqual(content(uncachedWhileBusy), content(concurrent));
    for (let i = 0; i < 10 && cache.busy; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    await blocked;
    assert.strictEqual(cache.busy, false);
  });

  it('readProcess (commit-time re-validation) reads afresh whatever a cache holds', async () => {
    const fs = fleet();
    const cache = new ScanCache(1_000_000);
    await scan(fs, cache);
    fs.procs.get(20)!.argv = ['node', 'exec-ed.js']; // same comm: the cache would still say server.js
    assert.deepStrictEqual((await scan(fs, cache)).processes.get(20)!.argv, ['node', 'server.js', '--port', '8080']);
    assert.deepStrictEqual(readProcess(20, ROOT, fs)!.argv, ['node', 'exec-ed.js']);
  });

  it('rejects a rotation that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new ScanCache(bad), /rotation/);
  });

  it('a refresh reads stat of known processes through kept files: one read each, no open, within the bound', async () => {
    const fs = fleet(new KeepingProcFs());
    const cache = new ScanCache(1_000_000, 3);
    const cold = await scan(fs, cache);
    assert.deepStrictEqual(content(cold), content(await scan(fs)));
    assert.strictEqual(cache.keptFiles, 3);
    assert.strictEqual(fs.open.size, 3);
    fs.calls = [];
    fs.procs.get(1)!.cpu = 5;
    const warm = await scan(fs, cache);
    assert.deepStrictEqual(content(warm), content(await scan(fs)));
    assert.strictEqual(warm.processes.get(1)!.cpuTicks, 5, 'a kept file reads the current stat');
    // pids 1, 20, 21 through their kept files; 22 and 23 (over the bound) opened and closed as before
    assert.deepStrictEqual(callsOf(fs, 'readKept').length, 3);
    assert.deepStrictEqual(callsOf(fs, 'keepOpen'), []);
    assert.strictEqual(cache.stats.keptReads, 3);
    assert.strictEqual(fs.open.size, 3);
  });

  it('a kept file of an exited process is closed; its reused pid is read through a new file as the new process', async () => {
    const fs = fleet(new KeepingProcFs());
    const cache = new ScanCache(1_000_000, 100);
    await scan(fs, cache);
    assert.strictEqual(fs.open.size, 5);
    fs.procs.delete(21);
    fs.procs.set(22, proc('sleep', 999, ['sleep', '5'], { uid: 1000 })); // same comm, another process
    const after = await scan(fs, cache);
    assert.deepStrictEqual(content(after), content(await scan(fs)));
    assert.deepStrictEqual(after.processes.get(22)!.argv, ['sleep', '5']);
    assert.strictEqual(after.processes.get(22)!.uid, 1000);
    assert.ok(!after.processes.has(21));
    assert.strictEqual(fs.open.size, 4);
    assert.strictEqual(cache.keptFiles, 4);
    assert.ok(
      [...fs.open.values()].every((f) => fs.procs.get(f.pid)?.starttime === f.starttime),
      'only files of live processes',
    );
  });

  it('clear() and ScanService.dispose() close every kept file; a scan with another file system closes them too', async () => {
    const fs = fleet(new KeepingProcFs());
    const cache = new ScanCache(1_000_000, 100);
    await scan(fs, cache);
    assert.strictEqual(fs.open.size, 5);
    cache.clear();
    assert.strictEqual(fs.open.size, 0);
    assert.strictEqual(cache.keptFiles, 0);
    await scan(fs, cache);
    await scan(fleet(), cache); // another ProcFs: the kept files of the first are closed through it
    assert.strictEqual(fs.open.size, 0);
    const service = new ScanService(
      () => ROOT,
      () => undefined,
      (o) => scanProcesses({ ...o, fs }),
    );
    await service.fresh(0);
    assert.strictEqual(fs.open.size, 5);
    service.dispose();
    assert.strictEqual(fs.open.size, 0);
  });

  it('rejects a kept-file bound that is not a non-negative integer; 0 keeps none', async () => {
    for (const bad of [-1, 1.5, NaN]) assert.throws(() => new ScanCache(16, bad), /maxKeptFiles/);
    const fs = fleet(new KeepingProcFs());
    const cache = new ScanCache(16, 0);
    await scan(fs, cache);
    await scan(fs, cache);
    assert.strictEqual(fs.opens, 0);
  });

  type Op =
    | { kind: 'spawn'; pid: number; comm: string; argv: string[] }
    | { kind: 'exit'; pid: number }
    | { kind: 'exec'; pid: number; comm: string; argv: string[] }
    | { kind: 'reuse'; pid: number; argv: string[]; uid: number }
    | { kind: 'tick'; pid: number }
    | { kind: 'zombie'; pid: number };
  const pidArb = fc.integer({ min: 2, max: 12 });
  const word = fc.stringMatching(/^[a-z]{1,6}$/);
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('spawn' as const), pid: pidArb, comm: word, argv: fc.array(word, { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('exit' as const), pid: pidArb }),
    fc.record({ kind: fc.constant('exec' as const), pid: pidArb, comm: word, argv: fc.array(word, { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('reuse' as const), pid: pidArb, argv: fc.array(word, { maxLength: 3 }), uid: fc.nat(3) }),
    fc.record({ kind: fc.constant('tick' as const), pid: pidArb }),
    fc.record({ kind: fc.constant('zombie' as const), pid: pidArb }),
  );

  prop(
    'after any sequence of spawn / exit / exec (comm changes) / pid reuse / zombie, a refresh equals a full scan (any rotation, kept files or not)',
    400,
    () =>
      fc.asyncProperty(
        fc.array(fc.array(opArb, { maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(8), { nil: undefined }),
        fc.constantFrom(1_000_000, 1, 2, 3),
        async (rounds, bound, rotation) => {
          // bound: undefined = no kept files; else stat kept open for at most `bound` processes
          const fs = bound === undefined ? fleet() : fleet(new KeepingProcFs());
          const cache = new ScanCache(rotation, bound ?? 0);
          let clock = 1000;
          await scan(fs, cache);
          for (const ops of rounds) {
            for (const op of ops) {
              const p = fs.procs.get(op.pid);
              if (op.kind === 'spawn' && !p) fs.procs.set(op.pid, proc(op.comm, ++clock, op.argv));
              else if (op.kind === 'exit') fs.procs.delete(op.pid);
              // an exec in the property always changes comm (an exec keeping it is the rotation's job, tested above)
              else if (op.kind === 'exec' && p) Object.assign(p, { comm: `${p.comm}x${op.comm}`, argv: op.argv });
              else if (op.kind === 'reuse' && p) fs.procs.set(op.pid, proc(p.comm, ++clock, op.argv, { uid: op.uid }));
              else if (op.kind === 'tick' && p) p.cpu++;
              else if (op.kind === 'zombie' && p) Object.assign(p, { state: 'Z', argv: [] });
            }
            const incremental = await scan(fs, cache);
            assert.deepStrictEqual(content(incremental), content(await scan(fs)));
            assert.strictEqual(cache.size, incremental.processes.size);
            if (fs instanceof KeepingProcFs) {
              // no leak: every open file is counted, within the bound, and belongs to a live process
              assert.strictEqual(fs.open.size, cache.keptFiles);
              assert.ok(cache.keptFiles <= bound!);
              assert.ok([...fs.open.values()].every((f) => fs.procs.get(f.pid)?.starttime === f.starttime));
            }
          }
          cache.clear();
          if (fs instanceof KeepingProcFs) assert.strictEqual(fs.open.size, 0);
        },
      ),
  );
});

/** ScanService passes its cache to refreshes (fresh) and never to request(), which actions re-validate with. */
describe('ScanService: refreshes are incremental, re-validation scans are full', () => {
  it('fresh() scans with the cache, request() without it', async () => {
    const seen: (ScanCache | undefined)[] = [];
    const fs = fleet();
    const service = new ScanService(
      () => ROOT,
      () => undefined,
      (o) => (seen.push(o?.cache), scanProcesses({ ...o, fs })),
    );
    await service.fresh(0);
    await service.fresh(0);
    await service.request();
    assert.deepStrictEqual(
      seen.map((c) => c === service.cache),
      [true, true, false],
    );
    assert.strictEqual(service.cache.size, 5);
  });
});

describe('parseStat: the charCode fast path equals the regex reference', () => {
  const LINE = '4242 (node server) S 1 4242 4242 0 -1 4194560 10 0 0 0 12 3 0 0 20 0 11 0 498200 1234567 19823 18446744073709551615 1 1\n';

  it('on a real-shaped line, kernel threads, negative tpgid, comm with parentheses and spaces', () => {
    for (const line of [
      LINE,
      '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0 18446744073709551615 0 0',
      '77 (a) b (c)) R 1 77 77 34816 77 4194304 1 2 3 4 5 6 7 8 20 0 1 0 99 1 2 3',
      '9 (x) Z 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0',
    ]) {
      assert.deepStrictEqual(parseStat(line), parseStatReference(line), line);
      assert.ok(parseStat(line).ok, line);
    }
  });

  prop('on any cut, character edit or whitespace change of a stat line', 3000, () =>
    fc.property(
      fc.nat({ max: LINE.length }),
      fc.nat({ max: LINE.length }),
      fc.constantFrom('', ' ', '  ', '\t', '\n', '-', '0', '9', 'x', '(', ')', '-1', '99999999999999999'),
      fc.boolean(),
      (at, cut, insert, truncate) => {
        const edited = LINE.slice(0, at) + insert + LINE.slice(at + (insert === '' ? 1 : 0));
        const line = truncate ? edited.slice(0, cut) : edited;
        assert.deepStrictEqual(parseStat(line), parseStatReference(line));
      },
    ),
  );

  prop('on arbitrary text', 2000, () =>
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789 -()\tSZabc\n'.split('')), maxLength: 120 }), (text) => {
      assert.deepStrictEqual(parseStat(text), parseStatReference(text));
    }),
  );
});
