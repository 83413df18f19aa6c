import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CGROUP_V1_FILES,
  CGROUP_V2_FILES,
  CgroupMemory,
  CgroupMemoryRead,
  CgroupLocator,
  KeptFiles,
  diffOomEvents,
  parseCgroupBytes,
  parseCgroupLimit,
  parseMeminfo,
  parseMemoryEvents,
  parseOomControl,
  parseProcCgroup,
  readCgroupMemory,
  readHostMemory,
} from '../../src/probes/cgroup';
import { FIXTURES, FaultyProcFs } from './procFixtures';

const CGROUP_FIXTURES = path.join(path.dirname(FIXTURES), 'cgroup');
type Fixture = 'v1' | 'v2' | 'v2-unlimited' | 'missing';
const procOf = (name: Fixture): string => path.join(CGROUP_FIXTURES, name, 'proc');
const cgroupOf = (name: Fixture): string => path.join(CGROUP_FIXTURES, name, 'cgroup');
const readFixture = (name: Fixture, extra: Parameters<typeof readCgroupMemory>[0] = {}): CgroupMemoryRead =>
  readCgroupMemory({ procRoot: procOf(name), cgroupRoot: cgroupOf(name), ...extra });

function found(r: CgroupMemoryRead): CgroupMemory {
  if (!r.ok) throw new Error(`no cgroup: ${r.error} ${JSON.stringify(r.problems)}`);
  return r.value;
}

describe('cgroup parsers', () => {
  it('parseProcCgroup prefers the v1 memory line of a hybrid host over 0::', () => {
    assert.deepStrictEqual(parseProcCgroup('9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n'), {
      ok: true,
      value: { version: 1, path: '/process_api/abc' },
    });
    assert.deepStrictEqual(parseProcCgroup('5:cpu,memory:/a:b\n'), { ok: true, value: { version: 1, path: '/a:b' } });
  });

  it('parseProcCgroup reads the v2 line and rejects files without either', () => {
    assert.deepStrictEqual(parseProcCgroup('0::/user.slice/x.scope\n'), { ok: true, value: { version: 2, path: '/user.slice/x.scope' } });
    assert.deepStrictEqual(parseProcCgroup('0::/\n'), { ok: true, value: { version: 2, path: '/' } });
    assert.strictEqual(parseProcCgroup('').ok, false);
    assert.strictEqual(parseProcCgroup('1:cpu:/\n2:pids:/x\ngarbage\n').ok, false);
    assert.strictEqual(parseProcCgroup('x:memory:/a\n').ok, false);
  });

  it('parseCgroupBytes takes one integer', () => {
    assert.deepStrictEqual(parseCgroupBytes('1503657984\n'), { ok: true, value: 1503657984 });
    assert.strictEqual(parseCgroupBytes('').ok, false);
    assert.strictEqual(parseCgroupBytes('-1\n').ok, false);
    assert.strictEqual(parseCgroupBytes('12 34').ok, false);
    assert.strictEqual(parseCgroupBytes('99999999999999999999').ok, false);
  });

  it('parseCgroupLimit: "max" and the huge v1 values are unlimited', () => {
    assert.deepStrictEqual(parseCgroupLimit('max\n'), { ok: true, value: 'unlimited' });
    assert.deepStrictEqual(parseCgroupLimit('9223372036854771712\n'), { ok: true, value: 'unlimited' }); // 4 KiB pages
    assert.deepStrictEqual(parseCgroupLimit('9223372036854710272\n'), { ok: true, value: 'unlimited' }); // 64 KiB pages
    assert.deepStrictEqual(parseCgroupLimit('18446744073709551615'), { ok: true, value: 'unlimited' });
    assert.deepStrictEqual(parseCgroupLimit('2147483648\n'), { ok: true, value: 2147483648 });
    assert.strictEqual(parseCgroupLimit('unlimited').ok, false);
    assert.strictEqual(parseCgroupLimit('').ok, false);
  });

  it('parseMemoryEvents reads every counter and leaves absent ones out', () => {
    assert.deepStrictEqual(parseMemoryEvents('low 0\nhigh 5\nmax 1842\noom 4\noom_kill 2\noom_group_kill 1\n'), {
      ok: true,
      value: { low: 0, high: 5, max: 1842, oom: 4, oomKill: 2, oomGroupKill: 1 },
    });
    assert.deepStrictEqual(parseMemoryEvents('low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n'), {
      ok: true,
      value: { low: 0, high: 0, max: 0, oom: 0, oomKill: 0 },
    });
    assert.strictEqual(parseMemoryEvents('low 0\nhigh 0\n').ok, false);
    assert.strictEqual(parseMemoryEvents('oom x\n').ok, false);
  });

  it('parseOomControl reads v1 memory.oom_control, with and without oom_kill (Linux < 4.13)', () => {
    assert.deepStrictEqual(parseOomControl('oom_kill_disable 0\nunder_oom 1\noom_kill 7\n'), {
      ok: true,
      value: { oomKillDisabled: false, underOom: true, oomKill: 7 },
    });
    assert.deepStrictEqual(parseOomControl('oom_kill_disable 1\nunder_oom 0\n'), {
      ok: true,
      value: { oomKillDisabled: true, underOom: false },
    });
    assert.strictEqual(parseOomControl('oom_kill 3\n').ok, false);
  });

  it('parseMeminfo reads MemTotal and MemAvailable in bytes', () => {
    assert.deepStrictEqual(parseMeminfo('MemTotal:  1000 kB\nMemFree:  10 kB\nMemAvailable:   500 kB\n'), {
      ok: true,
      value: { totalBytes: 1000 * 1024, availableBytes: 500 * 1024 },
    });
    assert.deepStrictEqual(parseMeminfo('MemTotal:  1000 kB\n'), { ok: true, value: { totalBytes: 1024000 } });
    assert.strictEqual(parseMeminfo('MemFree: 1 kB\n').ok, false);
  });
});

