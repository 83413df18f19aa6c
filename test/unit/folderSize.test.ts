import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FolderSize, SizeCache, folderSize } from '../../src/probes/folderSize';
import { TempDirs } from './extensionsFixtures';

/** `du -s -B1 [--apparent-size] dirs…`: the total in bytes (the last line's number; -c for several folders). */
function du(dirs: string[], apparent = false): number {
  const args = ['-s', '-B1', ...(apparent ? ['--apparent-size'] : []), ...(dirs.length > 1 ? ['-c'] : []), ...dirs];
  const lines = execFileSync('du', args, { encoding: 'utf8' }).trim().split('\n');
  return Number(lines[lines.length - 1].split('\t')[0]);
}

/** Every path under root, root included (hard links and symlinks are paths too). */
const pathCount = (root: string): number => fs.readdirSync(root, { recursive: true }).length + 1;

const FILE_SIZES: Record<string, number> = {
  'empty.txt': 0,
  'one.bin': 1,
  'page-1.bin': 4095,
  'page.bin': 4096,
  'mid.bin': 100_000,
  'nested/deeper/big.bin': 1_000_000,
  'nested/deeper/deepest/small.txt': 17,
};
const OUTSIDE_BIG = 5 * 1024 * 1024;
const SPARSE = 8 * 1024 * 1024;

/**
 * <root>/tree: files of various sizes, nested and empty folders, a hard link to mid.bin, a sparse file, a symlink to a
 * big file outside the tree and a dangling symlink. <root>/outside/huge.bin is the big file.
 */
function buildTree(root: string): string {
  const tree = path.join(root, 'tree');
  for (const [rel, size] of Object.entries(FILE_SIZES)) {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), Buffer.alloc(size, 7));
  }
  fs.mkdirSync(path.join(tree, 'nested', 'empty'), { recursive: true });
  fs.linkSync(path.join(tree, 'mid.bin'), path.join(tree, 'nested', 'hard.bin'));
  const fd = fs.openSync(path.join(tree, 'sparse.bin'), 'w');
  fs.writeSync(fd, 'x', SPARSE - 1);
  fs.closeSync(fd);
  fs.mkdirSync(path.join(root, 'outside'));
  fs.writeFileSync(path.join(root, 'outside', 'huge.bin'), Buffer.alloc(OUTSIDE_BIG, 1));
  fs.symlinkSync(path.join(root, 'outside', 'huge.bin'), path.join(tree, 'link-to-huge'));
  fs.symlinkSync(path.join(root, 'nowhere'), path.join(tree, 'dangling'));
  return tree;
}

