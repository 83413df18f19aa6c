// Status-bar item with this extension host's RSS; warning / error background past the configured thresholds,
// and one notification per level per session.
import * as vscode from 'vscode';
import { formatBytes, formatDuration } from '../../probes/format';
import { MemoryLevel, SelfSample, SelfSampler, memoryLevel } from '../../probes/selfMemory';
import { Scan } from '../../core/scan';
import { Settings } from '../../core/settings';
import { Commands } from '../../core/ids';
import { Ticker } from '../../core/ticker';

/** The status bar theme colour of each level (none when normal). */
const LEVEL_BACKGROUND: Record<MemoryLevel, string | undefined> = {
  normal: undefined,
  warning: 'statusBarItem.warningBackground',
  critical: 'statusBarItem.errorBackground',
};

function levelBackground(level: MemoryLevel): vscode.ThemeColor | undefined {
  const color = LEVEL_BACKGROUND[level];
  return color ? new vscode.ThemeColor(color) : undefined;
}

/** What the memory monitor and the views add to the item (asked once per sample). */
export interface MemoryInfo {
  slopeMbPerMin?: number;
  recentOom?: string;
  loops?: string[];
  ai?: string;
  views?: string[];
}

export class MemoryStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer?: { dispose(): void };
  private readonly notified = new Set<MemoryLevel>();
  private lastSample?: SelfSample;
  /** Set while Profile Extension Host runs (the timer skips its sample). */
  paused = false;

  constructor(
    private settings: Settings,
    private readonly sampler: SelfSampler,
    /** The shared timer (one wake-up for every sampler). */
    private readonly ticker: Ticker,
    private readonly latestScan: () => Scan | undefined,
    /** Trend and OOM awareness from the memory monitor. */
    private readonly memory: () => MemoryInfo = () => ({}),
  ) {
    this.item = vscode.window.createStatusBarItem('csops.memory', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'code-server Ops: Extension Host Memory';
    this.item.command = Commands.showSidebar;
    this.update();
    this.item.show();
    this.schedule();
  }

  setSettings(settings: Settings): void {
    this.settings = settings;
    this.schedule();
    this.update();
  }

  /** Re-render the tooltip when a new snapshot arrives (no extra sampling). */
  refreshTooltip(): void {
    if (this.lastSample) this.setTooltip(this.tooltip(this.lastSample, this.memory()));
  }

  /**
   * Each property set sends the whole item to the workbench: the idle tick sets only what changed (an idle host's
   * text, colour and tooltip rarely do).
   */
  private setTooltip(md: vscode.MarkdownString): void {
    if (md.value === this.shown.tooltip) return;
    this.shown.tooltip = md.value;
    this.item.tooltip = md;
  }

  private readonly shown: { text?: string; level?: MemoryLevel; label?: string; tooltip?: string } = {};

  private schedule(): void {
    this.timer?.dispose();
    this.timer = this.ticker.every(this.settings.statusBarSampleSeconds * 1000, () => this.paused || this.update());
  }

  private update(): void {
    const s = this.sampler.sample();
    this.lastSample = s;
    const memory = this.memory();
    const { recentOom } = memory;
    // An OOM kill in the last hour means the box is at its limit, whatever this process uses.
    const level = recentOom ? 'critical' : memoryLevel(s.rssBytes, this.settings.warningMb, this.settings.criticalMb);
    const text = vscode.l10n.t('$(pulse) ExtHost {0}', formatBytes(s.rssBytes));
    if (text !== this.shown.text) this.item.text = this.shown.text = text;
    if (level !== this.shown.level) this.item.backgroundColor = levelBackground((this.shown.level = level));
    const label = vscode.l10n.t('Extension host memory {0}, {1}', formatBytes(s.rssBytes), level);
    if (label !== this.shown.label) this.item.accessibilityInformation = { label: (this.shown.label = label) };
    this.setTooltip(this.tooltip(s, memory));
    if (level !== 'normal' && !this.notified.has(level)) {
      this.notified.add(level);
      const limit = level === 'critical' ? this.settings.criticalMb : this.settings.warningMb;
      const show = level === 'critical' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
      const text = recentOom
        ? vscode.l10n.t('An out-of-memory kill happened in the last hour ({0}).', recentOom)
        : vscode.l10n.t(
            'The extension host uses {0} (above {1} MB). Extensions may slow down or be killed.',
            formatBytes(s.rssBytes),
            limit,
          );
      const open = vscode.l10n.t('Open code-server Ops');
      const restart = vscode.l10n.t('Restart Extension Host…');
      void show(text, open, restart).then((choice) => {
        if (choice === open) void vscode.commands.executeCommand(Commands.showSidebar);
        if (choice === restart) void vscode.commands.executeCommand(Commands.restartExtensionHost);
      });
    }
  }

  private tooltip(s: SelfSample, memory: MemoryInfo): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: [Commands.profileExtensionHost] };
    md.appendMarkdown(`**Extension host** (pid ${process.pid})\n\n`);
    md.appendMarkdown(`RSS: ${formatBytes(s.rssBytes)} · CPU: ${s.cpuPercent.toFixed(1)} % · up ${formatDuration(s.uptimeMs)}\n\n`);
    md.appendMarkdown(`Warning at ${this.settings.warningMb} MB, critical at ${this.settings.criticalMb} MB\n\n`);
    const { slopeMbPerMin, recentOom, ai, views, loops } = memory;
    if (slopeMbPerMin !== undefined)
      md.appendMarkdown(`Trend (10 min): ${slopeMbPerMin >= 0 ? '+' : ''}${slopeMbPerMin.toFixed(2)} MB/min\n\n`);
    if (recentOom) md.appendMarkdown(`**OOM in the last hour:** ${recentOom}\n\n`);
    // A restart loop: one line (the first, newest), the Memory view lists them all.
    if (loops?.length) {
      md.appendMarkdown('**Restart loop:** ');
      md.appendText(loops.length > 1 ? `${loops[0]} (+${loops.length - 1} more)` : loops[0]);
      md.appendMarkdown('\n\n');
    }
    if (ai) md.appendMarkdown(`AI: ${ai}\n\n`);
    // The views' badge counts (as of each view's last refresh).
    for (const line of views ?? []) md.appendMarkdown(`${line}\n\n`);
    const scan = this.latestScan();
    const snap = scan?.snapshot;
    if (scan && snap && !snap.unavailable) {
      const hosts = scan.topology.extensionHosts;
      md.appendMarkdown(
        `${hosts.length} extension host${hosts.length === 1 ? '' : 's'} (as of ${new Date(snap.takenAtMs).toLocaleTimeString()}):\n\n`,
      );
      for (const h of hosts) {
        md.appendMarkdown(`- pid ${h.pid}${h.pid === process.pid ? ' (this window)' : ''}: ${formatBytes(h.rssBytes)}\n`);
      }
    } else {
      md.appendMarkdown('Open the code-server Ops sidebar to list every extension host.');
    }
    md.appendMarkdown(`\n\n[${vscode.l10n.t('Profile Extension Host…')}](command:${Commands.profileExtensionHost})`);
    return md;
  }

  dispose(): void {
    this.timer?.dispose();
    this.item.dispose();
  }
}