describe('readCgroupMemory on fixtures', () => {
  it('v1 (hybrid): reads the four memory files of the memory controller', () => {
    const m = found(readFixture('v1'));
    const dir = path.join(cgroupOf('v1'), 'memory', 'process_api', '4687a02db792');
    assert.deepStrictEqual(m, {
      version: 1,
      path: '/process_api/4687a02db792',
      dir,
      currentBytes: 1503657984,
      limitBytes: 2147483648,
      peakBytes: 2013265920,
      oomKillDisabled: false,
      underOom: false,
      oomEvents: { oomKill: 3 },
      sources: [`${procOf('v1')}/self/cgroup`, ...CGROUP_V1_FILES.map((f) => `${dir}/${f}`)],
      problems: [],
    });
  });

  it('v2: reads current, max, peak and every memory.events counter', () => {
    const m = found(readFixture('v2'));
    const dir = path.join(cgroupOf('v2'), 'user.slice', 'user-1000.slice', 'session-3.scope');
    assert.deepStrictEqual(m, {
      version: 2,
      path: '/user.slice/user-1000.slice/session-3.scope',
      dir,
      currentBytes: 3221225472,
      limitBytes: 4294967296,
      peakBytes: 4160749568,
      events: { low: 0, high: 0, max: 1842, oom: 4, oomKill: 2, oomGroupKill: 0 },
      oomEvents: { oom: 4, oomKill: 2 },
      sources: [`${procOf('v2')}/self/cgroup`, ...CGROUP_V2_FILES.map((f) => `${dir}/${f}`)],
      problems: [],
    });
  });

  it('v2 without a limit: limitBytes undefined, unlimited true; a missing memory.peak is a problem with a hint', () => {
    const m = found(readFixture('v2-unlimited'));
    assert.strictEqual(m.limitBytes, undefined);
    assert.strictEqual(m.unlimited, true);
    assert.strictEqual(m.currentBytes, 912261120);
    assert.strictEqual(m.peakBytes, undefined);
    assert.deepStrictEqual(m.oomEvents, { oom: 0, oomKill: 0 });
    assert.deepStrictEqual(m.problems, [
      { file: `${m.dir}/memory.peak`, reason: 'missing (ENOENT); memory.peak needs Linux 5.19 or later' },
    ]);
    assert.strictEqual(m.sources.length, 4);
  });

  it('missing files: one problem per file, the rest still read', () => {
    const m = found(readFixture('missing'));
    const dir = path.join(cgroupOf('missing'), 'memory', 'gone');
    assert.strictEqual(m.version, 1);
    assert.strictEqual(m.currentBytes, 73400320);
    assert.deepStrictEqual([m.limitBytes, m.unlimited, m.peakBytes, m.oomEvents], [undefined, undefined, undefined, undefined]);
    assert.deepStrictEqual(m.sources, [`${procOf('missing')}/self/cgroup`, `${dir}/memory.usage_in_bytes`]);
    assert.deepStrictEqual(m.problems, [
      { file: `${dir}/memory.limit_in_bytes`, reason: 'missing (ENOENT)' },
      { file: `${dir}/memory.max_usage_in_bytes`, reason: 'missing (ENOENT)' },
      { file: `${dir}/memory.oom_control`, reason: 'missing (ENOENT)' },
    ]);
  });

  it('reads another process by pid', () => {
    const r = readFixture('v1', { pid: 4242 });
    assert.strictEqual(r.ok, false);
    if (!r.ok) {
      assert.deepStrictEqual(r.problems, [{ file: `${procOf('v1')}/4242/cgroup`, reason: 'missing (ENOENT)' }]);
      assert.deepStrictEqual(r.sources, []);
    }
  });

  it('an unreadable /proc/self/cgroup gives ok:false with the reason, not a throw', () => {
    const file = `${procOf('v2')}/self/cgroup`;
    const r = readFixture('v2', { fs: new FaultyProcFs({ [file]: 'EACCES' }) });
    assert.deepStrictEqual(r, {
      ok: false,
      error: `no memory cgroup found in ${file}`,
      sources: [],
      problems: [{ file, reason: 'not permitted (EACCES)' }],
    });
  });

  it('injected read faults become problems; other files are still read', () => {
    const dir = path.join(cgroupOf('v2'), 'user.slice', 'user-1000.slice', 'session-3.scope');
    const m = found(
      readFixture('v2', { fs: new FaultyProcFs({ [`${dir}/memory.max`]: 'EIO', [`${dir}/memory.events`]: new Error('boom') }) }),
    );
    assert.strictEqual(m.currentBytes, 3221225472);
    assert.strictEqual(m.limitBytes, undefined);
    assert.strictEqual(m.unlimited, undefined);
    assert.strictEqual(m.oomEvents, undefined);
    assert.deepStrictEqual(m.problems, [
      { file: `${dir}/memory.max`, reason: 'unreadable (EIO)' },
      { file: `${dir}/memory.events`, reason: 'unreadable (boom)' },
    ]);
  });

  it('missing cgroup roots: a problem for the directory and for each file', () => {
    const r = readCgroupMemory({ procRoot: procOf('v2'), cgroupRoot: path.join(CGROUP_FIXTURES, 'no-such-root') });
    const m = found(r);
    assert.deepStrictEqual(m.sources, [`${procOf('v2')}/self/cgroup`]);
    assert.strictEqual(m.problems.length, 1 + CGROUP_V2_FILES.length);
    assert.match(m.problems[0].reason, /cgroup directory missing/);
    for (const p of m.problems.slice(1)) assert.match(p.reason, /^not read: cgroup directory missing$/);
  });
});

