// The views' badge counts (src/features/badges/counts.ts) on the fixtures the views' own tests use.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { planStopLeakedAndDuplicates } from '../../src/features/ai/plan';
import { aiCount, extensionsCount, terminalsCount } from '../../src/features/badges/counts';
import { ExtensionsModel } from '../../src/features/extensions/model';
import { CleanContext, planCleanUpAll } from '../../src/features/extensions/plan';
import { buildTerminalsModel } from '../../src/features/terminals/model';
import { readExtensionsDir } from '../../src/probes/extensionsDir';
import { classifyTopology } from '../../src/probes/topology';
import { AI, AI_NOW, AI_SESSION, aiProcess, aiViewOf, scanAi } from './aiFixtures';
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
    assert.deepStrictEqual(base, { leaked: 2, duplicate: 0, leakedHelpers: 0, idle: 0, total: 2, asOfMs: snap.takenAtMs });
    // a second claude resuming claudeNew's session makes claudeNew a duplicate
    const dup = aiViewOf(editSnapshot(snap, {}, [aiProcess(snap, 20530, AI.webShell, ['claude', '--resume', AI_SESSION.claudeB], 60)]));
    assert.deepStrictEqual([aiCount(dup).leaked, aiCount(dup).duplicate, aiCount(dup).total], [2, 1, 3]);
  });

  it('AI: leaked helpers (what the bulk stop stops) are counted too, daemons and live helpers not', async () => {
    const snap = await scanAi();
    const cursor = '/home/coder/.local/share/cursor-agent/versions/2025.09.12-4852336';
    const bin = '/home/coder/.local/share/claude/versions/2.1.201';
    const withHelpers = editSnapshot(snap, {}, [
      // cursor/cursor#3588: worker-servers left behind by a cursor-agent that exited (reparented to init): leaked
      aiProcess(snap, 20780, AI.init, [`${cursor}/node`, `${cursor}/index.js`, 'worker-server'], 900),
      aiProcess(snap, 20781, AI.init, [`${cursor}/node`, `${cursor}/index.js`, 'worker-server'], 800),
      // a pre-warmed Claude worker reparented to init outlives its session by design; a daemon under a live session
      aiProcess(snap, 20782, AI.init, [bin, '--bg-spare', '/tmp/cc-daemon-1000/a.claim.sock'], 600),
      aiProcess(snap, 20783, AI.claudeNew, ['claude daemon'], 60),
    ]);
    const model = aiViewOf(withHelpers);
    const plan = planStopLeakedAndDuplicates(model, { selfPid: AI.extHost, selfUid: 0, nowMs: AI_NOW, home: '/home/coder' });
    const stoppedHelpers = model.rows.filter((r) => r.tree.role === 'helper' && plan.targets.some((t) => t.pid === r.tree.root.pid));
    assert.deepStrictEqual(stoppedHelpers.map((r) => r.tree.root.pid).sort(), [20780, 20781], 'the bulk stop takes both workers');
    const c = aiCount(model);
    assert.deepStrictEqual(
      [c.leaked, c.duplicate, c.leakedHelpers, c.total],
      [2, 0, 2, 4],
      'the badge counts the sessions and the helpers the bulk stop stops',
    );
    assert.strictEqual(aiCount(aiViewOf(snap)).leakedHelpers, 0);
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
