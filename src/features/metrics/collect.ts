// What one scrape reports, gathered from the views' models and the memory monitor (at most one scan per
// csops.metrics.minScanSeconds). Read-only: a scrape reads the window registry but never prunes it.
import { MemoryMonitor } from '../memory/monitor';
import { AiViewModel, aiByOwner } from '../ai/model';
import { ExtensionsDirReport, isReclaimable } from '../../probes/extensionsDir';
import { SelfSampler } from '../../probes/selfMemory';
import { Scan } from '../../core/scan';
import { registryReader, terminalsModelOf } from '../terminals/model';
import { Settings } from '../../core/settings';
import { MetricsData, OomKillCount } from './server';
import { OomKillEntry, VICTIM_KINDS } from '../memory/victim';

/** Kernel sources a kill can be first seen in; cgroup counters are a source of their own, with no victim. */
const KERNEL_SOURCES = ['kmsg', 'dmesg', 'journal'] as const;

/**
 * csops_oom_events_total's series: each kill of the list once, under the source it was first seen in and its victim's
 * kind, plus the kills the cgroup counters counted (source cgroup, victim_kind unknown). Every combination is present,
 * at 0 until a kill, so that increase() sees the first one.
 */
export function oomKillCounts(kills: readonly OomKillEntry[], cgroupKills: number): OomKillCount[] {
  const counts = new Map<string, OomKillCount>();
  for (const source of KERNEL_SOURCES)
    for (const victimKind of VICTIM_KINDS) counts.set(`${source}/${victimKind}`, { source, victimKind, count: 0 });
  counts.set('cgroup/unknown', { source: 'cgroup', victimKind: 'unknown', count: cgroupKills });
  for (const k of kills) {
    const source = k.sources[0] ?? 'kmsg';
    const key = `${source}/${k.victim.kind}`;
    const c = counts.get(key) ?? { source, victimKind: k.victim.kind, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()];
}

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
  monitor: Pick<MemoryMonitor, 'history' | 'sample' | 'oomMarkers'> & Partial<Pick<MemoryMonitor, 'oomKills' | 'cgroupOom'>>;
  /** This extension's version, for csops_build_info. */
  version?: string;
  /** csops_policy_actions_total by policy (the policy history, shared by the server's windows). */
  policyActions?(): Record<string, number> | undefined;
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
      oomKills: oomKillCounts(d.monitor.oomKills ?? [], d.monitor.cgroupOom?.status().kills ?? 0),
      lastOomAtMs: oomTimes.length ? Math.max(...oomTimes) : undefined,
      version: d.version,
      cgroupCurrentBytes: sample.cgroupCurrent,
      cgroupLimitBytes: sample.cgroupLimit,
      policyActions: d.policyActions?.(),
    };
  };
}
