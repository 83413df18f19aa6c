import * as assert from 'assert';
import * as fc from 'fast-check';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DU_MAX_RSS_BYTES, duRssLimit, duSizes, duUnusable, noteSpawn, resetDuLimit, sizeFolders } from '../../src/probes/duSize';
import { folderSize } from '../../src/probes/folderSize';
import { TempDirs } from './extensionsFixtures';
import { fastTempDir, prop } from './properties/harness';

/** folderSize of each path in order with one shared `seen`: what the walk gives for the same run. */
async function walkSizes(paths: string[]): Promise<Map<string, number>> {
  const seen = new Set<string>();
  const out = new Map<string, number>();
  for (const p of paths) out.set(p, (await folderSize(p, { seen })).bytes);
  return out;
}

/** The real `du -s -B1 -0 -- paths…`, parsed: path → bytes. */
function realDu(paths: string[]): Map<string, number> {
  const out = execFileSync('du', ['-s', '-B1', '-0', '--', ...paths], { encoding: 'latin1' });
  const m = new Map<string, number>();
  for (const rec of out.split('\0').filter(Boolean)) {
    const tab = rec.indexOf('\t');
    m.set(Buffer.from(rec.slice(tab + 1), 'latin1').toString(), Number(rec.slice(0, tab)));
  }
  return m;
}

/** /proc/<pid>/stat's start time (field 22), or undefined once the pid is gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const WEIRD = 'sp ace\ttab\nnewline';

/**
 * <root>/a: nested folders, files of odd sizes, an empty folder, a symlink to a big file outside (not followed), and
 * shared.bin, hard-linked into <root>/b; <root>/<WEIRD>: a name with a space, a tab and a newline, and such a file.
 */
