// Memory: the extension host's RSS in the status bar, the Memory view (history, cgroup, OOM kills, lifecycle) and
// Restart Extension Host.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { formatBytes } from '../../probes/format';
import { AiSource } from '../ai/source';
import { aiName } from '../ai/model';
import { MemoryFeature } from './feature';

export function register(core: Core, context: vscode.ExtensionContext, ai: AiSource): MemoryFeature {
  const memory = new MemoryFeature({
    context,
    settings: () => core.settings(),
    latestScan: () => core.scans.latest,
    aiSummary: () => {
      const state = ai.latest;
      return state?.ok ? `${state.model.totals.trees} AI process tree(s), ${formatBytes(state.model.totals.rssBytes)}` : undefined;
    },
    audit: core.audit,
    log: core.log,
    onDidScan: (listener) => core.scans.onDidScan(listener),
    aiNameOf: (scan, pid) => {
      const state = ai.latest;
      if (!state?.ok || state.model.snapshot !== scan.snapshot) return undefined;
      const row = state.model.rows.find((r) => r.tree.memberPids.includes(pid));
      return row && aiName(row);
    },
  });
  context.subscriptions.push(
    memory,
    core.scans.onDidScan(() => memory.statusBar.refreshTooltip()),
    core.onDidChangeSettings((s) => memory.setSettings(s)),
  );
  return memory;
}
