// Reading the settings from a configuration, with the defaults in one place. Pure (never imports `vscode`): src/settings.ts
// hands it vscode's WorkspaceConfiguration, unit tests a plain object.
//
// The settings that choose what gets killed, deleted, read or served are USER-ONLY: `machine` scope in package.json
// (so VS Code drops a workspace value) and listed as restricted in untrusted workspaces; and, defensively, a value
// that inspect() attributes to the workspace or a workspace folder is ignored here too (the user's value, or the
// default, applies) with a log line.

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
  /** One notification per OOM kill seen (rate-limited). */
  memoryOomNotifications: boolean;
  metricsEnabled: boolean;
  metricsPort: number;
  metricsMinScanSeconds: number;
  /** Bearer token required by the metrics server; empty: none (only loopback Host headers are answered). A secret. */
  metricsToken: string;
  /** Address the metrics server binds; any non-loopback address requires metricsTokenFile. */
  metricsHost: string;
  /** Absolute path of a file (chmod 600) holding the bearer token; required off loopback. '' = none. */
  metricsTokenFile: string;
  aiStopGraceSeconds: number;
  /** csops.ai.idleMinutes: a session quiet (CPU, transcript) this long is idle; fractional minutes allowed (≥ 0.05). */
  aiIdleMinutes: number;
  /** Processes view "Stop…": seconds between SIGTERM and SIGKILL. */
  processesStopGraceSeconds: number;
  /** Raw value of csops.ai.extraPatterns (validated by the pattern table, which reports problems). */
  aiExtraPatterns: unknown;
  /** How long Profile Extension Host samples (s). */
  profileSeconds: number;
  /** CPU profiler sampling interval (ms); larger = cheaper, fewer samples. */
  profileCpuIntervalMs: number;
  /** Heap sampler: one sample per this many KiB allocated; 0 = no heap profile. */
  profileHeapIntervalKiB: number;
  /** Heap sampler: runs over this last share of the profile window (percent); it slows every allocation while on. */
  profileHeapPercent: number;
  /** Session log folders younger than this are never offered by the Disk view. */
  diskLogRetentionDays: number;
  /** csops.policies.detachedTerminals.olderThanHours; null = off (the default). */
  policyDetachedTerminalsHours: number | null;
  /** Minimum interval between two policy runs (minutes, fractional allowed, at least MIN_POLICY_INTERVAL_MINUTES). */
  policyIntervalMinutes: number;
  /** csops.policies.mode: notify (say what a policy would do) or act (do it, within the per-run cap). */
  policyMode: 'notify' | 'act';
  /** csops.policies.leakedAi.olderThanMinutes; null = off. */
  policyLeakedAiMinutes: number | null;
  /** csops.policies.duplicateAi; false (or null) = off. */
  policyDuplicateAi: boolean;
  /** csops.policies.idleAi.olderThanMinutes; null = off. */
  policyIdleAiMinutes: number | null;
  /** csops.policies.extensions.olderThanDays; null = off. */
  policyExtensionsDays: number | null;
  /** The csops.policies.* keys a workspace (or folder) tried to set: while any is, no policy acts. */
  policyWorkspaceSet: string[];
}

export const DEFAULTS: Settings = {
  procRoot: '/proc',
  terminalsRefreshSeconds: 5,
  statusBarSampleSeconds: 30, // the memory sampler's period: one wake-up for both (each wake-up of an idle host costs ~0.5 ms)
  warningMb: 1024,
  criticalMb: 2048,
  detachedGraceHours: 3,
  killGraceSeconds: 3,
  extensionsDir: '',
  quarantineDays: 7,
  memorySampleSeconds: 30,
  memoryHistoryMinutes: 60,
  memoryOomNotifications: true,
  metricsEnabled: false,
  metricsPort: 9464,
  metricsMinScanSeconds: 10,
  metricsToken: '',
  metricsHost: '127.0.0.1',
  metricsTokenFile: '',
  aiStopGraceSeconds: 5,
  aiIdleMinutes: 30,
  processesStopGraceSeconds: 5,
  aiExtraPatterns: [],
  profileSeconds: 10,
  profileCpuIntervalMs: 2,
  profileHeapIntervalKiB: 32,
  profileHeapPercent: 20,
  diskLogRetentionDays: 7,
  policyDetachedTerminalsHours: null,
  policyIntervalMinutes: 15,
  policyMode: 'notify',
  policyLeakedAiMinutes: null,
  policyDuplicateAi: false,
  policyIdleAiMinutes: null,
  policyExtensionsDays: null,
  policyWorkspaceSet: [],
};

