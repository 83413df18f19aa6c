// Every setting of the extension, read through one typed module with the defaults in one place.
import * as vscode from 'vscode';

export const SECTION = 'csops';

export interface Settings {
  procRoot: string;
  terminalsRefreshSeconds: number;
  statusBarSampleSeconds: number;
  warningMb: number;
  criticalMb: number;
  detachedGraceHours: number;
  killGraceSeconds: number;
  /** Empty: the folder this extension is installed in. */
  extensionsDir: string;
  quarantineDays: number;
  memorySampleSeconds: number;
  memoryHistoryMinutes: number;
  metricsEnabled: boolean;
  metricsPort: number;
  metricsMinScanSeconds: number;
  /** Bearer token required by the metrics server; empty: none (only loopback Host headers are answered). A secret. */
  metricsToken: string;
  aiStopGraceSeconds: number;
  /** Raw value of csops.ai.extraPatterns (validated by the pattern table, which reports problems). */
  aiExtraPatterns: unknown;
}

export const DEFAULTS: Settings = {
  procRoot: '/proc',
  terminalsRefreshSeconds: 5,
  statusBarSampleSeconds: 5,
  warningMb: 1024,
  criticalMb: 2048,
  detachedGraceHours: 3,
  killGraceSeconds: 3,
  extensionsDir: '',
  quarantineDays: 7,
  memorySampleSeconds: 15,
  memoryHistoryMinutes: 60,
  metricsEnabled: false,
  metricsPort: 9464,
  metricsMinScanSeconds: 10,
  metricsToken: '',
  aiStopGraceSeconds: 5,
  aiExtraPatterns: [],
};

function num(c: vscode.WorkspaceConfiguration, key: string, dflt: number, min: number): number {
  const v = c.get<unknown>(key);
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const procRoot = c.get<unknown>('procRoot');
  return {
    procRoot: typeof procRoot === 'string' && procRoot.startsWith('/') ? procRoot.replace(/\/+$/, '') || '/proc' : DEFAULTS.procRoot,
    terminalsRefreshSeconds: num(c, 'terminals.refreshSeconds', DEFAULTS.terminalsRefreshSeconds, 0),
    statusBarSampleSeconds: num(c, 'statusBar.sampleSeconds', DEFAULTS.statusBarSampleSeconds, 1),
    warningMb: num(c, 'memory.warningMb', DEFAULTS.warningMb, 1),
    criticalMb: num(c, 'memory.criticalMb', DEFAULTS.criticalMb, 1),
    detachedGraceHours: num(c, 'terminals.detachedGraceHours', DEFAULTS.detachedGraceHours, 0),
    killGraceSeconds: num(c, 'terminals.killGraceSeconds', DEFAULTS.killGraceSeconds, 0),
    extensionsDir: typeof c.get<unknown>('extensions.dir') === 'string' ? (c.get<string>('extensions.dir') ?? '').trim() : '',
    quarantineDays: num(c, 'extensions.quarantineDays', DEFAULTS.quarantineDays, 0),
    memorySampleSeconds: num(c, 'memory.sampleSeconds', DEFAULTS.memorySampleSeconds, 1),
    memoryHistoryMinutes: num(c, 'memory.historyMinutes', DEFAULTS.memoryHistoryMinutes, 1),
    metricsEnabled: c.get<unknown>('metrics.enabled') === true,
    metricsPort: Math.min(65535, Math.floor(num(c, 'metrics.port', DEFAULTS.metricsPort, 1))),
    metricsMinScanSeconds: num(c, 'metrics.minScanSeconds', DEFAULTS.metricsMinScanSeconds, 1),
    metricsToken: typeof c.get<unknown>('metrics.token') === 'string' ? (c.get<string>('metrics.token') ?? '').trim() : '',
    aiStopGraceSeconds: num(c, 'ai.stopGraceSeconds', DEFAULTS.aiStopGraceSeconds, 0),
    aiExtraPatterns: c.get<unknown>('ai.extraPatterns') ?? [],
  };
}

/** Fires with the new settings whenever anything under `csops.` changes. */
export function onDidChangeSettings(listener: (s: Settings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(readSettings());
  });
}
