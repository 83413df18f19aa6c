// Disk: everything the server leaves behind (old builds, caches, logs, orphaned storage), sized, classified on
// evidence and reclaimable: user data into an undoable quarantine, caches deleted.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { ExtensionsSource } from '../extensions/source';
import { purgeOlderThan, recoverInterrupted } from '../extensions/quarantine';
import { quarantineParents } from '../../probes/serverDirs';
import { DiskSource } from './source';
import { DiskView } from './tree';

/** The command handlers, loaded on first use (dist/chunks/disk-commands.js in the bundle), not at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commands = (): typeof import('./commands') => require('./commands') as typeof import('./commands');

export function register(core: Core, context: vscode.ExtensionContext, extensions: ExtensionsSource): DiskSource {
  const source = new DiskSource(core, extensions);
  const view = new DiskView(source, core.log);
  const command = vscode.commands.registerCommand;
  context.subscriptions.push(
    source,
    view,
    core.onRefreshViews(() => (view.treeView.visible ? source.get() : Promise.resolve())),
    command(Commands.refreshDisk, () => source.get()),
    command(Commands.stopSizingDisk, () => source.stopSizing()),
    command(Commands.reclaimDisk, (item?: unknown, selected?: unknown) => commands().reclaim(core, source, item, selected)),
    command(Commands.reclaimAllDisk, () => commands().reclaimAll(core, source)),
    command(Commands.undoReclaimDisk, () => commands().undoLastReclaim(core, source)),
  );
  void recoverThenPurge(core, source);
  return source;
}

/** At activation: recover interrupted reclaims in every quarantine folder, then purge the old ones. */
async function recoverThenPurge(core: Core, source: DiskSource): Promise<void> {
  const days = core.settings().quarantineDays;
  for (const dir of quarantineParents(await source.layout().catch(() => ({ userDataDirs: [], serverRoots: [], home: '' })))) {
    try {
      const r = await recoverInterrupted(dir);
      if (r.movedBack.length) core.log.info(`disk quarantine: moved back ${r.movedBack.join(', ')} in ${dir}`);
      for (const p of r.problems) core.log.warn(`disk quarantine: ${p}`);
      const ids = await purgeOlderThan(dir, days, Date.now());
      if (ids.length) core.log.info(`disk quarantine: purged ${ids.length} reclaim(s) older than ${days} days in ${dir}`);
    } catch (e) {
      core.log.warn(`disk quarantine in ${dir}: ${String(e)}`);
    }
  }
}
