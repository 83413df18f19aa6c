// Fault injection: the probes and the clean-up re-validation against a file system that misbehaves — files that vanish
// mid-scan, EACCES / EPERM / EIO / ESRCH, half-written (truncated) content, a folder swapped for a symlink between the
// preview and the commit — and a scan of a large fake /proc that must yield to the event loop. Nothing may throw;
// every process or folder that could not be read is skipped with a counted reason.
import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CleanContext, planCleanUp, revalidateFolders } from '../../src/features/extensions/plan';
import { readCgroupMemory } from '../../src/probes/cgroup';
import { ExtensionsDirReport, isReclaimable, readExtensionsDir } from '../../src/probes/extensionsDir';
import { folderSize } from '../../src/probes/folderSize';
import { NodeProcFs, ProcFs } from '../../src/probes/procFs';
import { SkipReason, Snapshot, readCwd, readProcess, scanProcesses } from '../../src/probes/scanner';
import { readEntries, writeEntry } from '../../src/probes/windowRegistry';
import { BTIME, FIXTURES, FaultyProcFs, fixtureRoot, fsError, scanFixture } from './procFixtures';
import { fastTempDir, prop } from './properties/harness';

const CS_ROOT = fixtureRoot('codeserver');
const CS_PIDS = [1, 10583, 10597, 10753, 10873, 10874, 10899, 10922, 10946, 11122, 11130, 11131, 11200, 11300, 11310, 11311];
const HOUR = 3_600_000;

/** Every numeric entry is accounted for once: read into processes, or skipped with a reason. */
function assertAccounted(snap: Snapshot, pids: readonly number[]): void {
  const skipped = snap.skipped.map((s) => s.pid);
  assert.deepStrictEqual(
    [...snap.processes.keys(), ...skipped].sort((a, b) => a - b),
    [...pids].sort((a, b) => a - b),
  );
  assert.strictEqual(new Set(skipped).size, skipped.length, 'a pid skipped twice');
  for (const s of snap.skipped) assert.ok(s.detail.length > 0);
}

const reasonsOf = (snap: Snapshot): Record<number, SkipReason> => Object.fromEntries(snap.skipped.map((s) => [s.pid, s.reason]));

/** A ProcFs over the real one whose reads can be rewritten or intercepted (truncate, replace, delete something first). */
class TamperingProcFs implements ProcFs {
  readonly calls: string[] = [];
  private readonly real = new NodeProcFs();
  constructor(private readonly onRead: (p: string, read: () => string) => string) {}
  readdir(p: string): string[] {
    this.calls.push(`readdir:${p}`);
    return this.real.readdir(p);
  }
  readText(p: string): string {
    this.calls.push(`readText:${p}`);
    return this.onRead(p, () => this.real.readText(p));
  }
  uidOf(p: string): number {
    this.calls.push(`uidOf:${p}`);
    return this.real.uidOf(p);
  }
  readlink(p: string): string {
    this.calls.push(`readlink:${p}`);
    return this.real.readlink(p);
  }
}

