// The Processes tree: renders what the Processes source publishes (sorted and filtered here, never re-scanned); polls
// it only while visible. Rows: CPU %, subtree memory, age, listening ports; tooltip with pid and the redacted command.
import * as vscode from 'vscode';
import { Views } from '../../core/ids';
import { ModelTreeProvider } from '../../core/ui/modelTree';
import { VisiblePoller } from '../../core/ui/visiblePoller';
import { formatBytes, formatDuration, fullCommand } from '../../probes/format';
import { ProcNode, ProcessesModel, SortBy, filterTree, sortTree, walk } from './model';
import { portText } from './plan';
import { ProcessesSource, ProcessesState } from './source';

/** contextValue of rows "Stop…" applies to (package.json: `viewItem =~ /^proc\.stoppable/`). */
export const STOPPABLE = 'proc.stoppable';
export const PROTECTED = 'proc.protected';

const ICON: Record<ProcNode['kind'], string> = {
  server: 'server-process',
  extensionHost: 'extensions',
  extension: 'package',
  ptyHost: 'terminal',
  fileWatcher: 'eye',
  agentHost: 'hubot',
  process: 'circle-small-filled',
  others: 'account',
};

function windowText(state: string): string {
  switch (state) {
    case 'this':
      return vscode.l10n.t('this window');
    case 'live':
      return vscode.l10n.t('another window (connected)');
    case 'gone':
      return vscode.l10n.t('window gone');
    default:
      return vscode.l10n.t('window unknown');
  }
}

function folderName(uri?: string): string | undefined {
  if (!uri) return undefined;
  const p = decodeURIComponent(uri.replace(/^[a-z-]+:\/\/[^/]*/, ''));
  return p.slice(p.lastIndexOf('/') + 1) || undefined;
}

export function rowLabel(n: ProcNode): string {
  if (n.kind === 'extensionHost' && n.window) {
    const folder = folderName(n.window.folder);
    return `${n.label} — ${windowText(n.window.state)}${folder ? ` (${folder})` : ''}`;
  }
  if (n.kind === 'others') return vscode.l10n.t('Other processes of this user');
  return n.aiName ? `${n.aiName} · ${n.label}` : n.label;
}

function collapsibleOf(node: ProcNode): vscode.TreeItemCollapsibleState {
  if (node.children.length === 0) return vscode.TreeItemCollapsibleState.None;
  const expanded = node.kind === 'server' || node.kind === 'extensionHost' || node.kind === 'extension';
  return expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
}

export class ProcItem extends vscode.TreeItem {
  constructor(
    readonly node: ProcNode,
    hasCpu: boolean,
    nowMs: number,
  ) {
    super(rowLabel(node), collapsibleOf(node));
    this.id = `proc-${node.key}`;
    const rec = node.record;
    let cpu = hasCpu ? '–' : '…'; // no figure for this row yet / none at all before the second scan
    if (node.cpuPercent !== undefined) cpu = `${node.cpuPercent.toFixed(node.cpuPercent < 10 ? 1 : 0)} %`;
    const parts = [
      `CPU ${cpu}`,
      formatBytes(node.rssBytes),
      rec ? formatDuration(nowMs - rec.startedAtMs) : undefined,
      node.ports.length ? node.ports.map(portText).join(', ') : undefined,
    ].filter(Boolean);
    this.description = parts.join(' · ');
    this.iconPath = new vscode.ThemeIcon(node.window?.state === 'gone' ? 'warning' : ICON[node.kind]);
    const stoppable = node.kind === 'extension' ? node.children.some((c) => !c.protection) : !!rec && !node.protection;
    this.contextValue = stoppable ? `${STOPPABLE}.${node.kind}` : PROTECTED;
    const who = rec ? `pid ${rec.pid}` : vscode.l10n.t('{0} processes', node.pids.length);
    this.accessibilityInformation = { label: `${this.label as string}, ${who}, ${this.description}` };
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${rowLabel(node).replace(/[*_`[\]]/g, '\\$&')}**\n\n`);
    if (rec) md.appendMarkdown(`pid ${rec.pid} · ppid ${rec.ppid} · uid ${rec.uid} · ${node.pids.length} process(es) in this tree\n\n`);
    else md.appendMarkdown(`${node.pids.length} process(es)\n\n`);
    if (node.protection) md.appendMarkdown(`${vscode.l10n.t('Not stoppable here: {0}', node.protection)}\n\n`);
    if (node.window && node.window.state !== 'this')
      md.appendMarkdown(
        `${vscode.l10n.t('Window: {0} (from the window registry heartbeat and its connected sockets)', windowText(node.window.state))}\n\n`,
      );
    if (rec) md.appendCodeblock(fullCommand(rec.argv).slice(0, 2000), 'sh');
    this.tooltip = md;
  }
}

class ProcessesProvider extends ModelTreeProvider<{ model: ProcessesModel; roots: ProcNode[] }, ProcItem> {
  getChildren(n?: ProcItem): ProcItem[] {
    const m = this.model;
    if (!m) return [];
    const now = Date.now();
    return (n ? n.node.children : m.roots).map((c) => new ProcItem(c, m.model.hasCpu, now));
  }
}

export class ProcessesView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<ProcItem>;
  private readonly provider = new ProcessesProvider();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly poller: VisiblePoller;
  private last?: ProcessesState;
  sortBy: SortBy = 'cpu';
  filter = '';

  constructor(source: ProcessesSource, refreshSeconds: () => number, log: vscode.LogOutputChannel) {
    this.treeView = vscode.window.createTreeView(Views.processes, { treeDataProvider: this.provider, canSelectMany: true });
    this.poller = new VisiblePoller(this.treeView, refreshSeconds, (age) => source.state(age), log, 'Processes');
    this.disposables.push(
      this.poller,
      this.treeView,
      this.provider,
      source.onDidChange((state) => this.render(state)),
    );
    void vscode.commands.executeCommand('setContext', 'csops.processes.sort', this.sortBy);
  }

  restart(): void {
    this.poller.restart();
  }

  setSort(by: SortBy): void {
    this.sortBy = by;
    void vscode.commands.executeCommand('setContext', 'csops.processes.sort', by);
    this.render(this.last);
  }

  setFilter(text: string): void {
    this.filter = text.trim();
    void vscode.commands.executeCommand('setContext', 'csops.processes.filtered', this.filter !== '');
    this.render(this.last);
  }

  render(state: ProcessesState | undefined): void {
    this.last = state;
    if (!state) return;
    if (!state.ok) {
      this.treeView.message = vscode.l10n.t('code-server Ops cannot read the process table (/proc) here.');
      this.provider.set(undefined);
      return;
    }
    const { model } = state;
    const roots = filterTree(sortTree(model.roots, this.sortBy), this.filter);
    const sortText = this.sortBy === 'cpu' ? vscode.l10n.t('by CPU') : vscode.l10n.t('by memory');
    this.treeView.description = vscode.l10n.t('{0} code-server processes · {1}', model.serverProcesses, sortText);
    if (this.filter) {
      const rows = [...walk(roots)].length;
      this.treeView.message = vscode.l10n.t('Filter: "{0}" — {1} rows shown (Clear Processes Filter shows all).', this.filter, rows);
    } else this.treeView.message = model.roots.length === 0 ? vscode.l10n.t('No code-server process found in /proc.') : undefined;
    this.provider.set({ model, roots });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
