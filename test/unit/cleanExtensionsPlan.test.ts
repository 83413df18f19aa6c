import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  CleanContext,
  CleanPlan,
  FolderTarget,
  RECENT_MS,
  folderKind,
  folderProtection,
  notIncludedReason,
  planCleanUp,
  planCleanUpAll,
  revalidateFolders,
  unlistedHostsOf,
} from '../../src/features/extensions/plan';
import { classifyTopology } from '../../src/probes/topology';
import { CS, editSnapshot, record, scanFixture, windowEntry } from './procFixtures';
import { PLAN_TTL_MS, PlanBook, previewText } from '../../src/core/safety';
import { ExtensionFolder, ExtensionsDirReport, RECLAIMABLE, readExtensionsDir } from '../../src/probes/extensionsDir';
import {
  ExtensionsDir,
  ExtensionsDirOptions,
  HOUR,
  LAYOUT,
  LINK,
  MINUTE,
  SELF,
  TempDirs,
  WORK,
  buildExtensionsDir,
  buildUserDataDir,
  fixtureText,
  folderNamed,
  makeExtensionFolder,
  setAge,
} from './extensionsFixtures';

const MiB = 1024 * 1024;

/** fs.realpathSync, undefined when it cannot be resolved. */
function realpathOf(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Sizes "computed so far": every folder of the layout but `scratch` (not sized yet). */
const sizeOfName = (name: string): number | undefined => (name === 'scratch' ? undefined : ((name.length % 7) + 1) * MiB);

function contextFor(ext: ExtensionsDir, fields: Partial<CleanContext> = {}): CleanContext {
  return {
    nowMs: ext.nowMs,
    readOptions: {},
    loadedPaths: new Set(),
    unlistedHosts: [],
    selfPath: ext.path(SELF),
    realpathOf,
    sizeOf: (p) => sizeOfName(path.basename(p)),
    ...fields,
  };
}

const RECLAIMABLE_NAMES = [...LAYOUT.obsolete, ...LAYOUT.olderVersion, ...LAYOUT.unreferenced, ...LAYOUT.leftoverTemp];
const sorted = (names: readonly string[]): string[] => [...names].sort();
const targetNames = (p: CleanPlan): string[] => p.targets.map((t) => t.name);
const skippedOf = (p: CleanPlan): [string, string][] => p.skipped.map((s) => [s.name, s.because]);

describe('clean extensions: plans', () => {
  const dirs = new TempDirs();
  let ext: ExtensionsDir;
  let report: ExtensionsDirReport;
  const setup = async (options: ExtensionsDirOptions = {}): Promise<void> => {
    ext = buildExtensionsDir(dirs.make(), options);
    report = await readExtensionsDir(ext.dir, ext.nowMs);
  };
  beforeEach(() => setup());
  afterEach(() => dirs.removeAll());

  const plan = (names: readonly string[], fields: Partial<CleanContext> = {}, r = report): CleanPlan =>
    planCleanUp(r, names, contextFor(ext, fields));
  const reread = async (): Promise<ExtensionsDirReport> => (report = await readExtensionsDir(ext.dir, ext.nowMs));

  describe('planCleanUp', () => {
    it('targets reclaimable folders with class, reason, inode, mtime and the size from sizeOf', () => {
      const names = [
        'ms-python.python-2023.22.0',
        'ms-python.python-2024.0.1',
        'redhat.vscode-yaml-1.14.0',
        '.3b1e2f4a-1111-2222-3333-444455556666',
      ];
      const p = plan(names);
      const target = (name: string, cls: FolderTarget['cls'], reason: string): FolderTarget => {
        const st = fs.lstatSync(ext.path(name));
        return { name, path: ext.path(name), cls, reason, bytes: sizeOfName(name)!, ino: st.ino, mtimeMs: st.mtimeMs };
      };
      assert.deepStrictEqual(p.targets, [
        target(names[0], 'obsolete', 'listed in .obsolete: the server deletes it at its next start'),
        target(names[1], 'olderVersion', 'older version: ms-python.python 2024.2.1 is installed'),
        target(names[2], 'unreferenced', 'not referenced by extensions.json'),
        target(names[3], 'leftoverTemp', 'temporary folder of an install that did not finish'),
      ]);
      assert.deepStrictEqual(p.skipped, []);
    });

    it('a folder not sized yet is a target of 0 bytes', () => {
      assert.deepStrictEqual(
        plan(['scratch']).targets.map((t) => [t.name, t.bytes]),
        [['scratch', 0]],
      );
    });

    it('is a single-use clean-extensions plan bound to the folder and the extensions.json stamp', () => {
      const p = plan(['scratch']);
      assert.deepStrictEqual([p.action, p.verb, p.noun], ['clean-extensions', 'Clean Up', ['Folder', 'Folders']]);
      assert.deepStrictEqual([p.createdAtMs, p.expiresAtMs], [ext.nowMs, ext.nowMs + PLAN_TTL_MS]);
      assert.deepStrictEqual([p.dir, p.extensionsJsonStamp], [ext.dir, report.extensionsJsonStamp]);
      assert.ok(p.extensionsJsonStamp);
      assert.ok(p.id.startsWith('clean-extensions-'), p.id);
      const book = new PlanBook();
      book.issue(p);
      assert.deepStrictEqual(book.take(p, ext.nowMs), { ok: true });
      assert.strictEqual(book.take(p, ext.nowMs).ok, false);
    });

    it('skips folders that are not reclaimable: installed, install in progress', () => {
      const p = plan(['ms-python.python-2024.2.1', LAYOUT.installing[0], 'scratch']);
      assert.deepStrictEqual(targetNames(p), ['scratch']);
      assert.deepStrictEqual(skippedOf(p), [
        ['ms-python.python-2024.2.1', 'installed: not reclaimable'],
        [LAYOUT.installing[0], 'install in progress: not reclaimable'],
      ]);
      assert.deepStrictEqual(p.skipped[0], {
        name: 'ms-python.python-2024.2.1',
        path: ext.path('ms-python.python-2024.2.1'),
        because: 'installed: not reclaimable',
      });
    });

    it("skips code-server Ops' own folder (e.g. an old version still running before a reload)", () => {
      const old = 'csops.code-server-ops-0.0.9';
      const p = plan([old], { selfPath: ext.path(old) });
      assert.deepStrictEqual([targetNames(p), skippedOf(p)], [[], [[old, "code-server Ops' own folder"]]]);
    });

    it('skips a folder loaded in a window, by its path', () => {
      const p = plan(['ms-python.python-2024.0.1', 'scratch'], { loadedPaths: new Set([ext.path('ms-python.python-2024.0.1')]) });
      assert.deepStrictEqual(targetNames(p), ['scratch']);
      assert.deepStrictEqual(skippedOf(p), [['ms-python.python-2024.0.1', 'loaded in a window']]);
    });

    it('skips a folder loaded (or self) by its real path when the extensions folder is reached through a symlink', async () => {
      const via = path.join(path.dirname(ext.dir), 'extensions-link');
      fs.symlinkSync(ext.dir, via);
      const viaReport = await readExtensionsDir(via, ext.nowMs);
      const loaded = 'ms-python.python-2024.0.1';
      const old = 'csops.code-server-ops-0.0.9';
      assert.strictEqual(folderNamed(viaReport, loaded).path, path.join(via, loaded));
      const p = plan([loaded, old, 'scratch'], { loadedPaths: new Set([ext.path(loaded)]), selfPath: ext.path(old) }, viaReport);
      assert.deepStrictEqual(targetNames(p), ['scratch']);
      assert.deepStrictEqual(skippedOf(p), [
        [loaded, 'loaded in a window'],
        [old, "code-server Ops' own folder"],
      ]);
      assert.deepStrictEqual(
        p.targets.map((t) => t.path),
        [path.join(via, 'scratch')],
      );
    });

    it('skips a folder modified in the last 10 minutes, saying how long ago', async () => {
      setAge(ext.path('scratch'), 5 * MINUTE, ext.nowMs);
      await reread();
      assert.deepStrictEqual(skippedOf(plan(['scratch'])), [['scratch', 'modified 5 min ago, an install may be running']]);

      const mtimeMs = folderNamed(report, 'scratch').mtimeMs;
      assert.deepStrictEqual(targetNames(plan(['scratch'], { nowMs: Math.ceil(mtimeMs) + RECENT_MS })), ['scratch']);
      assert.deepStrictEqual(targetNames(plan(['scratch'], { nowMs: Math.floor(mtimeMs) + RECENT_MS - 1 })), []);
    });

    it('skips a symlink to a folder outside the extensions folder, and one that cannot be resolved', async () => {
      fs.symlinkSync(path.join(ext.outside, 'gone'), ext.path('dangling.link-1.0.0'));
      setAge(ext.path('dangling.link-1.0.0'), 2 * HOUR, ext.nowMs);
      await reread();
      const p = plan([LINK, 'dangling.link-1.0.0']);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(skippedOf(p), [
        [LINK, `outside the extensions folder (resolves to ${path.join(ext.outside, 'linked-target')})`],
        ['dangling.link-1.0.0', 'its real path cannot be resolved'],
      ]);
      assert.match(p.skipped[0].because, /^outside the extensions folder/);
    });

    it('skips everything while extensions.json is unreadable', async () => {
      await setup({ extensionsJson: 'extensions-truncated.json' });
      assert.ok(report.error);
      const p = plan(['scratch', 'ms-python.python-2023.22.0', LAYOUT.leftoverTemp[0]]);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(
        p.skipped.map((s) => s.because),
        Array(3).fill(`nothing is cleaned while extensions.json is unreadable (${report.error})`),
      );
      assert.match(p.skipped[0].because, /^nothing is cleaned while extensions\.json is unreadable \(extensions\.json is not valid JSON/);
    });

    it('skips names that are not (or no longer) in the extensions folder, management names included', () => {
      const p = plan(['gone.ext-1.0.0', 'extensions.json', '.csops-quarantine', '.obsolete', 'README.md']);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(
        p.skipped,
        ['gone.ext-1.0.0', 'extensions.json', '.csops-quarantine', '.obsolete', 'README.md'].map((name) => ({
          name,
          path: ext.path(name),
          because: 'no longer in the extensions folder',
        })),
      );
    });

    it('counts a name selected twice once, keeping the selection order', () => {
      const p = plan(['scratch', SELF, 'scratch', LAYOUT.leftoverTemp[1], SELF, LAYOUT.leftoverTemp[1]]);
      assert.deepStrictEqual(targetNames(p), ['scratch', LAYOUT.leftoverTemp[1]]);
      assert.deepStrictEqual(skippedOf(p), [[SELF, 'installed: not reclaimable']]);
    });
  });

  describe('folderProtection', () => {
    const protection = (name: string, fields: Partial<CleanContext> = {}): string | undefined =>
      folderProtection(report, folderNamed(report, name), contextFor(ext, fields));

    it('leaves every unprotected reclaimable folder of the layout alone', () => {
      for (const name of RECLAIMABLE_NAMES) assert.strictEqual(protection(name), undefined, name);
    });

    it('protects management names whatever their class says', () => {
      const fake: ExtensionFolder = { ...folderNamed(report, 'scratch'), name: 'extensions.json', path: ext.path('extensions.json') };
      assert.strictEqual(folderProtection(report, fake, contextFor(ext)), 'a management file of the editor');
    });

    it("protects this extension's folder by path and by real path", () => {
      const old = 'csops.code-server-ops-0.0.9';
      assert.strictEqual(protection(old, { selfPath: ext.path(old) }), "code-server Ops' own folder");
      fs.symlinkSync(ext.path(old), path.join(ext.outside, 'self-link'));
      assert.strictEqual(protection(old, { selfPath: path.join(ext.outside, 'self-link') }), "code-server Ops' own folder");
    });
  });

  describe('planCleanUpAll', () => {
    it('targets every reclaimable, unprotected folder in folder order; only LINK (outside) is not included', () => {
      const p = planCleanUpAll(report, contextFor(ext));
      assert.strictEqual(p.action, 'clean-all-extensions');
      assert.deepStrictEqual(targetNames(p), sorted(RECLAIMABLE_NAMES)); // not LINK: it resolves outside
      assert.deepStrictEqual(
        p.skipped.map((s) => s.name),
        [LINK],
      );
      assert.deepStrictEqual(
        p.targets.map((t) => t.bytes),
        sorted(RECLAIMABLE_NAMES).map((n) => sizeOfName(n) ?? 0),
      );
      assert.deepStrictEqual([p.dir, p.extensionsJsonStamp, p.verb], [ext.dir, report.extensionsJsonStamp, 'Clean Up']);
    });

    it('names every reclaimable folder it leaves out, and why (#13) (regression: they were left out silently)', async () => {
      setAge(ext.path('redhat.vscode-yaml-1.14.0'), MINUTE, ext.nowMs);
      makeExtensionFolder(ext.path('fresh.unused-0.1.0'));
      setAge(ext.path('fresh.unused-0.1.0'), 2 * MINUTE + 5000, ext.nowMs);
      await reread();
      assert.strictEqual(folderNamed(report, 'fresh.unused-0.1.0').cls, 'unreferenced');
      const p = planCleanUpAll(
        report,
        contextFor(ext, {
          loadedPaths: new Set([ext.path('ms-python.python-2024.0.1')]),
          selfPath: ext.path('csops.code-server-ops-0.0.9'),
        }),
      );
      const left = ['ms-python.python-2024.0.1', 'csops.code-server-ops-0.0.9', 'redhat.vscode-yaml-1.14.0'];
      assert.deepStrictEqual(targetNames(p), sorted(RECLAIMABLE_NAMES.filter((n) => !left.includes(n))));
      assert.deepStrictEqual(skippedOf(p), [
        ['csops.code-server-ops-0.0.9', "code-server Ops' own folder"],
        ['fresh.unused-0.1.0', 'modified 2 min ago, an install may be running'],
        [LINK, `outside the extensions folder (resolves to ${path.join(ext.outside, 'linked-target')})`],
        ['ms-python.python-2024.0.1', 'loaded in a window'],
        ['redhat.vscode-yaml-1.14.0', 'modified 1 min ago, an install may be running'],
      ]);
      const text = previewText(p, 'Moved to the quarantine.', 12, folderKind);
      assert.match(text.detail, /• fresh\.unused-0\.1\.0: modified 2 min ago, an install may be running/);
    });

    it('agrees with the tree: reclaimable-looking folders are targets or say why they are not included', async () => {
      makeExtensionFolder(ext.path('fresh.unused-0.1.0'));
      await reread();
      const ctx = contextFor(ext, { loadedPaths: new Set([ext.path('ms-python.python-2024.0.1')]) });
      const p = planCleanUpAll(report, ctx);
      for (const f of report.folders) {
        const why = notIncludedReason(report, f, ctx);
        const targeted = targetNames(p).includes(f.name);
        if (!RECLAIMABLE.has(f.cls)) assert.strictEqual(why, undefined, f.name);
        else assert.strictEqual(targeted, why === undefined, f.name);
        assert.deepStrictEqual(p.skipped.find((s) => s.name === f.name)?.because, why, f.name);
      }
      const fresh = folderNamed(report, 'fresh.unused-0.1.0');
      assert.strictEqual(notIncludedReason(report, fresh, ctx), 'modified 0 s ago, an install may be running');
    });

    it('targets nothing while extensions.json is missing, and says so for each reclaimable-looking folder', async () => {
      await setup({ extensionsJson: null });
      const p = planCleanUpAll(report, contextFor(ext));
      assert.deepStrictEqual([p.targets, p.extensionsJsonStamp], [[], undefined]);
      assert.ok(p.skipped.length > 0);
      const because = 'nothing is cleaned while extensions.json is unreadable (extensions.json is missing)';
      assert.ok(p.skipped.every((s) => s.because === because));
    });

    // src/actions/cleanExtensions/plan.ts planCleanUpAll: `{ ...planCleanUp(…), action: 'clean-all-extensions' }` keeps the
    // id newPlan made for 'clean-extensions', so the audit log's planId says clean-extensions-<ms>-<n> for a
    // clean-all-extensions action. planKillDetachedOlderThan calls newPlan again for this reason (ids start with the action).
    it('ids its plan after its own action [src bug: the id starts with "clean-extensions-"]', () => {
      const p = planCleanUpAll(report, contextFor(ext));
      assert.ok(p.id.startsWith('clean-all-extensions-'), p.id);
    });
  });

  describe('windows without code-server Ops (extension hosts not in the window registry, #3)', () => {
    const NON_TEMP = sorted([...LAYOUT.obsolete, ...LAYOUT.olderVersion, ...LAYOUT.unreferenced]);
    const listsChanged = (): number => report.listsChangedAtMs!;

    it('one started before the last change of the extension lists blocks every folder but temp folders [src bug: cleaned]', () => {
      const p = planCleanUpAll(report, contextFor(ext, { unlistedHosts: [{ pid: 4242, startedAtMs: listsChanged() - HOUR }] }));
      assert.deepStrictEqual(targetNames(p), sorted(LAYOUT.leftoverTemp));
      const because =
        'may be loaded in a window without code-server Ops (extension host pid 4242, ' +
        'started before the last change of the extension lists)';
      const blocked = p.skipped.filter((s) => NON_TEMP.includes(s.name)).map((s) => [s.name, s.because]);
      assert.deepStrictEqual(
        blocked,
        NON_TEMP.map((n) => [n, because]),
      );
    });

    it('one started after the last change of the lists saw the current lists: it loaded none of these folders', () => {
      const p = planCleanUpAll(report, contextFor(ext, { unlistedHosts: [{ pid: 4242, startedAtMs: listsChanged() + 5 * MINUTE }] }));
      assert.deepStrictEqual(targetNames(p), sorted(RECLAIMABLE_NAMES));
    });

    it('unlistedHostsOf: other extension hosts of this user that no live registry entry with extension paths accounts for', async () => {
      const snap = await scanFixture('codeserver');
      const me = snap.processes.get(CS.extHost)!;
      const host = (pid: number, uid = me.uid) => record(pid, CS.server, { argv: me.argv, uid, startedAtMs: 1000 + pid });
      const more = editSnapshot(snap, {}, [host(20001), host(20002), host(20003), host(20004, me.uid + 1)]);
      const t = classifyTopology(more, CS.extHost);
      const live = [
        { ...windowEntry(20001, []), extensionPaths: ['/x/a.b-1.0.0'] }, // a window with code-server Ops: its extensions are known
        windowEntry(20002, []), // an entry without extension paths: unknown
        { ...windowEntry(CS.extHost, []), extensionPaths: [] },
      ];
      assert.deepStrictEqual(unlistedHostsOf(t, live, CS.extHost, me.uid), [
        { pid: 20002, startedAtMs: 21002 },
        { pid: 20003, startedAtMs: 21003 },
      ]);
    });

    it('windows that cannot be listed (no process scan) block the same folders', () => {
      const p = planCleanUp(report, ['scratch', LAYOUT.leftoverTemp[0]], contextFor(ext, { unlistedHosts: undefined }));
      assert.deepStrictEqual(targetNames(p), [LAYOUT.leftoverTemp[0]]);
      assert.deepStrictEqual(skippedOf(p), [['scratch', 'other windows cannot be listed (no process scan): it may be loaded in one']]);
    });

    it('a profile list changed since the preview makes the commit skip everything', async () => {
      const data = buildUserDataDir(path.dirname(ext.dir), {}, ext.nowMs);
      const read = () => readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data] });
      const planned = planCleanUp(await read(), ['scratch'], contextFor(ext));
      assert.deepStrictEqual(targetNames(planned), ['scratch']);
      assert.deepStrictEqual(
        revalidateFolders(planned, await read(), contextFor(ext)).valid.map((t) => t.name),
        ['scratch'],
      );
      fs.writeFileSync(path.join(data, 'User', 'profiles', WORK, 'extensions.json'), '[]');
      const r = revalidateFolders(planned, await read(), contextFor(ext));
      const skipped = r.skipped.map((x) => [x.target.name, x.because]);
      assert.deepStrictEqual(skipped, [['scratch', "a profile's extensions list changed since the preview"]]);
    });
  });

  it('folderKind describes, sizes and identifies a folder target', () => {
    const [t] = plan(['ms-python.python-2024.0.1']).targets;
    assert.strictEqual(folderKind.describe(t), `ms-python.python-2024.0.1 — older version, ${sizeOfName(t.name)! / MiB} MB`);
    assert.strictEqual(folderKind.bytes(t), sizeOfName(t.name));
    assert.strictEqual(folderKind.name(t), t.name);
    assert.deepStrictEqual(folderKind.identity(t), { path: t.path, ino: t.ino, mtimeMs: t.mtimeMs });
    const text = previewText(plan(['ms-python.python-2024.0.1', SELF]), 'Moved to the quarantine.', 12, folderKind);
    assert.strictEqual(text.message, 'Clean Up 1 Folder?');
    assert.match(
      text.detail,
      /• ms-python\.python-2024\.0\.1 — older version, \d+ MB\n\nSkipped:\n• csops\.code-server-ops-0\.1\.0: installed: not reclaimable/,
    );
  });
});

