// Status-bar item with this extension host's RSS; warning / error background past the configured thresholds,
// and one notification per level per session.
import * as vscode from 'vscode';
import { MemoryLevel, SelfSample, SelfSampler } from '../../probes/selfMemory';
import { formatBytes } from '../../probes/format';
import { Scan } from '../../core/scan';
import { Settings } from '../../core/settings';
import { Commands } from '../../core/ids';
import { ItemState, MemoryInfo, ShownItem, TooltipPart, itemState } from './statusBarView';

export type { MemoryInfo } from './statusBarView';

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

function markdown(parts: TooltipPart[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: [Commands.profileExtensionHost] };
  for (const p of parts)
    if ('md' in p) md.appendMarkdown(p.md);
    else md.appendText(p.text);
  return md;
}

/**
 * The item. Sampling is scheduled by FocusSampling (sampling.ts): update() is the item's own sample, show() renders
 * the memory sampler's reading while nobody looks at the window.
 */
export class MemoryStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly notified = new Set<MemoryLevel>();
  private lastSample?: SelfSample;
  /** Set while Profile Extension Host runs (the timer skips its sample). */
  paused = false;
  /** Each property set sends the whole item to the workbench: only what changed is set. */
  private readonly shown = new ShownItem();

  constructor(
    private settings: Settings,
    private readonly sampler: SelfSampler,
    private readonly latestScan: () => Scan | undefined,
    /** Trend and OOM awareness from the memory monitor. */
    private readonly memory: () => MemoryInfo = () => ({}),
  ) {
    this.item = vscode.window.createStatusBarItem('csops.memory', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'code-server Ops: Extension Host Memory';
    this.item.command = Commands.showSidebar;
    this.update();
    this.item.show();
  }

  setSettings(settings: Settings): void {
    this.settings = settings;
    this.update();
  }

  /** Re-render when a new snapshot, OOM or end arrives (no extra sampling, no notification). */
  refreshTooltip(): void {
    if (this.lastSample) this.set(this.state(this.lastSample));
  }

  /** The item's own sample (skipped while paused). */
  update(): void {
    if (!this.paused) this.render(this.sampler.sample());
  }

  /** Renders a reading taken by someone else (the memory sampler's, while nobody looks at the window). */
  show(s: SelfSample): void {
    if (!this.paused) this.render(s);
  }

  private state(s: SelfSample): ItemState {
    const scan = this.latestScan();
    const snap = scan?.snapshot;
    const hosts =
      scan && snap && !snap.unavailable
        ? { asOf: new Date(snap.takenAtMs).toLocaleTimeString(), rows: scan.topology.extensionHosts }
        : undefined;
    return itemState(
      {
        pid: process.pid,
        sample: s,
        warningMb: this.settings.warningMb,
        criticalMb: this.settings.criticalMb,
        memory: this.memory(),
        hosts,
        profileCommand: Commands.profileExtensionHost,
      },
      {
        text: (rss) => vscode.l10n.t('$(pulse) ExtHost {0}', rss),
        label: (rss, level) => vscode.l10n.t('Extension host memory {0}, {1}', rss, level),
        profile: vscode.l10n.t('Profile Extension Host…'),
      },
    );
  }

  private set(state: ItemState): void {
    for (const k of this.shown.changes(state)) {
      if (k === 'text') this.item.text = state.text;
      else if (k === 'level') this.item.backgroundColor = levelBackground(state.level);
      else if (k === 'label') this.item.accessibilityInformation = { label: state.label };
      else this.item.tooltip = markdown(state.tooltip);
    }
  }

  private render(s: SelfSample): void {
    this.lastSample = s;
    const state = this.state(s);
    this.set(state);
    const { level } = state;
    if (level !== 'normal' && !this.notified.has(level)) {
      this.notified.add(level);
      const recentOom = this.memory().recentOom;
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

  dispose(): void {
    this.item.dispose();
  }
}
