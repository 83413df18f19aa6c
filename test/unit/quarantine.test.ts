import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Batch,
  Manifest,
  ManifestItem,
  ManifestRecord,
  listBatches,
  purgeOlderThan,
  quarantineRoot,
  recoverInterrupted,
} from '../../src/features/extensions/quarantine';
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

const readManifest = (batch: Batch): Manifest =>
  ManifestRecord().parse(JSON.parse(fs.readFileSync(path.join(batch.dir, 'manifest.json'), 'utf8')));

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
    name,
    originalPath: path.join(dir, name),
    cls: 'unreferenced',
    bytes: 1000,
    ino: fs.lstatSync(path.join(dir, name)).ino,
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
      assert.deepStrictEqual(fs.readdirSync(b.dir).sort(), ['items', 'journal.jsonl', 'manifest.json']);
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
      assert.deepStrictEqual(fs.readdirSync(b.dir).sort(), ['items', 'journal.jsonl', 'manifest.json']); // no manifest.json.tmp left
    });

    it('a moved folder disappears from the extensions folder report; the quarantine is never listed', async () => {
      await batchOf(NOW, [FOLDERS[0]]);
      const r = await readExtensionsDir(dir, NOW + HOUR);
      assert.deepStrictEqual(
        r.folders.map((f) => f.name),
        [FOLDERS[2], FOLDERS[1]],
      );
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
      assert.deepStrictEqual(
        results.map((r) => [r.item.name, r.ok, r.why]),
        FOLDERS.map((n) => [n, true, undefined]),
      );
      assert.ok(results.every((r) => r.item.state === 'restored'));
      for (const [name, list] of before) assert.deepStrictEqual(listing(path.join(dir, name)), list, name);
      assert.deepStrictEqual(
        FOLDERS.map((n) => fs.lstatSync(path.join(dir, n)).ino),
        inos,
      );
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
      assert.deepStrictEqual(
        results.map((r) => [r.item.name, r.ok, r.why]),
        [
          [blocked, false, 'a folder with that name exists again'],
          [free, true, undefined],
        ],
      );
      assert.deepStrictEqual(listing(path.join(dir, blocked)), reinstalled); // untouched
      assert.deepStrictEqual(listing(path.join(b.dir, 'items', blocked)), quarantined);
      assert.deepStrictEqual(
        readManifest(b).items.map((i) => [i.name, i.state]),
        [
          [blocked, 'moved'],
          [free, 'restored'],
        ],
      );
      assert.deepStrictEqual(
        b.movedItems.map((i) => i.name),
        [blocked],
      );

      // once the place is free again, the rest is restored and the batch goes away
      fs.rmSync(path.join(dir, blocked), { recursive: true });
      const again = await b.restore();
      assert.deepStrictEqual(
        again.map((r) => [r.item.name, r.ok]),
        [[blocked, true]],
      );
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
      assert.deepStrictEqual(
        results.map((r) => [r.item.name, r.ok, r.why]),
        [
          [FOLDERS[0], false, 'ENOENT'],
          [FOLDERS[1], true, undefined],
        ],
      );
      assert.ok(fs.existsSync(b.dir));
    });

    it('restores the batch read back with Batch.open (as Undo does after a reload)', async () => {
      const before = listing(path.join(dir, FOLDERS[2]));
      const created = await batchOf(NOW, [FOLDERS[2]]);
      const opened = await Batch.open(created.dir);
      assert.ok(opened instanceof Batch);
      assert.deepStrictEqual(opened.manifest, created.manifest);
      assert.deepStrictEqual(
        (await opened.restore()).map((r) => r.ok),
        [true],
      );
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
      assert.deepStrictEqual(
        batches.map((b) => b.manifest.id),
        [newest, middle, oldest].map((b) => b.manifest.id),
      );
      assert.deepStrictEqual(
        batches.map((b) => b.dir),
        [newest.dir, middle.dir, oldest.dir],
      );
      assert.deepStrictEqual(
        batches.map((b) => b.movedItems.map((i) => i.name)),
        [[FOLDERS[1]], [FOLDERS[0]], []],
      );
      assert.strictEqual(problems.length, 2);
      assert.ok(
        problems.includes(`cannot read the manifest in ${path.join(quarantineRoot(dir), 'no-manifest')} (ENOENT)`),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((p) => p.startsWith(`cannot read the manifest in ${bad} (SyntaxError: `)),
        problems.join('\n'),
      );
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
      assert.deepStrictEqual(
        [b10, b8, b7, b3].map((b) => fs.existsSync(b.dir)),
        [false, false, true, true],
      );
      assert.deepStrictEqual(
        (await listBatches(dir)).batches.map((b) => b.manifest.id),
        [b3.manifest.id, b7.manifest.id],
      );
      assert.deepStrictEqual(await purgeOlderThan(dir, 7, NOW), []);
      assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['.csops-quarantine', 'extensions.json']); // nothing else touched
    });

    it('goes by the manifest date, not the folder date', async () => {
      const b = await Batch.create(dir, NOW);
      fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify({ ...b.manifest, createdAtMs: NOW - 30 * DAY }));
      const fresh = await batchOf(NOW - 20 * DAY);
      assert.deepStrictEqual(await purgeOlderThan(dir, 25, NOW), [b.manifest.id]);
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

  describe('faults: a full disk (ENOSPC) never loses a folder', () => {
    /** Makes the nth and later (or only the nth) writes of a manifest fail with ENOSPC, however they are written. */
    const failManifestWrites = (from: number, only = false): (() => void) => {
      const orig = { writeFile: fs.promises.writeFile, open: fs.promises.open };
      let n = 0;
      const hit = (p: unknown): boolean => {
        if (!String(p).endsWith('manifest.json.tmp')) return false;
        n++;
        return only ? n === from : n >= from;
      };
      const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      const p = fs.promises as unknown as Record<string, unknown>;
      const wrap =
        (real: unknown) =>
        (file: unknown, ...rest: unknown[]) =>
          hit(file) ? Promise.reject(enospc()) : (real as (...a: unknown[]) => unknown)(file, ...rest);
      p.writeFile = wrap(orig.writeFile);
      p.open = wrap(orig.open);
      return () => Object.assign(fs.promises, orig);
    };
    let undoInjection: (() => void) | undefined;
    afterEach(() => {
      undoInjection?.();
      undoInjection = undefined;
    });

    /** Where each folder of names is: in place, recorded in a batch (restorable), or lost. */
    const whereAre = async (names: readonly string[]): Promise<string[]> => {
      const { batches } = await listBatches(dir);
      return names.map((n) => {
        if (fs.existsSync(path.join(dir, n))) return 'in place';
        const b = batches.find((x) => x.movedItems.some((i) => i.name === n) && fs.existsSync(path.join(x.dir, 'items', n)));
        return b ? 'recorded' : 'lost';
      });
    };

    it('a manifest update failing after the rename moves the folder back (Undo has nothing to lose)', async () => {
      const before = FOLDERS.map((n) => listing(path.join(dir, n)));
      const b = await Batch.create(dir, NOW);
      undoInjection = failManifestWrites(1);
      for (const n of FOLDERS) await assert.rejects(b.moveIn(item(n)), { code: 'ENOSPC' });
      assert.deepStrictEqual(
        FOLDERS.map((n) => fs.existsSync(path.join(dir, n))),
        [true, true, true],
      );
      assert.deepStrictEqual(
        FOLDERS.map((n) => listing(path.join(dir, n))),
        before,
      );
      assert.deepStrictEqual(readManifest(b).items, []);
      undoInjection();
      undoInjection = undefined;
      assert.deepStrictEqual(await purgeOlderThan(dir, 0, NOW + 365 * DAY), [b.manifest.id]);
      assert.deepStrictEqual(
        FOLDERS.map((n) => listing(path.join(dir, n))),
        before,
      );
    });

    it('one folder recorded, the next one failing: Undo restores the first and the second is never deleted', async () => {
      const [first, second] = FOLDERS;
      const before = [first, second].map((n) => listing(path.join(dir, n)));
      const b = await Batch.create(dir, NOW);
      undoInjection = failManifestWrites(2, true); // the manifest write of the second moveIn
      await b.moveIn(item(first));
      await assert.rejects(b.moveIn(item(second)), { code: 'ENOSPC' });
      assert.deepStrictEqual(await whereAre([first, second]), ['recorded', 'in place']);
      const results = await b.restore();
      assert.deepStrictEqual(
        results.map((r) => [r.item.name, r.ok]),
        [[first, true]],
      );
      assert.deepStrictEqual(
        [first, second].map((n) => listing(path.join(dir, n))),
        before,
      );
    });

    it('restore and purge never delete a batch whose items/ holds a folder its manifest does not list', async () => {
      const stray = 'stray.ext-1.0.0';
      const b = await batchOf(NOW - 30 * DAY, [FOLDERS[0]]);
      makeRichFolder(path.join(b.dir, 'items', stray), 7);
      const strayListing = listing(path.join(b.dir, 'items', stray));
      assert.deepStrictEqual(
        (await b.restore()).map((r) => r.ok),
        [true],
      );
      assert.deepStrictEqual(listing(path.join(b.dir, 'items', stray)), strayListing);
      assert.deepStrictEqual(await purgeOlderThan(dir, 7, NOW), []);
      assert.deepStrictEqual(listing(path.join(b.dir, 'items', stray)), strayListing);
      const again = await batchOf(NOW - 30 * DAY, [FOLDERS[1]]);
      fs.mkdirSync(path.join(again.dir, 'items', stray));
      assert.deepStrictEqual(await purgeOlderThan(dir, 7, NOW), []);
      assert.ok(fs.existsSync(path.join(again.dir, 'items', FOLDERS[1])), 'a recorded item of a batch with an unknown one is kept too');
    });

    /** Makes the next rename out of a batch's items/ (moving a folder back) fail with EIO, once. */
    const failRenameBackOnce = (): void => {
      const orig = fs.promises.rename;
      let done = false;
      (fs.promises as unknown as Record<string, unknown>).rename = (from: fs.PathLike, to: fs.PathLike) => {
        const back = String(from).includes(`${path.sep}items${path.sep}`) && !String(to).includes('.csops-quarantine');
        if (done || !back) return orig(from, to);
        done = true;
        return Promise.reject(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' }));
      };
      const prev = undoInjection;
      undoInjection = () => {
        fs.promises.rename = orig;
        prev?.();
      };
    };
    /** A batch left by a clean-up whose manifest update and rename back both failed: FOLDERS[0] in items/, journaled only. */
    const interrupted = async (): Promise<{ b: Batch; name: string; before: string[] }> => {
      const name = FOLDERS[0];
      const before = listing(path.join(dir, name));
      const b = await Batch.create(dir, NOW - 30 * DAY);
      undoInjection = failManifestWrites(1);
      failRenameBackOnce();
      await assert.rejects(
        b.moveIn(item(name)),
        (e: NodeJS.ErrnoException) => e.code === 'ENOSPC' && /stays in .*next start/.test(e.message),
      );
      undoInjection();
      undoInjection = undefined;
      assert.ok(fs.existsSync(path.join(b.dir, 'items', name)));
      assert.deepStrictEqual(readManifest(b).items, []);
      return { b, name, before };
    };

    it('a folder left unrecorded in items/ (rename back failed too) survives restore and purge; recovery moves it back', async () => {
      const { b, name, before } = await interrupted();
      assert.deepStrictEqual(await b.restore(), []);
      assert.deepStrictEqual(await purgeOlderThan(dir, 7, NOW), []);
      assert.deepStrictEqual(listing(path.join(b.dir, 'items', name)), before);
      const r = await recoverInterrupted(dir, NOW);
      assert.deepStrictEqual(r, { movedBack: [name], recorded: [], problems: [] });
      assert.deepStrictEqual(listing(path.join(dir, name)), before);
      assert.ok(!fs.existsSync(b.dir), 'the emptied batch is removed');
      assert.deepStrictEqual(await recoverInterrupted(dir, NOW), { movedBack: [], recorded: [], problems: [] });
    });

    it('recoverInterrupted records (for Undo) an interrupted folder whose place is taken again', async () => {
      const { b, name, before } = await interrupted();
      makeExtensionFolder(path.join(dir, name)); // reinstalled meanwhile
      const r = await recoverInterrupted(dir, NOW);
      assert.deepStrictEqual([r.movedBack, r.recorded, r.problems], [[], [name], []]);
      const opened = await Batch.open(b.dir);
      assert.ok(opened instanceof Batch);
      const ino = fs.lstatSync(path.join(b.dir, 'items', name)).ino;
      assert.deepStrictEqual(opened.movedItems, [{ ...item(name), ino, state: 'moved' }]);
      fs.rmSync(path.join(dir, name), { recursive: true });
      assert.deepStrictEqual(
        (await opened.restore()).map((x) => x.ok),
        [true],
      );
      assert.deepStrictEqual(listing(path.join(dir, name)), before);
    });

    it('recoverInterrupted leaves alone what the journal does not vouch for (no line, another inode, a torn line)', async () => {
      const { b, name } = await interrupted();
      fs.appendFileSync(path.join(b.dir, 'journal.jsonl'), '{"op":"moving","name":"torn.ext-1.0');
      makeRichFolder(path.join(b.dir, 'items', 'torn.ext-1.0.0'), 4);
      const inBatch = path.join(b.dir, 'items', name);
      fs.renameSync(inBatch, `${inBatch}.x`);
      makeRichFolder(inBatch, 5); // the same name, another folder
      const r = await recoverInterrupted(dir, NOW);
      assert.deepStrictEqual([r.movedBack, r.recorded, r.problems.length], [[], [], 3]); // name, name.x, torn
      assert.ok(!fs.existsSync(path.join(dir, name)) && !fs.existsSync(path.join(dir, 'torn.ext-1.0.0')));
      assert.deepStrictEqual(await purgeOlderThan(dir, 7, NOW), []);
      assert.deepStrictEqual(fs.readdirSync(path.join(b.dir, 'items')).sort(), [name, `${name}.x`, 'torn.ext-1.0.0']);
    });

    it('recoverInterrupted leaves a young batch of another live process for the next start', async () => {
      const { b, name } = await interrupted();
      const id = b.manifest.id.replace(`-${process.pid}-`, '-4194000-');
      const dir2 = path.join(quarantineRoot(dir), id);
      fs.renameSync(b.dir, dir2);
      const m = ManifestRecord().parse(JSON.parse(fs.readFileSync(path.join(dir2, 'manifest.json'), 'utf8')));
      fs.writeFileSync(path.join(dir2, 'manifest.json'), JSON.stringify({ ...m, id, createdAtMs: NOW - 60_000 }));
      const live = await recoverInterrupted(dir, NOW, (pid) => pid === 4194000);
      assert.deepStrictEqual([live.movedBack, live.problems.length], [[], 1]);
      assert.match(live.problems[0], /process 4194000 may be running/);
      assert.ok(fs.existsSync(path.join(dir2, 'items', name)));
      const dead = await recoverInterrupted(dir, NOW, () => false);
      assert.deepStrictEqual(dead.movedBack, [name]);
    });

    describe('on a real 200 KB tmpfs (root only)', () => {
      let mnt: string | undefined;
      before(function () {
        if (process.getuid?.() !== 0) {
          this.skip(); // skipped: mounting a tmpfs needs root
          return;
        }
        const m = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-tmpfs-'));
        try {
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k,mode=0700', 'tmpfs', m], { stdio: 'pipe' });
          mnt = m;
        } catch (e) {
          fs.rmdirSync(m);
          console.log(`      (skipped: cannot mount a tmpfs: ${String(e).split('\n')[0]})`);
          this.skip();
        }
      });
      after(() => {
        if (!mnt) return;
        execFileSync('umount', [mnt], { stdio: 'pipe' });
        fs.rmdirSync(mnt);
      });

      it('two folders moved while the filesystem is full: both stay recoverable, restore and purge delete neither', async () => {
        const ext = path.join(mnt!, 'extensions');
        const names = FOLDERS.slice(0, 2);
        names.forEach((n, i) => makeRichFolder(path.join(ext, n), i));
        const before = names.map((n) => listing(path.join(ext, n)));
        const b = await Batch.create(ext, NOW);
        const filler = path.join(mnt!, 'filler');
        const fd = fs.openSync(filler, 'w');
        try {
          for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
        } catch (e) {
          assert.strictEqual((e as NodeJS.ErrnoException).code, 'ENOSPC');
        } finally {
          fs.closeSync(fd);
        }
        const where = async (): Promise<string[]> => {
          const { batches } = await listBatches(ext);
          return names.map((n) => {
            if (fs.existsSync(path.join(ext, n))) return 'in place';
            const rec = batches.some((x) => x.movedItems.some((i) => i.name === n) && fs.existsSync(path.join(x.dir, 'items', n)));
            return rec ? 'recorded' : 'lost';
          });
        };
        for (const n of names) {
          const ino = fs.lstatSync(path.join(ext, n)).ino;
          const it0 = { name: n, originalPath: path.join(ext, n), cls: 'unreferenced', bytes: 1000, ino };
          // the journal line fits in the journal's first block, the manifest copy does not: renamed, then renamed back
          await assert.rejects(b.moveIn(it0), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC' && /was moved back$/.test(e.message));
        }
        assert.deepStrictEqual(await where(), ['in place', 'in place']);
        await b.restore().catch(() => undefined);
        await purgeOlderThan(ext, 0, NOW + 365 * DAY).catch(() => undefined);
        assert.ok(
          (await where()).every((w) => w !== 'lost'),
          (await where()).join(),
        );
        fs.rmSync(filler);
        await b.restore();
        await purgeOlderThan(ext, 0, NOW + 365 * DAY);
        assert.deepStrictEqual(await where(), ['in place', 'in place']);
        assert.deepStrictEqual(
          names.map((n) => listing(path.join(ext, n))),
          before,
        );
      });
    });
  });

  describe('a hostile manifest (Undo trusts nothing it reads)', () => {
    const hostile = async (patch: (m: Manifest) => void): Promise<{ b: Batch; victim: string }> => {
      const victim = path.join(path.dirname(dir), 'victim');
      makeRichFolder(victim, 9);
      const b = await batchOf(NOW, [FOLDERS[0]]);
      const m = readManifest(b);
      patch(m);
      fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify(m));
      return { b, victim };
    };

    for (const [what, patch] of [
      [
        'a name that climbs out (../../../../victim)',
        (m: Manifest) => {
          m.items.push({ ...m.items[0], name: '../../../../victim', originalPath: path.join(m.extensionsDir, 'stolen') });
        },
      ],
      [
        'a name with a slash',
        (m: Manifest) => {
          m.items.push({ ...m.items[0], name: 'a/b', originalPath: path.join(m.extensionsDir, 'a/b') });
        },
      ],
      [
        'the name ..',
        (m: Manifest) => {
          m.items.push({ ...m.items[0], name: '..', originalPath: path.join(m.extensionsDir, '..') });
        },
      ],
      [
        'an originalPath outside the extensions folder',
        (m: Manifest) => {
          m.items[0].originalPath = path.join(path.dirname(m.extensionsDir), 'elsewhere', m.items[0].name);
        },
      ],
      [
        'an extensionsDir that is not the one holding the batch',
        (m: Manifest) => {
          m.extensionsDir = path.dirname(m.extensionsDir);
          m.items[0].originalPath = path.join(m.extensionsDir, m.items[0].name);
        },
      ],
    ] as const) {
      it(`is refused: ${what}; nothing moves`, async () => {
        const { b, victim } = await hostile(patch);
        const victimListing = listing(victim);
        const inBatch = listing(b.dir);
        const opened = await Batch.open(b.dir);
        assert.ok(!(opened instanceof Batch), 'the manifest is refused');
        assert.match(opened.error, /^invalid manifest in /);
        const { batches, problems } = await listBatches(dir);
        assert.deepStrictEqual([batches.length, problems.length], [0, 1]);
        assert.deepStrictEqual(await purgeOlderThan(dir, 0, NOW + 365 * DAY), []);
        assert.deepStrictEqual(listing(victim), victimListing);
        assert.deepStrictEqual(listing(b.dir), inBatch);
        assert.ok(!fs.existsSync(path.join(dir, 'stolen')));
      });
    }

    it('moveIn refuses an item whose name is not one segment or whose originalPath is not <dir>/<name>', async () => {
      const b = await Batch.create(dir, NOW);
      const victim = path.join(path.dirname(dir), 'victim');
      makeRichFolder(victim, 3);
      await assert.rejects(b.moveIn({ ...item(FOLDERS[0]), name: '../../../../victim' }));
      await assert.rejects(b.moveIn({ ...item(FOLDERS[0]), originalPath: victim }));
      await assert.rejects(b.moveIn({ ...item(FOLDERS[0]), name: '.csops-quarantine', originalPath: quarantineRoot(dir) }));
      assert.ok(fs.existsSync(victim) && fs.existsSync(path.join(dir, FOLDERS[0])));
      assert.deepStrictEqual(fs.readdirSync(path.join(b.dir, 'items')), []);
    });
  });

  it('the quarantine folders are 0700 and the files in a batch 0600', async () => {
    const b = await batchOf(NOW, [FOLDERS[0]]);
    const mode = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);
    assert.deepStrictEqual([quarantineRoot(dir), b.dir, path.join(b.dir, 'items')].map(mode), ['700', '700', '700']);
    const files = fs.readdirSync(b.dir).filter((f) => fs.statSync(path.join(b.dir, f)).isFile());
    assert.ok(files.includes('manifest.json'));
    assert.deepStrictEqual(
      files.map((f) => mode(path.join(b.dir, f))),
      files.map(() => '600'),
    );
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
    assert.deepStrictEqual(
      (await listBatches(dir)).batches.flatMap((b) => b.movedItems.map((i) => i.name)),
      [FOLDERS[0]],
    );
  });
});