describe('readCgroupMemory on generated trees', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-cgroup-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Writes files (path → content) under root. */
  function tree(files: Record<string, string>): void {
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    }
  }
  const read = () => found(readCgroupMemory({ procRoot: path.join(root, 'proc'), cgroupRoot: path.join(root, 'cg') }));

  it('v1 with the huge "no limit" value: limitBytes undefined, unlimited true', () => {
    tree({
      'proc/self/cgroup': '4:memory:/x\n',
      'cg/memory/x/memory.usage_in_bytes': '100\n',
      'cg/memory/x/memory.limit_in_bytes': '9223372036854771712\n',
      'cg/memory/x/memory.max_usage_in_bytes': '200\n',
      'cg/memory/x/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n',
    });
    const m = read();
    assert.deepStrictEqual([m.currentBytes, m.limitBytes, m.unlimited, m.peakBytes, m.oomEvents], [100, undefined, true, 200, {}]);
    assert.deepStrictEqual(m.problems, []);
  });

  it('a container without a cgroup namespace: falls back to the mount root and says so', () => {
    tree({
      'proc/self/cgroup': '0::/docker/3f2a\n',
      'cg/memory.current': '5\n',
      'cg/memory.max': '10\n',
      'cg/memory.peak': '7\n',
      'cg/memory.events': 'oom 0\noom_kill 0\n',
    });
    const m = read();
    assert.strictEqual(m.dir, path.join(root, 'cg'));
    assert.deepStrictEqual([m.currentBytes, m.limitBytes, m.peakBytes], [5, 10, 7]);
    assert.deepStrictEqual(
      m.problems.map((p) => p.file),
      [path.join(root, 'cg', 'docker', '3f2a')],
    );
    assert.match(m.problems[0].reason, /mount root/);
  });

  it('the v2 root cgroup has no memory files: problems point to /proc/meminfo', () => {
    tree({ 'proc/self/cgroup': '0::/\n', 'cg/cgroup.controllers': 'memory\n' });
    const m = read();
    assert.strictEqual(m.dir, path.join(root, 'cg'));
    assert.strictEqual(m.problems.length, 4);
    for (const p of m.problems) assert.match(p.reason, /root cgroup has no memory files/);
  });

  it('an unparsable file moves from sources to problems', () => {
    tree({
      'proc/self/cgroup': '0::/a\n',
      'cg/a/memory.current': 'lots\n',
      'cg/a/memory.max': 'max\n',
      'cg/a/memory.peak': '1\n',
      'cg/a/memory.events': 'oom zero\n',
    });
    const m = read();
    const dir = path.join(root, 'cg', 'a');
    assert.deepStrictEqual(m.sources, [path.join(root, 'proc', 'self', 'cgroup'), `${dir}/memory.max`, `${dir}/memory.peak`]);
    assert.deepStrictEqual(
      m.problems.map((p) => p.file),
      [`${dir}/memory.current`, `${dir}/memory.events`],
    );
    assert.match(m.problems[0].reason, /^unparsable: not a byte count/);
    assert.match(m.problems[1].reason, /^unparsable: malformed line/);
  });
});

