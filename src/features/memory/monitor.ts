// Memory monitor: samples this extension host (and, when a fresh scan exists, every extension host and the whole
// server tree), the cgroup and the host; keeps a persisted ring buffer; watches cgroup OOM counters; records this
// extension host's lifecycle and classifies how the previous one of this window ended. Plain Node (no `vscode`).
import * as path from 'path';
import * as v8 from 'v8';
import { CgroupLocator, CgroupMemoryRead, KeptFiles, readCgroupMemory, readHostMemory } from '../../probes/cgroup';
import { CgroupOomChange, CgroupOomWatcher } from '../../probes/cgroupOom';
import { KernelOomRead, readKernelOomEvents } from '../../probes/kernelLog';
import {
  EndExplanation,
  HostIdentity,
  LifecycleRecord,
  explainEnd,
  markCleanEnd,
  markRestartRequested,
  markSeen,
  readLifecycle,
  recordStart,
  unclassified,
  updateRecord,
  writeLifecycle,
} from '../../probes/lifecycle';
import { MemoryHistory, MemorySample, leakSlope, timeToLimit } from '../../probes/memoryHistory';
import { Snapshot, descendantsOf } from '../../probes/scanner';
import { SelfSample, SelfSampler } from '../../probes/selfMemory';
import { Topology, rootServerOf } from '../../probes/topology';
import { KmsgStatus } from '../../probes/kmsg';
import { OomKillEntry } from './victim';
import { EndEntry, addEnds, lifecycleEnds } from './ends';
import { endsFile, readEnds, writeEnds } from '../../probes/endsStore';

export interface MonitorOptions {
  procRoot: string;
  cgroupRoot?: string;
  storageDir: string;
  /** Identifies "this window" across extension-host restarts (e.g. the workspace folder URI). */
  windowKey: string;
  self: HostIdentity & { startedAtMs: number };
  historyMinutes: number;
  /** The latest process scan, if any (the monitor never scans by itself). */
  /** The latest scan and its topology, if any (the monitor never scans). */
  latestScan(): { snapshot: Snapshot; topology: Topology } | undefined;
  log(message: string): void;
}

export interface OomMarker {
  atMs: number;
  source: 'cgroup' | 'kernel';
  text: string;
}

export interface EndRecord {
  record: LifecycleRecord;
  explanation: EndExplanation;
}

/** Totals from a process scan: every extension host, and the whole server tree this one belongs to. */
export function treeTotals(snapshot: Snapshot, topology: Topology, selfPid: number): { allExtHostsRss?: number; serverTreeRss?: number } {
  if (!topology.self) return {};
  const allExtHostsRss = topology.extensionHosts.reduce((s, p) => s + p.rssBytes, 0);
  // The outermost server ancestor (code-server's launcher) holds the whole tree.
  const root = rootServerOf(snapshot, topology, selfPid);
  const serverTreeRss = root ? descendantsOf(snapshot, root.pid).reduce((s, p) => s + p.rssBytes, root.rssBytes) : undefined;
  return { allExtHostsRss, serverTreeRss };
}

/** "cgroup OOM: 1 kill(s) in /sys/fs/cgroup/…/job" for a chart marker. */
export function cgroupOomText(c: CgroupOomChange): string {
  const where = c.belowListed ? `below ${c.dir} (a cgroup not watched)` : c.dir;
  return `cgroup OOM: ${c.oomKill} kill(s)${c.oom ? `, ${c.oom} OOM event(s)` : ''} in ${where}`;
}

/** The status bar's trend: the leak slope over the last 10 minutes of samples. */
export const TREND_WINDOW_MS = 10 * 60_000;

/** How often the memory history and lifecycle are saved while the extension host runs (also on deactivate). */
export const PERSIST_EVERY_MS = 5 * 60_000;

export class MemoryMonitor {
  history: MemoryHistory;
  cgroup?: CgroupMemoryRead;
  kernel?: KernelOomRead;
  readonly oomMarkers: OomMarker[] = [];
  /** OOM kills seen live (from /dev/kmsg), oldest first, with their victims. */
  readonly oomKills: OomKillEntry[] = [];
  /** The live kernel feed's state (undefined: not started). */
  kmsg?: KmsgStatus;
  lifecycle: LifecycleRecord[] = [];
  previousEnds: EndRecord[] = [];
  /** How tracked trees ended (AI trees, terminal jobs, extension and pty hosts), oldest first, at most MAX_ENDS. */
  ends: EndEntry[] = [];
  private endsLoaded = false;
  /** The OOM counters of the own cgroup and the child cgroups below it (created at the first cgroup reading). */
  cgroupOom?: CgroupOomWatcher;
  private readonly oomListeners = new Set<(changes: CgroupOomChange[]) => void>();
  private readonly sampler: SelfSampler;
  /** This extension host's reading of the latest sample (the status bar shows it while nobody looks at the window). */
  lastSelf?: SelfSample;
  /** Where the own cgroup is: /proc/self/cgroup is read again every 10 minutes or when the cgroup vanished. */
  readonly cgroupLocator = new CgroupLocator();
  /** The files read on every sample (the cgroup's memory files, /proc/meminfo), kept open between samples. */
  readonly files = new KeptFiles();
  /**
   * When the history was last saved. It is saved every PERSIST_EVERY_MS, right after an OOM counter changed and on
   * deactivate: a save (JSON of up to 240 samples, two atomic writes) is most of the idle cost when it runs every minute.
   */
  private lastSaveAtMs = Date.now();
  private readonly listeners = new Set<(s: MemorySample) => void>();