describe('faults: the /proc scanner on the codeserver fixture', () => {
  it('a process that exits after its stat was read (ENOENT on cmdline) is skipped as vanished', async () => {
    const faulty = new FaultyProcFs({ [`${CS_ROOT}/11300/cmdline`]: 'ENOENT' });
    const snap = await scanFixture('codeserver', { fs: faulty });
    assert.ok(
      faulty.calls.indexOf(`readText:${CS_ROOT}/11300/stat`) < faulty.calls.indexOf(`readText:${CS_ROOT}/11300/cmdline`),
      'stat was read first',
    );
    assert.deepStrictEqual(snap.skipped, [{ pid: 11300, reason: 'vanished', detail: 'ENOENT' }]);
    assert.ok(!snap.processes.has(11300));
    assertAccounted(snap, CS_PIDS);
    // its children are still read (they are re-parented in a real /proc, here they just keep their ppid)
    assert.ok(snap.processes.has(11310) && snap.processes.has(11311));
  });

  it('EACCES / EPERM / EIO / ESRCH / an error without a code, on each file, are counted with their reason', async () => {
    const faulty = new FaultyProcFs({
      [`uidOf:${CS_ROOT}/10946`]: 'EACCES',
      [`${CS_ROOT}/11122/stat`]: 'EPERM',
      [`${CS_ROOT}/11200/cmdline`]: 'EIO',
      [`${CS_ROOT}/11310/stat`]: 'ESRCH',
      [`${CS_ROOT}/11311/cmdline`]: new Error('something odd'),
    });
    const snap = await scanFixture('codeserver', { fs: faulty });
    assert.deepStrictEqual(snap.skipped, [
      { pid: 10946, reason: 'permission', detail: 'EACCES' },
      { pid: 11122, reason: 'permission', detail: 'EPERM' },
      { pid: 11200, reason: 'io', detail: 'EIO' },
      { pid: 11310, reason: 'vanished', detail: 'ESRCH' },
      { pid: 11311, reason: 'io', detail: 'EUNKNOWN' },
    ]);
    assertAccounted(snap, CS_PIDS);
  });

  it('half-written or foreign stat content (cut short, garbage, another pid, empty) is skipped as unparsable', async () => {
    const rewrite: Record<string, (t: string) => string> = {
      [`${CS_ROOT}/10946/stat`]: (t) => t.slice(0, 40), // cut in the middle of the fields
      [`${CS_ROOT}/11122/stat`]: (t) => t.slice(0, t.indexOf(')')), // cut inside comm
      [`${CS_ROOT}/11200/stat`]: () => '\0\x01\xff garbage',
      [`${CS_ROOT}/11300/stat`]: (t) => t.replace(/^11300 /, '11301 '),
      [`${CS_ROOT}/11310/stat`]: () => '',
    };
    const snap = await scanFixture('codeserver', { fs: new TamperingProcFs((p, read) => (rewrite[p] ? rewrite[p](read()) : read())) });
    assert.deepStrictEqual(reasonsOf(snap), {
      10946: 'unparsable',
      11122: 'unparsable',
      11200: 'unparsable',
      11300: 'unparsable',
      11310: 'unparsable',
    });
    assert.match(snap.skipped.find((s) => s.pid === 11300)!.detail, /names pid 11301/);
    assertAccounted(snap, CS_PIDS);
  });

  it('a missing /proc/stat only loses the boot time; an unreadable root is "unavailable"; nothing throws', async () => {
    const noBoot = await scanFixture('codeserver', { fs: new FaultyProcFs({ [`${CS_ROOT}/stat`]: 'EACCES' }) });
    assert.strictEqual(noBoot.bootTimeMs, 0);
    assert.strictEqual(noBoot.processes.size, CS_PIDS.length);
    const noRoot = await scanFixture('codeserver', { fs: new FaultyProcFs({ [`readdir:${CS_ROOT}`]: 'EACCES' }) });
    assert.deepStrictEqual([noRoot.unavailable, noRoot.processes.size, noRoot.skipped], [`${CS_ROOT} cannot be read (EACCES)`, 0, []]);
  });

  it('every file of every process failing still gives a snapshot (empty, all skipped)', async () => {
    const faults: Record<string, string> = {};
    for (const pid of CS_PIDS) faults[`uidOf:${CS_ROOT}/${pid}`] = pid % 2 ? 'EACCES' : 'ENOENT';
    const snap = await scanFixture('codeserver', { fs: new FaultyProcFs(faults) });
    assert.strictEqual(snap.processes.size, 0);
    assert.strictEqual(snap.children.size, 0);
    assertAccounted(snap, CS_PIDS);
  });

  it('readProcess and readCwd answer undefined / a reason under faults instead of throwing', () => {
    const faulty = new FaultyProcFs({
      [`${CS_ROOT}/11200/stat`]: 'EIO',
      [`${CS_ROOT}/11300/cwd`]: 'EACCES',
      [`${CS_ROOT}/10946/cwd`]: 'ENOENT',
    });
    assert.strictEqual(readProcess(11200, CS_ROOT, faulty), undefined);
    assert.strictEqual(readProcess(424242, CS_ROOT, faulty), undefined);
    assert.deepStrictEqual(readCwd(11300, CS_ROOT, faulty), { ok: false, reason: 'permission denied' });
    assert.deepStrictEqual(readCwd(10946, CS_ROOT, faulty), { ok: false, reason: 'process exited' });
  });
});

