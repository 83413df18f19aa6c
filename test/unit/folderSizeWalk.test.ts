// folderSize on open-ended trees (fast-check against `du`), on folders it may not read (a real EACCES, as an
// unprivileged user), and how it shares the event loop: one time budget across calls, a turn within long walks.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { folderSize } from '../../src/probes/folderSize';
import { TempDirs } from './extensionsFixtures';

const duBytes = (dirs: string[], extra: string[] = [], uid?: number): number => {
  const r = spawnSync('du', ['-s', '-B1', '-c', ...extra, ...dirs], { encoding: 'utf8', uid });
  const lines = r.stdout.trim().split('\n');
  return Number(lines[lines.length - 1].split('\t')[0]);
};

/** Counts event-loop turns (a setImmediate chain) until stopped. */
function turnCounter(): { stop: () => number } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

type Node =
  | { kind: 'file'; name: string; size: number }
  | { kind: 'sparse'; name: string; size: number }
  | { kind: 'dir'; name: string; children: Node[] }
  | { kind: 'hardlink'; name: string; to: number }
  | { kind: 'symlink'; name: string; target: string };

const name = fc.stringMatching(/^[a-z0-9._-]{1,12}$/).filter((n) => n !== '.' && n !== '..');
const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), name, size: fc.oneof(fc.nat({ max: 9000 }), fc.constantFrom(0, 4095, 4096, 4097)) }),
  fc.record({ kind: fc.constant('sparse' as const), name, size: fc.integer({ min: 70_000, max: 3_000_000 }) }),
  fc.record({ kind: fc.constant('hardlink' as const), name, to: fc.nat() }),
  // short targets live in the inode (0 blocks), long ones take a block of their own
  fc.record({ kind: fc.constant('symlink' as const), name, target: fc.oneof(fc.constant('../x'), fc.constant(`/${'long/'.repeat(40)}t`)) }),
);
const tree = fc.letrec<{ node: Node; dir: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('dir')),
  dir: fc.record({ kind: fc.constant('dir' as const), name, children: fc.array(tie('node'), { maxLength: 6 }) }),
})).dir;

/** Builds the tree under `at`; a hard link points at the (to mod n)-th regular file made so far, if any. */
function build(at: string, node: Node, files: string[]): void {
  const p = path.join(at, node.name);
  // a duplicate name (lstat: a dangling symlink is there too): skip
  if (fs.lstatSync(p, { throwIfNoEntry: false }) || fs.lstatSync(at, { throwIfNoEntry: false }) === undefined) return;
  if (node.kind === 'dir') {
    fs.mkdirSync(p);
    for (const c of node.children) build(p, c, files);
  } else if (node.kind === 'file') {
    fs.writeFileSync(p, Buffer.alloc(node.size, 1));
    files.push(p);
  } else if (node.kind === 'sparse') {
    const fd = fs.openSync(p, 'w');
    fs.writeSync(fd, 'x', node.size - 1);
    fs.closeSync(fd);
    files.push(p);
  } else if (node.kind === 'hardlink') {
    if (files.length) fs.linkSync(files[node.to % files.length], p);
  } else fs.symlinkSync(node.target, p);
}

/** Every path below and including p, symlinks not followed (readdirSync's `recursive` follows them on Node 20). */
function countEntries(p: string): number {
  if (!fs.lstatSync(p).isDirectory()) return 1;
  return 1 + fs.readdirSync(p).reduce((n, name) => n + countEntries(path.join(p, name)), 0);
}

