import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { ScanCache, Snapshot, ancestorsOf, descendantsOf, readCwd, readProcess, scanProcesses } from '../../src/probes/scanner';
import { NodeProcFs, keptFileBound, openFileLimit } from '../../src/probes/procFs';
import { BTIME, FaultyProcFs, fixtureRoot, pidsOf, proc, record, scanFixture, snapshotOf } from './procFixtures';

const CS = fixtureRoot('codeserver');
const NODE = '/opt/node24/bin/node';

/** What the codeserver fixture must yield for a few processes (values from the reference tree, in ticks and pages). */
const EXPECTED = [
  { pid: 1, ppid: 0, comm: 'init', pgrp: 1, session: 1, tpgid: -1, starttime: 100, rssPages: 2880, cpuTicks: 660 },
  { pid: 10583, ppid: 1, comm: 'node', pgrp: 10583, session: 10583, tpgid: -1, starttime: 498200, rssPages: 19823, cpuTicks: 116 },
  {
    pid: 10899,
    ppid: 10874,
    comm: 'copilot-runtime',
    pgrp: 10583,
    session: 10583,
    tpgid: -1,
    starttime: 499300,
    rssPages: 8442,
    cpuTicks: 38,
  },
  { pid: 10946, ppid: 10922, comm: 'bash', pgrp: 10946, session: 10946, tpgid: 11122, starttime: 499900, rssPages: 1000, cpuTicks: 4 },
  { pid: 11122, ppid: 10946, comm: 'sleep', pgrp: 11122, session: 10946, tpgid: 11122, starttime: 499900, rssPages: 458, cpuTicks: 1 },
  { pid: 11200, ppid: 10922, comm: 'bash', pgrp: 11200, session: 11200, tpgid: 11200, starttime: 470000, rssPages: 975, cpuTicks: 3 },
];

const CODESERVER_PIDS = [1, 10583, 10597, 10753, 10873, 10874, 10899, 10922, 10946, 11122, 11130, 11131, 11200, 11300, 11310, 11311];