describe('CgroupLocator: the cgroup location cached between samples', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-cgloc-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const write = (rel: string, content: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  const v2 = (dir: string, current: number): void => {
    write(`cg/${dir}/memory.current`, `${current}\n`);
    write(`cg/${dir}/memory.max`, 'max\n');
    write(`cg/${dir}/memory.peak`, '1\n');
    write(`cg/${dir}/memory.events`, 'oom 0\noom_kill 0\n');
  };

  it('reads /proc/self/cgroup once, then only the memory files, with the same result as an uncached read', () => {
    write('proc/self/cgroup', '0::/a\n');
    v2('a', 5);
    const locator = new CgroupLocator();
    const faulty = new FaultyProcFs({});
    const opts = { procRoot: path.join(root, 'proc'), cgroupRoot: path.join(root, 'cg'), locator, fs: faulty };
    const first = found(readCgroupMemory(opts));
    const second = found(readCgroupMemory(opts));
    assert.deepStrictEqual(second, first);
    assert.deepStrictEqual(second, found(readCgroupMemory({ procRoot: opts.procRoot, cgroupRoot: opts.cgroupRoot })));
    assert.strictEqual(faulty.calls.filter((c) => c.endsWith('/self/cgroup')).length, 1);
    assert.strictEqual(faulty.calls.filter((c) => c.startsWith('readdir:')).length, 1, 'the directory is checked once');
    assert.strictEqual(locator.reads, 1);
  });

  it('a process moved to another cgroup: seen at once when the old one is gone, else after maxAgeMs', async () => {
    write('proc/self/cgroup', '0::/a\n');
    v2('a', 5);
    v2('b', 9);
    const locator = new CgroupLocator(50);
    const opts = { procRoot: path.join(root, 'proc'), cgroupRoot: path.join(root, 'cg'), locator };
    assert.strictEqual(found(readCgroupMemory(opts)).currentBytes, 5);
    write('proc/self/cgroup', '0::/b\n');
    assert.strictEqual(found(readCgroupMemory(opts)).currentBytes, 5, 'within maxAgeMs, the old (still existing) cgroup');
    await new Promise((r) => setTimeout(r, 60));
    assert.strictEqual(found(readCgroupMemory(opts)).currentBytes, 9);
    write('proc/self/cgroup', '0::/a\n');
    fs.rmSync(path.join(root, 'cg', 'b'), { recursive: true });
    const moved = found(readCgroupMemory(opts));
    assert.strictEqual(moved.currentBytes, 5, 'its cgroup removed: located afresh in the same read');
    assert.strictEqual(moved.dir, path.join(root, 'cg', 'a'));
    assert.strictEqual(locator.reads, 3);
  });
});

