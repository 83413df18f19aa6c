import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Batch, Manifest, ManifestItem, ManifestRecord, listBatches, purgeOlderThan, quarantineRoot } from '../../src/features/extensions/quarantine';
import { readExtensionsDir } from '../../src/probes/extensionsDir';
import { DAY, HOUR, TempDirs, makeExtensionFolder } from './extensionsFixtures';

/** Every path under root with its kind and content: sha256 of files, target of symlinks. Sorted. */
function listing(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .sort()
    .map((rel) => {
      const p = path.join(root, rel);
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return `${rel} -> ${fs.readlinkSync(p)}`;
      if (st.isDirectory()) return `${rel}/`;
      return `${rel} ${st.size} ${crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
    });
}

/** An extension folder with nested folders, an empty folder, binary content and a relative symlink. */
function makeRichFolder(p: string, seed: number): void {
  makeExtensionFolder(p);
  fs.mkdirSync(path.join(p, 'node_modules', 'dep', 'lib'), { recursive: true });
  fs.mkdirSync(path.join(p, 'empty'));
  fs.writeFileSync(path.join(p, 'node_modules', 'dep', 'lib', 'index.js'), crypto.randomBytes(3000 + seed));
  fs.writeFileSync(path.join(p, 'README.md'), `# ${path.basename(p)}\n`);
  fs.symlinkSync('README.md', path.join(p, 'readme-link'));
}

const readManifest = (batch: Batch): Manifest => ManifestRecord.parse(JSON.parse(fs.readFileSync(path.join(batch.dir, 'manifest.json'), 'utf8')));

describe('clean extensions: quarantine', () => {
  const dirs = new TempDirs('csops-quarantine-');
  let dir: string;
  /** Extension folders in dir, by name. */
  const FOLDERS = ['ms-python.python-2023.22.0', 'redhat.vscode-yaml-1.14.0', '.3b1e2f4a-1111-2222-3333-444455556666'];
  const NOW = Date.UTC(2026, 0, 15, 12, 30, 45, 678);

  beforeEach(() => {
    dir = path.join(dirs.make(), 'extensions');
    FOLDERS.forEach((name, i) => makeRichFolder(path.join(dir, name), i));
    fs.writeFileSync(path.join(dir, 'extensions.json'), '[]');
  });
  afterEach(() => dirs.removeAll());

  /** What moveIn is given for a folder of dir. */
  const item = (name: string): Omit<ManifestItem, 'state'> => ({
    name, originalPath: path.join(dir, name), cls: 'unreferenced', bytes: 1000, ino: fs.lstatSync(path.join(dir, name)).ino,
  });
  /** A batch created at createdAtMs holding the given folders of dir. */
  const batchOf = async (createdAtMs: number, names: readonly string[] = []): Promise<Batch> => {
    const b = await Batch.create(dir, createdAtMs);
    for (const name of names) await b.moveIn(item(name));
    return b;
  };

  describe('Batch.create and moveIn', () => {
    it('creates <dir>/.csops-quarantine/<id>/items with a valid, empty manifest', async () => {
      const b = await Batch.create(dir, NOW);
      const id = b.manifest.id;
      assert.match(id, new RegExp(`^2026-01-15T12-30-45-678Z-${process.pid}-[0-9a-f]{6}$`));
      assert.strictEqual(b.dir, path.join(quarantineRoot(dir), id));
      assert.strictEqual(quarantineRoot(dir), path.join(dir, '.csops-quarantine'));
      assert.deepStrictEqual(fs.readdirSync(b.dir).sort(), ['items', 'manifest.json']);
      assert.deepStrictEqual(readManifest(b), { version: 1, id, createdAtMs: NOW, extensionsDir: dir, items: [] });
    });

    it('moves the folder into the batch (a rename: same inode, same content) and records it', async () => {
      const name = FOLDERS[1];
      const before = listing(path.join(dir, name));
      const it0 = item(name);
      const b = await batchOf(NOW, [name]);
      assert.ok(!fs.existsSync(path.join(dir, name)));
      const moved = path.join(b.dir, 'items', name);
      assert.deepStrictEqual(listing(moved), before);
      assert.strictEqual(fs.lstatSync(moved).ino, it0.ino);
      assert.deepStrictEqual(readManifest(b).items, [{ ...it0, state: 'moved' }]);
      assert.deepStrictEqual(b.manifest, readManifest(b));
      assert.deepStrictEqual(b.movedItems, [{ ...it0, state: 'moved' }]);
      assert.deepStrictEqual(fs.readdirSync(b.dir).sort(), ['items', 'manifest.json']); // no manifest.json.tmp left
    });

    it('a moved folder disappears from the extensions folder report; the quarantine is never listed', async () => {
      await batchOf(NOW, [FOLDERS[0]]);
      const r = await readExtensionsDir(dir, NOW + HOUR);
      assert.deepStrictEqual(r.folders.map((f) => f.name), [FOLDERS[2], FOLDERS[1]]);
    });

    it('fails (and records nothing) when the folder is gone', async () => {
      const b = await Batch.create(dir, NOW);
      const gone = { ...item(FOLDERS[0]), name: 'gone.ext-1.0.0', originalPath: path.join(dir, 'gone.ext-1.0.0') };
      await assert.rejects(b.moveIn(gone), { code: 'ENOENT' });
      assert.deepStrictEqual(readManifest(b).items, []);
    });
  });

  describe('restore', () => {
    it('round-trips: byte-identical trees back in place, the batch removed', async () => {
      const before = new Map(FOLDERS.map((n) => [n, listing(path.join(dir, n))]));
      const inos = FOLDERS.map((n) => fs.lstatSync(path.join(dir, n)).ino);
      const b = await batchOf(NOW, FOLDERS);
      assert.ok(FOLDERS.every((n) => !fs.existsSync(path.join(dir, n))));

      const results = await b.restore();
      assert.deepStrictEqual(results.map((r) => [r.item.name, r.ok, r.why]), FOLDERS.map((n) => [n, true, undefined]));
      assert.ok(results.every((r) => r.item.state === 'restored'));
      for (const [name, list] of before) assert.deepStrictEqual(listing(path.join(dir, name)), list, name);
      assert.deepStrictEqual(FOLDERS.map((n) => fs.lstatSync(path.join(dir, n)).ino), inos);
      assert.ok(!fs.existsSync(b.dir));
      assert.deepStrictEqual(fs.readdirSync(quarantineRoot(dir)), []);
    });

    it('does not restore over a folder of the same name that exists again; keeps the quarantined copy', async () => {
      const [blocked, free] = FOLDERS;
      const quarantined = listing(path.join(dir, blocked));
      const b = await batchOf(NOW, [blocked, free]);
      makeExtensionFolder(path.join(dir, blocked)); // e.g. reinstalled meanwhile
      const reinstalled = listing(path.join(dir, blocked));

      const results = await b.restore();
      assert.deepStrictEqual(results.map((r) => [r.item.name, r.ok, r.why]), [
        [blocked, false, 'a folder with that name exists again'],
        [free, true, undefined],
      ]);
      assert.deepStrictEqual(listing(path.join(dir, blocked)), reinstalled); // untouched
      assert.deepStrictEqual(listing(path.join(b.dir, 'items', blocked)), quarantined);
      assert.deepStrictEqual(readManifest(b).items.map((i) => [i.name, i.state]), [[blocked, 'moved'], [free, 'restored']]);
      assert.deepStrictEqual(b.movedItems.map((i) => i.name), [blocked]);

      // once the place is free again, the rest is restored and the batch goes away
      fs.rmSync(path.join(dir, blocked), { recursive: true });
      const again = await b.restore();
      assert.deepStrictEqual(again.map((r) => [r.item.name, r.ok]), [[blocked, true]]);
      assert.deepStrictEqual(listing(path.join(dir, blocked)), quarantined);
      assert.ok(!fs.existsSync(b.dir));
    });

    it('a broken symlink where the folder was also blocks the restore', async () => {
      const b = await batchOf(NOW, [FOLDERS[0]]);
      fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, FOLDERS[0]));
      const [r] = await b.restore();
      assert.deepStrictEqual([r.ok, r.why], [false, 'a folder with that name exists again']);
      assert.ok(fs.existsSync(path.join(b.dir, 'items', FOLDERS[0])));
    });

    it('reports an item missing from the batch with its error code, and keeps the batch', async () => {
      const b = await batchOf(NOW, [FOLDERS[0], FOLDERS[1]]);
      fs.rmSync(path.join(b.dir, 'items', FOLDERS[0]), { recursive: true });
      const results = await b.restore();
      assert.deepStrictEqual(results.map((r) => [r.item.name, r.ok, r.why]), [[FOLDERS[0], false, 'ENOENT'], [FOLDERS[1], true, undefined]]);
      assert.ok(fs.existsSync(b.dir));
    });

    it('restores the batch read back with Batch.open (as Undo does after a reload)', async () => {
      const before = listing(path.join(dir, FOLDERS[2]));
      const created = await batchOf(NOW, [FOLDERS[2]]);
      const opened = await Batch.open(created.dir);
      assert.ok(opened instanceof Batch);
      assert.deepStrictEqual(opened.manifest, created.manifest);
      assert.deepStrictEqual((await opened.restore()).map((r) => r.ok), [true]);
      assert.deepStrictEqual(listing(path.join(dir, FOLDERS[2])), before);
    });
  });

  describe('Batch.open, listBatches', () => {
    it('Batch.open reports a missing or invalid manifest', async () => {
      const b = await Batch.create(dir, NOW);
      fs.rmSync(path.join(b.dir, 'manifest.json'));
      assert.deepStrictEqual(await Batch.open(b.dir), { error: `cannot read the manifest in ${b.dir} (ENOENT)` });
      for (const text of ['{', '{}', JSON.stringify({ ...b.manifest, version: 2 }), JSON.stringify({ ...b.manifest, id: '../escape' })]) {
        fs.writeFileSync(path.join(b.dir, 'manifest.json'), text);
        const opened = await Batch.open(b.dir);
        assert.ok(!(opened instanceof Batch), text);
        assert.match(opened.error, text === '{' ? /^cannot read the manifest in / : /^invalid manifest in /, text);
      }
    });

    it('lists nothing when there is no quarantine', async () => {
      assert.deepStrictEqual(await listBatches(dir), { batches: [], problems: [] });
    });

    it('lists batches newest first, and reports invalid ones as problems', async () => {
      const middle = await batchOf(NOW - DAY, [FOLDERS[0]]);
      const newest = await batchOf(NOW, [FOLDERS[1]]);
      const oldest = await batchOf(NOW - 3 * DAY);
      const bad = path.join(quarantineRoot(dir), 'broken');
      fs.mkdirSync(bad);
      fs.writeFileSync(path.join(bad, 'manifest.json'), '{"version": 1, "id": "broken"');
      fs.mkdirSync(path.join(quarantineRoot(dir), 'no-manifest'));

      const { batches, problems } = await listBatches(dir);
      assert.deepStrictEqual(batches.map((b) => b.manifest.id), [newest, middle, oldest].map((b) => b.manifest.id));
      assert.deepStrictEqual(batches.map((b) => b.dir), [newest.dir, middle.dir, oldest.dir]);
      assert.deepStrictEqual(batches.map((b) => b.movedItems.map((i) => i.name)), [[FOLDERS[1]], [FOLDERS[0]], []]);
      assert.strictEqual(problems.length, 2);
      assert.ok(problems.includes(`cannot read the manifest in ${path.join(quarantineRoot(dir), 'no-manifest')} (ENOENT)`), problems.join('\n'));
      assert.ok(problems.some((p) => p.startsWith(`cannot read the manifest in ${bad} (SyntaxError: `)), problems.join('\n'));
    });

    it('reports a quarantine that cannot be read', async () => {
      fs.writeFileSync(quarantineRoot(dir), 'not a folder');
      const { batches, problems } = await listBatches(dir);
      assert.deepStrictEqual(batches, []);
      assert.strictEqual(problems.length, 1);
      assert.match(problems[0], /^cannot read .*\.csops-quarantine: Error: ENOTDIR/);
    });
  });

  describe('purgeOlderThan', () => {
    /** An old folder mtime: must not matter. */
    const setOld = (p: string): void => fs.utimesSync(p, new Date(NOW - 100 * DAY), new Date(NOW - 100 * DAY));

    it('deletes only the batches older than N days, whatever they hold', async () => {
      const b10 = await batchOf(NOW - 10 * DAY, [FOLDERS[0]]);
      const b8 = await batchOf(NOW - 8 * DAY);
      const b7 = await batchOf(NOW - 7 * DAY, [FOLDERS[1]]); // exactly 7 days: kept
      const b3 = await batchOf(NOW - 3 * DAY, [FOLDERS[2]]);

      const deleted = await purgeOlderThan(dir, 7, NOW);
      assert.deepStrictEqual(deleted.sort(), [b10.manifest.id, b8.manifest.id].sort());
      assert.deepStrictEqual([b10, b8, b7, b3].map((b) => fs.existsSync(b.dir)), [false, false, true, true]);
      assert.deepStrictEqual((await listBatches(dir)).batches.map((b) => b.manifest.id), [b3.manifest.id, b7.manifest.id]);
      assert.deepStrictEqual(await purgeOlderThan(dir, 7, NOW), []);
      assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['.csops-quarantine', 'extensions.json']); // nothing else touched
    });

    it('goes by the manifest date, not the folder date', async () => {
      const b = await Batch.create(dir, NOW);
      fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify({ ...b.manifest, createdAtMs: NOW - 30 * DAY }));
      const fresh = await batchOf(NOW - 20 * DAY);
      assert.deepStrictEqual((await purgeOlderThan(dir, 25, NOW)), [b.manifest.id]);
      assert.deepStrictEqual([fs.existsSync(b.dir), fs.existsSync(fresh.dir)], [false, true]);
    });

    it('keeps batches it cannot read (unknown is never deleted), and works without a quarantine', async () => {
      assert.deepStrictEqual(await purgeOlderThan(dir, 0, NOW), []);
      const bad = path.join(quarantineRoot(dir), 'broken');
      fs.mkdirSync(bad, { recursive: true });
      fs.writeFileSync(path.join(bad, 'manifest.json'), 'garbage');
      setOld(bad);
      assert.deepStrictEqual(await purgeOlderThan(dir, 0, NOW + 365 * DAY), []);
      assert.ok(fs.existsSync(bad));
    });
  });

  // src/actions/cleanExtensions/quarantine.ts Batch.create: the id is the creation time to the millisecond plus the pid,
  // and mkdir is recursive, so a second batch created in the same millisecond by the same process gets the first one's
  // folder and overwrites its manifest with an empty item list: the first batch's folders stay under items/ but are no
  // longer listed, restorable or counted. Low severity (two clean-ups within 1 ms of one extension host), but the id is
  // not unique as the code assumes.
  it('two batches created in the same millisecond are distinct [src bug: same folder, the first manifest is overwritten]', async () => {
    const first = await batchOf(NOW, [FOLDERS[0]]);
    const second = await Batch.create(dir, NOW);
    assert.notStrictEqual(second.dir, first.dir);
    assert.deepStrictEqual((await listBatches(dir)).batches.flatMap((b) => b.movedItems.map((i) => i.name)), [FOLDERS[0]]);
  });
});