describe('scanProcesses on the codeserver fixture', () => {
  let snap: Snapshot;
  before(async () => {
    snap = await scanFixture('codeserver');
  });

  it('reads every pid directory and nothing else', () => {
    assert.deepStrictEqual([...snap.processes.keys()], CODESERVER_PIDS);
    assert.deepStrictEqual(snap.skipped, []);
    assert.strictEqual(snap.unavailable, undefined);
    assert.strictEqual(snap.procRoot, CS);
    assert.strictEqual(snap.pageSize, 4096);
    assert.strictEqual(snap.clockTicks, 100);
    assert.strictEqual(snap.bootTimeMs, BTIME * 1000);
  });

  for (const e of EXPECTED) {
    it(`parses pid ${e.pid} (${e.comm})`, () => {
      const p = proc(snap, e.pid);
      const { pid, ppid, comm, state, pgrp, session, tpgid, starttime, cpuTicks } = p;
      assert.deepStrictEqual(
        { pid, ppid, comm, state, pgrp, session, tpgid, starttime, cpuTicks },
        {
          pid: e.pid,
          ppid: e.ppid,
          comm: e.comm,
          state: 'S',
          pgrp: e.pgrp,
          session: e.session,
          tpgid: e.tpgid,
          starttime: e.starttime,
          cpuTicks: e.cpuTicks,
        },
      );
      assert.strictEqual(p.rssBytes, e.rssPages * 4096);
      assert.strictEqual(p.startedAtMs, BTIME * 1000 + e.starttime * 10);
      assert.strictEqual(p.uid, fs.statSync(path.join(CS, String(e.pid))).uid);
    });
  }

  it('splits argv exactly', () => {
    assert.deepStrictEqual(proc(snap, 10583).argv, [
      NODE,
      '/opt/code-server/out/node/entry.js',
      '--bind-addr',
      '127.0.0.1:18080',
      '--auth',
      'none',
      '--disable-telemetry',
      '--user-data-dir',
      '/home/coder/ud',
      '--extensions-dir',
      '/home/coder/ext',
      '/home/coder/ws',
    ]);
    assert.deepStrictEqual(proc(snap, 10873).argv, [
      NODE,
      '--dns-result-order=ipv4first',
      '/opt/code-server/lib/vscode/out/bootstrap-fork',
      '--type=extensionHost',
      '--transformURIs',
      '--useHostProxy=false',
    ]);
    assert.deepStrictEqual(proc(snap, 11130).argv, [
      '/bin/sh',
      '-c',
      '"/opt/code-server/lib/vscode/out/vs/base/node/cpuUsage.sh" 10946 11122',
    ]);
    assert.deepStrictEqual(proc(snap, 11122).argv, ['sleep', '1000']);
  });

  it('maps each parent to its children in pid order', () => {
    assert.deepStrictEqual(snap.children.get(0), [1]);
    assert.deepStrictEqual(snap.children.get(1), [10583]);
    assert.deepStrictEqual(snap.children.get(10597), [10753, 10873, 10874, 10922]);
    assert.deepStrictEqual(snap.children.get(10922), [10946, 11130, 11200, 11300]);
    assert.deepStrictEqual(snap.children.get(10874), [10899]);
    assert.strictEqual(snap.children.get(11122), undefined);
  });

  it('descendantsOf walks depth-first in pid order', () => {
    assert.deepStrictEqual(
      pidsOf(descendantsOf(snap, 10597)),
      [10753, 10873, 10874, 10899, 10922, 10946, 11122, 11130, 11131, 11200, 11300, 11310, 11311],
    );
    assert.deepStrictEqual(pidsOf(descendantsOf(snap, 11300)), [11310, 11311]);
    assert.deepStrictEqual(descendantsOf(snap, 11122), []);
    assert.deepStrictEqual(descendantsOf(snap, 424242), []);
  });

  it('ancestorsOf lists the parents nearest first, up to pid 1', () => {
    assert.deepStrictEqual(pidsOf(ancestorsOf(snap, 11311)), [11310, 11300, 10922, 10597, 10583, 1]);
    assert.deepStrictEqual(pidsOf(ancestorsOf(snap, 10873)), [10597, 10583, 1]);
    assert.deepStrictEqual(ancestorsOf(snap, 1), []);
    assert.deepStrictEqual(ancestorsOf(snap, 424242), []);
  });

  it('yields to the event loop every sliceSize processes and reads the same', async () => {
    let yields = 0;
    const sliced = await scanFixture('codeserver', { sliceSize: 5, sliceBudgetMs: 0, yieldToLoop: async () => void yields++ });
    assert.strictEqual(yields, 3); // 16 pids: before the 6th, 11th and 16th
    assert.deepStrictEqual(sliced.processes, snap.processes);
    assert.deepStrictEqual(sliced.children, snap.children);
  });

  it('readProcess re-reads one process, or undefined when it is gone', () => {
    assert.deepStrictEqual(readProcess(10946, CS), snap.processes.get(10946));
    assert.strictEqual(readProcess(424242, CS), undefined);
  });
});

describe('scanProcesses on the edge fixture', () => {
  let snap: Snapshot;
  before(async () => {
    snap = await scanFixture('edge');
  });

  it('ignores non-numeric entries and lists unreadable pids in skipped', () => {
    assert.deepStrictEqual([...snap.processes.keys()], [1, 2, 3, 100, 101, 102, 106, 107]);
    assert.deepStrictEqual(
      snap.skipped.map(({ pid, reason }) => ({ pid, reason })),
      [
        { pid: 103, reason: 'vanished' },
        { pid: 104, reason: 'unparsable' },
        { pid: 105, reason: 'unparsable' },
      ],
    );
    assert.strictEqual(snap.skipped[0].detail, 'ENOENT');
    assert.match(snap.skipped[1].detail, /truncated/);
    assert.strictEqual(snap.skipped[2].detail, 'stat names pid 150');
  });

  it('keeps a comm with spaces and parentheses', () => {
    assert.strictEqual(proc(snap, 100).comm, '(my) proc (x)');
    assert.deepStrictEqual(proc(snap, 100).argv, ['/usr/local/bin/my proc', '--name', '(x)']);
    assert.strictEqual(proc(snap, 100).ppid, 1);
  });

  it('keeps a newline inside an argument', () => {
    assert.deepStrictEqual(proc(snap, 101).argv, ['/usr/bin/printf', 'line one\nline two']);
  });

  it('reads a zombie and a kernel thread with empty argv', () => {
    const zombie = proc(snap, 102);
    assert.deepStrictEqual([zombie.state, zombie.argv, zombie.rssBytes, zombie.comm], ['Z', [], 0, 'worker']);
    const kworker = proc(snap, 3);
    assert.deepStrictEqual([kworker.state, kworker.ppid, kworker.argv, kworker.comm], ['I', 2, [], 'kworker/0:0-events']);
    assert.deepStrictEqual(snap.children.get(2), [3]);
  });

  it('decodes UTF-8 comm and argv', () => {
    assert.strictEqual(proc(snap, 106).comm, 'café');
    assert.deepStrictEqual(proc(snap, 106).argv, ['/usr/bin/café', '--menü']);
  });

  it('reads a cmdline larger than the read buffer (16 KiB)', () => {
    const argv = proc(snap, 107).argv;
    assert.strictEqual(argv.length, 4);
    assert.deepStrictEqual([argv[0], argv[1], argv[3]], ['/usr/bin/java', '-cp', 'org.example.Main']);
    const jars = argv[2].split(':');
    assert.strictEqual(jars.length, 1200);
    assert.strictEqual(jars[1199], '/opt/app/lib/dependency-1199.jar');
    assert.ok(argv[2].length > 32 * 1024);
  });
});