describe('clean extensions: revalidateFolders (between the preview and the move)', () => {
  const dirs = new TempDirs();
  let ext: ExtensionsDir;
  let planned: CleanPlan;
  const NAMES = ['ms-python.python-2023.22.0', 'ms-python.python-2024.0.1', 'redhat.vscode-yaml-1.14.0', LAYOUT.leftoverTemp[0]] as const;
  const [OBSOLETE, OLDER, UNREFERENCED, TEMP] = NAMES;

  beforeEach(async () => {
    ext = buildExtensionsDir(dirs.make());
    planned = planCleanUp(await readExtensionsDir(ext.dir, ext.nowMs), NAMES, contextFor(ext));
    assert.deepStrictEqual(targetNames(planned), [...NAMES]);
  });
  afterEach(() => dirs.removeAll());

  const check = async (fields: Partial<CleanContext> = {}) =>
    revalidateFolders(planned, await readExtensionsDir(ext.dir, ext.nowMs), contextFor(ext, fields));
  const skippedNames = (r: Awaited<ReturnType<typeof check>>): [string, string][] => r.skipped.map((s) => [s.target.name, s.because]);
  const validNames = (r: Awaited<ReturnType<typeof check>>): string[] => r.valid.map((t) => t.name);
  /** Sets (true / false) or removes (null) keys of .obsolete. */
  const editObsolete = (edits: Record<string, boolean | null>): void => {
    const map: Record<string, boolean> = JSON.parse(fixtureText('obsolete.json'));
    for (const [key, value] of Object.entries(edits)) {
      if (value === null) delete map[key];
      else map[key] = value;
    }
    fs.writeFileSync(ext.path('.obsolete'), JSON.stringify(map));
  };

  it('keeps every target when nothing changed', async () => {
    const r = await check();
    assert.deepStrictEqual(r.skipped, []);
    assert.strictEqual(r.valid.length, NAMES.length);
    r.valid.forEach((t, i) => assert.strictEqual(t, planned.targets[i]));
  });

  it('skips everything when extensions.json was rewritten (here: it now references a target)', async () => {
    const entries = JSON.parse(fixtureText('extensions.json'));
    entries.push({
      identifier: { id: 'redhat.vscode-yaml' },
      version: '1.14.0',
      relativeLocation: UNREFERENCED,
      metadata: { installedTimestamp: ext.nowMs, source: 'gallery' },
    });
    fs.writeFileSync(ext.path('extensions.json'), JSON.stringify(entries));
    const fresh = await readExtensionsDir(ext.dir, ext.nowMs);
    assert.strictEqual(folderNamed(fresh, UNREFERENCED).cls, 'installed');
    const r = revalidateFolders(planned, fresh, contextFor(ext));
    assert.deepStrictEqual(r.valid, []);
    assert.deepStrictEqual(
      skippedNames(r),
      NAMES.map((n) => [n, 'extensions.json changed since the preview']),
    );
  });

  it('skips everything when extensions.json was rewritten with the same content (same size and inode, new mtime), or deleted', async () => {
    const changed = NAMES.map((n) => [n, 'extensions.json changed since the preview']);
    const { ino, size } = fs.statSync(ext.path('extensions.json'));
    fs.writeFileSync(ext.path('extensions.json'), fixtureText('extensions.json'));
    assert.deepStrictEqual([fs.statSync(ext.path('extensions.json')).ino, fs.statSync(ext.path('extensions.json')).size], [ino, size]);
    assert.deepStrictEqual(skippedNames(await check()), changed);
    fs.rmSync(ext.path('extensions.json'));
    assert.deepStrictEqual(skippedNames(await check()), changed);
  });

  it('skips a folder that is gone', async () => {
    fs.rmSync(ext.path(OLDER), { recursive: true });
    const r = await check();
    assert.deepStrictEqual(skippedNames(r), [[OLDER, 'gone']]);
    assert.deepStrictEqual(validNames(r), [OBSOLETE, UNREFERENCED, TEMP]);
  });

  it('skips a folder replaced by another one of the same name (new inode)', async () => {
    const p = ext.path(UNREFERENCED);
    const { mtime } = fs.lstatSync(p);
    makeExtensionFolder(`${p}.new`);
    fs.rmSync(p, { recursive: true });
    fs.renameSync(`${p}.new`, p);
    fs.utimesSync(p, mtime, mtime);
    const r = await check();
    assert.deepStrictEqual(skippedNames(r), [[UNREFERENCED, 'replaced by another folder']]);
    assert.deepStrictEqual(validNames(r), [OBSOLETE, OLDER, TEMP]);
  });

  it('skips a folder modified since the preview (mtime changed)', async () => {
    setAge(ext.path(TEMP), HOUR, ext.nowMs);
    const r = await check();
    assert.deepStrictEqual(skippedNames(r), [[TEMP, 'modified since the preview']]);
    assert.deepStrictEqual(validNames(r), [OBSOLETE, OLDER, UNREFERENCED]);
  });

  it('skips a folder whose class changed through an .obsolete edit (extensions.json untouched)', async () => {
    editObsolete({ 'redhat.vscode-yaml-1.14.0': true, 'ms-python.python-2023.22.0': null });
    const fresh = await readExtensionsDir(ext.dir, ext.nowMs);
    assert.strictEqual(fresh.extensionsJsonStamp, planned.extensionsJsonStamp);
    const r = revalidateFolders(planned, fresh, contextFor(ext));
    assert.deepStrictEqual(skippedNames(r), [
      [OBSOLETE, 'now older version'],
      [UNREFERENCED, 'now obsolete'],
    ]);
    assert.deepStrictEqual(validNames(r), [OLDER, TEMP]);
  });

  it('skips a folder that became protected (now loaded in a window)', async () => {
    const r = await check({ loadedPaths: new Set([ext.path(OLDER)]) });
    assert.deepStrictEqual(skippedNames(r), [[OLDER, 'loaded in a window']]);
  });

  it('reports every change at once, in target order', async () => {
    fs.rmSync(ext.path(TEMP), { recursive: true });
    setAge(ext.path(OBSOLETE), 3 * HOUR, ext.nowMs);
    editObsolete({ 'redhat.vscode-yaml-1.14.0': true });
    const r = await check({ loadedPaths: new Set([ext.path(OLDER)]) });
    assert.deepStrictEqual(r.valid, []);
    assert.deepStrictEqual(skippedNames(r), [
      [OBSOLETE, 'modified since the preview'],
      [OLDER, 'loaded in a window'],
      [UNREFERENCED, 'now obsolete'],
      [TEMP, 'gone'],
    ]);
  });
});