function buildTree(root: string): { a: string; b: string; weird: string; empty: string } {
  const a = path.join(root, 'a');
  const b = path.join(root, 'b');
  const weird = path.join(root, WEIRD);
  const empty = path.join(root, 'empty');
  for (const d of [path.join(a, 'x', 'y', 'z'), path.join(a, 'hollow'), b, weird, empty]) fs.mkdirSync(d, { recursive: true });
  const sizes = [0, 1, 511, 4095, 4097, 12_345, 100_001];
  sizes.forEach((n, i) => fs.writeFileSync(path.join(a, i % 2 ? 'x' : 'x/y/z', `f${i}.bin`), Buffer.alloc(n, i)));
  fs.writeFileSync(path.join(a, 'shared.bin'), Buffer.alloc(50_000, 3));
  fs.linkSync(path.join(a, 'shared.bin'), path.join(b, 'shared-link.bin'));
  fs.writeFileSync(path.join(b, 'own.txt'), 'b');
  fs.writeFileSync(path.join(root, 'outside.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
  fs.symlinkSync(path.join(root, 'outside.bin'), path.join(a, 'link-out'));
  fs.writeFileSync(path.join(weird, `file ${WEIRD}`), Buffer.alloc(7000, 2));
  return { a, b, weird, empty };
}

describe('duSizes (GNU du in a child process)', () => {
  const dirs = new TempDirs('csops-du-');
  let root: string;
  let t: ReturnType<typeof buildTree>;
  let bin: string;
  /** A fake du: an executable /bin/sh script (args: -s -B1 -0 -- paths…, so the paths are $5…). */
  const fakeDu = (name: string, body: string): string => {
    const p = path.join(bin, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  };
  beforeEach(() => {
    root = dirs.make();
    t = buildTree(root);
    bin = dirs.make();
  });
  afterEach(() => dirs.removeAll());

  for (const pipe of [false, true])
    it(`gives the bytes folderSize (shared seen) and the real du give, a hard link counted once in the first folder${pipe ? ' (through a pipe)' : ''}`, async () => {
      const paths = [t.a, t.b, t.weird, t.empty];
      const r = await duSizes(paths, { pipe });
      assert.strictEqual(r.status, 'ok', r.reason);
      assert.strictEqual(r.errors, 0);
      assert.deepStrictEqual([...r.sizes], [...(await walkSizes(paths))]);
      assert.deepStrictEqual([...r.sizes], [...realDu(paths)]);
      assert.ok(r.sizes.get(t.a)! < 3 * 1024 * 1024, 'the symlink was followed');
      // Listed the other way round, the shared file counts in b.
      const rev = await duSizes([t.b, t.a]);
      const shared = fs.lstatSync(path.join(t.a, 'shared.bin')).blocks * 512;
      assert.strictEqual(rev.sizes.get(t.b)! - r.sizes.get(t.b)!, shared);
      assert.strictEqual(r.sizes.get(t.a)! - rev.sizes.get(t.a)!, shared);
    });

  for (const pipe of [false, true])
    it(`calls onSize as each record arrives, in argument order${pipe ? ' (through a pipe)' : ''}`, async () => {
      const flag = path.join(bin, 'flag');
      // Prints the first record, then waits for the flag that onSize of that record creates: not incremental = timeout.
      const du = fakeDu(
        'slow-du',
        `printf '111\\t%s\\0' "$5"; i=0; while [ ! -e '${flag}' ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n` +
          `[ -e '${flag}' ] || exit 3; printf '222\\t%s\\0' "$6"; printf '333\\t%s\\0' "$7"`,
      );
      const calls: [string, number][] = [];
      const r = await duSizes([t.a, t.b, t.weird], {
        du,
        pipe,
        onSize: (p, n) => {
          calls.push([p, n]);
          fs.writeFileSync(flag, '');
        },
      });
      assert.strictEqual(r.status, 'ok', r.reason);
      assert.deepStrictEqual(calls, [
        [t.a, 111],
        [t.b, 222],
        [t.weird, 333],
      ]);
    });

  it('cancelled mid-run: resolves "cancelled" with what was counted, and the child we spawned is gone', async () => {
    const du = fakeDu('hang-du', `printf '5\\t%s\\0' "$5"; exec sleep 30`);
    let pid = 0;
    let start: string | undefined;
    let cancel = false;
    const t0 = Date.now();
    const r = await duSizes([t.a, t.b], {
      du,
      isCancelled: () => cancel,
      onSpawn: (p) => {
        pid = p;
        start = startTime(p);
      },
      onSize: () => {
        cancel = true;
      },
    });
    assert.strictEqual(r.status, 'cancelled');
    assert.deepStrictEqual([...r.sizes], [[t.a, 5]]);
    assert.ok(Date.now() - t0 < 5000, 'waited for the sleeping child');
    assert.ok(pid > 0 && start !== undefined);
    const now = startTime(pid);
    assert.ok(now === undefined || now !== start, `du child ${pid} still running`);
  });

  it('cancelled before it starts: no child', async () => {
    let spawned = 0;
    const r = await duSizes([t.a], { isCancelled: () => true, onSpawn: () => spawned++ });
    assert.strictEqual(r.status, 'cancelled');
    assert.strictEqual(spawned, 0);
  });

  it('a missing du, garbage output, a usage error (busybox/BSD du): "failed" with the reason', async () => {
    const missing = await duSizes([t.a], { du: path.join(bin, 'no-such-du') });
    assert.strictEqual(missing.status, 'failed');
    assert.match(missing.reason ?? '', /ENOENT/);
    const garbage = await duSizes([t.a], { du: fakeDu('garbage-du', "printf 'hello world\\n12 x\\n'") });
    assert.strictEqual(garbage.status, 'failed');
    assert.match(garbage.reason ?? '', /not understood/);
    const wrongPath = await duSizes([t.a], { du: fakeDu('wrong-du', "printf '12\\t/elsewhere\\0'") });
    assert.strictEqual(wrongPath.status, 'failed');
    const usage = await duSizes([t.a], {
      du: fakeDu('busybox-du', "echo 'du: unrecognized option: B' >&2; echo 'Usage: du [-aHLdclsxhmk] [FILE]...' >&2; exit 1"),
    });
    assert.strictEqual(usage.status, 'failed');
    assert.match(usage.reason ?? '', /exited with 1: du: unrecognized option/);
    const silent = await duSizes([t.a], { du: fakeDu('silent-du', 'exit 0') });
    assert.strictEqual(silent.status, 'failed');
  });

  it('errors on stderr with the totals: the sizes are used and the errors counted', async () => {
    const du = fakeDu(
      'err-du',
      `echo "du: cannot read directory '$5/x': Permission denied" >&2; printf '4096\\t%s\\0' "$5"; ` +
        `echo "du: cannot read directory '$6/y': Permission denied" >&2; printf '8192\\t%s\\0' "$6"; exit 1`,
    );
    const r = await duSizes([t.a, t.b], { du });
    assert.strictEqual(r.status, 'ok', r.reason);
    assert.strictEqual(r.errors, 2);
    assert.deepStrictEqual([...r.sizes.values()], [4096, 8192]);
    const got = new Map<string, number>();
    const s = await sizeFolders([t.a, t.b], { du, onSize: (p, n) => got.set(p, n), rssBytes: () => 0 });
    assert.deepStrictEqual([...got.values()], [4096, 8192]);
    assert.strictEqual(s.errors, 2);
    assert.strictEqual(s.duProblem, undefined);
  });

  it('a vanished folder: the others sized, the error counted; sizeFolders walks it (0 bytes)', async () => {
    const gone = path.join(root, 'gone');
    const r = await duSizes([t.a, gone, t.b]);
    assert.strictEqual(r.status, 'ok', r.reason);
    assert.deepStrictEqual([...r.sizes.keys()], [t.a, t.b]);
    assert.strictEqual(r.errors, 1);
    const got = new Map<string, number>();
    await sizeFolders([t.a, gone, t.b], { onSize: (p, n) => got.set(p, n), rssBytes: () => 0 });
    assert.deepStrictEqual(got, new Map([...(await walkSizes([t.a, gone, t.b]))]));
  });

  it('a long argument list is split into several children, the sizes unchanged (a hard link across two counts twice)', async () => {
    const paths = [t.weird, t.empty, t.a];
    let children = 0;
    const r = await duSizes(paths, { maxArgBytes: 1, onSpawn: () => children++ });
    assert.strictEqual(r.status, 'ok', r.reason);
    assert.strictEqual(children, 3);
    assert.deepStrictEqual([...r.sizes], [...(await walkSizes(paths))]);
    const split = await duSizes([t.a, t.b], { maxArgBytes: 1 });
    const shared = fs.lstatSync(path.join(t.a, 'shared.bin')).blocks * 512;
    assert.strictEqual(split.sizes.get(t.b)! - realDu([t.a, t.b]).get(t.b)!, shared);
  });

  it('refuses a relative path', async () => {
    await assert.rejects(duSizes(['relative/dir']), /not an absolute path/);
  });

  it('sizeFolders: du unusable → the walk gives its sizes, the reason reported once, then the walk for the session', async () => {
    for (const du of [
      path.join(bin, 'absent-du'),
      fakeDu('junk-du', "printf 'junk'"),
      fakeDu('usage-du', "echo 'du: invalid option -- 0' >&2; exit 1"),
    ]) {
      const paths = [t.a, t.b, t.weird, t.empty];
      const got = new Map<string, number>();
      const first = await sizeFolders(paths, { du, onSize: (p, n) => got.set(p, n), rssBytes: () => 0 });
      assert.ok(first.duProblem, `${du}: no problem reported`);
      assert.strictEqual(duUnusable(du), first.duProblem);
      assert.deepStrictEqual([...got], [...(await walkSizes(paths))]);
      got.clear();
      const second = await sizeFolders(paths, { du, onSize: (p, n) => got.set(p, n), rssBytes: () => 0 });
      assert.strictEqual(second.duProblem, undefined);
      assert.deepStrictEqual([...got], [...(await walkSizes(paths))]);
    }
  });

  it('sizeFolders with the real du: the same sizes as the walk, du stays usable', async () => {
    const paths = [t.a, t.b, t.weird, t.empty];
    const got = new Map<string, number>();
    const r = await sizeFolders(paths, { onSize: (p, n) => got.set(p, n), rssBytes: () => 0 });
    assert.strictEqual(r.cancelled, false);
    assert.strictEqual(r.method, 'du');
    assert.strictEqual(r.duProblem, undefined);
    assert.strictEqual(duUnusable(), undefined);
    assert.deepStrictEqual([...got], [...(await walkSizes(paths))]);
  });

  it('sizeFolders in a process past the RSS limit: the walk, du never started (its fork would hold the event loop)', async () => {
    const marker = path.join(bin, 'started');
    const du = fakeDu('marking-du', `touch '${marker}'; printf '1\\t%s\\0' "$5"`);
    const got = new Map<string, number>();
    const r = await sizeFolders([t.a, t.b], { du, onSize: (p, n) => got.set(p, n), rssBytes: () => DU_MAX_RSS_BYTES + 1 });
    assert.strictEqual(r.method, 'walk');
    assert.ok(!fs.existsSync(marker), 'du was not started');
    assert.deepStrictEqual([...got], [...(await walkSizes([t.a, t.b]))]);
    const small = await sizeFolders([t.a], { du, onSize: () => undefined, rssBytes: () => DU_MAX_RSS_BYTES });
    assert.strictEqual(small.method, 'du');
    assert.ok(fs.existsSync(marker), 'at the limit du is started');
  });

  it('a spawn that held the loop past its budget lowers the RSS limit for the session; a quick one changes nothing', () => {
    try {
      noteSpawn(3.9, 200 * 1048576);
      assert.strictEqual(duRssLimit(), DU_MAX_RSS_BYTES);
      noteSpawn(4.5, 60 * 1048576);
      assert.strictEqual(duRssLimit(), 0.9 * 60 * 1048576);
      noteSpawn(9, 120 * 1048576); // a slow spawn at a larger size does not raise it again
      assert.strictEqual(duRssLimit(), 0.9 * 60 * 1048576);
    } finally {
      resetDuLimit();
    }
    assert.strictEqual(duRssLimit(), DU_MAX_RSS_BYTES);
  });

  it('sizeFolders cancelled: stops without walking', async () => {
    const got = new Map<string, number>();
    const r = await sizeFolders([t.a, t.b], { isCancelled: () => true, onSize: (p, n) => got.set(p, n) });
    assert.strictEqual(r.cancelled, true);
    assert.strictEqual(got.size, 0);
  });
});

describe('duSizes property', () => {
  /** A small random tree: folders, files of random sizes, hard links between any two files, symlinks. */
  const tree = fc.record({
    folders: fc.integer({ min: 1, max: 4 }),
    files: fc.array(fc.record({ folder: fc.nat(3), sub: fc.boolean(), size: fc.nat(20_000) }), { maxLength: 12 }),
    links: fc.array(fc.record({ from: fc.nat(11), folder: fc.nat(3) }), { maxLength: 4 }),
    symlinks: fc.array(fc.record({ from: fc.nat(11), folder: fc.nat(3) }), { maxLength: 2 }),
    order: fc.array(fc.nat(3), { minLength: 1, maxLength: 4 }),
  });
  prop(
    'duSizes == folderSize (shared seen) for the same folders in the same order',
    40,
    () =>
      fc.asyncProperty(tree, async (tr) => {
        const root = fastTempDir('csops-duprop-');
        try {
          const folders = Array.from({ length: tr.folders }, (_, i) => path.join(root, `d${i}`));
          for (const f of folders) fs.mkdirSync(path.join(f, 'sub'), { recursive: true });
          const files = tr.files.map((x, i) => {
            const p = path.join(folders[x.folder % tr.folders], x.sub ? 'sub' : '', `f${i}`);
            fs.writeFileSync(p, Buffer.alloc(x.size, 1));
            return p;
          });
          tr.links.forEach((l, i) => {
            if (files.length) fs.linkSync(files[l.from % files.length], path.join(folders[l.folder % tr.folders], `h${i}`));
          });
          tr.symlinks.forEach((l, i) => {
            if (files.length) fs.symlinkSync(files[l.from % files.length], path.join(folders[l.folder % tr.folders], `s${i}`));
          });
          const order = [...new Set(tr.order.map((i) => folders[i % tr.folders]))];
          const r = await duSizes(order);
          assert.strictEqual(r.status, 'ok', r.reason);
          assert.deepStrictEqual([...r.sizes], [...(await walkSizes(order))]);
        } finally {
          fs.rmSync(root, { recursive: true, force: true });
        }
      }),
    { timeoutMs: 60_000 },
  );
});