describe('readHostMemory', () => {
  it('reads MemTotal and MemAvailable of the fixture', () => {
    assert.deepStrictEqual(readHostMemory(procOf('v1')), {
      ok: true,
      value: { totalBytes: 8142612 * 1024, availableBytes: 2931744 * 1024 },
    });
  });

  it('without MemAvailable (old kernel) gives only the total', () => {
    assert.deepStrictEqual(readHostMemory(procOf('v2-unlimited')), { ok: true, value: { totalBytes: 16303544 * 1024 } });
  });

  it('a missing meminfo is ok:false with the reason', () => {
    assert.deepStrictEqual(readHostMemory(procOf('missing')), { ok: false, error: `${procOf('missing')}/meminfo: missing (ENOENT)` });
  });
});

describe('diffOomEvents', () => {
  it('counts new events', () => {
    assert.deepStrictEqual(diffOomEvents({ oom: 4, oomKill: 2 }, { oom: 6, oomKill: 3 }), { oom: 2, oomKill: 1, reset: false });
    assert.deepStrictEqual(diffOomEvents({ oom: 4, oomKill: 2 }, { oom: 4, oomKill: 2 }), { oom: 0, oomKill: 0, reset: false });
  });

  it('a counter that went down was reset: everything it counts now is new', () => {
    assert.deepStrictEqual(diffOomEvents({ oom: 9, oomKill: 5 }, { oom: 1, oomKill: 1 }), { oom: 1, oomKill: 1, reset: true });
    assert.deepStrictEqual(diffOomEvents({ oomKill: 5 }, { oomKill: 0 }), { oom: 0, oomKill: 0, reset: true });
  });

  it('without a baseline nothing is counted', () => {
    assert.deepStrictEqual(diffOomEvents(undefined, { oom: 3, oomKill: 3 }), { oom: 0, oomKill: 0, reset: false });
    assert.deepStrictEqual(diffOomEvents({ oomKill: 1 }, undefined), { oom: 0, oomKill: 0, reset: false });
    assert.deepStrictEqual(diffOomEvents({ oomKill: 1 }, { oom: 2, oomKill: 4 }), { oom: 0, oomKill: 3, reset: false }); // v1 → no oom
  });
});

