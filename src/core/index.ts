// The core every feature registers against: log, typed settings (with a change event), the scan service, window
// presence, the audit log, the plan book and the signal primitives. Built once per extension host by createCore.
import * as path from 'path';
import * as vscode from 'vscode';
import { readProcess } from '../probes/scanner';
import { ScanCost } from '../features/metrics/scanCost';
import { timeActivation } from './activation';
import { AuditLog } from './audit';
import { ActionDeps } from './flow';
import { WindowPresence } from './presence';
import { PlanBook, SignalDeps } from './safety';
import { ScanService } from './scan';
import { SignalBook } from './signalled';
import { scrubbedLog } from './scrubbedLog';
import { ViewNotes } from './ui/viewNotes';
import { Settings, onDidChangeSettings, readSettings } from './settings';
import { Ticker } from './ticker';
import { WindowAttention, WindowStateAttention } from './attention';

export interface Core extends ActionDeps, vscode.Disposable {
  context: vscode.ExtensionContext;
  scans: ScanService;
  presence: WindowPresence;
  cost: ScanCost;
  /** Every signal sent through `signals` (pid, signal, time): crash classification tells our stops from crashes. */
  signalled: SignalBook;
  onDidChangeSettings: vscode.Event<Settings>;
  /** The extensions folder to inspect: csops.extensions.dir, else the folder this extension is installed in. */
  extensionsDir(): string;
  /** A feature's "re-render if visible" hook, run after every action (before its result message). */
  onRefreshViews(refresh: () => Promise<unknown>): vscode.Disposable;
  /** Notes in the views' titles (the policies' last runs). */
  viewNotes: ViewNotes;
  /** The one timer of every periodic job (window heartbeat, status bar, memory sampler, kernel-log fallback). */
  ticker: Ticker;
  /** Whether someone looks at this window (focused and active): what polls slows down while nobody does. */
  attention: WindowAttention;
}

export function createCore(context: vscode.ExtensionContext): Core {
  timeActivation(path.join(context.extensionPath, 'dist', 'extension.js'), (line) => log.info(line));
  const log = scrubbedLog(vscode.window.createOutputChannel('code-server Ops', { log: true }));
  const warnSetting = (message: string): void => log.warn(message);
  let settings = readSettings(warnSetting);
  const storage = context.globalStorageUri.fsPath;
  const cost = new ScanCost();
  const scans = new ScanService(
    () => settings.procRoot,
    (snapshot, loopDelayMaxMs) => {
      cost.observe(snapshot.durationMs, loopDelayMaxMs);
      log.debug(
        `scan: ${snapshot.processes.size} processes in ${snapshot.durationMs} ms, max event-loop delay ${loopDelayMaxMs.toFixed(1)} ms`,
      );
    },
  );
  const changed = new vscode.EventEmitter<Settings>();
  const refreshers = new Set<() => Promise<unknown>>();
  const ticker = new Ticker(0.25, (e) => log.error(`periodic job failed: ${e instanceof Error ? e.stack : String(e)}`));
  const attention = new WindowStateAttention(vscode.window);
  const presence = new WindowPresence(path.join(storage, 'windows'), settings.procRoot, log, ticker, attention);
  const signalled = new SignalBook();
  const signals: SignalDeps = {
    reread: (pid) => readProcess(pid, settings.procRoot),
    signal: (pid, sig) => {
      process.kill(pid, sig);
      signalled.note(pid, sig, Date.now());
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const settingsSub = onDidChangeSettings((s) => {
    settings = s;
    changed.fire(s);
  }, warnSetting);
  const extensionsDir = (): string => settings.extensionsDir || path.dirname(context.extensionPath);
  log.info(`activated in extension host pid ${process.pid}; reading ${settings.procRoot}; extensions folder ${extensionsDir()}`);
  return {
    context,
    log,
    audit: new AuditLog(path.join(storage, 'audit.jsonl'), log),
    plans: new PlanBook(),
    settings: () => settings,
    onDidChangeSettings: changed.event,
    scans,
    presence,
    cost,
    signalled,
    signals,
    selfUid: process.getuid?.() ?? -1,
    extensionsDir,
    viewNotes: new ViewNotes(),
    ticker,
    attention,
    onRefreshViews: (refresh) => {
      refreshers.add(refresh);
      return new vscode.Disposable(() => refreshers.delete(refresh));
    },
    refreshViews: async () => {
      await Promise.all([...refreshers].map((r) => r().catch((e) => log.warn(`refresh after an action failed: ${String(e)}`))));
    },
    dispose: () => {
      settingsSub.dispose();
      changed.dispose();
      presence.dispose();
      attention.dispose();
      ticker.dispose();
      scans.dispose();
      log.dispose();
    },
  };
}
