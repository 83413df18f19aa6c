// Extensions: what the extensions folder holds, what can be reclaimed, and clean-up into an undoable quarantine.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { purgeOlderThan, recoverInterrupted } from './quarantine';
import { ExtensionsSource } from './source';
import { ExtensionsView } from './tree';

/** The command handlers, loaded on first use (dist/chunks/extensions-commands.js in the bundle), not at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commands = (): typeof import('./commands') => require('./commands') as typeof import('./commands');

export function register(core: Core, context: vscode.ExtensionContext): ExtensionsSource {
  const source = new ExtensionsSource(core);
  const view = new ExtensionsView(source, core.log, core.viewNotes);
  const command = vscode.commands.registerCommand;
  context.subscriptions.push(
    source,
    view,
    core.onRefreshViews(() => (view.treeView.visible ? source.get() : Promise.resolve())),
    command(Commands.refreshExtensions, () => source.get()),
    command(Commands.stopSizing, () => source.stopSizing()),
    command(Commands.cleanUp, (item?: unknown, selected?: unknown) => commands().cleanUp(core, source, item, selected)),
    command(Commands.cleanUpAll, () => commands().cleanUpAll(core, source)),
    command(Commands.undoCleanUp, () => commands().undoLastCleanUp(core)),
    command(Commands.emptyQuarantine, () => commands().emptyQuarantine(core)),
  );
  void recoverThenPurge(core);
  return source;
}

/** At activation: recover clean-ups that were interrupted (moved back, or recorded for Undo), then purge old ones. */
async function recoverThenPurge(core: Core): Promise<void> {
  const { log } = core;
  const dir = core.extensionsDir();
  try {
    const r = await recoverInterrupted(dir);
    if (r.movedBack.length) log.info(`quarantine: moved back ${r.movedBack.join(', ')} (an interrupted or failed clean-up)`);
    if (r.recorded.length)
      log.warn(`quarantine: ${r.recorded.join(', ')} left by an interrupted clean-up; Undo Last Clean-Up restores them`);
    for (const p of r.problems) log.warn(`quarantine: ${p}`);
  } catch (e) {
    log.warn(`quarantine recovery failed: ${String(e)}`);
  }
  const days = core.settings().quarantineDays;
  try {
    const ids = await purgeOlderThan(dir, days, Date.now());
    if (ids.length) log.info(`quarantine: purged ${ids.length} clean-up(s) older than ${days} days`);
  } catch (e) {
    log.warn(`quarantine purge failed: ${String(e)}`);
  }
}
