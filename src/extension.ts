// Wiring only: create the probes' services, the views and the commands, and hand every disposable to VS Code.
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditLog } from './core/audit';
import { CleanDeps, cleanUp, cleanUpAll, emptyQuarantine, undoLastCleanUp } from './features/extensions/commands';
import { cleanContextFactory } from './features/extensions/context';
import { purgeOlderThan } from './features/extensions/quarantine';
import { killDetachedOlderThan, killTerminals } from './features/terminals/commands';
import { PlanBook } from './core/safety';
import { AiDeps, stopAi, stopLeakedAndDuplicates } from './features/ai/commands';
import { Commands, Views } from './core/ids';
import { exportDiagnostics } from './features/diagnostics/export';
import { MemoryFeature } from './features/memory';
import { metricsCollector } from './features/metrics/collect';
import { MetricsController } from './features/metrics/controller';
import { ScanCost } from './features/metrics/server';
import { aiModelOfSnapshot } from './features/ai/model';
import { buildPatternTable } from './features/ai/patterns';
import { formatBytes } from './probes/format';
import { Snapshot, readProcess, scanProcesses } from './probes/scanner';
import { measuredScan } from './probes/scanCost';
import { SnapshotService } from './core/snapshotService';
import { onDidChangeSettings, readSettings } from './core/settings';
import { AiView } from './features/ai/tree';
import { ExtensionsView } from './features/extensions/tree';
import { ShellItem, TerminalsView } from './features/terminals/tree';
import { WindowPresence } from './core/presence';

let presence: WindowPresence | undefined;
let memoryFeature: MemoryFeature | undefined;

