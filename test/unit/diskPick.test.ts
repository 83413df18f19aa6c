// "Reclaim…" from the palette with nothing selected: the choices offered (reclaimable only, grouped by kind, sized).
import * as assert from 'assert';
import { ClassifiedEntry } from '../../src/features/disk/model';
import { planReclaim, reclaimChoices } from '../../src/features/disk/plan';
import { DiskKind } from '../../src/probes/serverDirs';

function entry(kind: DiskKind, name: string, reclaim: 'quarantine' | 'delete' | 'keep', reason = `why ${name}`): ClassifiedEntry {
  return { kind, name, path: `/d/${kind}/${name}`, parent: `/d/${kind}`, ino: 7, mtimeMs: 1, isDir: true, verdict: { reclaim, reason } };
}

describe('disk: Reclaim… quick pick', () => {
  const entries = [
    entry('logs', '20250101T101010', 'quarantine'),
    entry('serverBuild', 'Stable-abc1234', 'delete'),
    entry('serverBuild', 'Stable-def5678', 'keep', 'in use by pid 42'),
    entry('transcripts', '.claude/projects', 'keep'),
    entry('vsixCache', 'a.b-1.0.0', 'delete'),
  ];
  const sizes = new Map([
    [entries[0].path, 2048],
    [entries[1].path, 3 * 1024 * 1024],
  ]);

  it('offers only the reclaimable entries, by kind in the view order, with size, what happens and why', () => {
    const groups = reclaimChoices({ entries, sizes });
    assert.deepStrictEqual(
      groups.map((g) => [g.title, g.choices.map((c) => c.label)]),
      [
        ['Server builds', ['Stable-abc1234']],
        ['Downloaded VSIXs (CachedExtensionVSIXs)', ['a.b-1.0.0']],
        ['Session logs', ['20250101T101010']],
      ],
    );
    const all = groups.flatMap((g) => g.choices);
    assert.strictEqual(all.find((c) => c.label === 'Stable-abc1234')!.description, '3 MB · deleted (a cache)');
    assert.strictEqual(all.find((c) => c.label === '20250101T101010')!.description, '2 KB · moved to the quarantine (undoable)');
    assert.strictEqual(all.find((c) => c.label === 'a.b-1.0.0')!.description, 'not sized yet · deleted (a cache)');
    assert.strictEqual(all.find((c) => c.label === 'a.b-1.0.0')!.detail, 'why a.b-1.0.0');
  });

  it('nothing offered when everything is kept; the picked paths make a plan of exactly those', () => {
    assert.deepStrictEqual(reclaimChoices({ entries: entries.filter((e) => e.verdict.reclaim === 'keep'), sizes }), []);
    const picked = reclaimChoices({ entries, sizes })
      .flatMap((g) => g.choices)
      .filter((c) => c.label !== 'a.b-1.0.0')
      .map((c) => c.path);
    const plan = planReclaim({ entries, sizes }, picked, Date.now());
    assert.deepStrictEqual(plan.targets.map((t) => [t.name, t.how]).sort(), [
      ['20250101T101010', 'quarantine'],
      ['Stable-abc1234', 'delete'],
    ]);
  });
});
