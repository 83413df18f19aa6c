// Policies (opt-in, off by default): housekeeping that runs itself — detached shells, leaked and duplicate AI trees,
// old extension folders — in notify or act mode, one runner per server, through the manual actions' commit.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { PolicySources, policyDefs } from './definitions';
import { historyPath } from './history';
import { NOTE_VIEWS, PolicyRunner } from './runner';

export function register(core: Core, context: vscode.ExtensionContext, sources: PolicySources): void {
  const runner = new PolicyRunner(core, policyDefs(core, sources), historyPath(context.globalStorageUri.fsPath));
  const noteViews = new Set<string>(NOTE_VIEWS);
  context.subscriptions.push(
    runner,
    // runs recorded by another window, shown when someone may look (no timer: the runner sets none with no policy on)
    runner.watchNotes([
      (listener) => core.viewNotes.onDidShow((viewId) => (noteViews.has(viewId) ? listener() : undefined)),
      (listener) => vscode.window.onDidChangeWindowState((s) => (s.focused ? listener() : undefined)),
    ]),
    core.onDidChangeSettings(() => runner.restart()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => runner.restart()),
  );
}
