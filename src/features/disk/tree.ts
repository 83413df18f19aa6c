// The Disk tree: a summary ("12.4 GB reclaimable"), one section per kind, each entry with its size (du -s) and its
// verdict (what reclaiming does to it, or why it is kept). Render only: the model comes from DiskSource.
import * as vscode from 'vscode';
import { Views } from '../../core/ids';
import { ModelTreeProvider } from '../../core/ui/modelTree';
import { formatBytes } from '../../probes/format';
import { DISK_KINDS, DiskKind, isInformational } from '../../probes/serverDirs';
import { ClassifiedEntry, DiskModel, KIND_TITLE, reclaimableBytes } from './model';
import { HOW_TEXT } from './plan';
import { DiskSource } from './source';

export class DiskSummaryItem extends vscode.TreeItem {
  constructor(model: DiskModel) {
    const { total } = reclaimableBytes(model);
    const n = model.entries.filter((e) => e.verdict.reclaim !== 'keep').length;
    super(vscode.l10n.t('{0} reclaimable in {1} items', formatBytes(total), n), vscode.TreeItemCollapsibleState.None);
    this.id = 'disk-summary';
    this.description = model.sizing ? vscode.l10n.t('sizing…') : undefined;
    this.iconPath = new vscode.ThemeIcon('database');
    this.tooltip = model.problems.length ? model.problems.join('\n') : undefined;
    this.contextValue = 'diskSummary';
  }
}

export class DiskKindItem extends vscode.TreeItem {
  constructor(
    readonly kind: DiskKind,
    readonly entries: ClassifiedEntry[],
    model: DiskModel,
  ) {
    super(KIND_TITLE[kind], isInformational(kind) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    this.id = `disk-kind-${kind}`;
    const bytes = entries.reduce((s, e) => s + (model.sizes.get(e.path) ?? 0), 0);
    const offered = entries.filter((e) => e.verdict.reclaim !== 'keep');
    const offeredBytes = offered.reduce((s, e) => s + (model.sizes.get(e.path) ?? 0), 0);
    this.description = isInformational(kind)
      ? `${entries.length} · ${formatBytes(bytes)}`
      : vscode.l10n.t('{0} · {1} · {2} reclaimable', entries.length, formatBytes(bytes), formatBytes(offeredBytes));
    this.contextValue = `diskKind.${kind}`;
  }
}

export class DiskEntryItem extends vscode.TreeItem {
  constructor(
    readonly entry: ClassifiedEntry,
    model: DiskModel,
  ) {
    super(entry.name, vscode.TreeItemCollapsibleState.None);
    this.id = `disk-entry-${entry.path}`;
    const size = model.sizes.get(entry.path);
    const v = entry.verdict;
    const sizeText = size === undefined ? '…' : formatBytes(size);
    const verdictText = v.reclaim === 'keep' ? vscode.l10n.t('kept: {0}', v.reason) : HOW_TEXT[v.reclaim];
    this.description = `${sizeText} · ${verdictText}`;
    let icon = 'lock';
    if (v.reclaim === 'delete') icon = 'trash';
    else if (v.reclaim === 'quarantine') icon = 'archive';
    this.iconPath = new vscode.ThemeIcon(icon, v.reclaim === 'keep' ? undefined : new vscode.ThemeColor('charts.orange'));
    this.contextValue = `diskEntry.${v.reclaim}`;
    const md = new vscode.MarkdownString();
    md.appendText(`${entry.path}\n\n${v.reason}`);
    this.tooltip = md;
    this.accessibilityInformation = { label: `${entry.name}, ${sizeText}, ${verdictText}` };
  }
}

type Node = DiskSummaryItem | DiskKindItem | DiskEntryItem;

class DiskProvider extends ModelTreeProvider<DiskModel, Node> {
  getChildren(n?: Node): Node[] {
    const m = this.model;
    if (!m) return [];
    if (!n) {
      const kinds = DISK_KINDS.map(
        (k) =>
          new DiskKindItem(
            k,
            m.entries.filter((e) => e.kind === k),
            m,
          ),
      ).filter((g) => g.entries.length);
      return [new DiskSummaryItem(m), ...kinds];
    }
    if (n instanceof DiskKindItem) return n.entries.map((e) => new DiskEntryItem(e, m));
    return [];
  }
}

export class DiskView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<Node>;
  private readonly provider = new DiskProvider();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(source: DiskSource, log: vscode.LogOutputChannel) {
    this.treeView = vscode.window.createTreeView(Views.disk, { treeDataProvider: this.provider, canSelectMany: true });
    const refresh = (): Promise<unknown> =>
      source.get().catch((e) => log.error(`disk refresh failed: ${e instanceof Error ? e.stack : String(e)}`));
    this.disposables.push(
      this.treeView,
      this.provider,
      source.onDidChange((model) => this.render(model)),
      // Hidden views do no work: reading and sizing start when it becomes visible, and stop when it is hidden.
      this.treeView.onDidChangeVisibility((e) => (e.visible ? void refresh() : source.stopSizing())),
    );
    if (this.treeView.visible) void refresh();
  }

  private render(model: DiskModel): void {
    const f = model.free;
    this.treeView.description = f
      ? vscode.l10n.t('{0} free of {1}', formatBytes(f.freeBytes), formatBytes(f.totalBytes))
      : vscode.l10n.t('free space unknown');
    this.treeView.message = model.problems.length ? model.problems.join(' ') : undefined;
    this.provider.set(model);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
