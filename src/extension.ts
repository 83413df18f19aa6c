// Wiring only: create the probes' services, the views and the commands, and hand every disposable to VS Code.
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditLog } from './actions/auditLog';
import { CleanDeps, cleanUp, cleanUpAll, emptyQuarantine, undoLastCleanUp } from './actions/cleanExtensions';
import { AiDeps, stopAi, stopLeakedAndDuplicates } from './actions/stopAi';
import { buildAiModel } from './probes/ai/model';
import { buildPatternTable } from './probes/ai/patterns';
import { readListeningPorts } from './probes/ai/ports';
import { procFdReader } from './probes/ai/sessions';
import { classifyTopology } from './probes/topology';
import { AiView } from './views/aiTree';
import { CleanContext } from './actions/cleanExtensions/plan';
import { purgeOlderThan } from './actions/cleanExtensions/quarantine';
import { killDetachedOlderThan, killTerminals } from './actions/killTerminals';
import { restartExtensionHost } from './actions/restartExtensionHost';
import { PlanBook } from './actions/safety';
import { Commands, Views } from './commands';
import { Snapshot, readCwd, readProcess, scanProcesses } from './probes/scanner';
import { SelfSampler } from './probes/selfMemory';
import { SnapshotService } from './probes/snapshotService';
import { exportDiagnostics } from './diagnostics/export';
import { MemoryMonitor } from './memory/monitor';
import { MetricsController } from './metrics/controller';
import { ScanCost } from './metrics/metrics';
import { isReclaimable } from './probes/extensionsDir';
import { measuredScan } from './probes/scanCost';
import { readKernelOomEvents } from './probes/kernelLog';
import { formatBytes } from './probes/format';
import { onDidChangeSettings, readSettings } from './settings';
import { ExtensionsView, realpathOf } from './views/extensionsTree';
import { MemoryStatusBar } from './views/memoryStatusBar';
import { MemoryViewProvider } from './views/memoryView';
import { ShellItem, TerminalsView } from './views/terminalsTree';
import { WindowPresence } from './windowPresence';

let presence: WindowPresence | undefined;
let monitor: MemoryMonitor | undefined;