  constructor(private readonly o: MonitorOptions) {
    this.history = new MemoryHistory({ historyMinutes: o.historyMinutes });
    this.sampler = new SelfSampler(o.procRoot);
  }

  private get historyFile(): string {
    return path.join(this.o.storageDir, 'memory-history.json');
  }

  private get lifecycleDir(): string {
    return path.join(this.o.storageDir, 'lifecycle');
  }

  /** Called when an OOM counter of the cgroup subtree went up (at most once per sample). */
  onCgroupOom(l: (changes: CgroupOomChange[]) => void): { dispose(): void } {
    this.oomListeners.add(l);
    return { dispose: () => this.oomListeners.delete(l) };
  }

  onSample(l: (s: MemorySample) => void): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }

  /** Loads the persisted history and lifecycle, explains how earlier extension hosts of this window ended. */
  async start(): Promise<void> {
    const loaded = await MemoryHistory.load(this.historyFile, { historyMinutes: this.o.historyMinutes });
    this.history = loaded.history;
    if (loaded.problem) this.o.log(`memory history not restored: ${loaded.problem}`);
    const lc = await readLifecycle(this.lifecycleDir, this.o.windowKey);
    if (lc.problem) this.o.log(`lifecycle history not restored: ${lc.problem}`);
    this.lifecycle = recordStart(lc.records, this.o.self);
    const pending = unclassified(this.lifecycle, this.o.self);
    if (pending.length) {
      const since = Math.min(...pending.map((r) => r.startedAtMs));
      this.kernel = await readKernelOomEvents({ since, timeoutMs: 3000, maxBytes: 4 * 1024 * 1024, procRoot: this.o.procRoot });
      for (const r of pending) {
        const explanation = explainEnd(r, {
          oomEvents: this.kernel.events,
          oomKillIncreased: this.oomMarkers.some(
            (m) => m.source === 'cgroup' && m.atMs >= r.startedAtMs && m.atMs <= (r.lastSeenAtMs ?? Infinity),
          ),
          lastSamples: this.history.samples().filter((s) => s.t >= r.startedAtMs && s.t <= (r.lastSeenAtMs ?? Infinity) + 60_000),
          untilMs: this.o.self.startedAtMs,
        });
        this.lifecycle = updateRecord(this.lifecycle, r, { end: explanation.end });
        this.previousEnds.push({ record: { ...r, end: explanation.end }, explanation });
        this.o.log(`previous extension host ${r.pid} of this window: ${explanation.end} — ${explanation.reason}`);
      }
    }
    const stored = await readEnds(this.endsFile);
    if (stored.problem) this.o.log(`ends history not restored: ${stored.problem}`);
    const lastRss = (from: number, until: number): number | undefined =>
      this.history
        .samples()
        .filter((s) => s.t >= from && s.t <= until)
        .pop()?.extHostRss;
    // Ends seen while this window was loading (none yet, usually) stay after the stored ones.
    this.ends = addEnds(addEnds(stored.ends, lifecycleEnds(this.previousEnds, this.o.windowKey, lastRss)), this.ends);
    this.endsLoaded = true;
    for (const e of this.kernel?.events ?? []) {
      if (e.atMs !== undefined) this.oomMarkers.push({ atMs: e.atMs, source: 'kernel', text: `kernel OOM kill: ${e.comm} (pid ${e.pid})` });
    }
    await this.saveLifecycle();
    await this.saveEnds();
  }

  /** Takes one sample (cheap: a few small files; no process scan). */
  sample(): MemorySample {
    const now = Date.now();
    const self = (this.lastSelf = this.sampler.sample());
    const heap = v8.getHeapStatistics(); // used_heap_size is process.memoryUsage().heapUsed, without reading /proc again
    const s: MemorySample = {
      t: now,
      extHostRss: self.rssBytes,
      heapUsed: heap.used_heap_size,
      heapLimit: heap.heap_size_limit,
    };
    const { procRoot, cgroupRoot } = this.o;
    this.cgroup = readCgroupMemory({ procRoot, cgroupRoot, locator: this.cgroupLocator, fs: this.files });
    if (this.cgroup.ok) {
      const cg = this.cgroup.value;
      if (cg.currentBytes !== undefined) s.cgroupCurrent = cg.currentBytes;
      if (cg.limitBytes !== undefined) s.cgroupLimit = cg.limitBytes;
      if (this.cgroupOom?.ownDir !== cg.dir) {
        if (this.cgroupOom) this.files.close(); // the cgroup moved: the files of the old one are read no more
        this.cgroupOom = new CgroupOomWatcher({ version: cg.version, ownDir: cg.dir });
      }
      const changes = this.cgroupOom.poll(now);
      for (const c of changes) this.oomMarkers.push({ atMs: now, source: 'cgroup', text: cgroupOomText(c) });
      if (changes.length) for (const l of this.oomListeners) l(changes);
      if (changes.length) this.lastSaveAtMs = 0; // keep what led up to the kill
    }
    const host = readHostMemory(procRoot, this.files);
    if (host.ok && host.value.availableBytes !== undefined) s.hostAvailable = host.value.availableBytes;
    const scan = this.o.latestScan();
    const snap = scan?.snapshot;
    if (scan && snap && !snap.unavailable && now - snap.takenAtMs < 60_000)
      Object.assign(s, treeTotals(snap, scan.topology, this.o.self.pid));
    this.history.add(s);
    this.added++;
    this.lifecycle = markSeen(this.lifecycle, this.o.self, now);
    if (now - this.lastSaveAtMs >= PERSIST_EVERY_MS)
      this.saving = this.persist().catch((e: unknown) => this.o.log(`memory history not saved: ${String(e)}`));
    for (const l of this.listeners) l(s);
    return s;
  }

  /** MB/min over the last 10 minutes, and minutes until the cgroup limit at that pace. */
  trend(): { slopeMbPerMin?: number; minutesToLimit?: number } {
    // Asked for every status-bar sample: computed again only when the history got a new sample (or was replaced).
    if (this.trendOf?.history !== this.history || this.trendOf.added !== this.added)
      this.trendOf = { history: this.history, added: this.added, value: this.computeTrend() };
    return this.trendOf.value;
  }

  /** Samples this monitor added to the history (the trend's cache key, with the history itself). */
  private added = 0;
  private trendOf?: { history: MemoryHistory; added: number; value: { slopeMbPerMin?: number; minutesToLimit?: number } };

  private computeTrend(): { slopeMbPerMin?: number; minutesToLimit?: number } {
    const samples = this.history.recent(TREND_WINDOW_MS);
    const slopeMbPerMin = leakSlope(samples, TREND_WINDOW_MS);
    const last = samples[samples.length - 1];
    const limit = last?.cgroupLimit;
    const current = last?.cgroupCurrent;
    return { slopeMbPerMin, minutesToLimit: current !== undefined ? timeToLimit(current, limit, slopeMbPerMin) : undefined };
  }

  /** An OOM event (cgroup or kernel) in the last `ms`. */
  recentOom(ms: number): OomMarker | undefined {
    const since = Date.now() - ms;
    return [...this.oomMarkers].reverse().find((m) => m.atMs >= since);
  }

  async markRestartRequested(): Promise<void> {
    this.lifecycle = markRestartRequested(this.lifecycle, this.o.self);
    await this.saveLifecycle();
  }

  /** The save a sample started (persist() logs its own failures), for whoever must wait for it (tests, deactivation). */
  private saving: Promise<void> = Promise.resolve();

  /** Resolves once the save a sample started has finished. */
  saved(): Promise<void> {
    return this.saving;
  }

  /** Saves history and lifecycle (the latter with a clean end when `clean`). */
  async persist(clean = false): Promise<void> {
    this.lastSaveAtMs = Date.now();
    if (clean) this.lifecycle = markCleanEnd(this.lifecycle, this.o.self, Date.now());
    const saved = await this.history.saveAtomically(this.historyFile);
    if (!saved.ok) this.o.log(`memory history not saved: ${saved.error}`);
    await this.saveLifecycle();
  }

  private get endsFile(): string {
    return endsFile(this.o.storageDir, this.o.windowKey);
  }

  /** Saves the ends history (after each new end; a few per minute at most in a restart loop). */
  async saveEnds(): Promise<void> {
    if (!this.endsLoaded) return; // start() saves them once the stored ones are merged in
    const r = await writeEnds(this.endsFile, this.ends);
    if (!r.ok) this.o.log(`ends history not saved: ${r.error}`);
  }

  private async saveLifecycle(): Promise<void> {
    const r = await writeLifecycle(this.lifecycleDir, this.o.windowKey, this.lifecycle);
    if (!r.ok) this.o.log(`lifecycle not saved: ${r.error}`);
  }
}
