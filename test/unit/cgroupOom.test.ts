import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CgroupOomWatcher, OomCounterReading, diffOomCounters, listCgroupTree, readOomCounters } from '../../src/probes/cgroupOom';
import { NodeProcFs } from '../../src/probes/procFs';
import { CgroupOomChange } from '../../src/probes/cgroupOom';
import { MemoryMonitor } from '../../src/features/memory/monitor';
import { FIXTURES, FaultyProcFs } from './procFixtures';

const CGROUP_FIXTURES = path.join(path.dirname(FIXTURES), 'cgroup');
const V1 = path.join(CGROUP_FIXTURES, 'v1-tree', 'memory', 'process_api', 'box');
const V2 = path.join(CGROUP_FIXTURES, 'v2-tree', 'system.slice', 'code-server.service');
const real = new NodeProcFs();
const rel = (root: string, dirs: string[]): string[] => dirs.map((d) => path.relative(root, d) || '.');

function copyTree(src: string): { dir: string; cleanup(): void } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-cgoom-'));
  const dir = path.join(base, 'own');
  fs.cpSync(src, dir, { recursive: true });
  return { dir, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}
const setV1 = (dir: string, kills: number): void =>
  fs.writeFileSync(path.join(dir, 'memory.oom_control'), `oom_kill_disable 0\nunder_oom 0\noom_kill ${kills}\n`);
const setV2 = (file: string, oom: number, kills: number): void =>
  fs.writeFileSync(file, `low 0\nhigh 0\nmax 0\noom ${oom}\noom_kill ${kills}\noom_group_kill 0\n`);