export function activate(context: vscode.ExtensionContext) {
  const log = vscode.window.createOutputChannel('code-server Ops', { log: true });
  let settings = readSettings();
  const extensionsDir = (): string => settings.extensionsDir || path.dirname(context.extensionPath);
  const cost = new ScanCost();
  const service = new SnapshotService(async () => {
    const { snapshot, loopDelayMaxMs } = await measuredScan(() => scanProcesses({ procRoot: settings.procRoot }));
    cost.observe(snapshot.durationMs, loopDelayMaxMs);
    log.debug(`scan: ${snapshot.processes.size} processes in ${snapshot.durationMs} ms, max event-loop delay ${loopDelayMaxMs.toFixed(1)} ms`);
    return snapshot;
  });
  presence = new WindowPresence(path.join(context.globalStorageUri.fsPath, 'windows'), settings.procRoot, log);
  const windows = presence;
  const terminals = new TerminalsView(service, windows, settings, log);
  let aiView: AiView | undefined; // created below; the status bar reads it lazily
  const self = readProcess(process.pid, settings.procRoot);
  const memory = new MemoryMonitor({
    procRoot: settings.procRoot,
    storageDir: context.globalStorageUri.fsPath,
    windowKey: vscode.workspace.workspaceFile?.toString() ?? vscode.workspace.workspaceFolders?.[0]?.uri.toString() ?? 'empty-window',
    self: { pid: process.pid, starttime: self?.starttime ?? 0, startedAtMs: self?.startedAtMs ?? Date.now() - process.uptime() * 1000 },
    historyMinutes: settings.memoryHistoryMinutes,
    latestSnapshot: () => service.latest,
    log: (m) => log.info(m),
  });
  monitor = memory;
  const statusBar = new MemoryStatusBar(settings, new SelfSampler(settings.procRoot), () => service.latest, () => ({
    slopeMbPerMin: memory.trend().slopeMbPerMin,
    recentOom: memory.recentOom(3_600_000)?.text,
    ai: aiView?.model ? `${aiView.model.totals.trees} AI process tree(s), ${formatBytes(aiView.model.totals.rssBytes)}` : undefined,
  }));
  const memoryView = new MemoryViewProvider({
    extensionUri: context.extensionUri,
    monitor: memory,
    settings: () => settings,
    log,
    checkKernelLog: async () => {
      memory.kernel = await readKernelOomEvents({ since: Date.now() - 24 * 3_600_000, timeoutMs: 3000, maxBytes: 4 * 1024 * 1024, procRoot: settings.procRoot });
      for (const s of memory.kernel.sources) log.info(`kernel log: ${s.name} ${s.available ? `read, ${s.events} OOM event(s)` : `not available: ${s.reason}`}`);
    },
  });
  let sampleTimer: NodeJS.Timeout | undefined;
  const startSampling = (): void => {
    if (sampleTimer) clearInterval(sampleTimer);
    sampleTimer = setInterval(() => memory.sample(), settings.memorySampleSeconds * 1000);
  };
  void memory.start().then(
    () => {
      memory.sample();
      startSampling();
    },
    (e) => log.error(`memory monitor failed to start: ${String(e)}`),
  );
  const audit = new AuditLog(path.join(context.globalStorageUri.fsPath, 'audit.jsonl'), log);

  /** What the clean-up must never touch: extensions loaded in this window and in every live window. */
  const cleanContext = async (): Promise<CleanContext> => {
    const snapshot = await service.request();
    const others = snapshot.unavailable ? [] : await windows.liveWindows(snapshot);
    const paths = [...vscode.extensions.all.map((e) => e.extensionPath), ...others.flatMap((w) => w.extensionPaths ?? [])];
    return {
      nowMs: Date.now(),
      loadedPaths: new Set(paths.flatMap((p) => [p, realpathOf(p) ?? p])),
      selfPath: context.extensionPath,
      realpathOf,
      sizeOf: () => undefined,
    };
  };
  const extensions = new ExtensionsView(extensionsDir, cleanContext, log);
  let patterns = buildPatternTable(settings.aiExtraPatterns);
  const reportPatternProblems = (): void => {
    for (const p of patterns.problems) log.warn(`csops.ai.extraPatterns: ${JSON.stringify(p)}`);
  };
  reportPatternProblems();
  const aiModelOf = (snapshot: Snapshot) =>
    buildAiModel({
      snapshot,
      topology: classifyTopology(snapshot, process.pid),
      nowMs: Date.now(),
      readCwd: (pid) => readCwd(pid, snapshot.procRoot),
      readFds: procFdReader(snapshot.procRoot),
      readPorts: (pids) => readListeningPorts(pids, { procRoot: snapshot.procRoot }),
      patterns: patterns.table,
    });
  const ai = (aiView = new AiView(async () => {
    const snapshot = await service.request();
    return snapshot.unavailable ? undefined : aiModelOf(snapshot);
  }, settings, log));
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

  const metricsSampler = new SelfSampler(settings.procRoot);
  const metrics = new MetricsController(
    async () => {
      const fresh = service.latest && Date.now() - service.latest.takenAtMs < settings.metricsMinScanSeconds * 1000;
      const snapshot = fresh ? service.latest : await service.request();
      const model = snapshot.unavailable ? undefined : await terminals.modelOf(snapshot);
      const sample = memory.history.latest() ?? memory.sample();
      const heap = process.memoryUsage();
      const ext = extensions.model;
      const reclaimable: Record<string, number> = {};
      if (ext && !ext.report.error) {
        for (const f of ext.report.folders) {
          if (isReclaimable(ext.report, f)) reclaimable[f.cls] = (reclaimable[f.cls] ?? 0) + (ext.sizes.get(f.path) ?? 0);
        }
      }
      return {
        extHostRssBytes: metricsSampler.sample().rssBytes, // fresh: history samples may be 15 s old
        heapUsedBytes: heap.heapUsed,
        heapLimitBytes: sample.heapLimit ?? 0,
        extHosts: (model?.topology.extensionHosts ?? []).map((h) => ({ pid: h.pid, rssBytes: h.rssBytes, self: h.pid === process.pid })),
        detachedTerminals: model?.detachedCount,
        shells: model?.shellCount,
        reclaimableBytesByClass: ext && !ext.report.error ? reclaimable : undefined,
        aiProcessesByExtension: snapshot.unavailable ? undefined : aiByOwner(aiModelOf(snapshot)),
        oomEvents: memory.oomMarkers.length,
        cgroupCurrentBytes: sample.cgroupCurrent,
        cgroupLimitBytes: sample.cgroupLimit,
      };
    },
    cost,
    log,
  );
  void metrics.apply(settings);
  const command = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  context.subscriptions.push(
    log,
    windows,
    terminals,
    extensions,
    ai,
    statusBar,
    memoryView,
    metrics,
    { dispose: () => sampleTimer && clearInterval(sampleTimer) },
    service.onDidScan(() => statusBar.refreshTooltip()),
    onDidChangeSettings((s) => {
      settings = s;
      terminals.setSettings(s);
      ai.setSettings(s);
      patterns = buildPatternTable(s.aiExtraPatterns);
      reportPatternProblems();
      statusBar.setSettings(s);
      startSampling();
      void metrics.apply(s);
    }),
    command(Commands.refreshTerminals, () => terminals.refresh()),
    command(Commands.revealTerminal, (item?: ShellItem) => revealTerminal(item)),
    command(Commands.showSidebar, () => vscode.commands.executeCommand(`${Views.terminals}.focus`)),
    command(Commands.showLog, () => log.show()),
    command(Commands.killTerminals, (item?: unknown, selected?: unknown) => killTerminals(deps, item, selected)),
    command(Commands.killDetachedTerminals, () => killDetachedOlderThan(deps)),
    command(Commands.showAuditLog, () => showAuditLog(audit.file)),
    command(Commands.refreshExtensions, () => extensions.refresh()),
    command(Commands.stopSizing, () => extensions.stopSizing()),
    command(Commands.cleanUp, (item?: unknown, selected?: unknown) => cleanUp(deps, item, selected)),
    command(Commands.cleanUpAll, () => cleanUpAll(deps)),
    command(Commands.undoCleanUp, () => undoLastCleanUp(deps)),
    command(Commands.emptyQuarantine, () => emptyQuarantine(deps)),
    command(Commands.openMemoryChart, () => memoryView.openPanel()),
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
        monitor: memory,
        auditFile: audit.file,
      }),
    ),
    command(Commands.restartExtensionHost, () => restartExtensionHost(memory, audit)),
    command(Commands.checkKernelLog, async () => {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Reading the kernel log' }, () =>
        memoryView.deps.checkKernelLog(),
      );
      memoryView.refresh();
    }),
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
    memory: () => memory,
  };
}

/** AI processes per owner for the metrics: the extension that runs them, else the tool. */
function aiByOwner(model: ReturnType<typeof buildAiModel>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of model.rows) {
    const key = r.tree.owner.kind === 'extension' ? r.tree.owner.extensionId : r.tree.tool;
    out[key] = (out[key] ?? 0) + r.tree.memberPids.length;
  }
  return out;
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
  await Promise.all([presence?.close(), monitor?.persist(true)]);
}
