// Memory: the extension host's RSS in the status bar, the Memory view (history, cgroup, OOM kills, lifecycle) and
// Restart Extension Host.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { formatBytes } from '../../probes/format';
import { AiSource } from '../ai/source';
import { aiName } from '../ai/model';
import { MemoryFeature } from './feature';
import { ExtensionsSource } from '../extensions/source';
import { TerminalsSource } from '../terminals/source';
import { aiLine, extensionsLine, terminalsLine } from '../badges/badge';
import { aiCount, extensionsCount, terminalsCount } from '../badges/counts';

/** The status-bar tooltip's lines with the views' badge counts. */
function viewCounts(ai: AiSource, views: { terminals?: TerminalsSource; extensions?: ExtensionsSource }): string[] {
  const lines: string[] = [];
  const t = views.terminals?.latest;
  if (t?.ok) lines.push(terminalsLine(terminalsCount(t.model)));
  const a = ai.latest;
  if (a?.ok) lines.push(aiLine(aiCount(a.model)));
  const e = views.extensions?.latest;
  if (e && !e.report.error) lines.push(extensionsLine(extensionsCount(e)));
  return lines;
}

export function register(
  core: Core,
  context: vscode.ExtensionContext,
  ai: AiSource,
  views: { terminals?: TerminalsSource; extensions?: ExtensionsSource } = {},
): MemoryFeature {
  const memory = new MemoryFeature({
    context,
    settings: () => core.settings(),
    latestScan: () => core.scans.latest,
    aiSummary: () => {
      const state = ai.latest;
      return state?.ok ? `${state.model.totals.trees} AI process tree(s), ${formatBytes(state.model.totals.rssBytes)}` : undefined;
    },
    viewCounts: () => viewCounts(ai, views),
    audit: core.audit,
    log: core.log,
    onDidScan: (listener) => core.scans.onDidScan(listener),
    aiRows: () => (ai.latest?.ok ? ai.latest.model.rows : []),
    onDidAiModel: (listener) =>
      ai.onDidChange((state) => state.ok && listener({ snapshot: state.model.snapshot, topology: state.model.topology }, state.model.rows)),
    signalled: core.signalled,
    ticker: core.ticker,
    attention: core.attention,
    windowOf: (pid) => {
      const t = views.terminals?.latest;
      return t?.ok ? t.model.liveWindows.find((w) => w.pid === pid)?.folder : undefined;
    },
    aiNameOf: (scan, pid) => {
      const state = ai.latest;
      if (!state?.ok || state.model.snapshot !== scan.snapshot) return undefined;
      const row = state.model.rows.find((r) => r.tree.memberPids.includes(pid));
      return row && aiName(row);
    },
  });
  const refresh = (): void => memory.statusBar.refreshTooltip();
  context.subscriptions.push(
    memory,
    core.scans.onDidScan(refresh),
    ai.onDidChange(refresh),
    ...[views.terminals?.onDidChange(refresh), views.extensions?.onDidChange(refresh)].filter((d): d is vscode.Disposable => !!d),
    core.onDidChangeSettings((s) => memory.setSettings(s)),
  );
  return memory;
}