/** The shortest interval between two policy runs (minutes): 15 s, for tests and impatient users. */
export const MIN_POLICY_INTERVAL_MINUTES = 0.25;

/** Keys (under `csops.`) a workspace must never set: package.json gives them `machine` scope and restricts them. */
export const USER_ONLY_SETTINGS = [
  'procRoot',
  'extensions.dir',
  'extensions.quarantineDays',
  'ai.extraPatterns',
  'metrics.enabled',
  'metrics.port',
  'metrics.minScanSeconds',
  'metrics.token',
  'metrics.host',
  'metrics.tokenFile',
  'terminals.killGraceSeconds',
  'ai.stopGraceSeconds',
  'ai.idleMinutes',
  'processes.stopGraceSeconds',
  'profile.cpuSampleIntervalMs',
  'profile.heapSampleIntervalKiB',
  'profile.heapSamplePercent',
  'disk.logRetentionDays',
  'policies.detachedTerminals.olderThanHours',
  'policies.intervalMinutes',
  'policies.mode',
  'policies.leakedAi.olderThanMinutes',
  'policies.duplicateAi',
  'policies.idleAi.olderThanMinutes',
  'policies.extensions.olderThanDays',
] as const;

/** The smallest csops.ai.idleMinutes taken (3 s: tests use fractional minutes; smaller values fall back to the default). */
export const MIN_AI_IDLE_MINUTES = 0.05;

/** Clean-ups younger than this many days are never purged, whatever the setting says. */
export const MIN_QUARANTINE_DAYS = 1;