describe('scanProcesses on an unusable root', () => {
  it('reports a root without pid directories as unavailable', async () => {
    const snap = await scanFixture('empty');
    assert.match(snap.unavailable ?? '', /lists no processes/);
    assert.strictEqual(snap.processes.size, 0);
    assert.strictEqual(snap.bootTimeMs, BTIME * 1000);
  });

  it('reports a missing root as unavailable, with the error code', async () => {
    const root = path.join(fixtureRoot('empty'), 'does-not-exist');
    const snap = await scanProcesses({ procRoot: root, pageSize: 4096 });
    assert.strictEqual(snap.unavailable, `${root} cannot be read (ENOENT)`);
    assert.strictEqual(snap.processes.size, 0);
    assert.strictEqual(snap.bootTimeMs, 0);
  });

  it('reports an unreadable root as unavailable instead of throwing', async () => {
    const snap = await scanFixture('codeserver', { fs: new FaultyProcFs({ [`readdir:${CS}`]: 'EACCES' }) });
    assert.strictEqual(snap.unavailable, `${CS} cannot be read (EACCES)`);
    assert.strictEqual(snap.processes.size, 0);
  });
});

describe('scanProcesses with injected faults', () => {
  it('skips each unreadable process with the reason and reads the rest', async () => {
    const procFs = new FaultyProcFs({
      [`uidOf:${CS}/10873`]: 'EPERM',
      [`${CS}/10899/stat`]: 'EIO',
      [`${CS}/10946/stat`]: 'EACCES',
      [`${CS}/11122/cmdline`]: 'ESRCH',
      [`uidOf:${CS}/11200`]: 'ENOENT',
      [`${CS}/11310/cmdline`]: new Error('no code'),
    });
    const snap = await scanFixture('codeserver', { fs: procFs });
    assert.deepStrictEqual(snap.skipped, [
      { pid: 10873, reason: 'permission', detail: 'EPERM' },
      { pid: 10899, reason: 'io', detail: 'EIO' },
      { pid: 10946, reason: 'permission', detail: 'EACCES' },
      { pid: 11122, reason: 'vanished', detail: 'ESRCH' },
      { pid: 11200, reason: 'vanished', detail: 'ENOENT' },
      { pid: 11310, reason: 'io', detail: 'EUNKNOWN' },
    ]);
    assert.deepStrictEqual(
      [...snap.processes.keys()],
      CODESERVER_PIDS.filter((p) => !snap.skipped.some((s) => s.pid === p)),
    );
    assert.deepStrictEqual(snap.children.get(10922), [11130, 11300]);
    assert.ok(procFs.calls.includes(`readText:${CS}/11131/cmdline`), 'went on reading after the faults');
  });

  it('without /proc/stat keeps start times relative to boot', async () => {
    const snap = await scanFixture('codeserver', { fs: new FaultyProcFs({ [`${CS}/stat`]: 'EACCES' }) });
    assert.strictEqual(snap.bootTimeMs, 0);
    assert.strictEqual(proc(snap, 10946).startedAtMs, 499900 * 10);
    assert.strictEqual(snap.processes.size, CODESERVER_PIDS.length);
  });
});

