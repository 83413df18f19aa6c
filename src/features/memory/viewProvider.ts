// The Memory view's provider (registered at activation): the webview's page, data and message handling (./view.ts)
// are loaded when the sidebar view or the chart panel is first shown.
import * as vscode from 'vscode';
import { Views } from '../../core/ids';
import { ProfileResult } from '../profile/model';
import type { MemoryViewDeps, MemoryWebview } from './view';

export type { MemoryViewDeps } from './view';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const webviewModule = (): typeof import('./view') => require('./view') as typeof import('./view');

export class MemoryViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  private sidebar?: MemoryWebview;
  private panel?: { panel: vscode.WebviewPanel; web: MemoryWebview };
  private readonly disposables: vscode.Disposable[] = [];
  private readonly visibility = new vscode.EventEmitter<boolean>();
  /** Fires with `visible` whenever the sidebar view or the panel is shown, hidden or closed. */
  readonly onDidChangeVisible = this.visibility.event;

  constructor(readonly deps: MemoryViewDeps) {
    this.disposables.push(
      this.visibility,
      vscode.window.registerWebviewViewProvider(Views.memory, this),
      deps.monitor.onSample(() => this.refresh()),
    );
  }

  private visibilityChanged(): void {
    this.visibility.fire(this.visible);
  }

  /** The profile feature's kept results: shown in the view, re-posted when they change. */
  attachProfiles(get: () => readonly ProfileResult[], onDidChange: vscode.Event<void>): void {
    this.deps.profiles = get;
    this.disposables.push(onDidChange(() => this.refresh()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.sidebar = new (webviewModule().MemoryWebview)(view.webview, this.deps, true);
    const web = this.sidebar;
    this.wire(view, view.onDidChangeVisibility, web, () => (this.view = this.sidebar = undefined));
  }

  openPanel(): void {
    if (this.panel) {
      this.panel.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'csops.memoryChart',
      vscode.l10n.t('Memory — code-server Ops'),
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')],
      },
    );
    const web = new (webviewModule().MemoryWebview)(panel.webview, this.deps, false);
    this.panel = { panel, web };
    this.wire(panel, panel.onDidChangeViewState, web, () => (this.panel = undefined));
  }

  /** The page's messages, fresh data when it is shown, and onDidChangeVisible on every change (and now). */
  private wire(
    host: { readonly webview: vscode.Webview; readonly visible: boolean; readonly onDidDispose: vscode.Event<void> },
    changed: vscode.Event<unknown>,
    web: MemoryWebview,
    gone: () => void,
  ): void {
    host.webview.onDidReceiveMessage((m: unknown) => web.onMessage(m), undefined, this.disposables);
    changed(
      () => {
        if (host.visible) web.post();
        this.visibilityChanged();
      },
      undefined,
      this.disposables,
    );
    host.onDidDispose(
      () => {
        gone();
        this.visibilityChanged();
      },
      undefined,
      this.disposables,
    );
    this.visibilityChanged();
  }

  /** Whether the sidebar view or the panel is visible now. */
  get visible(): boolean {
    return !!this.view?.visible || !!this.panel?.panel.visible;
  }

  /** Posts fresh data to whichever views are visible (none: no work). */
  refresh(): void {
    if (this.view?.visible) this.sidebar?.post();
    if (this.panel?.panel.visible) this.panel.web.post();
  }

  dispose(): void {
    this.panel?.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
