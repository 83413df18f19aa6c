// The Terminals tree: pty hosts → shells. Renders what the Terminals source publishes; polls it only while visible.
import * as os from 'os';
import * as vscode from 'vscode';
import { ViewNotes } from '../../core/ui/viewNotes';
import { Views } from '../../core/ids';
import { ModelTreeProvider } from '../../core/ui/modelTree';
import { VisiblePoller } from '../../core/ui/visiblePoller';
import { formatBytes, formatDuration, fullCommand, shortenHome } from '../../probes/format';
import { PtyHostGroup, ShellRow, ShellStatus, TerminalsModel } from './model';
import { TerminalsState, TerminalsSource } from './source';
import { terminalsBadge } from '../badges/badge';
import { terminalsCount } from '../badges/counts';

export class PtyHostItem extends vscode.TreeItem {
  constructor(readonly group: PtyHostGroup) {
    super(`pty host ${group.ptyHost.pid}`, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `ptyhost-${group.ptyHost.pid}-${group.ptyHost.starttime}`;
    const detached = group.shells.filter((s) => s.status === 'detached').length;
    const shells = `${group.shells.length} shell${group.shells.length === 1 ? '' : 's'}`;
    this.description = `${shells}${detached ? ` · ${detached} detached` : ''}`;
    this.iconPath = new vscode.ThemeIcon('server-process');
    this.contextValue = 'ptyHost';
    const server = group.server ? `, server pid ${group.server.pid}` : '';
    this.tooltip = `pty host pid ${group.ptyHost.pid}${server}\n${fullCommand(group.ptyHost.argv)}`;
  }
}

const STATUS_TEXT: Record<ShellStatus, string> = {
  attachedHere: 'attached (this window)',
  attachedOther: 'attached (other window)',
  detached: 'detached',
};

/** Icon and colour of a shell by status: [codicon, theme colour]. */
const STATUS_ICON: Record<ShellStatus, [string, string]> = {
  attachedHere: ['terminal', 'charts.green'],
  attachedOther: ['terminal', 'charts.blue'],
  detached: ['debug-disconnect', 'charts.orange'],
};

export class ShellItem extends vscode.TreeItem {
  constructor(
    readonly row: ShellRow,
    model: TerminalsModel,
    home: string,
  ) {
    super(row.label, vscode.TreeItemCollapsibleState.None);
    const { shell } = row;
    this.id = `shell-${shell.pid}-${shell.starttime}`;
    const cwd = row.cwd.ok ? shortenHome(row.cwd.path, home) : `cwd: ${row.cwd.reason}`;
    this.description = `${formatDuration(row.ageMs)} · ${formatBytes(row.totalRssBytes)} · ${cwd}`;
    this.contextValue = `shell.${row.status}`;
    const [icon, color] = STATUS_ICON[row.status];
    this.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const facts = `${STATUS_TEXT[row.status]}, age ${formatDuration(row.ageMs)}, ${formatBytes(row.totalRssBytes)}, ${cwd}`;
    this.accessibilityInformation = { label: `${row.label}, shell pid ${shell.pid}, ${facts}` };
    this.tooltip = shellTooltip(row, model, home);
  }
}

function shellTooltip(row: ShellRow, model: TerminalsModel, home: string): vscode.MarkdownString {
  const { shell } = row;
  const md = new vscode.MarkdownString();
  const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`';
  md.appendMarkdown(`**${STATUS_TEXT[row.status]}**`);
  if (row.status === 'attachedOther') md.appendMarkdown(` — window with extension host pid ${row.claimedBy}`);
  md.appendMarkdown('\n\n');
  md.appendMarkdown(`pid ${shell.pid} · started ${new Date(shell.startedAtMs).toLocaleString()} (${formatDuration(row.ageMs)} ago)\n\n`);
  md.appendMarkdown(`${code(fullCommand(shell.argv))}\n\n`);
  if (row.cwd.ok) md.appendMarkdown(`cwd ${code(shortenHome(row.cwd.path, home))}\n\n`);
  const descendants = `${row.descendants.length} descendant${row.descendants.length === 1 ? '' : 's'}`;
  md.appendMarkdown(`memory (shell + ${descendants}): ${formatBytes(row.totalRssBytes)}\n\n`);
  for (const d of row.descendants.slice(0, 10)) {
    const command = code(fullCommand(d.argv).slice(0, 120) || `[${d.comm}]`);
    md.appendMarkdown(`- ${d.pid}${d === row.foreground ? ' (foreground)' : ''}: ${command} ${formatBytes(d.rssBytes)}\n`);
  }
  if (row.descendants.length > 10) md.appendMarkdown(`- … and ${row.descendants.length - 10} more\n`);
  if (row.status === 'detached' && model.unregisteredExtensionHosts.length > 0) {
    md.appendMarkdown(
      `\n\n$(warning) ${model.unregisteredExtensionHosts.length} other window(s) (extension host ${model.unregisteredExtensionHosts
        .map((e) => e.pid)
        .join(
          ', ',
        )}) do not run code-server Ops (opened before it was installed, or disabled there): this shell may belong to one of them.`,
    );
    md.supportThemeIcons = true;
  }
  return md;
}

type Node = PtyHostItem | ShellItem;

class TerminalsProvider extends ModelTreeProvider<TerminalsModel, Node> {
  private readonly home = os.homedir();

  getChildren(node?: Node): Node[] {
    const model = this.model;
    if (!model) return [];
    if (!node) return model.groups.filter((g) => g.shells.length > 0).map((g) => new PtyHostItem(g));
    if (node instanceof PtyHostItem) return node.group.shells.map((s) => new ShellItem(s, model, this.home));
    return [];
  }
}

export class TerminalsView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<Node>;
  private readonly provider = new TerminalsProvider();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly poller: VisiblePoller;
  private debounce?: NodeJS.Timeout;

  constructor(
    source: TerminalsSource,
    refreshSeconds: () => number,
    log: vscode.LogOutputChannel,
    private readonly notes: ViewNotes,
  ) {
    this.treeView = vscode.window.createTreeView(Views.terminals, { treeDataProvider: this.provider, canSelectMany: true });
    this.poller = new VisiblePoller(this.treeView, refreshSeconds, (age) => source.state(age), log, 'terminals');
    this.disposables.push(
      this.poller,
      this.treeView,
      this.provider,
      source.onDidChange((state) => this.render(state)),
      vscode.window.onDidOpenTerminal(() => this.soon()),
      vscode.window.onDidCloseTerminal(() => this.soon()),
    );
  }

  /** Settings changed: re-read the interval. */
  restart(): void {
    this.poller.restart();
  }

  private render(state: TerminalsState): void {
    if (!state.ok) {
      this.treeView.message = vscode.l10n.t(
        'code-server Ops reads the process table from /proc, which is not usable here: {0}.',
        state.reason,
      );
      this.notes.describe(Views.terminals, this.treeView, undefined);
      this.treeView.badge = undefined;
      this.provider.set(undefined);
      return;
    }
    const { model } = state;
    this.treeView.badge = terminalsBadge(terminalsCount(model));
    this.notes.describe(
      Views.terminals,
      this.treeView,
      model.shellCount === 1
        ? vscode.l10n.t('{0} shell · {1} detached', model.shellCount, model.detachedCount)
        : vscode.l10n.t('{0} shells · {1} detached', model.shellCount, model.detachedCount),
    );
    const messages: string[] = [];
    if (model.groups.length === 0) {
      messages.push(
        model.topology.roles.get(process.pid) === 'extensionHost'
          ? vscode.l10n.t('No terminals yet: the pty host starts with the first terminal.')
          : vscode.l10n.t('No pty host found: this extension host does not run under code-server or a VS Code server.'),
      );
    }
    const others = model.otherServerPtyHosts.length;
    if (others > 0) {
      messages.push(
        vscode.l10n.t(
          '{0} pty host(s) of another server on this machine (pid {1}) are not listed: their windows are not known here.',
          others,
          model.otherServerPtyHosts.map((p) => p.pid).join(', '),
        ),
      );
    }
    if (state.deniedCount > 0)
      messages.push(vscode.l10n.t('{0} processes could not be read (permission denied; /proc mounted with hidepid?).', state.deniedCount));
    this.treeView.message = messages.join(' ') || undefined;
    this.provider.set(model);
  }

  /** Refresh shortly after terminal events, coalescing bursts. */
  private soon(): void {
    if (!this.treeView.visible) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.poller.refreshLogged(), 300);
  }

  dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    for (const d of this.disposables) d.dispose();
  }
}
