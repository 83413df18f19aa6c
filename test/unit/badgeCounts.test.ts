// The views' badge counts (src/features/badges/counts.ts) on the fixtures the views' own tests use.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { aiCount, extensionsCount, terminalsCount } from '../../src/features/badges/counts';
import { ExtensionsModel } from '../../src/features/extensions/model';
import { CleanContext, planCleanUpAll } from '../../src/features/extensions/plan';
import { buildTerminalsModel } from '../../src/features/terminals/model';
import { readExtensionsDir } from '../../src/probes/extensionsDir';
import { classifyTopology } from '../../src/probes/topology';
import { AI, AI_SESSION, aiProcess, aiViewOf, scanAi } from './aiFixtures';
import { ExtensionsDir, LAYOUT, SELF, TempDirs, buildExtensionsDir } from './extensionsFixtures';
import { BTIME, editSnapshot, scanFixture } from './procFixtures';

const realpathOf = (p: string): string | undefined => {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
};

describe('badge counts', () => {
  it('Terminals: the detached shells, as of the snapshot', async () => {
    const snap = await scanFixture('codeserver');
    const model = (terminalPids: number[]) =>
      buildTerminalsModel({
        snapshot: snap,
        topology: classifyTopology(snap, 10873),
        selfPid: 10873,
        ownTerminalPids: new Set(terminalPids),
        liveWindows: [],
        readCwd: () => ({ ok: true, path: '/' }),
        nowMs: (BTIME + 5000) * 1000,
      });
    assert.deepStrictEqual(terminalsCount(model([])), { detached: 3, asOfMs: snap.takenAtMs });
    assert.strictEqual(terminalsCount(model([10946])).detached, 2, 'a shell this window claims is not counted');
  });

  it('AI: leaked and duplicate trees (nested MCP trees included), active and external ones not', async () => {
    const snap = await scanAi();
    const base = aiCount(aiViewOf(snap));
    assert.deepStrictEqual(base, { leaked: 2, duplicate: 0, idle: 0, total: 2, asOfMs: snap.takenAtMs });
    // a second claude resuming claudeNew's session makes claudeNew a duplicate
    const dup = aiViewOf(editSnapshot(snap, {}, [aiProcess(snap, 20530, AI.webShell, ['claude', '--resume', AI_SESSION.claudeB], 60)]));
    assert.deepStrictEqual([aiCount(dup).leaked, aiCount(dup).duplicate, aiCount(dup).total], [2, 1, 3]);
  });

  describe('Extensions', () => {
    const dirs = new TempDirs();
    let ext: ExtensionsDir;
    afterEach(() => dirs.removeAll());
    const contextFor = (e: ExtensionsDir, fields: Partial<CleanContext> = {}): CleanContext => ({
      nowMs: e.nowMs,
      readOptions: {},
      loadedPaths: new Set(),
      unlistedHosts: [],
      selfPath: e.path(SELF),
      realpathOf,
      sizeOf: () => undefined,
      ...fields,
    });
    const modelOf = async (sizes: Map<string, number>, fields: Partial<CleanContext> = {}): Promise<ExtensionsModel> => {
      const report = await readExtensionsDir(ext.dir, ext.nowMs);
      const ctx = contextFor(ext, { ...fields, sizeOf: (p) => sizes.get(p) });
      return { report, sizes, sizing: false, ctx };
    };

    it('counts exactly the folders Clean Up All offers, with their sized bytes', async () => {
      ext = buildExtensionsDir(dirs.make());
      const names = [...LAYOUT.obsolete, ...LAYOUT.olderVersion, ...LAYOUT.unreferenced, ...LAYOUT.leftoverTemp];
      const sizes = new Map(names.map((n, i) => [ext.path(n), (i + 1) * 1000]));
      const m = await modelOf(sizes);
      const plan = planCleanUpAll(m.report, m.ctx);
      assert.ok(plan.targets.length > 0 && plan.skipped.length > 0, 'the layout has offered and protected folders');
      const c = extensionsCount(m);
      assert.strictEqual(c.folders, plan.targets.length);
      assert.strictEqual(
        c.bytes,
        plan.targets.reduce((s, t) => s + t.bytes, 0),
      );
      assert.strictEqual(c.sizing, false);
      assert.strictEqual(c.asOfMs, ext.nowMs);
    });

    it('says when sizes are still missing, and drops a folder that becomes protected (loaded)', async () => {
      ext = buildExtensionsDir(dirs.make());
      const all = await modelOf(new Map());
      const offered = planCleanUpAll(all.report, all.ctx).targets;
      assert.deepStrictEqual([extensionsCount(all).bytes, extensionsCount(all).sizing], [0, true]);
      const loaded = await modelOf(new Map(), { loadedPaths: new Set([offered[0].path]) });
      assert.strictEqual(extensionsCount(loaded).folders, offered.length - 1);
    });

    it('counts nothing when extensions.json cannot be read (nothing is offered then)', async () => {
      ext = buildExtensionsDir(dirs.make());
      fs.writeFileSync(path.join(ext.dir, 'extensions.json'), '{ not json');
      const m = await modelOf(new Map());
      assert.ok(m.report.error);
      assert.deepStrictEqual([extensionsCount(m).folders, extensionsCount(m).bytes], [0, 0]);
    });
  });
});
