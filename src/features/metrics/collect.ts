// What one scrape reports, gathered from the views' models and the memory monitor (at most one scan per
// csops.metrics.minScanSeconds).
import { MemoryMonitor } from '../memory/monitor';
import { AiViewModel, aiByOwner } from '../ai/model';
import { ExtensionsDirReport, isReclaimable } from '../../probes/extensionsDir';
import { SelfSampler } from '../../probes/selfMemory';
import { Scan, ScanService } from '../../core/scan';
import { TerminalsModel } from '../terminals/model';
import { Settings } from '../../core/settings';
import { MetricsData } from './server';

export interface CollectDeps {
  scans: ScanService;
  settings(): Settings;
  terminalsOf(scan: Scan): Promise<TerminalsModel>;
  aiOf(scan: Scan): AiViewModel;
  /** The Extensions view's latest model (sizes are only known once it has been shown). */
  extensions(): { report: ExtensionsDirReport; sizes: Map<string, number> } | undefined;
  monitor: MemoryMonitor;
}

export function metricsCollector(d: CollectDeps): () => Promise<MetricsData> {
  const sampler = new SelfSampler(d.settings().procRoot);
  return async () => {
    const scan = await d.scans.fresh(d.settings().metricsMinScanSeconds * 1000);
    const { snapshot } = scan;
    const model = snapshot.unavailable ? undefined : await d.terminalsOf(scan);
    const sample = d.monitor.history.latest() ?? d.monitor.sample();
    const ext = d.extensions();
    let reclaimable: Record<string, number> | undefined;
    if (ext && !ext.report.error) {
      reclaimable = {};
      for (const f of ext.report.folders) {
        if (isReclaimable(ext.report, f)) reclaimable[f.cls] = (reclaimable[f.cls] ?? 0) + (ext.sizes.get(f.path) ?? 0);
      }
    }
    return {
      extHostRssBytes: sampler.sample().rssBytes, // fresh: history samples may be 15 s old
      heapUsedBytes: process.memoryUsage().heapUsed,
      heapLimitBytes: sample.heapLimit ?? 0,
      extHosts: (model?.topology.extensionHosts ?? []).map((h) => ({ pid: h.pid, rssBytes: h.rssBytes, self: h.pid === process.pid })),
      detachedTerminals: model?.detachedCount,
      shells: model?.shellCount,
      reclaimableBytesByClass: reclaimable,
      aiProcessesByExtension: snapshot.unavailable ? undefined : aiByOwner(d.aiOf(scan)),
      oomEvents: d.monitor.oomMarkers.length,
      cgroupCurrentBytes: sample.cgroupCurrent,
      cgroupLimitBytes: sample.cgroupLimit,
    };
  };
}