describe('readCgroupMemory on this machine', () => {
  it('returns a typed result without throwing, and sources + problems explain every file', function () {
    if (!fs.existsSync('/proc/self/cgroup')) this.skip();
    const r = readCgroupMemory();
    const explained = new Set([...(r.ok ? r.value.sources : r.sources), ...(r.ok ? r.value.problems : r.problems).map((p) => p.file)]);
    assert.ok(explained.has('/proc/self/cgroup'), JSON.stringify(r));
    if (!r.ok) return; // e.g. no memory controller at all: the reason is in problems
    const m = r.value;
    assert.ok(m.version === 1 || m.version === 2);
    assert.ok(m.path.startsWith('/'));
    for (const name of m.version === 1 ? CGROUP_V1_FILES : CGROUP_V2_FILES) {
      assert.ok(explained.has(`${m.dir}/${name}`), `${name} is neither a source nor a problem: ${JSON.stringify(m)}`);
    }
    for (const n of [m.currentBytes, m.limitBytes, m.peakBytes, m.oomEvents?.oom, m.oomEvents?.oomKill]) {
      assert.ok(n === undefined || (Number.isSafeInteger(n) && n >= 0), JSON.stringify(m));
    }
    assert.ok(!(m.unlimited && m.limitBytes !== undefined));
    const host = readHostMemory();
    assert.ok(host.ok, JSON.stringify(host));
    assert.ok(host.value.totalBytes > 0);
  });
});

describe('KeptFiles: the sampler files kept open between samples', () => {
  it('reads a file rewritten in place afresh each time, opening it once; close() releases every kept file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-kept-'));
    const files = new KeptFiles();
    try {
      const file = path.join(dir, 'memory.usage_in_bytes');
      for (let i = 1; i <= 5; i++) {
        fs.writeFileSync(file, `${i * 4096}\n`); // in place: the same inode, as the kernel re-renders a cgroup file
        assert.strictEqual(files.readText(file), `${i * 4096}\n`);
      }
      assert.deepStrictEqual([files.opened, files.size], [1, 1]);
      assert.throws(() => files.readText(path.join(dir, 'missing')), { code: 'ENOENT' });
      assert.strictEqual(files.size, 1, 'a file that cannot be opened is not kept');
      files.close();
      assert.strictEqual(files.size, 0);
      assert.strictEqual(files.readText(file), '20480\n');
      assert.strictEqual(files.opened, 2);
    } finally {
      files.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('past `max` kept files the rest are read the plain way', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-kept-'));
    const files = new KeptFiles(undefined, 2);
    try {
      for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, n), n);
      for (let round = 0; round < 3; round++) for (const n of ['a', 'b', 'c']) assert.strictEqual(files.readText(path.join(dir, n)), n);
      assert.deepStrictEqual([files.opened, files.size], [2, 2]);
    } finally {
      files.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on this machine: /proc/meminfo re-read from offset 0 parses each time; a removed cgroup fails (ENODEV) and is dropped', function () {
    const files = new KeptFiles();
    try {
      for (let i = 0; i < 3; i++) assert.ok(readHostMemory('/proc', files).ok);
      assert.strictEqual(files.opened, 1);
      // A real child memory cgroup (cgroup v1, root): its kept file fails once the cgroup is removed.
      const line = fs.readFileSync('/proc/self/cgroup', 'latin1').match(/^\d+:memory:(.*)$/m);
      const own = line && path.join('/sys/fs/cgroup/memory', line[1]);
      const child = own && path.join(own, `csops-kept-${process.pid}`);
      try {
        if (!child) throw new Error('no v1 memory cgroup');
        fs.mkdirSync(child);
      } catch {
        return this.skip(); // not root, or cgroup v2 only: the fixture tests above cover the rest
      }
      const usage = path.join(child, 'memory.usage_in_bytes');
      assert.match(files.readText(usage), /^\d+\n$/);
      fs.rmdirSync(child);
      assert.throws(() => files.readText(usage), { code: 'ENOENT' }, 'the kept read failed (ENODEV), the fresh open finds nothing');
      assert.strictEqual(files.size, 1, 'only meminfo is kept');
    } finally {
      files.close();
    }
  });
});
