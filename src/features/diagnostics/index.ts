// Diagnostics: "Export Diagnostics…" writes one JSON report of what the views show (optionally redacted).
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { ExtensionsSource } from '../extensions/source';
import { MemoryFeature } from '../memory/feature';
import { TerminalsSource } from '../terminals/source';

export interface DiagnosticsInputs {
  terminals: TerminalsSource;
  extensions: ExtensionsSource;
  memory: MemoryFeature;
}

export function register(core: Core, context: vscode.ExtensionContext, i: DiagnosticsInputs): void {
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.exportDiagnostics, () => {
      // Loaded on first use (dist/chunks/diagnostics.js in the bundle), not at activation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { exportDiagnostics } = require('./export') as typeof import('./export');
      return exportDiagnostics({
        extensionVersion: version,
        settings: core.settings(),
        terminals: async () => {
          const scan = await core.scans.request();
          return scan.snapshot.unavailable ? undefined : i.terminals.modelOf(scan);
        },
        extensions: async () => i.extensions.latest ?? (await i.extensions.get()),
        monitor: i.memory.monitor,
        auditFile: core.audit.file,
      });
    }),
  );
}
