// Wiring of the memory feature: the monitor and its sampling timer, the Memory webview, the status-bar item and the
// commands that belong to them.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { parseBootTime } from '../../probes/procParsers';
import { AuditLog } from '../../core/audit';
import { restartExtensionHost } from './restart';
import { Commands, Views } from '../../core/ids';
import { readKernelOomEvents } from '../../probes/kernelLog';
import { readProcess } from '../../probes/scanner';
import { Scan } from '../../core/scan';
import { SelfSampler } from '../../probes/selfMemory';
import { Settings } from '../../core/settings';
import { MemoryStatusBar } from './statusBar';
import { Ticker } from '../../core/ticker';
import { FocusSampling } from './sampling';
import { WindowAttention } from '../../core/attention';
import { MemoryViewProvider } from './viewProvider';
import { MemoryMonitor } from './monitor';
import { KmsgFollower } from '../../probes/kmsg';
import { KernelOomEvent } from '../../probes/kernelLog';
import { KernelLogPoller } from '../../probes/kernelLogPoll';
import { CgroupOomChange } from '../../probes/cgroupOom';
import { cgroupOomText } from './monitor';
import { processIdsOf } from '../terminals/model';
import { RateLimiter, RingScan, ScanRing, addKill, identifyVictim } from './victim';
import { EndTracker, TrackedTree, addEnds, applyLateOom, loopText, restartLoops, trackedTrees } from './ends';
import { AiRow } from '../ai/model';
import { SignalBook } from '../../core/signalled';

export interface MemoryFeatureDeps {
  context: vscode.ExtensionContext;
  settings: () => Settings;
  latestScan: () => Scan | undefined;
  /** One line about AI processes for the status-bar tooltip, when known. */
  aiSummary: () => string | undefined;
  /** One line per view with its badge count (views not refreshed yet are left out). */
  viewCounts?: () => string[];
  audit: AuditLog;
  log: vscode.LogOutputChannel;
  /** Every scan, kept in a small ring to name the victims of OOM kills. */
  onDidScan(listener: (scan: Scan) => void): vscode.Disposable;
  /** The AI tree a pid belongs to in that scan, if any. */
  aiNameOf(scan: RingScan, pid: number): string | undefined;
  /** The rows of the latest AI model (whatever scan it was built from), if any. */
  aiRows?(): readonly AiRow[];
  /** Called with each AI model once built (its trees are tracked from the scan it was built from). */
  onDidAiModel?(listener: (scan: Scan, rows: readonly AiRow[]) => void): vscode.Disposable;
  /** Signals this window sent (a tree that ends after one was stopped by us). */
  signalled?: SignalBook;
  /** The folder of another window's extension host, when the window registry knows it. */
  windowOf?(extHostPid: number): string | undefined;
  /** The host's one timer (core.ticker): an idle host wakes up once per tick for every periodic job. */
  ticker: Ticker;
  /** Whether someone looks at the window (core.attention: focused and active): otherwise it samples less (sampling.ts). */
  attention: WindowAttention;
}

export class MemoryFeature implements vscode.Disposable {
  readonly monitor: MemoryMonitor;
  readonly statusBar: MemoryStatusBar;
  readonly view: MemoryViewProvider;
  /** The shared timer of the status bar, the memory sampler, the kernel-log fallback and the window heartbeat. */
  private readonly ticker: Ticker;
  /** The status bar's and the memory sampler's jobs, by whether someone looks at the window. */
  private readonly sampling: FocusSampling;
  /** Set while Profile Extension Host runs: the sampling timers skip their work. */
  paused = false;
  private readonly ring = new ScanRing();
  private readonly notifications = new RateLimiter(3, 60_000);
  private follower?: KmsgFollower;
  /** dmesg / journalctl -k, only when /dev/kmsg is not followed: while the view is visible or after a counter went up. */
  private readonly poller: KernelLogPoller;
  private pollTimer?: { dispose(): void };
  /** /dev/kmsg is not followed: the kernel log is polled while the Memory view is visible (scheduleFallback). */
  private fallbackWanted = false;
  /** Kernel events are handled one after the other (both lines of a kill must merge into one entry). */
  private queue: Promise<void> = Promise.resolve();
  private readonly disposables: vscode.Disposable[] = [];
  /** Follows tracked trees across scans to see how they end; fed only by scans that happen anyway. */
  private readonly tracker = new EndTracker();
  private endsQueue: Promise<void> = Promise.resolve();
  private readonly windowKey: string;

