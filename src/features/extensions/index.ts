// Extensions: what the extensions folder holds, what can be reclaimed, and clean-up into an undoable quarantine.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { cleanUp, cleanUpAll, emptyQuarantine, undoLastCleanUp } from './commands';
import { purgeOlderThan, recoverInterrupted } from './quarantine';
import { ExtensionsSource } from './source';
import { ExtensionsView } from './tree';

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
    command(Commands.cleanUp, (item?: unknown, selected?: unknown) => cleanUp(core, source, item, selected)),
    command(Commands.cleanUpAll, () => cleanUpAll(core, source)),
    command(Commands.undoCleanUp, () => undoLastCleanUp(core)),
    command(Commands.emptyQuarantine, () => emptyQuarantine(core)),
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
