// Wiring of the memory feature: the monitor and its sampling timer, the Memory webview, the status-bar item and the
// commands that belong to them.
import * as vscode from 'vscode';
import { AuditLog } from '../../core/audit';
import { restartExtensionHost } from './restart';
import { Commands } from '../../core/ids';
import { readKernelOomEvents } from '../../probes/kernelLog';
import { readProcess } from '../../probes/scanner';
import { Scan } from '../../core/scan';
import { SelfSampler } from '../../probes/selfMemory';
import { Settings } from '../../core/settings';
import { MemoryStatusBar } from './statusBar';
import { MemoryViewProvider } from './view';
import { MemoryMonitor } from './monitor';

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
}

export class MemoryFeature implements vscode.Disposable {
  readonly monitor: MemoryMonitor;
  readonly statusBar: MemoryStatusBar;
  readonly view: MemoryViewProvider;
  private timer?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly d: MemoryFeatureDeps) {
    const s = d.settings();
    const self = readProcess(process.pid, s.procRoot);
    this.monitor = new MemoryMonitor({
      procRoot: s.procRoot,
      storageDir: d.context.globalStorageUri.fsPath,
      windowKey: vscode.workspace.workspaceFile?.toString() ?? vscode.workspace.workspaceFolders?.[0]?.uri.toString() ?? 'empty-window',
      self: { pid: process.pid, starttime: self?.starttime ?? 0, startedAtMs: self?.startedAtMs ?? Date.now() - process.uptime() * 1000 },
      historyMinutes: s.memoryHistoryMinutes,
      latestScan: d.latestScan,
      log: (m) => d.log.info(m),
    });
    const m = this.monitor;
    this.statusBar = new MemoryStatusBar(s, new SelfSampler(s.procRoot), d.latestScan, () => ({
      slopeMbPerMin: m.trend().slopeMbPerMin,
      recentOom: m.recentOom(3_600_000)?.text,
      ai: d.aiSummary(),
      views: d.viewCounts?.(),
    }));
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
    m.start().then(
      () => {
        m.sample();
        this.schedule();
      },
      (e) => d.log.error(`memory monitor failed to start: ${String(e)}`),
    );
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

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.monitor.sample(), this.d.settings().memorySampleSeconds * 1000);
  }

  setSettings(s: Settings): void {
    this.statusBar.setSettings(s);
    if (this.timer) this.schedule();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const x of this.disposables) x.dispose();
  }
}