describe('faults: processes that really vanish from a fake /proc in a temp folder', () => {
  let root: string;
  beforeEach(() => {
    root = fastTempDir('csops-faults-proc-');
    fs.cpSync(CS_ROOT, root, { recursive: true, verbatimSymlinks: true });
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a pid directory removed between readdir and its read is skipped as vanished (real ENOENT)', async () => {
    // when the scanner reads 10946's stat, 11200 and 11300 exit; 11310's cmdline disappears right after its stat
    const fsTamper = new TamperingProcFs((p, read) => {
      if (p === `${root}/10946/stat`) {
        fs.rmSync(`${root}/11200`, { recursive: true });
        fs.rmSync(`${root}/11300`, { recursive: true });
      }
      const text = read();
      if (p === `${root}/11310/stat`) fs.rmSync(`${root}/11310/cmdline`);
      return text;
    });
    const snap = await scanProcesses({ procRoot: root, fs: fsTamper, pageSize: 4096 });
    assert.deepStrictEqual(reasonsOf(snap), { 11200: 'vanished', 11300: 'vanished', 11310: 'vanished' });
    assert.ok(snap.skipped.every((s) => s.detail === 'ENOENT'));
    assertAccounted(snap, CS_PIDS);
  });

  it('processes exiting while the scanner yields between slices are skipped, the rest read', async () => {
    let yields = 0;
    const snap = await scanProcesses({
      procRoot: root,
      pageSize: 4096,
      sliceSize: 3,
      yieldToLoop: async () => {
        yields++;
        // the next two pids in order exit during the pause
        const pending = CS_PIDS.slice(yields * 3, yields * 3 + 2);
        for (const pid of pending) fs.rmSync(`${root}/${pid}`, { recursive: true, force: true });
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    assert.strictEqual(yields, Math.ceil(CS_PIDS.length / 3) - 1);
    const gone = Array.from({ length: yields }, (_, i) => CS_PIDS.slice((i + 1) * 3, (i + 1) * 3 + 2)).flat();
    assert.deepStrictEqual(
      Object.keys(reasonsOf(snap))
        .map(Number)
        .sort((a, b) => a - b),
      gone.sort((a, b) => a - b),
    );
    assert.ok(snap.skipped.every((s) => s.reason === 'vanished'));
    assertAccounted(snap, CS_PIDS);
  });

  it('a stat file that is half written on disk is unparsable, its neighbours unaffected', async () => {
    const statText = fs.readFileSync(`${root}/11122/stat`, 'latin1');
    fs.writeFileSync(`${root}/11122/stat`, statText.slice(0, Math.floor(statText.length / 3)));
    fs.writeFileSync(`${root}/11131/stat`, '');
    const snap = await scanProcesses({ procRoot: root, pageSize: 4096 });
    assert.deepStrictEqual(reasonsOf(snap), { 11122: 'unparsable', 11131: 'unparsable' });
    assertAccounted(snap, CS_PIDS);
  });
});

// ---- random faults on an in-memory /proc ----

type Fault = 'ENOENT' | 'EACCES' | 'EPERM' | 'EIO' | 'ESRCH' | 'plain' | undefined;
type Content = 'ok' | 'truncated' | 'garbage' | 'otherPid';
const REASON: Record<Exclude<Fault, undefined>, SkipReason> = {
  ENOENT: 'vanished',
  ESRCH: 'vanished',
  EACCES: 'permission',
  EPERM: 'permission',
  EIO: 'io',
  plain: 'io',
};

/** An in-memory /proc: files by path, and faults by `method:path`. */
class MemoryProcFs implements ProcFs {
  constructor(
    private readonly files: Map<string, string>,
    private readonly dirs: Map<string, string[]>,
    private readonly faults: Map<string, Exclude<Fault, undefined>>,
  ) {}
  private check(key: string): void {
    const f = this.faults.get(key);
    if (f === 'plain') throw new Error('plain');
    if (f) throw fsError(f, key);
  }
  readdir(p: string): string[] {
    this.check(`readdir:${p}`);
    const d = this.dirs.get(p);
    if (!d) throw fsError('ENOENT', p);
    return d;
  }
  readText(p: string): string {
    this.check(`readText:${p}`);
    const f = this.files.get(p);
    if (f === undefined) throw fsError('ENOENT', p);
    return f;
  }
  uidOf(p: string): number {
    this.check(`uidOf:${p}`);
    return 1000;
  }
  readlink(p: string): string {
    this.check(`readlink:${p}`);
    throw fsError('ENOENT', p);
  }
}

const faultArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Fault>(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<Fault>('ENOENT', 'EACCES', 'EPERM', 'EIO', 'ESRCH', 'plain') },
);
const procArb = fc.uniqueArray(
  fc.record({
    pid: fc.integer({ min: 1, max: 99999 }),
    uidFault: faultArb,
    statFault: faultArb,
    cmdlineFault: faultArb,
    content: fc.constantFrom<Content>('ok', 'ok', 'ok', 'truncated', 'garbage', 'otherPid'),
    cut: fc.nat({ max: 200 }),
  }),
  { maxLength: 40, selector: (p) => p.pid },
);

describe('faults: random faults on an in-memory /proc', () => {
  prop('the scanner never throws; each pid is read or skipped once, with the reason of its first fault', 500, () =>
    fc.asyncProperty(
      procArb,
      fc.integer({ min: 1, max: 50 }),
      fc.array(fc.constantFrom('not-a-pid', 'self', 'sys', '00x'), { maxLength: 3 }),
      async (procs, sliceSize, extra) => {
        const root = '/fake';
        const files = new Map<string, string>([[`${root}/stat`, `cpu 1 2 3\nbtime ${BTIME}\n`]]);
        const faults = new Map<string, Exclude<Fault, undefined>>();
        for (const p of procs) {
          const line = `${p.pid} (proc ${p.pid}) S 1 ${p.pid} ${p.pid} 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 ${1000 + p.pid} 0 ${p.pid} 0\n`;
          const rssStart = line.split(' ').slice(0, 23).join(' ').length; // cut before the rss field: a cut inside it still parses
          const stat =
            p.content === 'truncated'
              ? line.slice(0, Math.min(p.cut, rssStart))
              : p.content === 'garbage'
                ? `\0\xff${p.cut}`
                : p.content === 'otherPid'
                  ? line.replace(/^\d+/, String(p.pid + 100_000))
                  : line;
          files.set(`${root}/${p.pid}/stat`, stat);
          files.set(`${root}/${p.pid}/cmdline`, `prog\0--n=${p.pid}\0`);
          if (p.uidFault) faults.set(`uidOf:${root}/${p.pid}`, p.uidFault);
          if (p.statFault) faults.set(`readText:${root}/${p.pid}/stat`, p.statFault);
          if (p.cmdlineFault) faults.set(`readText:${root}/${p.pid}/cmdline`, p.cmdlineFault);
        }
        const dirs = new Map([[root, [...procs.map((p) => String(p.pid)), ...extra]]]);
        let yields = 0;
        const snap = await scanProcesses({
          procRoot: root,
          fs: new MemoryProcFs(files, dirs, faults),
          sliceSize,
          sliceBudgetMs: 0, // slicing by count only: a 2 ms time budget could add a yield on a loaded machine
          pageSize: 4096,
          yieldToLoop: async () => void yields++,
        });
        if (procs.length === 0) {
          assert.ok(snap.unavailable);
          return;
        }
        assertAccounted(
          snap,
          procs.map((p) => p.pid),
        );
        assert.strictEqual(yields, Math.max(0, Math.ceil(procs.length / sliceSize) - 1));
        const reasons = reasonsOf(snap);
        for (const p of procs) {
          const fault = p.uidFault ?? p.statFault ?? p.cmdlineFault; // the order the scanner reads in
          const expected: SkipReason | undefined = fault ? REASON[fault] : p.content !== 'ok' ? 'unparsable' : undefined;
          assert.strictEqual(reasons[p.pid], expected, `pid ${p.pid}: ${JSON.stringify(p)}`);
          if (!expected) {
            const rec = snap.processes.get(p.pid)!;
            assert.deepStrictEqual(
              [rec.comm, rec.starttime, rec.rssBytes, rec.argv],
              [`proc ${p.pid}`, 1000 + p.pid, p.pid * 4096, ['prog', `--n=${p.pid}`]],
            );
          }
        }
      },
    ),
  );
});

// ---- cgroup files under faults ----

describe('faults: cgroup memory files', () => {
  const V2 = path.join(path.dirname(FIXTURES), 'cgroup', 'v2');
  const scope = `${V2}/cgroup/user.slice/user-1000.slice/session-3.scope`;
  const files = ['memory.current', 'memory.max', 'memory.peak', 'memory.events'].map((f) => `${scope}/${f}`);

  prop('any of the memory files failing (ENOENT, EACCES, EIO…) is listed as a problem, the others still read; never throws', 300, () =>
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...files, `${V2}/proc/self/cgroup`), fc.constantFrom('ENOENT', 'EACCES', 'EPERM', 'EIO')), {
        maxLength: 5,
      }),
      (picked) => {
        const faults = Object.fromEntries(picked);
        const r = readCgroupMemory({ procRoot: `${V2}/proc`, cgroupRoot: `${V2}/cgroup`, fs: new FaultyProcFs(faults) });
        const problems = r.ok ? r.value.problems : r.problems;
        const sources = r.ok ? r.value.sources : r.sources;
        for (const s of sources) assert.ok(!(s in faults), `${s} is a source although it failed`);
        if (`${V2}/proc/self/cgroup` in faults) {
          // without the membership no memory file is read
          assert.ok(problems.some((p) => p.file === `${V2}/proc/self/cgroup`));
          return assert.strictEqual(r.ok, false);
        }
        for (const file of Object.keys(faults))
          assert.ok(
            problems.some((p) => p.file === file),
            `${file} not reported`,
          );
        assert.ok(r.ok);
        assert.strictEqual(typeof r.value.currentBytes, `${scope}/memory.current` in faults ? 'undefined' : 'number');
        assert.strictEqual(r.value.events === undefined, `${scope}/memory.events` in faults);
      },
    ),
  );
});