describe('folderSize', () => {
  const dirs = new TempDirs('csops-size-');
  let root: string;
  let tree: string;
  beforeEach(() => {
    root = dirs.make();
    tree = buildTree(root);
  });
  afterEach(() => dirs.removeAll());

  it('counts allocated bytes exactly as `du -s -B1` does', async () => {
    const size = await folderSize(tree);
    assert.strictEqual(size.bytes, du([tree]));
    assert.strictEqual(size.cancelled, false);
    assert.strictEqual(size.errors, 0);
  });

  it('counts a hard-linked file once, does not follow symlinks, and counts a sparse file by its blocks', async () => {
    const size = await folderSize(tree);
    const written = Object.values(FILE_SIZES).reduce((a, b) => a + b, 0);
    assert.ok(size.bytes >= written, `${size.bytes} < ${written}`);
    assert.ok(size.bytes < written + OUTSIDE_BIG, `the symlinked ${OUTSIDE_BIG} bytes were counted: ${size.bytes}`);
    assert.ok(size.bytes < written + 100_000 + SPARSE / 2, `hard link or sparse file counted in full: ${size.bytes}`);
    assert.ok(size.apparentBytes > size.bytes); // the sparse file's size is mostly holes
  });

  it('apparentBytes is the sum of the sizes (each inode once), as `du -s -B1 --apparent-size`', async () => {
    const size = await folderSize(tree);
    assert.strictEqual(size.apparentBytes, du([tree], true));
    // the same sum by hand: every path's lstat size, the hard link's inode once
    const seen = new Set<number>();
    let sum = 0;
    for (const rel of ['', ...fs.readdirSync(tree, { recursive: true }).map(String)]) {
      const st = fs.lstatSync(path.join(tree, rel));
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
      sum += st.size;
    }
    assert.strictEqual(size.apparentBytes, sum);
  });

  it('counts every path as an entry, the second name of the hard link included', async () => {
    const size = await folderSize(tree);
    assert.strictEqual(size.entries, pathCount(tree));
  });

  it('gives the same result whatever the concurrency', async () => {
    const all = await folderSize(tree);
    for (const concurrency of [1, 2, 1000])
      assert.deepStrictEqual(await folderSize(tree, { concurrency }), all, `concurrency ${concurrency}`);
  });

  it('a shared `seen` set counts a hard link between two folders once, as du does for several folders', async () => {
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.linkSync(path.join(tree, 'nested', 'deeper', 'big.bin'), path.join(other, 'big-too.bin'));
    const seen = new Set<string>();
    const a = await folderSize(tree, { seen });
    const b = await folderSize(other, { seen });
    assert.strictEqual(a.bytes + b.bytes, du([tree, other]));
    assert.ok((await folderSize(other)).bytes > b.bytes + 900_000); // alone, the big file is counted in `other`
  });

  it('stops when isCancelled says so, with what it counted so far', async () => {
    const never = await folderSize(tree, { isCancelled: () => true });
    assert.deepStrictEqual(never, { bytes: 0, apparentBytes: 0, entries: 0, errors: 0, cancelled: true });

    let calls = 0;
    const partial = await folderSize(tree, { concurrency: 1, isCancelled: () => ++calls > 3 });
    assert.strictEqual(partial.cancelled, true);
    assert.strictEqual(partial.entries, 3); // one lstat per round at concurrency 1
    assert.ok(partial.bytes > 0 && partial.bytes < du([tree]), String(partial.bytes));
  });

  it('counts a path that vanished as an error, without throwing', async () => {
    assert.deepStrictEqual(await folderSize(path.join(root, 'nope')), {
      bytes: 0,
      apparentBytes: 0,
      entries: 0,
      errors: 1,
      cancelled: false,
    });

    // the root is read (its children queued), then a child is deleted before it is visited
    let calls = 0;
    const size = await folderSize(tree, {
      concurrency: 1,
      isCancelled: () => {
        if (++calls === 2) fs.rmSync(path.join(tree, 'mid.bin'));
        return false;
      },
    });
    assert.deepStrictEqual([size.errors, size.entries, size.cancelled], [1, pathCount(tree), false]);
    assert.strictEqual(size.bytes, du([tree]));
  });

  it('sizes a single file or a symlink as itself', async () => {
    const file = await folderSize(path.join(tree, 'mid.bin'));
    assert.deepStrictEqual(
      [file.entries, file.apparentBytes, file.bytes],
      [1, 100_000, fs.lstatSync(path.join(tree, 'mid.bin')).blocks * 512],
    );
    const link = await folderSize(path.join(tree, 'link-to-huge'));
    assert.deepStrictEqual([link.entries, link.apparentBytes], [1, fs.lstatSync(path.join(tree, 'link-to-huge')).size]);
  });
});

describe('SizeCache', () => {
  const dirs = new TempDirs('csops-size-');
  afterEach(() => dirs.removeAll());

  const size = (bytes: number): FolderSize => ({ bytes, apparentBytes: bytes, entries: 1, errors: 0 });

  it('hits while the mtime and inode are the ones it was stored with', () => {
    const cache = new SizeCache();
    cache.set('/x/a', 1000, 7, size(10));
    assert.deepStrictEqual(cache.get('/x/a', 1000, 7), size(10));
    assert.strictEqual(cache.get('/x/a', 1001, 7), undefined);
    assert.strictEqual(cache.get('/x/a', 1000, 8), undefined);
    assert.strictEqual(cache.get('/x/b', 1000, 7), undefined);
    cache.set('/x/a', 1001, 7, size(20));
    assert.deepStrictEqual(cache.get('/x/a', 1001, 7), size(20));
    assert.strictEqual(cache.get('/x/a', 1000, 7), undefined); // replaced, not kept next to it
    cache.forget('/x/a');
    assert.strictEqual(cache.get('/x/a', 1001, 7), undefined);
  });

  it('misses when a real folder is modified or replaced', async () => {
    const dir = path.join(dirs.make(), 'ext');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a'), 'aaaa');
    const cache = new SizeCache();
    const stamp = (): [number, number] => {
      const st = fs.lstatSync(dir);
      return [st.mtimeMs, st.ino];
    };
    const [mtime0, ino0] = stamp();
    cache.set(dir, mtime0, ino0, await folderSize(dir));
    assert.ok(cache.get(dir, ...stamp()));

    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(dir, past, past); // touched
    assert.strictEqual(cache.get(dir, ...stamp()), undefined);
    const mtimeTouched = stamp()[0];
    cache.set(dir, ...stamp(), await folderSize(dir));
    assert.ok(cache.get(dir, ...stamp()));

    // replaced: a new folder renamed over the old one, with the same mtime
    const next = `${dir}.new`;
    fs.mkdirSync(next);
    fs.utimesSync(next, past, past);
    fs.rmSync(dir, { recursive: true });
    fs.renameSync(next, dir);
    assert.deepStrictEqual([stamp()[0] === mtimeTouched, stamp()[1] === ino0], [true, false]);
    assert.strictEqual(cache.get(dir, ...stamp()), undefined);
  });
});
