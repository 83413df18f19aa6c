// What one scrape reports, gathered from the views' models and the memory monitor (at most one scan per
// csops.metrics.minScanSeconds). Read-only: a scrape reads the window registry but never prunes it.
import { MemoryMonitor } from '../memory/monitor';
import { AiViewModel, aiByOwner } from '../ai/model';
import { ExtensionsDirReport, isReclaimable } from '../../probes/extensionsDir';
import { Snapshot, readCwd } from '../../probes/scanner';
import { SelfSampler } from '../../probes/selfMemory';
import { SnapshotService } from '../../core/snapshotService';
import { TerminalsModel, buildTerminalsModel } from '../terminals/model';
import { classifyTopology } from '../../probes/topology';
import { liveEntries, readEntries } from '../../probes/windowRegistry';
import { Settings } from '../../core/settings';
import { MetricsData } from './server';

export interface CollectDeps {
  service: SnapshotService;
  settings(): Pick<Settings, 'procRoot' | 'metricsMinScanSeconds'>;
  /** The window registry folder. Only read: pruning dead entries is left to the views (a scrape changes nothing). */
  windowsDir: string;
  /** pids of this window's terminals. */
  ownTerminalPids(): Promise<Set<number>>;
  aiOf(snapshot: Snapshot): AiViewModel;
  /** The Extensions view's latest model (sizes are only known once it has been shown). */
  extensions(): { report: ExtensionsDirReport; sizes: Map<string, number> } | undefined;
  monitor: Pick<MemoryMonitor, 'history' | 'sample' | 'oomMarkers'>;
}

/** The Terminals model as the view builds it, from the registry's live entries without pruning the dead ones. */
async function terminalsModel(d: CollectDeps, snapshot: Snapshot): Promise<TerminalsModel> {
  const [read, ownTerminalPids] = await Promise.all([readEntries(d.windowsDir), d.ownTerminalPids()]);
  return buildTerminalsModel({
    snapshot,
    topology: classifyTopology(snapshot, process.pid),
    selfPid: process.pid,
    ownTerminalPids,
    liveWindows: liveEntries(read.entries, snapshot),
    readCwd: (pid) => readCwd(pid, snapshot.procRoot),
    nowMs: Date.now(),
  });
}

export function metricsCollector(d: CollectDeps): () => Promise<MetricsData> {
  const sampler = new SelfSampler(d.settings().procRoot);
  return async () => {
    const latest = d.service.latest;
    const snapshot = latest && Date.now() - latest.takenAtMs < d.settings().metricsMinScanSeconds * 1000 ? latest : await d.service.request();
    const model = snapshot.unavailable ? undefined : await terminalsModel(d, snapshot);
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
      aiProcessesByExtension: snapshot.unavailable ? undefined : aiByOwner(d.aiOf(snapshot)),
      oomEvents: d.monitor.oomMarkers.length,
      cgroupCurrentBytes: sample.cgroupCurrent,
      cgroupLimitBytes: sample.cgroupLimit,
    };
  };
}
