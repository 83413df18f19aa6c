// The Extensions tree: what is in the extensions folder and what can be reclaimed. Reads the folder when visible
// (and after changes), sizes folders in the background (cancellable, cached by mtime + inode).
import * as vscode from 'vscode';
import { ViewNotes } from '../../core/ui/viewNotes';
import { CLASS_TEXT, notIncludedReason } from './plan';
import { ExtensionsModel } from './model';
import { ExtensionsSource } from './source';
import { extensionsBadge } from '../badges/badge';
import { extensionsCount } from '../badges/counts';
import { Views } from '../../core/ids';
import { ModelTreeProvider } from '../../core/ui/modelTree';
import { ExtensionFolder, FolderClass, ProfileInfo, isReclaimable } from '../../probes/extensionsDir';
import { formatBytes } from '../../probes/format';
import { folderProtection } from './plan';

const GROUP_ORDER: FolderClass[] = ['olderVersion', 'obsolete', 'unreferenced', 'leftoverTemp', 'installing', 'installed'];
const GROUP_TITLE: Record<FolderClass, string> = {
  olderVersion: 'Older versions',
  obsolete: 'Obsolete (deleted at the next server start)',
  unreferenced: 'Unreferenced',
  leftoverTemp: 'Leftover install temp folders',
  installing: 'Installs in progress',
  installed: 'Installed',
};
const CLASS_ICON: Record<FolderClass, [string, string | undefined]> = {
  olderVersion: ['versions', 'charts.orange'],
  obsolete: ['trash', 'charts.orange'],
  unreferenced: ['question', 'charts.orange'],
  leftoverTemp: ['file-zip', 'charts.orange'],
  installing: ['loading', undefined],
  installed: ['extensions', 'charts.green'],
};

export class SummaryItem extends vscode.TreeItem {
  constructor(model: ExtensionsModel) {
    const r = model.report;
    const reclaimable = r.folders.filter((f) => isReclaimable(r, f) && !folderProtection(r, f, model.ctx));
    const bytes = reclaimable.reduce((s, f) => s + (model.sizes.get(f.path) ?? 0), 0);
    super(
      r.error
        ? 'No clean-up offered'
        : `Reclaimable: ${formatBytes(bytes)} in ${reclaimable.length} folder${reclaimable.length === 1 ? '' : 's'}`,
      vscode.TreeItemCollapsibleState.None,
    );
    this.id = 'summary';
    const notIncluded = r.folders.filter((f) => notIncludedReason(r, f, model.ctx)).length;
    const parts = [model.sizing ? 'sizing…' : '', notIncluded ? `${notIncluded} not included` : '', profilesText(r.profiles)];
    this.description = r.error ?? (parts.filter(Boolean).join(' · ') || undefined);
    this.iconPath = new vscode.ThemeIcon(r.error ? 'error' : 'database', r.error ? new vscode.ThemeColor('errorForeground') : undefined);
    this.tooltip = r.error
      ? `${r.error}. Without a readable extensions.json it is unknown what is installed, so nothing is offered for clean-up.`
      : `Extensions folder: ${r.dir}\nProfiles read: ${['Default', ...r.profiles.map(profileName)].join(', ')}` +
        (r.warnings.length ? `\n\n${r.warnings.join('\n')}` : '');
    this.contextValue = 'extSummary';
    this.accessibilityInformation = { label: `${this.label as string}${r.error ? `: ${r.error}` : ''}` };
  }
}

const profileName = (p: ProfileInfo): string => p.name ?? p.id;

/** "profiles: Default, Work" when there are profiles besides the default one. */
function profilesText(profiles: readonly ProfileInfo[]): string {
  return profiles.length ? `profiles: ${['Default', ...profiles.map(profileName)].join(', ')}` : '';
}