describe('folderSize on generated trees, unreadable folders and the event loop', () => {
  const dirs = new TempDirs('csops-sizewalk-');
  afterEach(() => dirs.removeAll());

  it('any tree: bytes, apparent bytes and entries as `du -s -B1` counts them, whatever the slice size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tree, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 64 }), async (roots, slice) => {
        const root = dirs.make();
        const files: string[] = [];
        roots.forEach((r, i) => build(root, { ...r, name: `r${i}` }, files));
        const folders = roots.map((_, i) => path.join(root, `r${i}`));
        const seen = new Set<string>();
        const sizes: Awaited<ReturnType<typeof folderSize>>[] = [];
        for (const f of folders) sizes.push(await folderSize(f, { seen, concurrency: slice }));
        const sum = (k: 'bytes' | 'apparentBytes' | 'entries' | 'errors'): number => sizes.reduce((a, s) => a + s[k], 0);
        assert.strictEqual(sum('bytes'), duBytes(folders));
        assert.strictEqual(sum('apparentBytes'), duBytes(folders, ['--apparent-size']));
        const paths = folders.reduce((n, f) => n + countEntries(f), 0);
        assert.strictEqual(sum('entries'), paths);
        assert.strictEqual(sum('errors'), 0);
        // the same folders with the default (time-only) slices
        const again = new Set<string>();
        let bytes = 0;
        for (const f of folders) bytes += (await folderSize(f, { seen: again })).bytes;
        assert.strictEqual(bytes, sum('bytes'));
        dirs.removeAll();
      }),
      { numRuns: 30 },
    );
  });

  it('a folder it may not list, and one it may list but not enter: errors, the rest sized as du sizes it', function () {
    const root = dirs.make();
    fs.chmodSync(root, 0o755);
    const top = path.join(root, 'top');
    for (const d of ['open', 'locked', 'listOnly']) fs.mkdirSync(path.join(top, d), { recursive: true });
    fs.writeFileSync(path.join(top, 'open', 'a.bin'), Buffer.alloc(10_000, 1));
    fs.writeFileSync(path.join(top, 'locked', 'hidden.bin'), Buffer.alloc(50_000, 1));
    for (const n of ['x.bin', 'y.bin']) fs.writeFileSync(path.join(top, 'listOnly', n), Buffer.alloc(20_000, 1));
    fs.chmodSync(path.join(top, 'locked'), 0o000); // no readdir
    fs.chmodSync(path.join(top, 'listOnly'), 0o444); // readdir, but no lstat of what is in it
    try {
      // root reads everything: run as an unprivileged user then (the real EACCES), else as ourselves
      const uid = process.getuid?.() === 0 ? 65534 : undefined;
      // that user may not read the checkout (a clone in a 0700 mktemp folder): the module (it needs only fs and
      // perf_hooks) is copied next to the tree, the child runs there, and without our coverage folder
      const mod = path.join(root, 'folderSize.js');
      fs.copyFileSync(require.resolve('../../src/probes/folderSize'), mod);
      const script = `require(${JSON.stringify(mod)}).folderSize(${JSON.stringify(top)}).then((s) => process.stdout.write(JSON.stringify(s)))`;
      const env = { ...process.env };
      delete env.NODE_V8_COVERAGE;
      const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', uid, cwd: root, env });
      const size = JSON.parse(out) as { bytes: number; entries: number; errors: number; cancelled: boolean };
      // locked: its readdir fails (1); listOnly: both names listed, neither can be lstat'ed (2)
      assert.deepStrictEqual([size.errors, size.cancelled], [3, false]);
      assert.strictEqual(size.entries, 1 + 3 + 1 + 2 - 2); // top, its 3 folders, open/a.bin (listOnly's two failed)
      assert.strictEqual(size.bytes, duBytes([top], [], uid));
      assert.ok(size.bytes < 50_000 + 40_000, `unreadable contents counted: ${size.bytes}`);
    } finally {
      fs.chmodSync(path.join(top, 'locked'), 0o755);
      fs.chmodSync(path.join(top, 'listOnly'), 0o755);
    }
  });

  it('gives the event loop turns during a long walk, and checks isCancelled there', async () => {
    const root = dirs.make();
    for (let d = 0; d < 20; d++) {
      fs.mkdirSync(path.join(root, `d${d}`));
      for (let f = 0; f < 150; f++) fs.writeFileSync(path.join(root, `d${d}`, `f${f}`), 'x');
    }
    let checks = 0;
    const turns = turnCounter();
    const size = await folderSize(root, { isCancelled: () => (checks++, false) });
    const seen = turns.stop();
    assert.strictEqual(size.entries, 1 + 20 + 3000);
    // 3,021 lstat calls take well over the 1 ms budget, so the walk cannot have run in one go
    assert.ok(seen >= 1, `no turn in ${size.entries} entries`);
    assert.ok(checks >= 2, `isCancelled asked ${checks} time(s)`);
  });

  it('many small folders in a row share one budget: not a turn per folder', async () => {
    const root = dirs.make();
    const folders: string[] = [];
    for (let i = 0; i < 200; i++) {
      const f = path.join(root, `ext${i}`);
      fs.mkdirSync(f);
      fs.writeFileSync(path.join(f, 'package.json'), '{}');
      folders.push(f);
    }
    const seen = new Set<string>();
    const turns = turnCounter();
    let entries = 0;
    for (const f of folders) entries += (await folderSize(f, { seen })).entries;
    const n = turns.stop();
    assert.strictEqual(entries, 400);
    // ~400 lstat calls are ~1 ms of CPU; one turn per folder (what a per-call yield costs) would be 200
    assert.ok(n < folders.length / 2, `${n} turns for ${folders.length} folders`);
  });
});
