// The policies' plans — pure: what one run of each policy targets, built by the same plan functions as the manual
// bulk actions (so the same protected set and the same re-validation at commit), with what each leaves out and why.
import { formatDuration } from '../../probes/format';
import { RECLAIMABLE } from '../../probes/extensionsDir';
import { NotIncluded, Plan, newPlan } from '../../core/safety';
import { TerminalsModel } from '../terminals/model';
import { PlanContext, ShellTarget, planKillDetachedOlderThan } from '../terminals/plan';
import { AiViewModel, aiName } from '../ai/model';
import { AiPlanContext, AiTarget, foregroundJobs, planStopAi, planStopIdle } from '../ai/plan';
import { AiState } from '../ai/classify';
import { ExtensionsDirReport, FolderClass } from '../../probes/extensionsDir';
import { CLASS_TEXT, CleanContext, CleanPlan, planCleanUp } from '../extensions/plan';

export type Blocked = { blocked: string };

/** Detached shells at least `hours` old: "Kill Detached Terminals Older Than…" with that age. */
export function planDetachedTerminals(model: TerminalsModel, hours: number, ctx: PlanContext): Plan<ShellTarget> | Blocked {
  if (model.unregisteredExtensionHosts.length) {
    const n = model.unregisteredExtensionHosts.length;
    return { blocked: `${n} window(s) do not run code-server Ops: their shells would look detached` };
  }
  return planKillDetachedOlderThan(model, hours * 3_600_000, ctx);
}

/**
 * AI trees in `state` (leaked or duplicate) whose root process is at least minAgeMs old, as a bulk stop (re-checked at
 * commit to be still in that state). A tree below a chosen tree goes with it.
 */
function planAiTrees(model: AiViewModel, state: AiState, minAgeMs: number, ctx: AiPlanContext): Plan<AiTarget> {
  const notIncluded: NotIncluded[] = [];
  const chosen = new Set<number>();
  for (const r of model.rows) {
    if (r.tree.state !== state) continue;
    const age = ctx.nowMs - r.tree.startedAtMs;
    if (age < minAgeMs) {
      notIncluded.push({
        name: `${aiName(r)} (pid ${r.tree.root.pid})`,
        reason: `younger than ${formatDuration(minAgeMs)} (age ${formatDuration(age)})`,
      });
    } else chosen.add(r.tree.root.pid);
  }
  const roots = [...chosen].filter((pid) => {
    const parent = model.byRoot.get(pid)?.tree.parentRootPid;
    return parent === undefined || !chosen.has(parent);
  });
  const plan = planStopAi(model, roots, ctx, true);
  return newPlan({ ...plan, action: `stop-${state}-ai`, notIncluded }, ctx.nowMs);
}

/** Leaked AI trees (their launcher is gone) whose root is at least `minutes` old. */
export const planLeakedAi = (model: AiViewModel, minutes: number, ctx: AiPlanContext): Plan<AiTarget> =>
  planAiTrees(model, 'leaked', minutes * 60_000, ctx);

/** Duplicate AI trees (the same session resumed more than once; the newest copy is never one). */
export const planDuplicateAi = (model: AiViewModel, ctx: AiPlanContext): Plan<AiTarget> => planAiTrees(model, 'duplicate', 0, ctx);

/**
 * Idle AI sessions (csops.ai.idleMinutes) that have been quiet for at least `minutes`, as "Stop Idle AI Sessions…"
 * plans them — except that no tree that is the foreground job of an attached terminal of **any** window is included
 * (`attachedShellPids`: the shells the Terminals model sees attached here or in another window).
 */
export function planIdleAi(
  model: AiViewModel,
  minutes: number,
  ctx: AiPlanContext,
  attachedShellPids: ReadonlySet<number>,
): Plan<AiTarget> {
  const plan = planStopIdle(model, ctx, foregroundJobs(model, attachedShellPids));
  const minMs = minutes * 60_000;
  const tooRecent = new Set<number>();
  const notIncluded: NotIncluded[] = [...(plan.notIncluded ?? [])];
  for (const root of new Set(plan.targets.map((t) => t.rootPid))) {
    const row = model.byRoot.get(root);
    const quiet = row?.idle?.quietForMs ?? 0;
    if (quiet >= minMs) continue;
    tooRecent.add(root);
    if (row)
      notIncluded.push({
        name: `${aiName(row)} (pid ${root})`,
        reason: `idle for ${formatDuration(quiet)}, less than ${formatDuration(minMs)}`,
      });
  }
  const targets = plan.targets.filter((t) => !tooRecent.has(t.rootPid));
  return newPlan({ ...plan, targets, action: 'stop-idle-ai', notIncluded }, ctx.nowMs);
}

/** Shells of the Terminals model attached to a terminal of any window. */
export function attachedShellPids(model: TerminalsModel): Set<number> {
  const out = new Set<number>();
  for (const g of model.groups) for (const r of g.shells) if (r.status !== 'detached') out.add(r.shell.pid);
  return out;
}

/** The classes the extensions policy moves: folders the editor itself has given up (not unreferenced or temp ones). */
export const POLICY_FOLDER_CLASSES: ReadonlySet<FolderClass> = new Set(['obsolete', 'olderVersion']);

/**
 * Obsolete and older-version folders last modified at least `days` ago, as a clean-up into the quarantine (Undo
 * restores). Nothing while extensions.json is unreadable or other windows cannot be listed.
 */
export function planExtensions(report: ExtensionsDirReport, days: number, ctx: CleanContext): CleanPlan | Blocked {
  if (report.error) return { blocked: `nothing is cleaned while ${report.error}` };
  if (ctx.unlistedHosts === undefined) return { blocked: 'other windows cannot be listed (no process scan)' };
  const minAgeMs = days * 86_400_000;
  const notIncluded: NotIncluded[] = [];
  const names: string[] = [];
  for (const f of report.folders) {
    if (!RECLAIMABLE.has(f.cls)) continue;
    const age = ctx.nowMs - f.mtimeMs;
    if (!POLICY_FOLDER_CLASSES.has(f.cls)) notIncluded.push({ name: f.name, reason: `${CLASS_TEXT[f.cls]}: not moved by the policy` });
    else if (age < minAgeMs)
      notIncluded.push({ name: f.name, reason: `modified ${formatDuration(Math.max(0, age))} ago, within ${days} days` });
    else names.push(f.name);
  }
  const plan = planCleanUp(report, names, ctx);
  return { ...plan, ...newPlan({ ...plan, action: 'clean-old-extensions', notIncluded }, ctx.nowMs) };
}
