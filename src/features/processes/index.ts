// Processes: the whole code-server tree labelled (which window, which extension), CPU/memory/ports, Stop… on any
// tree that is not protected.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { AiSource } from '../ai/source';
import { ProcessesSource } from './source';
import { ProcessesView } from './tree';

/** The command handlers, loaded on first use (dist/chunks/processes-commands.js in the bundle), not at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commands = (): typeof import('./commands') => require('./commands') as typeof import('./commands');

export function register(core: Core, context: vscode.ExtensionContext, ai: AiSource): ProcessesSource {
  const source = new ProcessesSource(core, ai);
  const view = new ProcessesView(source, () => core.settings().terminalsRefreshSeconds, core.log);
  const command = vscode.commands.registerCommand;
  context.subscriptions.push(
    source,
    view,
    core.onDidChangeSettings(() => view.restart()),
    core.onRefreshViews(() => (view.treeView.visible ? source.state() : Promise.resolve())),
    command(Commands.refreshProcesses, () => source.state()),
    command(Commands.sortProcessesByCpu, () => view.setSort('cpu')),
    command(Commands.sortProcessesByMemory, () => view.setSort('memory')),
    command(Commands.filterProcesses, () => commands().filterProcesses(view)),
    command(Commands.clearProcessesFilter, () => view.setFilter('')),
    command(Commands.stopProcesses, (item?: unknown, selected?: unknown) => commands().stopProcesses(core, source, item, selected)),
  );
  return source;
}