// ---- extensions folder under faults ----

/** An extensions folder in a temp dir: extensions.json referencing `installed`, plus leftover folders, all 2 h old. */
function makeExtensionsDir(root: string, nowMs: number): { dir: string; outside: string } {
  const dir = path.join(root, 'extensions');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(outside, 'elsewhere'), { recursive: true });
  const installed = ['pub.a-2.0.0', 'pub.b-1.0.0'];
  const entries = installed.map((f) => ({
    identifier: { id: f.replace(/-\d.*$/, '') },
    version: f.replace(/^.*?-/, ''),
    relativeLocation: f,
  }));
  fs.writeFileSync(path.join(dir, 'extensions.json'), JSON.stringify(entries));
  fs.writeFileSync(path.join(dir, '.obsolete'), JSON.stringify({ 'pub.c-1.0.0': true }));
  for (const f of [...installed, 'pub.a-1.0.0', 'pub.c-1.0.0', 'scratch']) {
    fs.mkdirSync(path.join(dir, f, 'out'), { recursive: true });
    fs.writeFileSync(path.join(dir, f, 'package.json'), '{}');
    fs.writeFileSync(path.join(dir, f, 'out', 'extension.js'), '// x\n'.repeat(200));
  }
  const t = new Date(nowMs - 2 * HOUR);
  for (const f of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, f), t, t);
  return { dir, outside };
}

const realpath = (p: string): string | undefined => {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
};
const cleanContext = (nowMs: number, loaded: string[] = []): CleanContext => ({
  nowMs,
  readOptions: {},
  loadedPaths: new Set(loaded),
  unlistedHosts: [],
  selfPath: '/nonexistent/csops',
  realpathOf: realpath,
  sizeOf: () => 4096,
});

/** Runs fn with fs.promises[name] replaced (the probes look it up at call time), then restores it. */
/** Patches one synchronous fs function (what folderSize uses) for the duration of fn. */
async function withPatchedSync<K extends 'lstatSync' | 'readdirSync'>(
  name: K,
  replacement: (original: (typeof fs)[K]) => (typeof fs)[K],
  fn: () => Promise<void>,
): Promise<void> {
  // The module object itself (the `import * as` namespace only has getters onto it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require('fs') as Record<K, unknown>;
  const original = fs[name];
  real[name] = replacement(original);
  try {
    await fn();
  } finally {
    real[name] = original;
  }
}