export class ClassGroupItem extends vscode.TreeItem {
  constructor(
    readonly cls: FolderClass,
    readonly folders: ExtensionFolder[],
    model: ExtensionsModel,
  ) {
    super(GROUP_TITLE[cls], cls === 'installed' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    this.id = `group-${cls}`;
    const bytes = folders.reduce((s, f) => s + (model.sizes.get(f.path) ?? 0), 0);
    const notIncluded = folders.filter((f) => notIncludedReason(model.report, f, model.ctx)).length;
    this.description = `${folders.length} · ${formatBytes(bytes)}${notIncluded ? vscode.l10n.t(' · {0} not included', notIncluded) : ''}`;
    this.contextValue = `extGroup.${cls}`;
  }
}

export class FolderItem extends vscode.TreeItem {
  constructor(
    readonly folder: ExtensionFolder,
    model: ExtensionsModel,
    readonly peers: ExtensionFolder[],
  ) {
    super(
      folder.parsed?.id ?? folder.name,
      peers.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    const r = model.report;
    this.id = `folder-${folder.name}`;
    const size = model.sizes.get(folder.path);
    const protection = folderProtection(r, folder, model.ctx);
    // A folder of a reclaimable class that is not offered says so, with why (as "Clean Up All" does).
    const notIncluded = notIncludedReason(r, folder, model.ctx);
    const loaded = model.ctx.loadedPaths.has(folder.path);
    const parts = [
      folder.parsed ? `${folder.parsed.version}${folder.parsed.targetPlatform ? ` (${folder.parsed.targetPlatform})` : ''}` : folder.name,
      size === undefined ? '…' : formatBytes(size),
    ];
    if (folder.installedAtMs) parts.push(new Date(folder.installedAtMs).toLocaleDateString());
    if (loaded) parts.push('loaded');
    if (peers.length) {
      const offered = peers.filter((p) => isReclaimable(r, p) && !folderProtection(r, p, model.ctx)).length;
      parts.push(`${peers.length + 1} versions, ${offered} reclaimable`);
    }
    if (notIncluded && !loaded) parts.push(`not included: ${notIncluded}`);
    this.description = parts.join(' · ');
    const [icon, color] = CLASS_ICON[folder.cls];
    // Orange marks what Clean Up offers; a reclaimable class that is not offered keeps its icon without the colour.
    const shownColor = notIncluded ? undefined : color;
    this.iconPath = new vscode.ThemeIcon(icon, shownColor ? new vscode.ThemeColor(shownColor) : undefined);
    this.contextValue = `extFolder.${!protection ? 'reclaimable' : 'protected'}`;
    const sizeText = size === undefined ? 'size pending' : formatBytes(size);
    const verdictText = protection ? `, protected: ${protection}` : ', reclaimable';
    const loadedText = loaded ? ', loaded' : '';
    this.accessibilityInformation = { label: `${folder.name}, ${CLASS_TEXT[folder.cls]}, ${sizeText}${loadedText}${verdictText}` };
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${CLASS_TEXT[folder.cls]}** — ${folder.reason}\n\n`);
    md.appendText(folder.path + (folder.isSymlink ? ' (symlink)' : ''));
    let verdict = 'Reclaimable: Clean Up… moves it to the quarantine (undoable).';
    if (notIncluded) verdict = `Not included in a clean-up: ${notIncluded}`;
    else if (protection) verdict = `Protected: ${protection}`;
    md.appendText(`\n\n${verdict}`);
    this.tooltip = md;
  }
}

type Node = SummaryItem | ClassGroupItem | FolderItem;

class ExtensionsProvider extends ModelTreeProvider<ExtensionsModel, Node> {
  getChildren(n?: Node): Node[] {
    const m = this.model;
    if (!m) return [];
    if (!n) {
      const groups = GROUP_ORDER.map(
        (cls) =>
          new ClassGroupItem(
            cls,
            m.report.folders.filter((f) => f.cls === cls),
            m,
          ),
      ).filter((g) => g.folders.length);
      return [new SummaryItem(m), ...groups];
    }
    if (n instanceof ClassGroupItem) {
      return n.folders.map((f) => {
        const peers = f.cls === 'installed' && f.parsed ? m.report.folders.filter((p) => p !== f && p.parsed?.id === f.parsed!.id) : [];
        return new FolderItem(f, m, peers);
      });
    }
    if (n instanceof FolderItem) return n.peers.map((p) => new FolderItem(p, m, []));
    return [];
  }
}

export class ExtensionsView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<Node>;
  private readonly provider = new ExtensionsProvider();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    source: ExtensionsSource,
    log: vscode.LogOutputChannel,
    private readonly notes: ViewNotes,
  ) {
    this.treeView = vscode.window.createTreeView(Views.extensions, { treeDataProvider: this.provider, canSelectMany: true });
    const refreshLogged = (): Promise<unknown> =>
      source.get().catch((e) => log.error(`extensions refresh failed: ${e instanceof Error ? e.stack : String(e)}`));
    this.disposables.push(
      this.treeView,
      this.provider,
      source.onDidChange((model) => this.render(model)),
      this.treeView.onDidChangeVisibility((e) => e.visible && void refreshLogged()),
      vscode.extensions.onDidChange(() => this.treeView.visible && void refreshLogged()),
    );
    if (this.treeView.visible) void refreshLogged();
  }

  private render(model: ExtensionsModel): void {
    const { report } = model;
    this.treeView.message = report.error
      ? vscode.l10n.t('{0}: no clean-up is offered.', report.error)
      : report.warnings.join(' ') || undefined;
    this.notes.describe(Views.extensions, this.treeView, report.dir);
    this.treeView.badge = extensionsBadge(extensionsCount(model));
    this.provider.set(model);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
