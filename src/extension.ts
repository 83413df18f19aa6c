// Wiring only: build the core, let every feature register itself, hand the test API back to VS Code.
import * as vscode from 'vscode';
import { Core, createCore } from './core';
import { registerCoreCommands } from './core/commands';
import * as ai from './features/ai';
import * as diagnostics from './features/diagnostics';
import * as disk from './features/disk';
import * as extensions from './features/extensions';
import * as memory from './features/memory';
import * as metrics from './features/metrics';
import * as processes from './features/processes';
import * as policies from './features/policies';
import * as profile from './features/profile';
import * as terminals from './features/terminals';
let core: Core | undefined, memoryFeature: ReturnType<typeof memory.register> | undefined;

export function activate(context: vscode.ExtensionContext) {
  core = createCore(context);
  registerCoreCommands(core, context);
  const shells = terminals.register(core, context);
  const folders = extensions.register(core, context);
  const storage = disk.register(core, context, folders);
  const assistants = ai.register(core, context);
  processes.register(core, context, assistants);
  memoryFeature = memory.register(core, context, assistants, { terminals: shells, extensions: folders });
  profile.register(core, context, memoryFeature);
  metrics.register(core, context, { ai: assistants, extensions: folders, memory: memoryFeature, disk: storage });
  diagnostics.register(core, context, { terminals: shells, extensions: folders, memory: memoryFeature });
  policies.register(core, context, { terminals: shells, ai: assistants, extensions: folders });
  return {
    terminalsModel: () => (shells.latest?.ok ? shells.latest.model : undefined),
    refreshTerminals: () => shells.get(),
    refreshExtensions: () => folders.get(),
    memory: () => memoryFeature?.monitor,
  };
}

export async function deactivate(): Promise<void> {
  await Promise.all([core?.presence.close(), memoryFeature?.monitor.persist(true)]);
}