  constructor(private readonly d: MemoryFeatureDeps) {
    const s = d.settings();
    this.ticker = d.ticker;
    const self = readProcess(process.pid, s.procRoot);
    this.windowKey = vscode.workspace.workspaceFile?.toString() ?? vscode.workspace.workspaceFolders?.[0]?.uri.toString() ?? 'empty-window';
    this.monitor = new MemoryMonitor({
      procRoot: s.procRoot,
      storageDir: d.context.globalStorageUri.fsPath,
      windowKey: this.windowKey,
      self: { pid: process.pid, starttime: self?.starttime ?? 0, startedAtMs: self?.startedAtMs ?? Date.now() - process.uptime() * 1000 },
      historyMinutes: s.memoryHistoryMinutes,
      latestScan: d.latestScan,
      log: (m) => d.log.info(m),
    });
    const m = this.monitor;
    this.statusBar = new MemoryStatusBar(s, new SelfSampler(s.procRoot), d.latestScan, () => ({
      slopeMbPerMin: m.trend().slopeMbPerMin,
      recentOom: m.recentOom(3_600_000)?.text,
      loops: restartLoops(m.ends, Date.now()).map((l) => `${l.label}: ${loopText(l)}`),
      ai: d.aiSummary(),
      views: d.viewCounts?.(),
    }));
    this.sampling = new FocusSampling({
      ticker: this.ticker,
      attention: d.attention,
      settings: d.settings,
      statusBar: () => this.statusBar.update(),
      monitor: () => this.paused || m.sample(),
      statusBarFromMonitor: () => m.lastSelf && this.statusBar.show(m.lastSelf),
    });
    this.view = new MemoryViewProvider({
      extensionUri: d.context.extensionUri,
      monitor: m,
      settings: d.settings,
      log: d.log,
      checkKernelLog: () => this.checkKernelLog(),
    });
    const command = (id: string, fn: () => unknown) => vscode.commands.registerCommand(id, fn);
    this.disposables.push(
      this.statusBar,
      this.view,
      command(Commands.openMemoryChart, () => this.view.openPanel()),
      command(Commands.restartExtensionHost, () => restartExtensionHost(m, d.audit)),
      command(Commands.checkKernelLog, async () => {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading the kernel log') }, () =>
          this.checkKernelLog(),
        );
        this.view.refresh();
      }),
    );
    this.poller = new KernelLogPoller({
      read: (since) => readKernelOomEvents({ since, timeoutMs: 3000, maxBytes: 1024 * 1024, procRoot: d.settings().procRoot }),
    });
    this.disposables.push(m.onCgroupOom((changes) => this.onCgroupOom(changes)));
    const latest = d.latestScan();
    if (latest) this.ring.add(latest);
    this.disposables.push(
      d.onDidScan((scan) => {
        this.ring.add(scan);
        this.trackEnds(scan, d.aiRows?.() ?? []);
      }),
    );
    if (d.onDidAiModel) this.disposables.push(d.onDidAiModel((scan, rows) => this.trackEnds(scan, rows)));
    // The kernel-log follower spawns its reader process (4–7 ms of this thread in the extension host, measured): it
    // starts in the next turn of the event loop, once activate() has returned, not inside it.
    const kmsgStart = setTimeout(() => {
      this.startKmsg(s.procRoot);
      if (!this.monitor.kmsg?.following) this.scheduleFallback();
    }, 0);
    this.disposables.push({ dispose: () => clearTimeout(kmsgStart) });
    m.start().then(
      () => this.sampling.startMonitor(),
      (e) => d.log.error(`memory monitor failed to start: ${String(e)}`),
    );
  }

  /** Follows /dev/kmsg: a reader process blocks in read(), so nothing runs here while the kernel logs nothing. */
  private startKmsg(procRoot: string): void {
    let bootTimeMs: number | undefined;
    try {
      const boot = parseBootTime(fs.readFileSync(`${procRoot}/stat`, 'latin1'));
      if (boot.ok) bootTimeMs = boot.value * 1000;
    } catch {
      bootTimeMs = undefined; // events then carry seconds since boot only
    }
    this.follower = new KmsgFollower({
      procRoot,
      bootTimeMs,
      onEvent: (event) => {
        this.queue = this.queue.then(() => this.onKernelEvent(event)).catch((e) => this.d.log.error(`OOM event: ${String(e)}`));
      },
      onStatus: (status) => {
        this.monitor.kmsg = status;
        if (!status.following) this.scheduleFallback();
        if (!status.following && status.reason) this.d.log.warn(`kernel log feed (/dev/kmsg): ${status.reason}`);
      },
    });
    const status = (this.monitor.kmsg = this.follower.start());
    this.d.log.info(`kernel log feed (/dev/kmsg): ${status.following ? 'following' : `not available: ${status.reason ?? 'unknown'}`}`);
  }

  /** A cgroup OOM counter went up: log it and, without /dev/kmsg, read the kernel log now to name the victim. */
  private onCgroupOom(changes: CgroupOomChange[]): void {
    for (const c of changes) this.d.log.warn(cgroupOomText(c));
    this.view.refresh();
    this.statusBar.refreshTooltip();
    if (!this.monitor.kmsg?.following) void this.pollKernelLog();
  }

  /** The bounded kernel-log read of the fallback; its new events go the same way as /dev/kmsg's. */
  private async pollKernelLog(): Promise<void> {
    try {
      const r = await this.poller.poll(Date.now());
      this.monitor.kernel = r.read;
      for (const e of r.events) this.queue = this.queue.then(() => this.onKernelEvent(e));
      await this.queue;
      if (r.events.length === 0) this.view.refresh();
    } catch (e) {
      this.d.log.error(`kernel log poll: ${String(e)}`);
    }
  }

  /**
   * While /dev/kmsg is not followed, polls the kernel log every 10 s — only while the Memory view is visible: the job is
   * on the shared timer just then (a hidden view costs no wake-up), and showing the view polls at once. With the view
   * hidden, an OOM is still caught by the cgroup counters at the next sample (onCgroupOom reads the log then).
   */
  private scheduleFallback(): void {
    if (this.fallbackWanted) return;
    this.fallbackWanted = true;
    this.disposables.push(this.view.onDidChangeVisible(() => this.updateFallback()));
    this.updateFallback();
  }

  private updateFallback(): void {
    const poll = this.fallbackWanted && !this.monitor.kmsg?.following && this.view.visible;
    if (!poll) {
      this.pollTimer?.dispose();
      this.pollTimer = undefined;
      return;
    }
    if (this.pollTimer) return;
    this.pollTimer = this.ticker.every(10_000, () => {
      if (!this.paused && !this.monitor.kmsg?.following) void this.pollKernelLog();
    });
    if (!this.paused) void this.pollKernelLog();
  }

  /**
   * Feeds one scan (and the AI rows known) to the end tracker, in order; new ends go to the history, the view and the
   * status-bar tooltip. Costs a walk of the tracked trees per scan that happens anyway; nothing runs without scans.
   */
  private trackEnds(scan: Scan, aiRows: readonly AiRow[]): void {
    this.endsQueue = this.endsQueue
      .then(async () => {
        // a scan is fed twice (when it is taken, and again with its AI model): the terminals are asked once per scan
        if (this.namesOf?.snapshot !== scan.snapshot)
          this.namesOf = {
            snapshot: scan.snapshot,
            names: scan.topology.ptyHosts.length ? await this.terminalNames() : new Map<number, string>(),
          };
        const { names } = this.namesOf;
        const naming = {
          selfPid: process.pid,
          windowKey: this.windowKey,
          terminalNameOf: (pid: number) => names.get(pid),
          windowOf: (pid: number) => this.d.windowOf?.(pid),
        };
        let trees: TrackedTree[] = [];
        if (!scan.snapshot.unavailable) trees = trackedTrees(scan.snapshot, scan.topology, naming, aiRows);
        const ended = this.tracker.observe(scan.snapshot, trees, { oomKills: this.monitor.oomKills, signalled: this.d.signalled });
        if (!ended.length) return;
        const m = this.monitor;
        m.ends = addEnds(m.ends, ended);
        for (const e of ended) this.d.log.info(`ended: ${e.label} (pid ${e.pid}) — ${e.kind}: ${e.reason}`);
        for (const l of restartLoops(m.ends, Date.now())) this.d.log.warn(`restart loop: ${l.label} ${loopText(l)}`);
        this.view.refresh();
        this.statusBar.refreshTooltip();
        await m.saveEnds();
      })
      .catch((e) => this.d.log.error(`tracking ends: ${String(e)}`));
  }

  /** "terminal 2" for each of this window's terminals, by shell pid (waits at most 500 ms for their process ids). */
  private namesOf?: { snapshot: Scan['snapshot']; names: Map<number, string> };

  private async terminalNames(): Promise<Map<number, string>> {
    const terminals = vscode.window.terminals;
    const pids = await processIdsOf(terminals, 500);
    const names = new Map<number, string>();
    pids.forEach((pid, i) => pid !== undefined && names.set(pid, vscode.l10n.t('terminal {0} "{1}"', i + 1, terminals[i].name)));
    return names;
  }

  private async onKernelEvent(event: KernelOomEvent): Promise<void> {
    const m = this.monitor;
    const now = Date.now();
    const known = m.oomKills.some((k) => k.pid === event.pid && Math.abs(k.atMs - (event.atMs ?? now)) <= 10_000);
    const names = known ? new Map<number, string>() : await this.terminalNames();
    const ctx = {
      selfPid: process.pid,
      aiNameOf: (scan: RingScan, pid: number) => this.d.aiNameOf(scan, pid),
      terminalNameOf: (pid: number) => names.get(pid),
    };
    const { entry, isNew } = addKill(m.oomKills, event, () => identifyVictim(event, this.ring, ctx, now), now);
    if (!isNew) {
      this.view.refresh();
      return;
    }
    m.oomMarkers.push({ atMs: entry.atMs, source: 'kernel', text: `OOM kill: ${entry.victim.label} (pid ${entry.pid})` });
    if (applyLateOom(m.ends, entry)) void m.saveEnds();
    const from = event.source === 'kmsg' ? '/dev/kmsg' : event.source;
    this.d.log.warn(`OOM kill seen in ${from}: pid ${entry.pid} (${entry.comm}) — ${entry.victim.label}; cgroup ${entry.cgroup ?? '?'}`);
    this.view.refresh();
    this.statusBar.refreshTooltip();
    if (!this.d.settings().memoryOomNotifications || !this.notifications.take(now)) return;
    const open = vscode.l10n.t('Open Memory View');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Out of memory: the kernel killed {0} (pid {1}).', entry.victim.label, entry.pid),
      open,
    );
    if (choice === open) await vscode.commands.executeCommand(`${Views.memory}.focus`);
  }

  private async checkKernelLog(): Promise<void> {
    const s = this.d.settings();
    this.monitor.kernel = await readKernelOomEvents({
      since: Date.now() - 24 * 3_600_000,
      timeoutMs: 3000,
      maxBytes: 4 * 1024 * 1024,
      procRoot: s.procRoot,
    });
    for (const src of this.monitor.kernel.sources) {
      this.d.log.info(`kernel log: ${src.name} ${src.available ? `read, ${src.events} OOM event(s)` : `not available: ${src.reason}`}`);
    }
  }

  /** Pauses the memory and status-bar sampling until the returned function is called. */
  pause(): () => void {
    this.paused = this.statusBar.paused = true;
    return () => {
      this.paused = this.statusBar.paused = false;
    };
  }

  setSettings(s: Settings): void {
    this.statusBar.setSettings(s);
    this.sampling.reschedule();
  }

  dispose(): void {
    this.follower?.stop();
    this.sampling.dispose();
    this.pollTimer?.dispose();
    for (const x of this.disposables) x.dispose();
  }
}
