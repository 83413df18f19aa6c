// AI Processes: assistants, their helpers and MCP servers as process trees (active, leaked, duplicate, external; idle
// sessions), stopped safely.
import * as path from 'path';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { stopAi, stopIdle, stopLeakedAndDuplicates } from './commands';
import { AiSource } from './source';
import { AiView } from './tree';

export function register(core: Core, context: vscode.ExtensionContext): AiSource {
  // globalStorageUri is <user-data>/User/globalStorage/<this extension>: its grandparent is the User folder.
  const source = new AiSource(core, path.dirname(path.dirname(context.globalStorageUri.fsPath)));
  const view = new AiView(source, () => core.settings().terminalsRefreshSeconds, core.log, core.viewNotes);
  const command = vscode.commands.registerCommand;
  context.subscriptions.push(
    source,
    view,
    core.onDidChangeSettings(() => {
      source.reloadPatterns();
      view.restart();
    }),
    core.onRefreshViews(() => (view.treeView.visible ? source.state() : Promise.resolve())),
    command(Commands.refreshAi, () => source.state()),
    command(Commands.stopAi, (item?: unknown, selected?: unknown) => stopAi(core, source, item, selected)),
    command(Commands.stopLeakedAi, () => stopLeakedAndDuplicates(core, source)),
    command(Commands.stopIdleAi, () => stopIdle(core, source)),
  );
  return source;
}
