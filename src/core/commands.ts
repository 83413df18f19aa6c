// The commands of the core itself: the output channel and the audit log.
import * as vscode from 'vscode';
import { Core } from '.';
import { Commands } from './ids';

export function registerCoreCommands(core: Core, context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    core,
    vscode.commands.registerCommand(Commands.showLog, () => core.log.show()),
    vscode.commands.registerCommand(Commands.showAuditLog, () => showAuditLog(core.audit.file)),
  );
}

async function showAuditLog(file: string): Promise<void> {
  try {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  } catch {
    void vscode.window.showInformationMessage(vscode.l10n.t('The audit log is empty: no action has been carried out yet.'));
  }
}