export function activate(context: vscode.ExtensionContext) {
  const log = vscode.window.createOutputChannel('code-server Ops', { log: true });
  const warnSetting = (message: string): void => log.warn(message);
  let settings = readSettings(warnSetting);
  const storage = context.globalStorageUri.fsPath;
  const extensionsDir = (): string => settings.extensionsDir || path.dirname(context.extensionPath);
  const cost = new ScanCost();
  const service = new SnapshotService(async () => {
    const { snapshot, loopDelayMaxMs } = await measuredScan(() => scanProcesses({ procRoot: settings.procRoot }));
    cost.observe(snapshot.durationMs, loopDelayMaxMs);
    log.debug(`scan: ${snapshot.processes.size} processes in ${snapshot.durationMs} ms, max event-loop delay ${loopDelayMaxMs.toFixed(1)} ms`);
    return snapshot;
  });
  const windows = (presence = new WindowPresence(path.join(storage, 'windows'), settings.procRoot, log));
  const audit = new AuditLog(path.join(storage, 'audit.jsonl'), log);
  let patterns = buildPatternTable(settings.aiExtraPatterns);
  const reportPatternProblems = (): void => patterns.problems.forEach((p) => log.warn(`csops.ai.extraPatterns: ${JSON.stringify(p)}`));
  reportPatternProblems();
  const aiOf = (snapshot: Snapshot) => aiModelOfSnapshot(snapshot, process.pid, patterns.table);

  const terminals = new TerminalsView(service, windows, settings, log);
  const cleanContext = cleanContextFactory(service, windows, context.extensionPath);
  const extensions = new ExtensionsView(extensionsDir, cleanContext, log);
  const ai = new AiView(async (maxAgeMs) => {
    const snapshot = await service.fresh(maxAgeMs);
    return snapshot.unavailable ? undefined : aiOf(snapshot);
  }, settings, log);
  const memory = (memoryFeature = new MemoryFeature({
    context,
    settings: () => settings,
    latestSnapshot: () => service.latest,
    aiSummary: () => (ai.model ? `${ai.model.totals.trees} AI process tree(s), ${formatBytes(ai.model.totals.rssBytes)}` : undefined),
    audit,
    log,
  }));
  const metrics = new MetricsController(
    metricsCollector({
      service,
      settings: () => settings,
      terminalsOf: (s) => terminals.modelOf(s),
      aiOf,
      extensions: () => extensions.model,
      monitor: memory.monitor,
    }),
    cost,
    log,
  );
  void metrics.apply(settings);

  const deps: CleanDeps & AiDeps = {
    log,
    audit,
    plans: new PlanBook(),
    settings: () => settings,
    terminalsModel: () => terminals.refresh(),
    scan: () => service.request(),
    refreshViews: async () => {
      if (terminals.treeView.visible) await terminals.refresh();
      if (extensions.treeView.visible) await extensions.refresh();
      if (ai.treeView.visible) await ai.refresh();
    },
    aiModel: () => ai.refresh(),
    signals: {
      reread: (pid) => readProcess(pid, settings.procRoot),
      signal: (pid, sig) => process.kill(pid, sig),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    selfUid: process.getuid?.() ?? -1,
    extensionsDir,
    cleanContext,
    extensionsModel: async () => {
      const m = extensions.model && extensions.treeView.visible ? extensions.model : await extensions.refresh();
      return { report: m.report, ctx: m.ctx };
    },
  };

  const command = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  context.subscriptions.push(
    log,
    windows,
    terminals,
    extensions,
    ai,
    memory,
    metrics,
    service.onDidScan(() => memory.statusBar.refreshTooltip()),
    onDidChangeSettings((s) => {
      settings = s;
      terminals.setSettings(s);
      ai.setSettings(s);
      patterns = buildPatternTable(s.aiExtraPatterns);
      reportPatternProblems();
      memory.setSettings(s);
      void metrics.apply(s);
    }, warnSetting),
    command(Commands.refreshTerminals, () => terminals.refresh()),
    command(Commands.revealTerminal, (item?: ShellItem) => revealTerminal(item)),
    command(Commands.showSidebar, () => vscode.commands.executeCommand(`${Views.terminals}.focus`)),
    command(Commands.showLog, () => log.show()),
    command(Commands.showAuditLog, () => showAuditLog(audit.file)),
    command(Commands.killTerminals, (item?: unknown, selected?: unknown) => killTerminals(deps, item, selected)),
    command(Commands.killDetachedTerminals, () => killDetachedOlderThan(deps)),
    command(Commands.refreshExtensions, () => extensions.refresh()),
    command(Commands.stopSizing, () => extensions.stopSizing()),
    command(Commands.cleanUp, (item?: unknown, selected?: unknown) => cleanUp(deps, item, selected)),
    command(Commands.cleanUpAll, () => cleanUpAll(deps)),
    command(Commands.undoCleanUp, () => undoLastCleanUp(deps)),
    command(Commands.emptyQuarantine, () => emptyQuarantine(deps)),
    command(Commands.refreshAi, () => ai.refresh()),
    command(Commands.stopAi, (item?: unknown, selected?: unknown) => stopAi(deps, item, selected)),
    command(Commands.stopLeakedAi, () => stopLeakedAndDuplicates(deps)),
    command(Commands.exportDiagnostics, () =>
      exportDiagnostics({
        extensionVersion: String((context.extension.packageJSON as { version?: unknown }).version),
        settings,
        terminals: async () => {
          const snap = await service.request();
          return snap.unavailable ? undefined : terminals.modelOf(snap);
        },
        extensions: async () => extensions.model ?? (await extensions.refresh()),
        monitor: memory.monitor,
        auditFile: audit.file,
      }),
    ),
  );
  purgeOlderThan(extensionsDir(), settings.quarantineDays, Date.now()).then(
    (ids) => ids.length && log.info(`quarantine: purged ${ids.length} clean-up(s) older than ${settings.quarantineDays} days`),
    (e) => log.warn(`quarantine purge failed: ${String(e)}`),
  );
  log.info(`activated in extension host pid ${process.pid}; reading ${settings.procRoot}; extensions folder ${extensionsDir()}`);
  return {
    terminalsModel: () => terminals.model,
    refreshTerminals: () => terminals.refresh(),
    refreshExtensions: () => extensions.refresh(),
    memory: () => memory.monitor,
  };
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
  await Promise.all([presence?.close(), memoryFeature?.monitor.persist(true)]);
}
