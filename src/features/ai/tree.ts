// The AI Processes tree: tool → assistant trees (session, workspace, age, memory) → the trees they spawned (MCP
// servers) and their listening ports. Renders what the AI source publishes; polls it only while visible.
import * as os from 'os';
import * as vscode from 'vscode';
import { ViewNotes } from '../../core/ui/viewNotes';
import { Views } from '../../core/ids';
import { ModelTreeProvider } from '../../core/ui/modelTree';
import { VisiblePoller } from '../../core/ui/visiblePoller';
import { AiState, ownerLabel } from './classify';
import { AiRow, AiViewModel, aiName, definedInLines } from './model';
import { SessionId } from '../../probes/ai/sessions';
import { formatBytes, formatDuration, fullCommand, shortenHome } from '../../probes/format';
import { AiSource, AiState as AiSourceState } from './source';
import { aiBadge } from '../badges/badge';
import { aiCount } from '../badges/counts';

const STATE_ICON: Record<AiState, [string, string]> = {
  active: ['pulse', 'charts.green'],
  leaked: ['warning', 'charts.orange'],
  duplicate: ['copy', 'charts.orange'],
  external: ['link-external', 'descriptionForeground'],
};

export class ToolItem extends vscode.TreeItem {
  constructor(
    readonly tool: string,
    readonly rows: AiRow[],
  ) {
    super(tool, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `ai-tool-${tool}`;
    const bytes = rows.reduce((s, r) => s + r.tree.totalRssBytes, 0);
    const sessions = rows.filter((r) => r.tree.role === 'session');
    const odd = sessions.filter((r) => r.tree.state === 'leaked' || r.tree.state === 'duplicate').length;
    const helpers = rows.length - sessions.length;
    const idle = sessions.filter((r) => r.idle?.idle).length;
    this.description = [
      `${sessions.length}`,
      helpers ? vscode.l10n.t('{0} helper(s)', helpers) : undefined,
      formatBytes(bytes),
      odd ? vscode.l10n.t('{0} leaked/duplicate', odd) : undefined,
      idle ? vscode.l10n.t('{0} idle', idle) : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon('hubot');
    this.contextValue = 'aiTool';
  }
}

export class AiItem extends vscode.TreeItem {
  constructor(readonly row: AiRow) {
    const t = row.tree;
    const children = t.childRootPids.length + (row.ports.length ? 1 : 0);
    super(aiName(row), children ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `ai-${t.root.pid}-${t.root.starttime}`;
    const home = os.homedir();
    const session = row.session.id === 'unknown' ? undefined : row.session.id.slice(0, 8);
    const idleText = row.idle?.idle ? vscode.l10n.t('idle {0}', formatDuration(row.idle.quietForMs)) : undefined;
    const parts = [
      t.role === 'helper' ? vscode.l10n.t('helper') : undefined,
      session ? `session ${session}` : undefined,
      t.cwd.ok ? shortenHome(t.cwd.path, home) : undefined,
      formatDuration(t.ageMs),
      formatBytes(t.totalRssBytes),
      t.state !== 'active' ? t.state : undefined,
      idleText,
    ].filter(Boolean);
    this.description = parts.join(' · ');
    const [icon, color] = STATE_ICON[t.state];
    this.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    this.contextValue = `ai.${t.state}`;
    const rss = formatBytes(t.totalRssBytes);
    const role = t.role === 'helper' ? `helper of ${t.tool}, ` : '';
    const idleFact = idleText ? `, ${idleText}` : '';
    const procs = `${t.memberPids.length} processes`;
    const facts = `${role}root pid ${t.root.pid}, ${t.state}${idleFact}, session ${row.session.id}, ${rss}, ${procs}`;
    this.accessibilityInformation = { label: `${this.label as string}, ${facts}` };
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${t.state}** — ${t.reason}\n\n`);
    const owner = `owner: ${ownerLabel(t.owner)} · root pid ${t.root.pid}`;
    md.appendMarkdown(`${owner} · ${t.memberPids.length} process(es) · ${rss} · CPU ${t.totalCpuTicks} ticks\n\n`);
    md.appendMarkdown(`session: ${sessionText(row.session)}\n\n`);
    if (t.role === 'helper') md.appendText(`helper of ${t.tool} (${t.evidence}): not a session, never a duplicate\n\n`);
    if (row.idle) {
      const written = row.idle.transcript ? ', transcript not written' : '';
      const quiet = `quiet for ${formatDuration(row.idle.quietForMs)} (CPU below 2 % of one core${written})`;
      md.appendText(`${row.idle.idle ? 'idle' : 'not idle'}: ${quiet}\n\n`);
    }
    for (const line of definedInLines(t, home)) md.appendText(`${line}\n\n`);
    md.appendCodeblock(fullCommand(t.root.argv).slice(0, 2000), 'sh');
    this.tooltip = md;
  }
}

export class PortsItem extends vscode.TreeItem {
  constructor(row: AiRow) {
    super(
      `listening on ${row.ports.map((p) => `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}`).join(', ')}`,
      vscode.TreeItemCollapsibleState.None,
    );
    this.id = `ai-ports-${row.tree.root.pid}`;
    this.iconPath = new vscode.ThemeIcon('plug');
    this.contextValue = 'aiPorts';
  }
}

function sessionText(s: SessionId): string {
  if (!('source' in s)) return `unknown (${s.reason})`;
  return s.source === 'argv' ? `${s.id} (from ${s.flag})` : `${s.id} (open file ${s.file}${s.prefixOnly ? ', prefix only' : ''})`;
}

type Node = ToolItem | AiItem | PortsItem;

class AiProvider extends ModelTreeProvider<AiViewModel, Node> {
  getChildren(n?: Node): Node[] {
    const m = this.model;
    if (!m) return [];
    if (!n) {
      const tops = m.rows.filter((r) => r.tree.parentRootPid === undefined);
      const tools = [...new Set(tops.map((r) => r.tree.tool))].sort();
      return tools.map(
        (tool) =>
          new ToolItem(
            tool,
            tops.filter((r) => r.tree.tool === tool),
          ),
      );
    }
    if (n instanceof ToolItem) return n.rows.map((r) => new AiItem(r));
    if (n instanceof AiItem) {
      const kids: Node[] = n.row.tree.childRootPids
        .map((pid) => m.byRoot.get(pid))
        .filter((r): r is AiRow => !!r)
        .map((r) => new AiItem(r));
      if (n.row.ports.length) kids.push(new PortsItem(n.row));
      return kids;
    }
    return [];
  }
}

export class AiView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<Node>;
  private readonly provider = new AiProvider();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly poller: VisiblePoller;

  constructor(
    source: AiSource,
    refreshSeconds: () => number,
    private readonly log: vscode.LogOutputChannel,
    private readonly notes: ViewNotes,
  ) {
    this.treeView = vscode.window.createTreeView(Views.ai, { treeDataProvider: this.provider, canSelectMany: true });
    this.poller = new VisiblePoller(this.treeView, refreshSeconds, (age) => source.state(age), log, 'AI');
    this.disposables.push(
      this.poller,
      this.treeView,
      this.provider,
      source.onDidChange((state) => this.render(state)),
    );
  }

  /** Settings changed: re-read the interval. */
  restart(): void {
    this.poller.restart();
  }

  private render(state: AiSourceState): void {
    if (!state.ok) {
      this.treeView.message = vscode.l10n.t('code-server Ops cannot read the process table (/proc) here.');
      this.treeView.badge = undefined;
      this.provider.set(undefined);
      return;
    }
    const { model } = state;
    const c = aiCount(model);
    this.treeView.badge = aiBadge(c);
    const t = model.totals;
    const processes = t.trees === 1 ? vscode.l10n.t('{0} AI process', t.trees) : vscode.l10n.t('{0} AI processes', t.trees);
    const bytes = formatBytes(t.rssBytes);
    const idle = t.idle ? vscode.l10n.t(' · {0} idle', t.idle) : '';
    const counts = vscode.l10n.t('{0} · {1} leaked · {2} duplicate · {3}', processes, c.leaked, c.duplicate, bytes);
    // the same leaked helpers the badge counts (and the bulk "Stop Leaked…" stops)
    const helpers = c.leakedHelpers ? vscode.l10n.t(' · {0} leaked helper(s)', c.leakedHelpers) : '';
    this.notes.describe(Views.ai, this.treeView, `${counts}${helpers}${idle}`);
    this.treeView.message = t.trees === 0 ? vscode.l10n.t('No AI assistant or MCP server is running.') : undefined;
    for (const p of model.problems) this.log.debug(`ai: ${p}`);
    this.provider.set(model);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
