// What one scrape reports, gathered from the views' models and the memory monitor (at most one scan per
// csops.metrics.minScanSeconds). Read-only: a scrape reads the window registry but never prunes it.
import { MemoryMonitor } from '../memory/monitor';
import { AiViewModel, aiByOwner } from '../ai/model';
import { ExtensionsDirReport, isReclaimable } from '../../probes/extensionsDir';
import { SelfSampler } from '../../probes/selfMemory';
import { Scan } from '../../core/scan';
import { registryReader, terminalsModelOf } from '../terminals/model';
import { Settings } from '../../core/settings';
import { MetricsData } from './server';

export interface CollectDeps {
  /** The scan service (or anything that hands out a scan no older than maxAgeMs). */
  scans: { fresh(maxAgeMs: number): Promise<Scan> };
  settings(): Pick<Settings, 'procRoot' | 'metricsMinScanSeconds'>;
  /** The window registry folder. Only read: pruning dead entries is left to the views (a scrape changes nothing). */
  windowsDir: string;
  /** pids of this window's terminals. */
  ownTerminalPids(): Promise<Set<number>>;
  aiOf(scan: Scan): AiViewModel;
  /** The Extensions view's latest model (sizes are only known once it has been shown). */
  extensions(): { report: ExtensionsDirReport; sizes: Map<string, number> } | undefined;
  /** The Disk view's csops_disk_reclaimable_bytes by kind (undefined while unknown). */
  diskReclaimable?(): Record<string, number> | undefined;
  monitor: Pick<MemoryMonitor, 'history' | 'sample' | 'oomMarkers'>;
  /** This extension's version, for csops_build_info. */
  version?: string;
}

export function metricsCollector(d: CollectDeps): () => Promise<MetricsData> {
  const sampler = new SelfSampler(d.settings().procRoot);
  return async () => {
    const scan = await d.scans.fresh(d.settings().metricsMinScanSeconds * 1000);
    const { snapshot } = scan;
    const model = snapshot.unavailable
      ? undefined
      : await terminalsModelOf(scan, { liveWindows: registryReader(d.windowsDir), ownTerminalPids: () => d.ownTerminalPids() });
    const sample = d.monitor.history.latest() ?? d.monitor.sample();
    const ext = d.extensions();
    let reclaimable: Record<string, number> | undefined;
    if (ext && !ext.report.error) {
      reclaimable = {};
      for (const f of ext.report.folders) {
        if (isReclaimable(ext.report, f)) reclaimable[f.cls] = (reclaimable[f.cls] ?? 0) + (ext.sizes.get(f.path) ?? 0);
      }
    }
    const ai = snapshot.unavailable ? undefined : d.aiOf(scan);
    const oomTimes = d.monitor.oomMarkers.map((m) => m.atMs);
    return {
      extHostRssBytes: sampler.sample().rssBytes, // fresh: history samples may be 15 s old
      heapUsedBytes: process.memoryUsage().heapUsed,
      heapLimitBytes: sample.heapLimit ?? 0,
      extHosts: (model?.topology.extensionHosts ?? []).map((h) => ({ pid: h.pid, rssBytes: h.rssBytes, self: h.pid === process.pid })),
      detachedTerminals: model?.detachedCount,
      shells: model?.shellCount,
      reclaimableBytesByClass: reclaimable,
      diskReclaimableBytesByKind: d.diskReclaimable?.(),
      aiProcessesByExtension: ai ? aiByOwner(ai) : undefined,
      aiLeaked: ai?.totals.leaked,
      aiDuplicate: ai?.totals.duplicate,
      oomEvents: d.monitor.oomMarkers.length,
      lastOomAtMs: oomTimes.length ? Math.max(...oomTimes) : undefined,
      version: d.version,
      cgroupCurrentBytes: sample.cgroupCurrent,
      cgroupLimitBytes: sample.cgroupLimit,
    };
  };
}
