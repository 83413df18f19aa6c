// Metrics (opt-in): a Prometheus endpoint on 127.0.0.1 fed from the features' sources and the memory monitor.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { AiSource } from '../ai/source';
import { reclaimableMetric } from '../disk/model';
import { DiskSource } from '../disk/source';
import { ExtensionsSource } from '../extensions/source';
import { MemoryFeature } from '../memory/feature';
import { metricsCollector } from './collect';
import { MetricsController } from './controller';
import { readHistory, historyPath } from '../policies/history';
import { actionsTotals } from '../policies/model';

export interface MetricsInputs {
  ai: AiSource;
  extensions: ExtensionsSource;
  memory: MemoryFeature;
  disk?: DiskSource;
}

/** The version field of package.json, when it is a string. */
function versionOf(packageJson: unknown): string | undefined {
  const v = (packageJson as { version?: unknown } | undefined)?.version;
  return typeof v === 'string' ? v : undefined;
}

export function register(core: Core, context: vscode.ExtensionContext, i: MetricsInputs): void {
  const collect = metricsCollector({
    scans: core.scans,
    settings: () => core.settings(),
    windowsDir: core.presence.dir,
    ownTerminalPids: () => core.presence.ownTerminalPids(),
    aiOf: (scan) => i.ai.modelOf(scan),
    extensions: () => i.extensions.latest,
    diskReclaimable: () => reclaimableMetric(i.disk?.latest),
    monitor: i.memory.monitor,
    version: versionOf(context.extension.packageJSON),
    policyActions: () => actionsTotals(readHistory(historyPath(context.globalStorageUri.fsPath)).history),
  });
  const metrics = new MetricsController(collect, core.cost, core.log);
  void metrics.apply(core.settings());
  context.subscriptions.push(
    metrics,
    core.onDidChangeSettings((s) => void metrics.apply(s)),
  );
}
