// AI Processes: assistants, their helpers and MCP servers as process trees (active, leaked, duplicate, external; idle
// sessions), stopped safely.
import * as path from 'path';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { AiSource } from './source';
import { AiView } from './tree';

/** The command handlers, loaded on first use (dist/chunks/ai-commands.js in the bundle), not at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commands = (): typeof import('./commands') => require('./commands') as typeof import('./commands');

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
    command(Commands.stopAi, (item?: unknown, selected?: unknown) => commands().stopAi(core, source, item, selected)),
    command(Commands.stopLeakedAi, () => commands().stopLeakedAndDuplicates(core, source)),
    command(Commands.stopIdleAi, () => commands().stopIdle(core, source)),
  );
  return source;
}
