// Stop AI processes: "Stop…" on a tree row or a multi-selection (whole trees, whatever their state — the user chose
// them), "Stop Leaked and Duplicate AI Processes…" (only those), "Stop Idle AI Sessions…" (idle sessions, never the
// foreground job of a terminal of this window). SIGTERM leaves first, SIGKILL survivors after the grace.
import * as os from 'os';
import * as vscode from 'vscode';
import { formatBytes } from '../../probes/format';
import { Core } from '../../core';
import { RunSpec, confirmAndRun } from '../../core/flow';
import { instanceOf, selectedItems } from '../../core/source';
import { AiSource } from './source';
import { AiItem } from './tree';
import { Plan, processKind, signalTargets } from '../../core/safety';
import {
  AiTarget,
  Bulk,
  ForegroundJobs,
  foregroundJobs,
  planStopAi,
  planStopIdle,
  planStopLeakedAndDuplicates,
  revalidateAi,
} from './plan';
import { AiViewModel } from './model';
import { processIdsOf } from '../terminals/model';

/** terminal.processId may wait (workspace trust): never longer than this for all of them. */
const TERMINAL_PIDS_TIMEOUT_MS = 1000;

/** The foreground jobs of this window's terminals in a model (read again at commit). */
async function windowForeground(model: AiViewModel): Promise<ForegroundJobs> {
  const pids = await processIdsOf(vscode.window.terminals, TERMINAL_PIDS_TIMEOUT_MS);
  return foregroundJobs(model, new Set(pids.filter((p): p is number => p !== undefined)));
}

const ctxOf = (deps: Core) => ({ selfPid: process.pid, selfUid: deps.selfUid, nowMs: Date.now(), home: os.homedir() });

export async function stopAi(deps: Core, source: AiSource, item?: unknown, selected?: unknown): Promise<void> {
  const model = await source.get();
  if (!model) return;
  let roots = selectedItems(instanceOf(AiItem), item, selected).map((i) => i.row.tree.root.pid);
  if (roots.length === 0) {
    const picked = await vscode.window.showQuickPick(
      model.rows.map((r) => ({
        label: r.tree.kind === 'mcp' ? `MCP ${r.tree.name}` : r.tree.tool,
        description: `pid ${r.tree.root.pid} · ${r.tree.state} · ${formatBytes(r.tree.totalRssBytes)}`,
        detail: r.tree.reason,
        pid: r.tree.root.pid,
      })),
      {
        canPickMany: true,
        title: vscode.l10n.t('Stop AI Processes'),
        placeHolder: vscode.l10n.t('Select the process trees to stop (a preview follows)'),
      },
    );
    if (!picked?.length) return;
    roots = picked.map((p) => p.pid);
  }
  await run(deps, source, deps.plans.issue(planStopAi(model, roots, ctxOf(deps))), false);
}

export async function stopLeakedAndDuplicates(deps: Core, source: AiSource): Promise<void> {
  const model = await source.get();
  if (!model) return;
  const plan = planStopLeakedAndDuplicates(model, ctxOf(deps));
  if (plan.targets.length === 0 && plan.skipped.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No leaked or duplicate AI processes.'));
    return;
  }
  await run(deps, source, deps.plans.issue(plan), true);
}

export async function stopIdle(deps: Core, source: AiSource): Promise<void> {
  const model = await source.get();
  if (!model) return;
  const plan = planStopIdle(model, ctxOf(deps), await windowForeground(model));
  if (plan.targets.length === 0 && plan.skipped.length === 0) {
    const minutes = deps.settings().aiIdleMinutes;
    void vscode.window.showInformationMessage(vscode.l10n.t('No AI session has been idle for {0} minutes.', minutes));
    return;
  }
  await run(deps, source, deps.plans.issue(plan), 'idle');
}

/** The preview's "what happens" text of a stop. */
function stopWhatHappens(trees: number, graceMs: number, bulk: Bulk): string {
  const treesText = trees === 1 ? vscode.l10n.t('{0} process tree.', trees) : vscode.l10n.t('{0} process trees.', trees);
  const signals = vscode.l10n.t(
    'Every process gets SIGTERM, children before their parents; whatever still runs after {0} s gets SIGKILL.',
    graceMs / 1000,
  );
  let recheck = vscode.l10n.t('Each process is re-checked (pid, start time, owner) right before every signal.');
  if (bulk === 'idle') {
    recheck = vscode.l10n.t(
      'Each process is re-checked (pid, start time, owner, still idle, not a foreground job here) before every signal.',
    );
  } else if (bulk) {
    recheck = vscode.l10n.t(
      'Each process is re-checked (pid, start time, owner, and that its tree is still leaked or duplicate) right before every signal.',
    );
  }
  return `${treesText} ${signals} ${recheck}`;
}

async function run(deps: Core, source: AiSource, plan: Plan<AiTarget>, bulk: Bulk): Promise<void> {
  await confirmAndRun<AiTarget>(stopSpec(deps, source, plan, bulk), deps);
}

/** How a stop of AI trees is previewed, done (re-validated, signalled) and reported: the manual commands and the policies. */
export function stopSpec(deps: Core, source: AiSource, plan: Plan<AiTarget>, bulk: Bulk): RunSpec<AiTarget> {
  const graceMs = deps.settings().aiStopGraceSeconds * 1000;
  const trees = new Set(plan.targets.map((t) => t.rootPid)).size;
  return {
    plan,
    kind: processKind,
    whatHappens: stopWhatHappens(trees, graceMs, bulk),
    progressTitle:
      plan.targets.length === 1
        ? vscode.l10n.t('Stopping {0} AI process…', plan.targets.length)
        : vscode.l10n.t('Stopping {0} AI processes…', plan.targets.length),
    pastVerb: 'Stopped',
    act: async (p) => {
      const fresh = await source.get();
      if (!fresh)
        return p.targets.map((target) => ({
          target,
          outcome: { kind: 'skipped' as const, because: 'the process table could not be re-read' },
        }));
      const foreground = bulk === 'idle' ? await windowForeground(fresh) : undefined;
      const { valid, skipped } = revalidateAi(p.targets, fresh, { selfPid: process.pid, selfUid: deps.selfUid }, bulk, foreground);
      const signalled = await signalTargets(valid, 'SIGTERM', graceMs, deps.signals);
      return [...skipped.map(({ target, because }) => ({ target, outcome: { kind: 'skipped' as const, because } })), ...signalled];
    },
  };
}
