// Terminals: the shells under the pty host, which window each belongs to, and killing them safely.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands, Views } from '../../core/ids';
import { TerminalsSource } from './source';
import { TerminalsView } from './tree';

/** The command handlers, loaded on first use (dist/chunks/terminals-commands.js in the bundle), not at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commands = (): typeof import('./commands') => require('./commands') as typeof import('./commands');

export function register(core: Core, context: vscode.ExtensionContext): TerminalsSource {
  const source = new TerminalsSource(core);
  const view = new TerminalsView(source, () => core.settings().terminalsRefreshSeconds, core.log, core.viewNotes);
  const command = vscode.commands.registerCommand;
  context.subscriptions.push(
    source,
    view,
    core.onDidChangeSettings(() => view.restart()),
    core.onRefreshViews(() => (view.treeView.visible ? source.state() : Promise.resolve())),
    command(Commands.refreshTerminals, () => source.state()),
    command(Commands.revealTerminal, (item?: unknown) => commands().revealTerminal(item)),
    command(Commands.showSidebar, () => vscode.commands.executeCommand(`${Views.terminals}.focus`)),
    command(Commands.killTerminals, (item?: unknown, selected?: unknown) => commands().killTerminals(core, source, item, selected)),
    command(Commands.killDetachedTerminals, () => commands().killDetachedOlderThan(core, source)),
  );
  return source;
}
