// csops_disk_reclaimable_bytes{kind}: from the Disk model once fully sized, absent while unknown; rendered by kind.
import * as assert from 'assert';
import { ClassifiedEntry, DiskModel, reclaimableMetric } from '../../src/features/disk/model';
import { MetricsData, ScanCost, renderMetrics } from '../../src/features/metrics/server';
import { DiskKind } from '../../src/probes/serverDirs';

function entry(kind: DiskKind, name: string, reclaim: 'quarantine' | 'delete' | 'keep'): ClassifiedEntry {
  return {
    kind,
    name,
    path: `/d/${kind}/${name}`,
    parent: `/d/${kind}`,
    ino: 1,
    mtimeMs: 0,
    isDir: true,
    verdict: { reclaim, reason: 'r' },
  };
}

const ENTRIES = [
  entry('serverBuild', 'old', 'delete'),
  entry('serverBuild', 'live', 'keep'),
  entry('logs', '20250101T101010', 'quarantine'),
  entry('logs', '20250102T101010', 'quarantine'),
  entry('transcripts', '.claude/projects', 'keep'),
];
const SIZES = new Map(ENTRIES.map((e, i) => [e.path, (i + 1) * 1000]));

const BASE: MetricsData = { extHostRssBytes: 1, heapUsedBytes: 1, heapLimitBytes: 1, extHosts: [], oomKills: [] };

describe('disk metric: csops_disk_reclaimable_bytes', () => {
  it('sums the offered entries by kind, 0 for kinds with nothing offered, never the kept ones or transcripts', () => {
    const m = reclaimableMetric({ entries: ENTRIES, sizes: SIZES, sizing: false });
    assert.deepStrictEqual(m, {
      serverBuild: 1000,
      vsixCache: 0,
      logs: 3000 + 4000,
      coderLogs: 0,
      workspaceStorage: 0,
      globalStorage: 0,
      npxCache: 0,
    });
  });

  it('is absent while unknown: no model, sizing in progress, or an offered entry not sized', () => {
    assert.strictEqual(reclaimableMetric(undefined), undefined);
    assert.strictEqual(reclaimableMetric({ entries: ENTRIES, sizes: SIZES, sizing: true }), undefined);
    const partial = new Map(SIZES);
    partial.delete(ENTRIES[2].path);
    assert.strictEqual(reclaimableMetric({ entries: ENTRIES, sizes: partial, sizing: false }), undefined);
    // a kept entry without a size does not make the metric unknown
    const keptUnsized = new Map(SIZES);
    keptUnsized.delete(ENTRIES[1].path);
    assert.ok(
      reclaimableMetric({ entries: ENTRIES, sizes: keptUnsized, sizing: false } satisfies Pick<DiskModel, 'entries' | 'sizes' | 'sizing'>),
    );
  });

  it('renders one labelled series per kind, and nothing when absent', async () => {
    const text = await renderMetrics({ ...BASE, diskReclaimableBytesByKind: { serverBuild: 1000, logs: 7000 } }, new ScanCost());
    assert.match(text, /^# TYPE csops_disk_reclaimable_bytes gauge$/m);
    assert.match(text, /^csops_disk_reclaimable_bytes\{kind="serverBuild"\} 1000$/m);
    assert.match(text, /^csops_disk_reclaimable_bytes\{kind="logs"\} 7000$/m);
    assert.doesNotMatch(await renderMetrics(BASE, new ScanCost()), /csops_disk_reclaimable_bytes/);
  });
});