describe('cgroup OOM counters (cgroupOom)', () => {
  describe('listCgroupTree', () => {
    it('walks v1 child memory cgroups breadth first, skipping control files', () => {
      const t = listCgroupTree(real, V1, { maxDepth: 10, maxCount: 100 });
      assert.deepStrictEqual(rel(V1, t.dirs), [
        '.',
        'build',
        'tests',
        'zz-old',
        'build/step1',
        'build/step1/deep',
        'build/step1/deep/deeper',
      ]);
      assert.deepStrictEqual(t.notIncluded, []);
    });

    it('stops at the depth limit and says what it left out', () => {
      const t = listCgroupTree(real, V1, { maxDepth: 2, maxCount: 100 });
      assert.deepStrictEqual(rel(V1, t.dirs), ['.', 'build', 'tests', 'zz-old', 'build/step1']);
      assert.strictEqual(t.notIncluded.length, 1);
      assert.match(t.notIncluded[0], /build\/step1\/deep and below: deeper than 2 level/);
    });

    it('stops at the count limit and says how many it left out', () => {
      const t = listCgroupTree(real, V1, { maxDepth: 10, maxCount: 3 });
      assert.deepStrictEqual(rel(V1, t.dirs), ['.', 'build', 'tests']);
      assert.deepStrictEqual(t.notIncluded, ['2 more cgroup(s) and any below them: more than 3 in all']);
    });

    it('depth 0 is the own cgroup only', () => {
      const t = listCgroupTree(real, V1, { maxDepth: 0, maxCount: 100 });
      assert.deepStrictEqual(rel(V1, t.dirs), ['.']);
      assert.strictEqual(t.notIncluded.length, 3);
    });

    it('an unreadable own cgroup is said, not thrown', () => {
      const t = listCgroupTree(new FaultyProcFs({ [V1]: 'EACCES' }), V1);
      assert.deepStrictEqual(t, { dirs: [], notIncluded: [`${V1}: not readable`] });
    });

    it('never exceeds the limits on any tree (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 10 }), (maxDepth, maxCount) => {
          const t = listCgroupTree(real, V1, { maxDepth, maxCount });
          assert.ok(t.dirs.length <= maxCount);
          for (const d of t.dirs) assert.ok(path.relative(V1, d).split('/').filter(Boolean).length <= maxDepth);
          assert.strictEqual(t.dirs.length < 7, t.notIncluded.length > 0);
        }),
      );
    });
  });

  describe('readOomCounters', () => {
    it('v1: memory.oom_control of every listed cgroup', () => {
      const r = readOomCounters(real, 1, listCgroupTree(real, V1).dirs);
      assert.strictEqual(r.hierarchical, undefined);
      assert.deepStrictEqual(r.local.get(path.join(V1, 'build')), { oomKill: 2 });
      assert.deepStrictEqual(r.local.get(path.join(V1, 'tests')), { oomKill: 1 });
      assert.deepStrictEqual(r.problems, []);
    });

    it('v2: memory.events (hierarchical) of the own cgroup and memory.events.local of each', () => {
      const r = readOomCounters(real, 2, listCgroupTree(real, V2).dirs);
      assert.deepStrictEqual(r.hierarchical, { oom: 3, oomKill: 3 });
      assert.deepStrictEqual(r.local.get(V2), { oom: 0, oomKill: 0 });
      assert.deepStrictEqual(r.local.get(path.join(V2, 'runner', 'job')), { oom: 1, oomKill: 1 });
    });

    it('a missing or unparsable file is a problem, not a zero', () => {
      const r = readOomCounters(new FaultyProcFs({ [path.join(V1, 'tests', 'memory.oom_control')]: 'ENOENT' }), 1, [
        V1,
        path.join(V1, 'tests'),
      ]);
      assert.strictEqual(r.local.has(path.join(V1, 'tests')), false);
      assert.deepStrictEqual(r.problems, [{ file: path.join(V1, 'tests', 'memory.oom_control'), reason: 'missing' }]);
    });
  });

  describe('diffOomCounters', () => {
    const reading = (version: 1 | 2, local: [string, number][], hierarchical?: number): OomCounterReading => ({
      version,
      ownDir: '/own',
      local: new Map(local.map(([d, k]) => [d, version === 2 ? { oom: k, oomKill: k } : { oomKill: k }])),
      hierarchical: hierarchical === undefined ? undefined : { oom: hierarchical, oomKill: hierarchical },
      problems: [],
    });

    it('no baseline: nothing counted', () => {
      assert.deepStrictEqual(diffOomCounters(undefined, reading(1, [['/own', 5]])), []);
    });

    it('v1: each child whose oom_kill grew is one change with its path', () => {
      const a = reading(1, [
        ['/own', 0],
        ['/own/a', 1],
        ['/own/b', 0],
      ]);
      const b = reading(1, [
        ['/own', 0],
        ['/own/a', 3],
        ['/own/b', 0],
        ['/own/new', 4],
      ]);
      assert.deepStrictEqual(diffOomCounters(a, b), [{ dir: '/own/a', oomKill: 2, oom: 0 }]);
    });

    it('a counter that went down is a recreated cgroup: all it counts now is new', () => {
      assert.deepStrictEqual(diffOomCounters(reading(1, [['/own/a', 5]]), reading(1, [['/own/a', 1]])), [
        { dir: '/own/a', oomKill: 1, oom: 0 },
      ]);
    });

    it('v2: the hierarchical counter is not counted twice; what it gains beyond the listed cgroups is said', () => {
      const a = reading(
        2,
        [
          ['/own', 0],
          ['/own/job', 1],
        ],
        1,
      );
      const b = reading(
        2,
        [
          ['/own', 0],
          ['/own/job', 2],
        ],
        2,
      );
      assert.deepStrictEqual(diffOomCounters(a, b), [{ dir: '/own/job', oomKill: 1, oom: 1 }]);
      const c = reading(
        2,
        [
          ['/own', 0],
          ['/own/job', 2],
        ],
        4,
      );
      assert.deepStrictEqual(diffOomCounters(b, c), [{ dir: '/own', oomKill: 2, oom: 2, belowListed: true }]);
    });

    it('a different own cgroup or version is no baseline', () => {
      assert.deepStrictEqual(diffOomCounters({ ...reading(1, [['/own', 0]]), ownDir: '/x' }, reading(1, [['/own', 3]])), []);
    });
  });

  describe('CgroupOomWatcher', () => {
    it('v1: a kill in a child cgroup is seen on the next poll; a child created later only after the re-listing', () => {
      const t = copyTree(V1);
      try {
        const w = new CgroupOomWatcher({ version: 1, ownDir: t.dir, relistMs: 60_000 });
        assert.deepStrictEqual(w.poll(0), []);
        setV1(path.join(t.dir, 'tests'), 2);
        assert.deepStrictEqual(w.poll(15_000), [{ dir: path.join(t.dir, 'tests'), oomKill: 1, oom: 0 }]);
        fs.mkdirSync(path.join(t.dir, 'later'));
        setV1(path.join(t.dir, 'later'), 0);
        assert.deepStrictEqual(w.poll(30_000), []);
        assert.strictEqual(w.status().watched, 6); // default depth 3: 'deeper' is left out
        assert.deepStrictEqual(w.poll(60_000), []); // re-listed: 'later' gets its baseline
        assert.strictEqual(w.status().watched, 7);
        setV1(path.join(t.dir, 'later'), 1);
        assert.deepStrictEqual(w.poll(75_000), [{ dir: path.join(t.dir, 'later'), oomKill: 1, oom: 0 }]);
        assert.strictEqual(w.status().kills, 2);
      } finally {
        t.cleanup();
      }
    });

    it('v2: a kill below the walk limit is counted by the hierarchical memory.events', () => {
      const t = copyTree(V2);
      try {
        const w = new CgroupOomWatcher({ version: 2, ownDir: t.dir, limits: { maxDepth: 1, maxCount: 10 } });
        w.poll(0);
        assert.match(w.status().notIncluded.join(), /job and below/);
        setV2(path.join(t.dir, 'runner', 'job', 'memory.events.local'), 2, 2);
        setV2(path.join(t.dir, 'memory.events'), 4, 4);
        assert.deepStrictEqual(w.poll(1000), [{ dir: t.dir, oomKill: 1, oom: 1, belowListed: true }]);
        setV2(path.join(t.dir, 'runner', 'memory.events.local'), 3, 3);
        setV2(path.join(t.dir, 'memory.events'), 5, 5);
        assert.deepStrictEqual(w.poll(2000), [{ dir: path.join(t.dir, 'runner'), oomKill: 1, oom: 1 }]);
      } finally {
        t.cleanup();
      }
    });
  });

  it('MemoryMonitor: a child cgroup kill becomes a cgroup marker with its path and reaches the listeners', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-cgoom-mon-'));
    try {
      const procRoot = path.join(base, 'proc');
      fs.mkdirSync(path.join(procRoot, 'self'), { recursive: true });
      fs.writeFileSync(path.join(procRoot, 'self', 'cgroup'), '4:memory:/process_api/box\n0::/\n');
      fs.copyFileSync(path.join(CGROUP_FIXTURES, 'v1', 'proc', 'meminfo'), path.join(procRoot, 'meminfo'));
      const own = path.join(base, 'cgroup', 'memory', 'process_api', 'box');
      fs.cpSync(V1, own, { recursive: true });
      const monitor = new MemoryMonitor({
        procRoot,
        cgroupRoot: path.join(base, 'cgroup'),
        storageDir: path.join(base, 'storage'),
        windowKey: 'cgroup-oom-test',
        self: { pid: process.pid, starttime: 1, startedAtMs: Date.now() },
        historyMinutes: 60,
        latestScan: () => undefined,
        log: () => undefined,
      });
      const seen: CgroupOomChange[][] = [];
      monitor.onCgroupOom((c) => seen.push(c));
      monitor.sample();
      monitor.sample();
      assert.deepStrictEqual([seen, monitor.oomMarkers], [[], []], 'no change, no marker');
      setV1(path.join(own, 'build'), 5);
      monitor.sample();
      assert.deepStrictEqual(seen, [[{ dir: path.join(own, 'build'), oomKill: 3, oom: 0 }]]);
      assert.strictEqual(monitor.oomMarkers.length, 1);
      assert.strictEqual(monitor.oomMarkers[0].source, 'cgroup');
      assert.strictEqual(monitor.oomMarkers[0].text, `cgroup OOM: 3 kill(s) in ${path.join(own, 'build')}`);
      assert.strictEqual(monitor.cgroupOom?.status().kills, 3);
      await monitor.saved(); // the first sample saved the history: let it finish before the folder goes
    } finally {
      fs.rmSync(base, { recursive: true, force: true, maxRetries: 3 });
    }
  });
});