async function withPatched<K extends 'lstat' | 'readFile' | 'readdir'>(
  name: K,
  replacement: (original: (typeof fs.promises)[K]) => (typeof fs.promises)[K],
  fn: () => Promise<void>,
): Promise<void> {
  const original = fs.promises[name];
  (fs.promises as Record<K, unknown>)[name] = replacement(original.bind(fs.promises) as (typeof fs.promises)[K]);
  try {
    await fn();
  } finally {
    (fs.promises as Record<K, unknown>)[name] = original;
  }
}

describe('faults: the extensions folder', () => {
  let root: string;
  let dir: string;
  let outside: string;
  const now = Date.now();
  beforeEach(() => {
    root = fastTempDir('csops-faults-ext-');
    ({ dir, outside } = makeExtensionsDir(root, now));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const classes = (r: ExtensionsDirReport) => Object.fromEntries(r.folders.map((f) => [f.name, f.cls]));

  it('reads the test folder as expected without faults', async () => {
    const r = await readExtensionsDir(dir, now);
    assert.strictEqual(r.error, undefined);
    assert.deepStrictEqual(classes(r), {
      'pub.a-1.0.0': 'olderVersion',
      'pub.a-2.0.0': 'installed',
      'pub.b-1.0.0': 'installed',
      'pub.c-1.0.0': 'obsolete',
      scratch: 'unreferenced',
    });
  });

  it('a folder that vanishes between readdir and its lstat is left out, the rest classified', async () => {
    await withPatched(
      'lstat',
      (lstat) =>
        (async (p: fs.PathLike, ...rest: unknown[]) => {
          if (String(p) === path.join(dir, 'scratch')) fs.rmSync(String(p), { recursive: true });
          return (lstat as (...a: unknown[]) => Promise<fs.Stats>)(p, ...rest);
        }) as typeof fs.promises.lstat,
      async () => {
        const r = await readExtensionsDir(dir, now);
        assert.strictEqual(r.error, undefined);
        assert.deepStrictEqual(Object.keys(classes(r)), ['pub.a-1.0.0', 'pub.a-2.0.0', 'pub.b-1.0.0', 'pub.c-1.0.0']);
      },
    );
  });

  it('extensions.json vanishing, unreadable (EACCES) or truncated: an error, and nothing is reclaimable', async () => {
    const planAll = (r: ExtensionsDirReport) =>
      planCleanUp(
        r,
        r.folders.map((f) => f.name),
        cleanContext(now),
      );
    await withPatched(
      'readFile',
      (readFile) =>
        (async (p: fs.PathLike, ...rest: unknown[]) => {
          if (String(p).endsWith('extensions.json')) throw fsError('EACCES', String(p));
          return (readFile as (...a: unknown[]) => Promise<string>)(p, ...rest);
        }) as typeof fs.promises.readFile,
      async () => {
        const r = await readExtensionsDir(dir, now);
        assert.strictEqual(r.error, 'extensions.json cannot be read (EACCES)');
        assert.ok(r.folders.every((f) => !isReclaimable(r, f)));
        assert.deepStrictEqual(planAll(r).targets, []);
      },
    );
    const text = fs.readFileSync(path.join(dir, 'extensions.json'), 'utf8');
    for (const cut of [0, 1, 10, Math.floor(text.length / 2), text.length - 1]) {
      fs.writeFileSync(path.join(dir, 'extensions.json'), text.slice(0, cut));
      const r = await readExtensionsDir(dir, now);
      assert.match(r.error ?? '', /^extensions\.json is not valid JSON/, `cut at ${cut}`);
      assert.deepStrictEqual(planAll(r).targets, [], `cut at ${cut}`);
    }
    fs.rmSync(path.join(dir, 'extensions.json'));
    const gone = await readExtensionsDir(dir, now);
    assert.strictEqual(gone.error, 'extensions.json is missing');
    assert.deepStrictEqual(planAll(gone).targets, []);
  });

  it('.obsolete failing with EIO is a warning; the folder is still classified (without it)', async () => {
    await withPatched(
      'readFile',
      (readFile) =>
        (async (p: fs.PathLike, ...rest: unknown[]) => {
          if (String(p).endsWith('.obsolete')) throw fsError('EIO', String(p));
          return (readFile as (...a: unknown[]) => Promise<string>)(p, ...rest);
        }) as typeof fs.promises.readFile,
      async () => {
        const r = await readExtensionsDir(dir, now);
        assert.strictEqual(r.error, undefined);
        assert.strictEqual(r.warnings.length, 1);
        assert.match(r.warnings[0], /^\.obsolete cannot be read/);
        assert.strictEqual(classes(r)['pub.c-1.0.0'], 'unreferenced');
      },
    );
  });

  it('the extensions folder itself unreadable (EACCES) or gone: an error, no folders, no throw', async () => {
    await withPatched(
      'readdir',
      (readdir) =>
        (async (p: fs.PathLike, ...rest: unknown[]) => {
          if (String(p) === dir) throw fsError('EACCES', dir);
          return (readdir as (...a: unknown[]) => Promise<string[]>)(p, ...rest);
        }) as typeof fs.promises.readdir,
      async () => {
        const r = await readExtensionsDir(dir, now);
        assert.deepStrictEqual([r.error, r.folders], [`the extensions folder ${dir} cannot be read (EACCES)`, []]);
      },
    );
    const r = await readExtensionsDir(path.join(root, 'nope'), now);
    assert.match(r.error ?? '', /cannot be read \(ENOENT\)/);
  });

  it('folderSize: a subfolder that vanishes mid-walk and an unreadable file are counted as errors, the rest sized', async () => {
    const target = path.join(dir, 'pub.a-1.0.0');
    const whole = await folderSize(target);
    assert.deepStrictEqual([whole.errors, whole.cancelled], [0, false]);
    // The folder is removed by hand, once: a recursive fs.rmSync here would be the first one of a run started with
    // --grep, and Node 20 loads its rimraf then, binding the patched readdirSync for good (every later rmSync, the
    // afterEach's too, would go through it and fail with ENOTEMPTY).
    let removed = false;
    await withPatchedSync(
      'readdirSync',
      (readdir) =>
        ((p: fs.PathLike, ...rest: unknown[]) => {
          const names = (readdir as (...a: unknown[]) => string[])(p, ...rest);
          if (String(p) === target && !removed) {
            removed = true; // listed, then gone
            fs.unlinkSync(path.join(target, 'out', 'extension.js'));
            fs.rmdirSync(path.join(target, 'out'));
          }
          return names;
        }) as typeof fs.readdirSync,
      async () => {
        const s = await folderSize(target);
        assert.strictEqual(s.errors, 1); // lstat of out: ENOENT
        assert.ok(s.entries < whole.entries && s.bytes <= whole.bytes && s.entries >= 2);
      },
    );
    await withPatchedSync(
      'lstatSync',
      (lstat) =>
        ((p: fs.PathLike, ...rest: unknown[]) => {
          if (String(p).endsWith('package.json')) throw fsError('EACCES', String(p));
          return (lstat as (...a: unknown[]) => fs.Stats)(p, ...rest);
        }) as typeof fs.lstatSync,
      async () => {
        const s = await folderSize(path.join(dir, 'pub.b-1.0.0'));
        assert.strictEqual(s.errors, 1);
      },
    );
    const missing = await folderSize(path.join(dir, 'no-such-folder'));
    assert.deepStrictEqual([missing.entries, missing.errors, missing.bytes], [0, 1, 0]);
  });

  describe('between the preview and the commit', () => {
    const plan = async (names: string[]) => {
      const report = await readExtensionsDir(dir, now);
      const p = planCleanUp(report, names, cleanContext(now));
      assert.deepStrictEqual(p.targets.map((t) => t.name).sort(), [...names].sort(), `planned: ${JSON.stringify(p.skipped)}`);
      return p;
    };
    const commit = async (p: Awaited<ReturnType<typeof plan>>, loaded: string[] = []) =>
      revalidateFolders(p, await readExtensionsDir(dir, now), cleanContext(now, loaded));
    /** Swaps `name` for `make(tmpPath)` atomically (the old folder is kept aside, so its inode cannot be reused). */
    const swap = (name: string, make: (tmp: string) => void): void => {
      const tmp = path.join(dir, `.swap-${name}`);
      make(tmp);
      fs.renameSync(path.join(dir, name), path.join(root, `old-${name}`));
      fs.renameSync(tmp, path.join(dir, name));
    };

    it('a folder replaced by a symlink to a folder outside is skipped (even with the old mtime)', async () => {
      const p = await plan(['scratch', 'pub.a-1.0.0']);
      const old = fs.lstatSync(path.join(dir, 'scratch')).mtime;
      swap('scratch', (tmp) => {
        fs.symlinkSync(path.join(outside, 'elsewhere'), tmp);
        fs.lutimesSync(tmp, old, old);
      });
      const r = await commit(p);
      assert.deepStrictEqual(
        r.valid.map((t) => t.name),
        ['pub.a-1.0.0'],
      );
      assert.deepStrictEqual(
        r.skipped.map((s) => [s.target.name, s.because]),
        [['scratch', 'replaced by another folder']],
      );
    });

    it('a folder replaced by another folder of the same name and mtime (a reinstall) is skipped', async () => {
      const p = await plan(['pub.c-1.0.0']);
      const old = fs.statSync(path.join(dir, 'pub.c-1.0.0')).mtime;
      swap('pub.c-1.0.0', (tmp) => {
        fs.mkdirSync(tmp);
        fs.utimesSync(tmp, old, old);
      });
      const r = await commit(p);
      assert.deepStrictEqual(
        r.skipped.map((s) => [s.target.name, s.because]),
        [['pub.c-1.0.0', 'replaced by another folder']],
      );
    });

    it('a folder modified, removed, referenced again or loaded meanwhile is skipped; extensions.json rewritten skips all', async () => {
      const p = await plan(['scratch', 'pub.a-1.0.0', 'pub.c-1.0.0']);
      fs.writeFileSync(path.join(dir, 'scratch', 'new-file'), 'x'); // mtime of the folder changes
      fs.rmSync(path.join(dir, 'pub.c-1.0.0'), { recursive: true });
      const r = await commit(p, [path.join(dir, 'pub.a-1.0.0')]);
      assert.deepStrictEqual(r.skipped.map((s) => [s.target.name, s.because]).sort(), [
        ['pub.a-1.0.0', 'loaded in a window'],
        ['pub.c-1.0.0', 'gone'],
        ['scratch', 'modified since the preview'],
      ]);
      const p2 = await plan(['pub.a-1.0.0']);
      fs.writeFileSync(path.join(dir, 'extensions.json'), fs.readFileSync(path.join(dir, 'extensions.json'), 'utf8') + ' ');
      const r2 = await commit(p2);
      assert.deepStrictEqual(
        r2.skipped.map((s) => s.because),
        ['extensions.json changed since the preview'],
      );
    });

    it('a symlink that leads outside is never planned in the first place', async () => {
      fs.symlinkSync(path.join(outside, 'elsewhere'), path.join(dir, 'linked.ext-1.0.0'));
      const t = new Date(now - 2 * HOUR);
      fs.lutimesSync(path.join(dir, 'linked.ext-1.0.0'), t, t);
      const report = await readExtensionsDir(dir, now);
      const p = planCleanUp(report, ['linked.ext-1.0.0'], cleanContext(now));
      assert.deepStrictEqual(p.targets, []);
      assert.match(p.skipped[0].because, /^outside the extensions folder/);
    });
  });
});

// ---- window registry under faults ----

describe('faults: the window registry folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fastTempDir('csops-faults-reg-');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an entry that vanishes between readdir and its read is ignored; a directory or EIO is a problem', async () => {
    const entry = (pid: number) => ({ version: 1 as const, pid, starttime: 7, terminalPids: [], updatedAtMs: 0 });
    for (const pid of [1, 2, 3]) await writeEntry(dir, entry(pid));
    fs.mkdirSync(path.join(dir, '4-7.json'));
    await withPatched(
      'readFile',
      (readFile) =>
        (async (p: fs.PathLike, ...rest: unknown[]) => {
          if (String(p).endsWith('1-7.json')) fs.rmSync(String(p));
          if (String(p).endsWith('2-7.json')) throw fsError('EIO', String(p));
          return (readFile as (...a: unknown[]) => Promise<string>)(p, ...rest);
        }) as typeof fs.promises.readFile,
      async () => {
        const r = await readEntries(dir);
        assert.deepStrictEqual(
          r.entries.map((e) => e.pid),
          [3],
        );
        assert.deepStrictEqual(r.problems.map((p) => [p.file, p.reason]).sort(), [
          ['2-7.json', 'EIO'],
          ['4-7.json', 'EISDIR'],
        ]);
      },
    );
  });
});

