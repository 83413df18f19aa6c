// Extensions: what the extensions folder holds, what can be reclaimed, and clean-up into an undoable quarantine.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { cleanUp, cleanUpAll, emptyQuarantine, undoLastCleanUp } from './commands';
import { purgeOlderThan } from './quarantine';
import { ExtensionsSource } from './source';
import { ExtensionsView } from './tree';

export function register(core: Core, context: vscode.ExtensionContext): ExtensionsSource {
  const source = new ExtensionsSource(core);
  const view = new ExtensionsView(source, core.log);
  const command = vscode.commands.registerCommand;
  context.subscriptions.push(
    source,
    view,
    core.onRefreshViews(() => (view.treeView.visible ? source.get() : Promise.resolve())),
    command(Commands.refreshExtensions, () => source.get()),
    command(Commands.stopSizing, () => source.stopSizing()),
    command(Commands.cleanUp, (item?: unknown, selected?: unknown) => cleanUp(core, source, item, selected)),
    command(Commands.cleanUpAll, () => cleanUpAll(core, source)),
    command(Commands.undoCleanUp, () => undoLastCleanUp(core)),
    command(Commands.emptyQuarantine, () => emptyQuarantine(core)),
  );
  const { quarantineDays } = core.settings();
  purgeOlderThan(core.extensionsDir(), quarantineDays, Date.now()).then(
    (ids) => ids.length && core.log.info(`quarantine: purged ${ids.length} clean-up(s) older than ${quarantineDays} days`),
    (e) => core.log.warn(`quarantine purge failed: ${String(e)}`),
  );
  return source;
}