describe('readCwd', () => {
  /** readCwd of the busy shell when reading its cwd link fails with `code`. */
  const cwdFailingWith = (code: string) => readCwd(10946, CS, new FaultyProcFs({ [`${CS}/10946/cwd`]: code }));

  it('reads the cwd link', () => {
    assert.deepStrictEqual(readCwd(10946, CS), { ok: true, path: '/home/coder/ws' });
  });

  // src bug (see the report): NodeProcFs.readlink decodes as UTF-8 and readCwd decodes that again.
  it('reads a non-ASCII cwd link [src bug: double UTF-8 decoding]', () => {
    assert.deepStrictEqual(readCwd(11200, CS), { ok: true, path: '/home/coder/ws/café' });
  });

  it('turns EACCES and EPERM into "permission denied"', () => {
    assert.deepStrictEqual(cwdFailingWith('EACCES'), { ok: false, reason: 'permission denied' });
    assert.deepStrictEqual(cwdFailingWith('EPERM'), { ok: false, reason: 'permission denied' });
  });

  it('turns ENOENT into "process exited" and passes other codes through', () => {
    assert.deepStrictEqual(readCwd(424242, CS), { ok: false, reason: 'process exited' });
    assert.deepStrictEqual(cwdFailingWith('EIO'), { ok: false, reason: 'EIO' });
  });
});

describe('descendantsOf and ancestorsOf on a pid loop', () => {
  // A scan is not atomic: pid reuse during it can produce a parent loop. Both walks must end.
  const loop = snapshotOf([record(10, 11), record(11, 10), record(12, 11)]);

  it('descendantsOf visits each process once and never the start', () => {
    assert.deepStrictEqual(pidsOf(descendantsOf(loop, 10)), [11, 12]);
  });

  // src bug (see the report): the loop check runs after the parent is pushed, so the walk repeats one process.
  it('ancestorsOf lists each ancestor once [src bug: repeats a process on a loop]', () => {
    assert.deepStrictEqual(pidsOf(ancestorsOf(loop, 12)), [11, 10]);
    assert.deepStrictEqual(pidsOf(ancestorsOf(loop, 10)), [11]);
  });
});

describe('scanProcesses on the real /proc', () => {
  it('finds this test process with its parent, argv and start time', async function () {
    if (!fs.existsSync('/proc/self/stat')) this.skip();
    const snap = await scanProcesses();
    assert.strictEqual(snap.unavailable, undefined);
    const me = proc(snap, process.pid);
    assert.strictEqual(me.ppid, process.ppid);
    assert.ok([process.argv0, process.execPath].includes(me.argv[0]), `argv[0] ${me.argv[0]}`);
    assert.strictEqual(me.state, 'R'); // it is the one reading
    assert.strictEqual(me.uid, process.getuid?.());
    assert.ok(me.rssBytes > 10 * 1024 * 1024, `rss ${me.rssBytes}`);
    const startedAt = Date.now() - process.uptime() * 1000;
    assert.ok(Math.abs(me.startedAtMs - startedAt) < 3000, `started ${me.startedAtMs} vs ${startedAt}`);
    assert.ok(snap.children.get(process.ppid)?.includes(process.pid));
    assert.strictEqual(ancestorsOf(snap, process.pid)[0].pid, process.ppid);
  });
});

describe('keptFileBound', () => {
  it('is half of the open-file limit, at most 16384, and 256 when the limit is unknown', () => {
    assert.strictEqual(keptFileBound(20_000), 10_000);
    assert.strictEqual(keptFileBound(1024), 512);
    assert.strictEqual(keptFileBound(1_048_576), 16_384);
    assert.strictEqual(keptFileBound(0), 0);
    assert.strictEqual(keptFileBound(undefined), 256);
    assert.strictEqual(keptFileBound(NaN), 256);
  });

  it("a ScanCache without a bound takes it from this process's limit", () => {
    assert.strictEqual(new ScanCache().maxKeptFiles, keptFileBound(openFileLimit()));
  });
});