// ---- a large fake /proc: the scan yields to the event loop ----

describe('faults: a large fake /proc (3000 processes) is scanned without blocking the event loop', () => {
  const N = 3000;
  let root: string;
  before(function () {
    this.timeout(60_000);
    root = fastTempDir('csops-faults-big-');
    fs.writeFileSync(path.join(root, 'stat'), `cpu 1 2 3\nbtime ${BTIME}\n`);
    for (let i = 0; i < N; i++) {
      const pid = 1000 + i;
      fs.mkdirSync(path.join(root, String(pid)));
      fs.writeFileSync(
        path.join(root, String(pid), 'stat'),
        `${pid} (worker ${i}) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 ${i} 1 0 0 20 0 1 0 ${5000 + i} 0 ${i % 500} 0\n`,
      );
      fs.writeFileSync(path.join(root, String(pid), 'cmdline'), `worker\0--id=${i}\0`);
    }
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Counts timer ticks (setInterval) and check-phase ticks (setImmediate) while `run` is in progress. */
  async function ticksDuring<T>(run: () => Promise<T>): Promise<{ result: T; intervalTicks: number; immediateTicks: number }> {
    let intervalTicks = 0;
    let immediateTicks = 0;
    let running = true;
    const interval = setInterval(() => void intervalTicks++, 1);
    const spin = (): void => {
      if (!running) return;
      immediateTicks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    try {
      const result = await run();
      running = false;
      return { result, intervalTicks, immediateTicks };
    } finally {
      running = false;
      clearInterval(interval);
    }
  }

  it('timers and immediates run during the scan (it yields between slices); all 3000 are read', async function () {
    this.timeout(30_000);
    let yields = 0;
    const {
      result: snap,
      intervalTicks,
      immediateTicks,
    } = await ticksDuring(() =>
      scanProcesses({
        procRoot: root,
        pageSize: 4096,
        yieldToLoop: () => new Promise<void>((resolve) => setImmediate(() => (yields++, resolve()))),
      }),
    );
    assert.strictEqual(snap.processes.size, N);
    assert.deepStrictEqual(snap.skipped, []);
    assert.ok(yields >= Math.ceil(N / 200) - 1, `${yields} yields`); // at least once per 200 processes, more when a slice runs over 4 ms
    assert.ok(immediateTicks > 0, 'no setImmediate callback ran during the scan');
    assert.ok(intervalTicks > 0, `no timer tick during a scan of ${snap.durationMs} ms`);
    console.log(
      `      scan of ${N} fake processes: ${snap.durationMs} ms, ${yields} yields, ${intervalTicks} timer ticks, ${immediateTicks} immediates during it`,
    );
  });

  it('yields on the time budget even with a huge slice size, when reading is slow', async function () {
    this.timeout(30_000);
    let yields = 0;
    const slow = new NodeProcFs();
    const readRaw = slow.readRaw.bind(slow); // the scanner reads stat and cmdline without a string
    slow.readRaw = (p: string, end) => {
      const until = performance.now() + 0.2; // a slow /proc: 0.2 ms per file
      while (performance.now() < until) {
        // busy
      }
      return readRaw(p, end);
    };
    const snap = await scanProcesses({
      procRoot: root,
      pageSize: 4096,
      fs: slow,
      sliceSize: 1_000_000,
      yieldToLoop: () => new Promise<void>((r) => setImmediate(() => (yields++, r()))),
    });
    assert.strictEqual(snap.processes.size, N);
    assert.ok(yields >= 10, `only ${yields} yields for a ${snap.durationMs} ms scan`);
    const none = await scanProcesses({
      procRoot: root,
      pageSize: 4096,
      sliceSize: 1_000_000,
      sliceBudgetMs: 0,
      yieldToLoop: () => new Promise<void>((r) => setImmediate(() => ((yields = -1), r()))),
    });
    assert.strictEqual(none.processes.size, N);
    assert.ok(yields >= 10, 'without a budget and with a huge slice, the scan never yields');
  });

  it('lists the proc root in slices too: a slow listing yields before the first process is read', async function () {
    this.timeout(30_000);
    const slow = new NodeProcFs();
    const openDir = slow.openDir.bind(slow);
    let listed = 0;
    let read = 0;
    let yieldsBeforeFirstRead = 0;
    slow.openDir = (p: string) => {
      const dir = openDir(p);
      return {
        next: () => {
          const until = performance.now() + 0.02; // a slow listing: 20 µs per name, ~60 ms for all of them
          while (performance.now() < until) {
            // busy
          }
          listed++;
          return dir.next();
        },
        close: () => dir.close(),
      };
    };
    const readRaw = slow.readRaw.bind(slow);
    slow.readRaw = (p: string, end) => (p.endsWith('/stat') && p !== `${root}/stat` && read++, readRaw(p, end));
    const snap = await scanProcesses({
      procRoot: root,
      pageSize: 4096,
      fs: slow,
      sliceSize: 1_000_000,
      yieldToLoop: () => new Promise<void>((r) => setImmediate(() => (read === 0 && yieldsBeforeFirstRead++, r()))),
    });
    assert.strictEqual(snap.processes.size, N);
    assert.ok(listed > N, `${listed} names listed`);
    assert.ok(yieldsBeforeFirstRead >= 10, `only ${yieldsBeforeFirstRead} yields while listing ${listed} names`);
    // the same listing with the time budget off: no yield at all before the reads
    yieldsBeforeFirstRead = 0;
    read = 0;
    await scanProcesses({
      procRoot: root,
      pageSize: 4096,
      fs: slow,
      sliceSize: 1_000_000,
      sliceBudgetMs: 0,
      yieldToLoop: () => new Promise<void>((r) => setImmediate(() => (read === 0 && yieldsBeforeFirstRead++, r()))),
    });
    assert.strictEqual(yieldsBeforeFirstRead, 0);
  });

  it('a listing in any order, with a name twice, gives each pid once, ascending, with children in pid order', async () => {
    const shuffled = new NodeProcFs();
    const pids = Array.from({ length: N }, (_, i) => 1000 + i);
    const order = [...pids].sort((a, b) => ((a * 7919) % 3001) - ((b * 7919) % 3001)).map(String);
    order.splice(17, 0, order[3], 'self', 'stat');
    shuffled.openDir = () => {
      let i = 0;
      return { next: () => order[i++], close: () => undefined };
    };
    const snap = await scanProcesses({ procRoot: root, pageSize: 4096, fs: shuffled });
    assert.deepStrictEqual([...snap.processes.keys()], pids);
    assert.deepStrictEqual(snap.skipped, []);
    assert.deepStrictEqual(snap.children.get(1), pids);
  });

  it('with the default yield as well (no injected yieldToLoop)', async function () {
    this.timeout(30_000);
    const { result: snap, immediateTicks } = await ticksDuring(() => scanProcesses({ procRoot: root, pageSize: 4096 }));
    assert.strictEqual(snap.processes.size, N);
    assert.ok(immediateTicks > 0);
  });

  it('control: a scan that never yields (microtask "yields") lets no timer or immediate run — so the counters measure yielding', async function () {
    this.timeout(30_000);
    const {
      result: snap,
      intervalTicks,
      immediateTicks,
    } = await ticksDuring(() => scanProcesses({ procRoot: root, pageSize: 4096, yieldToLoop: () => Promise.resolve() }));
    assert.strictEqual(snap.processes.size, N);
    assert.deepStrictEqual([intervalTicks, immediateTicks], [0, 0]);
  });
});