/** What src/settings.ts needs of vscode.WorkspaceConfiguration. */
export interface ConfigSource {
  get(key: string): unknown;
  inspect(key: string): { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined;
}

/** What inspect() of a whole section returns: the section's settings at each level as nested objects ({ a: { b: 1 } }). */
export interface SectionInspect {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The value at a dotted key ("policies.mode") in a nested settings object; undefined where a level is missing. */
function at(tree: unknown, key: string): unknown {
  let o = tree;
  for (const k of key.split('.')) {
    if (o === null || typeof o !== 'object' || !Object.prototype.hasOwnProperty.call(o, k)) return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/**
 * A ConfigSource whose inspect(key) is answered from ONE inspect of the whole section (asked on first use): in the
 * extension host each inspect() clones every language override of the configuration (~0.5 ms), and settingsFrom asks
 * for every user-only key (24) — most of activate()'s time before this.
 */
export function sectionSource(get: (key: string) => unknown, inspectSection: () => SectionInspect | undefined): ConfigSource {
  let section: SectionInspect | undefined | null = null;
  return {
    get,
    inspect: (key) => {
      if (section === null) section = inspectSection();
      if (!section) return undefined;
      return {
        globalValue: at(section.globalValue, key),
        workspaceValue: at(section.workspaceValue, key),
        workspaceFolderValue: at(section.workspaceFolderValue, key),
      };
    },
  };
}

export function settingsFrom(c: ConfigSource, warn: (message: string) => void = () => undefined): Settings {
  const userOnly = new Set<string>(USER_ONLY_SETTINGS);
  const policyWorkspaceSet: string[] = [];
  const value = (key: string): unknown => {
    if (!userOnly.has(key)) return c.get(key);
    const i = c.inspect(key);
    if (i && (i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined)) {
      if (key.startsWith('policies.')) policyWorkspaceSet.push(`csops.${key}`);
      warn(`csops.${key}: the value set in the workspace is ignored; this setting can only be set in user settings`);
    }
    return i?.globalValue;
  };
  const num = (key: string, dflt: number, min: number): number => {
    const v = value(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
  };
  const procRoot = value('procRoot');
  const extensionsDir = value('extensions.dir');
  const metricsToken = value('metrics.token');
  const metricsHost = value('metrics.host');
  const metricsTokenFile = value('metrics.tokenFile');
  return {
    procRoot: typeof procRoot === 'string' && procRoot.startsWith('/') ? procRoot.replace(/\/+$/, '') || '/proc' : DEFAULTS.procRoot,
    terminalsRefreshSeconds: num('terminals.refreshSeconds', DEFAULTS.terminalsRefreshSeconds, 0),
    statusBarSampleSeconds: num('statusBar.sampleSeconds', DEFAULTS.statusBarSampleSeconds, 1),
    warningMb: num('memory.warningMb', DEFAULTS.warningMb, 1),
    criticalMb: num('memory.criticalMb', DEFAULTS.criticalMb, 1),
    detachedGraceHours: num('terminals.detachedGraceHours', DEFAULTS.detachedGraceHours, 0),
    killGraceSeconds: num('terminals.killGraceSeconds', DEFAULTS.killGraceSeconds, 0),
    extensionsDir: typeof extensionsDir === 'string' ? extensionsDir.trim() : '',
    quarantineDays: quarantineDays(value('extensions.quarantineDays'), warn),
    memorySampleSeconds: num('memory.sampleSeconds', DEFAULTS.memorySampleSeconds, 1),
    memoryHistoryMinutes: num('memory.historyMinutes', DEFAULTS.memoryHistoryMinutes, 1),
    memoryOomNotifications: value('memory.oomNotifications') !== false,
    metricsEnabled: value('metrics.enabled') === true,
    metricsPort: Math.min(65535, Math.floor(num('metrics.port', DEFAULTS.metricsPort, 1))),
    metricsMinScanSeconds: num('metrics.minScanSeconds', DEFAULTS.metricsMinScanSeconds, 1),
    metricsToken: typeof metricsToken === 'string' ? metricsToken.trim() : '',
    metricsHost: typeof metricsHost === 'string' && metricsHost.trim() ? metricsHost.trim() : DEFAULTS.metricsHost,
    metricsTokenFile: typeof metricsTokenFile === 'string' ? metricsTokenFile.trim() : '',
    aiStopGraceSeconds: num('ai.stopGraceSeconds', DEFAULTS.aiStopGraceSeconds, 0),
    aiIdleMinutes: num('ai.idleMinutes', DEFAULTS.aiIdleMinutes, MIN_AI_IDLE_MINUTES),
    processesStopGraceSeconds: Math.min(600, num('processes.stopGraceSeconds', DEFAULTS.processesStopGraceSeconds, 0)),
    aiExtraPatterns: value('ai.extraPatterns') ?? [],
    profileSeconds: Math.min(300, num('profile.seconds', DEFAULTS.profileSeconds, 1)),
    profileCpuIntervalMs: Math.min(100, num('profile.cpuSampleIntervalMs', DEFAULTS.profileCpuIntervalMs, 0.1)),
    profileHeapIntervalKiB: Math.min(65536, num('profile.heapSampleIntervalKiB', DEFAULTS.profileHeapIntervalKiB, 0)),
    profileHeapPercent: Math.min(100, num('profile.heapSamplePercent', DEFAULTS.profileHeapPercent, 1)),
    diskLogRetentionDays: num('disk.logRetentionDays', DEFAULTS.diskLogRetentionDays, 1),
    policyDetachedTerminalsHours: optionalNumber(value('policies.detachedTerminals.olderThanHours')),
    policyIntervalMinutes: num('policies.intervalMinutes', DEFAULTS.policyIntervalMinutes, MIN_POLICY_INTERVAL_MINUTES),
    policyMode: value('policies.mode') === 'act' ? 'act' : 'notify',
    policyLeakedAiMinutes: optionalNumber(value('policies.leakedAi.olderThanMinutes')),
    policyDuplicateAi: value('policies.duplicateAi') === true,
    policyIdleAiMinutes: optionalNumber(value('policies.idleAi.olderThanMinutes')),
    policyExtensionsDays: optionalNumber(value('policies.extensions.olderThanDays')),
    policyWorkspaceSet,
  };
}

/** A number of days: not a finite number → the default; below the floor → the floor (logged). */
function quarantineDays(v: unknown, warn: (message: string) => void): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return DEFAULTS.quarantineDays;
  if (v < MIN_QUARANTINE_DAYS) {
    warn(`csops.extensions.quarantineDays: ${v} is below the minimum of ${MIN_QUARANTINE_DAYS} day; using ${MIN_QUARANTINE_DAYS}`);
    return MIN_QUARANTINE_DAYS;
  }
  return v;
}

/** A policy threshold: a finite number ≥ 0, else null (off). */
function optionalNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}
