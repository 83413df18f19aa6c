// Diagnostics: "Export Diagnostics…" writes one JSON report of what the views show (optionally redacted).
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { ExtensionsSource } from '../extensions/source';
import { MemoryFeature } from '../memory/feature';
import { TerminalsSource } from '../terminals/source';
import { exportDiagnostics } from './export';

export interface DiagnosticsInputs {
  terminals: TerminalsSource;
  extensions: ExtensionsSource;
  memory: MemoryFeature;
}

export function register(core: Core, context: vscode.ExtensionContext, i: DiagnosticsInputs): void {
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.exportDiagnostics, () =>
      exportDiagnostics({
        extensionVersion: version,
        settings: core.settings(),
        terminals: async () => {
          const scan = await core.scans.request();
          return scan.snapshot.unavailable ? undefined : i.terminals.modelOf(scan);
        },
        extensions: async () => i.extensions.latest ?? (await i.extensions.get()),
        monitor: i.memory.monitor,
        auditFile: core.audit.file,
      }),
    ),
  );
}
