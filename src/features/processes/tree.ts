// The Processes tree: renders what the Processes source publishes (sorted and filtered here, never re-scanned); polls
// it only while visible; a refresh re-renders only the rows whose text changed. Rows: CPU %, subtree memory, age,
// listening ports; tooltip with pid and the redacted command.
import * as vscode from 'vscode';
import { Views } from '../../core/ids';
import { VisiblePoller } from '../../core/ui/visiblePoller';
import { formatBytes, formatDuration, fullCommand } from '../../probes/format';
import {
  ProcNode,
  ProcessesModel,
  ROOT_ROW,
  ShownRows,
  SortBy,
  WindowState,
  cpuText,
  filterTree,
  rowStoppable,
  sortTree,
  walk,
} from './model';
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

/** Extension hosts whose window state needs its own icon: gone (a warning), disconnected (kept for the reconnection grace). */
const WINDOW_ICON: Partial<Record<WindowState, string>> = { gone: 'warning', disconnected: 'debug-disconnect' };

function windowText(state: WindowState): string {
  switch (state) {
    case 'this':
      return vscode.l10n.t('this window');
    case 'live':
      return vscode.l10n.t('another window (connected)');
    case 'disconnected':
      return vscode.l10n.t('disconnected — kept by code-server for the reconnection grace');
    case 'gone':
      return vscode.l10n.t('window gone');
    case 'unknown':
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
  /** The row's node in the latest model (the item stays the same object across refreshes: the tree knows it by it). */
  node: ProcNode;

  constructor(node: ProcNode, hasCpu: boolean, nowMs: number) {
    super(rowLabel(node), collapsibleOf(node));
    this.node = node;
    this.id = `proc-${node.key}`;
    this.update(node, hasCpu, nowMs);
  }

  /** Renders the row from `node` (same key, newer model). */
  update(node: ProcNode, hasCpu: boolean, nowMs: number): void {
    this.node = node;
    const label = rowLabel(node);
    this.label = label;
    this.collapsibleState = collapsibleOf(node);
    const rec = node.record;
    const parts = [
      `CPU ${cpuText(node, hasCpu)}`,
      formatBytes(node.rssBytes),
      rec ? formatDuration(nowMs - rec.startedAtMs) : undefined,
      node.ports.length ? node.ports.map(portText).join(', ') : undefined,
    ].filter(Boolean);
    this.description = parts.join(' · ');
    this.iconPath = new vscode.ThemeIcon((node.window && WINDOW_ICON[node.window.state]) ?? ICON[node.kind]);
    this.contextValue = rowStoppable(node) ? `${STOPPABLE}.${node.kind}` : PROTECTED;
    const who = rec ? `pid ${rec.pid}` : vscode.l10n.t('{0} processes', node.pids.length);
    this.accessibilityInformation = { label: `${label}, ${who}, ${this.description}` };
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${label.replace(/[*_`[\]]/g, '\\$&')}**\n\n`);
    if (rec) md.appendMarkdown(`pid ${rec.pid} · ppid ${rec.ppid} · uid ${rec.uid} · ${node.pids.length} process(es) in this tree\n\n`);
    else md.appendMarkdown(`${node.pids.length} process(es)\n\n`);
    if (node.protection) md.appendMarkdown(`${vscode.l10n.t('Not stoppable here: {0}', node.protection)}\n\n`);
    if (node.window && node.window.state !== 'this')
      md.appendMarkdown(
        `${vscode.l10n.t('Window: {0} (from the window registry heartbeat and its connected sockets)', windowText(node.window.state))}\n\n`,
      );
    if (node.window?.state === 'disconnected')
      md.appendMarkdown(
        `${vscode.l10n.t(
          'No browser tab is connected, but it still writes its heartbeat: code-server keeps it for the reconnection grace ' +
            '(--reconnection-grace-time, default 3 h). It reconnects if the tab is reopened and ends when the grace runs out.',
        )}\n\n`,
      );
    if (rec) md.appendCodeblock(fullCommand(rec.argv).slice(0, 2000), 'sh');
    this.tooltip = md;
  }
}

type Shown = { model: ProcessesModel; roots: ProcNode[] };

/**
 * Renders the sorted, filtered model. A new model fires a change only for the rows whose text changed (ShownRows
 * compares per-row render keys of the rows the tree fetched), so a refresh that changes nothing visible leaves an open
 * context menu and the keyboard focus alone; only a change of the root rows re-renders the whole tree.
 */
class ProcessesProvider implements vscode.TreeDataProvider<ProcItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ProcItem[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private model?: Shown;
  private readonly shown = new ShownRows();
  /** The items the tree was given, by row key. */
  private readonly items = new Map<string, ProcItem>();

  set(model: Shown | undefined): void {
    const had = this.model !== undefined;
    this.model = model;
    const now = Date.now();
    const changes = model && had ? this.shown.changes(model.roots, model.model.hasCpu, now) : 'all';
    if (changes === 'all' || !model) {
      this.shown.clear();
      this.items.clear();
      this.changed.fire(undefined);
      return;
    }
    // Every item the tree has gets its row's new node (for the commands); the changed ones are rendered again.
    const changedKeys = new Set(changes);
    const fire: ProcItem[] = [];
    const seen = new Set<string>();
    const visit = (nodes: readonly ProcNode[]): void => {
      for (const n of nodes) {
        const item = this.items.get(n.key);
        if (!item) continue;
        seen.add(n.key);
        if (changedKeys.has(n.key)) {
          item.update(n, model.model.hasCpu, now);
          fire.push(item);
        } else item.node = n;
        visit(n.children);
      }
    };
    visit(model.roots);
    for (const key of this.items.keys()) if (!seen.has(key)) this.items.delete(key);
    if (fire.length) this.changed.fire(fire);
  }

  getTreeItem(item: ProcItem): vscode.TreeItem {
    return item;
  }

  getChildren(parent?: ProcItem): ProcItem[] {
    const m = this.model;
    if (!m) return [];
    const now = Date.now();
    const nodes = parent ? parent.node.children : m.roots;
    this.shown.fetched(parent ? parent.node.key : ROOT_ROW, nodes, m.model.hasCpu, now);
    return nodes.map((n) => {
      let item = this.items.get(n.key);
      if (item)
        item.update(n, m.model.hasCpu, now); // rendered as shown.fetched recorded it
      else this.items.set(n.key, (item = new ProcItem(n, m.model.hasCpu, now)));
      return item;
    });
  }

  dispose(): void {
    this.changed.dispose();
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
    const description = vscode.l10n.t('{0} code-server processes · {1}', model.serverProcesses, sortText);
    let message: string | undefined;
    if (this.filter) {
      const rows = [...walk(roots)].length;
      message = vscode.l10n.t('Filter: "{0}" — {1} rows shown (Clear Processes Filter shows all).', this.filter, rows);
    } else message = model.roots.length === 0 ? vscode.l10n.t('No code-server process found in /proc.') : undefined;
    // set only when different: each assignment is a message to the workbench
    if (this.treeView.description !== description) this.treeView.description = description;
    if (this.treeView.message !== message) this.treeView.message = message;
    this.provider.set({ model, roots });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
