// Wiring only: create the probes' services, the views and the commands, and hand every disposable to VS Code.
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditLog } from './actions/auditLog';
import { ActionDeps } from './actions/flow';
import { killDetachedOlderThan, killTerminals } from './actions/killTerminals';
import { PlanBook } from './actions/safety';
import { Commands, Views } from './commands';
import { readProcess, scanProcesses } from './probes/scanner';
import { SelfSampler } from './probes/selfMemory';
import { SnapshotService } from './probes/snapshotService';
import { onDidChangeSettings, readSettings } from './settings';
import { MemoryStatusBar } from './views/memoryStatusBar';
import { ShellItem, TerminalsView } from './views/terminalsTree';
import { WindowPresence } from './windowPresence';

let presence: WindowPresence | undefined;

export function activate(context: vscode.ExtensionContext) {
  const log = vscode.window.createOutputChannel('code-server Ops', { log: true });
  let settings = readSettings();
  const service = new SnapshotService(() => scanProcesses({ procRoot: settings.procRoot }));
  presence = new WindowPresence(path.join(context.globalStorageUri.fsPath, 'windows'), settings.procRoot, log);
  const terminals = new TerminalsView(service, presence, settings, log);
  const statusBar = new MemoryStatusBar(settings, new SelfSampler(settings.procRoot), () => service.latest);
  const audit = new AuditLog(path.join(context.globalStorageUri.fsPath, 'audit.jsonl'), log);
  const deps: ActionDeps = {
    log,
    audit,
    plans: new PlanBook(),
    settings: () => settings,
    terminalsModel: () => terminals.refresh(),
    scan: () => service.request(),
    signals: {
      reread: (pid) => readProcess(pid, settings.procRoot),
      signal: (pid, sig) => process.kill(pid, sig),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    selfUid: process.getuid?.() ?? -1,
  };

  context.subscriptions.push(
    log,
    presence,
    terminals,
    statusBar,
    service.onDidScan(() => statusBar.refreshTooltip()),
    onDidChangeSettings((s) => {
      settings = s;
      terminals.setSettings(s);
      statusBar.setSettings(s);
    }),
    vscode.commands.registerCommand(Commands.refreshTerminals, () => terminals.refresh()),
    vscode.commands.registerCommand(Commands.revealTerminal, (item?: ShellItem) => revealTerminal(item)),
    vscode.commands.registerCommand(Commands.showSidebar, () => vscode.commands.executeCommand(`${Views.terminals}.focus`)),
    vscode.commands.registerCommand(Commands.showLog, () => log.show()),
    vscode.commands.registerCommand(Commands.killTerminals, (item?: unknown, selected?: unknown) => killTerminals(deps, item, selected)),
    vscode.commands.registerCommand(Commands.killDetachedTerminals, () => killDetachedOlderThan(deps)),
    vscode.commands.registerCommand(Commands.showAuditLog, () => showAuditLog(audit.file)),
  );
  log.info(`activated in extension host pid ${process.pid}; reading ${settings.procRoot}`);
  return { terminalsModel: () => terminals.model, refreshTerminals: () => terminals.refresh() };
}

async function revealTerminal(item?: ShellItem): Promise<void> {
  if (!item) return;
  for (const t of vscode.window.terminals) {
    if ((await t.processId) === item.row.shell.pid) {
      t.show();
      return;
    }
  }
  void vscode.window.showInformationMessage(`Shell ${item.row.shell.pid} is not a terminal of this window.`);
}

async function showAuditLog(file: string): Promise<void> {
  try {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  } catch {
    void vscode.window.showInformationMessage('The audit log is empty: no action has been carried out yet.');
  }
}

export async function deactivate(): Promise<void> {
  await presence?.close();
}
