// Restart the extension host: modal preview (memory, heap, extensions that restart, terminals kept) → record the
// request in the lifecycle history → restartExtensionHost where the editor has it, else reload the window.
// Never signals our own process.
import * as vscode from 'vscode';
import { MemoryMonitor } from './monitor';
import { formatBytes, formatDuration } from '../../probes/format';
import { AuditLog } from '../../core/audit';

export async function restartExtensionHost(monitor: MemoryMonitor, audit: AuditLog): Promise<void> {
  const sample = monitor.history.latest() ?? monitor.sample();
  const active = vscode.extensions.all.filter(
    (e) => e.isActive && !(e.packageJSON as { isBuiltin?: boolean } | undefined)?.isBuiltin,
  ).length;
  const all = await vscode.commands.getCommands(true);
  const command = all.includes('workbench.action.restartExtensionHost')
    ? 'workbench.action.restartExtensionHost'
    : 'workbench.action.reloadWindow';
  const how =
    command === 'workbench.action.reloadWindow'
      ? vscode.l10n.t(
          'This editor has no "Restart Extension Host" command (code-server), so the window reloads: ' +
            'the extension host exits cleanly and a new one starts.',
        )
      : vscode.l10n.t('The extension host exits cleanly and a new one starts; the window stays open.');
  const { slopeMbPerMin } = monitor.trend();
  const button = vscode.l10n.t('Restart Extension Host');
  const memory = vscode.l10n.t(
    'Memory: {0} RSS, JavaScript heap {1} of {2}',
    formatBytes(sample.extHostRss),
    formatBytes(sample.heapUsed ?? 0),
    formatBytes(sample.heapLimit ?? 0),
  );
  const trend = slopeMbPerMin !== undefined ? vscode.l10n.t(', trend {0} MB/min', slopeMbPerMin.toFixed(2)) : '';
  const restarting =
    active === 1
      ? vscode.l10n.t('{0} extension (and every other extension of this window) will restart.', active)
      : vscode.l10n.t('{0} extensions (and every other extension of this window) will restart.', active);
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Restart the extension host of this window?'),
    {
      modal: true,
      detail: [
        vscode.l10n.t('Extension host pid {0}, up {1}', process.pid, formatDuration(process.uptime() * 1000)),
        memory + trend,
        restarting,
        vscode.l10n.t('Terminals keep running: they belong to the pty host and are re-attached.'),
        how,
      ].join('\n'),
    },
    button,
  );
  if (choice !== button) return;
  await monitor.markRestartRequested();
  await audit.record({
    action: 'restart-extension-host',
    planId: `restart-${Date.now()}`,
    outcome: 'done',
    message: `restart requested via ${command}`,
    targets: [{ name: 'extension host', pid: process.pid, rssBytes: sample.extHostRss, result: `requested (${command})` }],
    notTargeted: [],
  });
  await monitor.persist(false);
  await vscode.commands.executeCommand(command);
}
