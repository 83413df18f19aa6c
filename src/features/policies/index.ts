// Policies (opt-in, off by default): housekeeping that runs itself — detached shells, leaked and duplicate AI trees,
// old extension folders — in notify or act mode, one runner per server, through the manual actions' commit.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { PolicySources, policyDefs } from './definitions';
import { historyPath } from './history';
import { PolicyRunner } from './runner';

export function register(core: Core, context: vscode.ExtensionContext, sources: PolicySources): void {
  const runner = new PolicyRunner(core, policyDefs(core, sources), historyPath(context.globalStorageUri.fsPath));
  context.subscriptions.push(
    runner,
    core.onDidChangeSettings(() => runner.restart()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => runner.restart()),
  );
}