describe('NodeProcFs and kept stat files on the real /proc', () => {
  const children: ChildProcess[] = [];
  const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;
  /** A shell of our own that waits, with argv padded so its cmdline is `bytes` long (NUL-terminated arguments). */
  const shellWithCmdline = (bytes: number): ChildProcess => {
    const fixed = ['sh', '-c', 'sleep 30; :', 'pad'];
    const used = fixed.reduce((n, a) => n + a.length + 1, 0) + 1; // + the padding's own NUL
    const child = spawn('sh', ['-c', 'sleep 30; :', 'pad', 'x'.repeat(bytes - used)], { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); // our own children, by handle
  });

  it('reads a cmdline of exactly one page, and longer ones, whole (a short read ends it only off a page boundary)', async function () {
    if (!fs.existsSync('/proc/self/stat')) this.skip();
    const sizes = [4095, 4096, 4097, 8192, 12000];
    const shells = sizes.map(shellWithCmdline);
    await new Promise((r) => setTimeout(r, 300));
    const snap = await scanProcesses();
    shells.forEach((c, i) => {
      const p = proc(snap, c.pid!);
      assert.strictEqual(
        p.argv.reduce((n, a) => n + a.length + 1, 0),
        sizes[i],
        `cmdline of ${sizes[i]} bytes`,
      );
      const padding = c.spawnargs[4]?.length ?? 0;
      assert.ok(p.argv[4] === 'x'.repeat(padding), `the padding of ${sizes[i]}: ${p.argv[4]?.length} of ${padding} bytes`);
    });
  });

  it('a cache keeps stat files open within its bound, follows exits, and clear() closes every one', async function () {
    if (!fs.existsSync('/proc/self/stat')) this.skip();
    const mine = [shellWithCmdline(100), shellWithCmdline(200)];
    await new Promise((r) => setTimeout(r, 300));
    const before = fdCount();
    const cache = new ScanCache(16, 40);
    await scanProcesses({ cache });
    const kept = cache.keptFiles;
    assert.ok(kept > 0 && kept <= 40, `kept ${kept}`);
    assert.strictEqual(fdCount() - before, kept);
    const warm = await scanProcesses({ cache });
    const full = await scanProcesses();
    for (const c of mine) assert.deepStrictEqual(proc(warm, c.pid!).argv, proc(full, c.pid!).argv);
    assert.ok(cache.stats.keptReads >= Math.min(kept, warm.processes.size) - 5, `kept reads ${cache.stats.keptReads}`);
    // one of ours exits (killed through its handle, then reaped): its kept file, if it had one, is closed
    const gone = mine[0];
    gone.kill('SIGKILL');
    await new Promise((r) => gone.once('exit', r));
    await new Promise((r) => setTimeout(r, 50));
    const after = await scanProcesses({ cache });
    assert.ok(!after.processes.has(gone.pid!));
    assert.strictEqual(fdCount() - before, cache.keptFiles);
    cache.clear();
    assert.strictEqual(fdCount(), before);
  });
});

describe('scanProcesses: the bytes of a file parsed in the ProcFs buffer (readRaw) or its text (a ProcFs without it)', () => {
  const comparable = (s: Snapshot) => ({ processes: [...s.processes.entries()], children: [...s.children.entries()], skipped: s.skipped });

  for (const name of ['codeserver', 'edge'] as const) {
    it(`${name} fixture: the same snapshot either way, cold and incremental`, async () => {
      const raw = await scanFixture(name);
      const text = await scanFixture(name, { fs: new FaultyProcFs({}) }); // readText only
      assert.ok(raw.processes.size > 0);
      assert.deepStrictEqual(comparable(raw), comparable(text));
      const cache = new ScanCache();
      try {
        await scanFixture(name, { cache });
        assert.deepStrictEqual(comparable(await scanFixture(name, { cache })), comparable(raw));
      } finally {
        cache.clear();
      }
    });
  }

  it('a NodeProcFs scan makes no string of a stat or cmdline file (readText and readKept are never called for them)', async () => {
    const procFs = new NodeProcFs();
    const perProcess = /\/\d+\/(stat|cmdline)$/;
    const readText = procFs.readText.bind(procFs);
    procFs.readText = (p, end) => {
      if (perProcess.test(p)) throw new Error(`readText ${p}`);
      return readText(p, end);
    };
    procFs.readKept = (fd) => {
      throw new Error(`readKept ${fd}`);
    };
    const cache = new ScanCache();
    try {
      for (const options of [{}, { cache }, { cache }]) {
        const snap = await scanFixture('codeserver', { fs: procFs, ...options });
        assert.deepStrictEqual(snap.skipped, []);
        assert.deepStrictEqual([...snap.processes.keys()], CODESERVER_PIDS);
      }
      assert.ok(cache.stats.keptReads > 0 && cache.stats.unchanged > 0, JSON.stringify(cache.stats));
    } finally {
      cache.clear();
    }
  });
});
