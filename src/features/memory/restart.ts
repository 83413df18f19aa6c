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
      ? 'This editor has no "Restart Extension Host" command (code-server), so the window reloads: ' +
        'the extension host exits cleanly and a new one starts.'
      : 'The extension host exits cleanly and a new one starts; the window stays open.';
  const { slopeMbPerMin } = monitor.trend();
  const button = 'Restart Extension Host';
  const choice = await vscode.window.showWarningMessage(
    'Restart the extension host of this window?',
    {
      modal: true,
      detail: [
        `Extension host pid ${process.pid}, up ${formatDuration(process.uptime() * 1000)}`,
        `Memory: ${formatBytes(sample.extHostRss)} RSS, ` +
          `JavaScript heap ${formatBytes(sample.heapUsed ?? 0)} of ${formatBytes(sample.heapLimit ?? 0)}` +
          (slopeMbPerMin !== undefined ? `, trend ${slopeMbPerMin.toFixed(2)} MB/min` : ''),
        `${active} extension${active === 1 ? '' : 's'} (and every other extension of this window) will restart.`,
        'Terminals keep running: they belong to the pty host and are re-attached.',
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
