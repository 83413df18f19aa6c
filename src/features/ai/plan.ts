// Stop AI processes — the pure part: a selected tree means every process in it (and the trees it spawned, e.g. its
// MCP servers), leaves first; bulk means only leaked and duplicate trees; identity and state re-checked at commit.
import { commandLabel, formatDuration, shortenHome } from '../../probes/format';
import { AiRow, AiViewModel, aiName } from './model';
import { AiState } from './classify';
import {
  NotIncluded,
  Plan,
  ProcessTarget,
  SafetyContext,
  SkippedTarget,
  newPlan,
  programOf,
  protectionOf,
  sameIdentity,
} from '../../core/safety';
import { ProcessRecord, ancestorsOf } from '../../probes/scanner';

export interface AiTarget extends ProcessTarget {
  rootPid: number;
  tool: string;
  /** State of the tree it belongs to, at plan time. */
  state: AiState;
  /** Number of ancestors (deeper = signalled first, so children go before their parents). */
  depth: number;
}

export interface AiPlanContext extends SafetyContext {
  nowMs: number;
  home: string;
}

const BULK_STATES: ReadonlySet<AiState> = new Set(['leaked', 'duplicate']);

/** The row and every row it spawned (its MCP servers, a Codex run from its shell, …). */
function withChildren(model: AiViewModel, row: AiRow): AiRow[] {
  const out = [row];
  for (const pid of row.tree.childRootPids) {
    const child = model.byRoot.get(pid);
    if (child) out.push(...withChildren(model, child));
  }
  return out;
}

export function planStopAi(model: AiViewModel, rootPids: readonly number[], ctx: AiPlanContext, bulk = false): Plan<AiTarget> {
  const { snapshot, topology } = model;
  const targets: AiTarget[] = [];
  const skipped: SkippedTarget[] = [];
  const seen = new Set<number>();
  for (const rootPid of new Set(rootPids)) {
    const row = model.byRoot.get(rootPid);
    if (!row) {
      skipped.push({ pid: rootPid, name: `pid ${rootPid}`, because: 'no longer an AI process' });
      continue;
    }
    if (bulk && !BULK_STATES.has(row.tree.state)) {
      skipped.push({ pid: rootPid, name: row.tree.name, because: `${row.tree.state}: bulk stops touch only leaked and duplicate trees` });
      continue;
    }
    for (const r of withChildren(model, row)) {
      r.tree.memberPids.forEach((pid, i) => {
        if (seen.has(pid)) return;
        seen.add(pid);
        const rec = snapshot.processes.get(pid);
        const name = memberName(r, i, rec, pid);
        const because = protectionOf(snapshot, topology, pid, ctx);
        // the root of a duplicate says why it is one (same session id, started T apart)
        const why = r === row && i === 0 && row.tree.state === 'duplicate' ? `: ${row.tree.reason}` : '';
        if (because || !rec) {
          skipped.push({ pid, name, because: because ?? 'exited' });
          return;
        }
        targets.push({
          pid,
          starttime: rec.starttime,
          uid: rec.uid,
          ...programOf(rec),
          name,
          facts: `${row.tree.tool} (${row.tree.state}${why}), age ${formatDuration(ctx.nowMs - rec.startedAtMs)}`,
          rssBytes: rec.rssBytes,
          ageMs: ctx.nowMs - rec.startedAtMs,
          cwd: r.tree.cwd.ok && i === 0 ? shortenHome(r.tree.cwd.path, ctx.home) : undefined,
          descendants: [],
          rootPid,
          tool: row.tree.tool,
          state: row.tree.state,
          depth: ancestorsOf(snapshot, pid).length,
        });
      });
    }
  }
  targets.sort((a, b) => b.depth - a.depth); // leaves first
  return newPlan(
    { action: bulk ? 'stop-leaked-ai' : 'stop-ai', verb: 'Stop', noun: ['AI Process', 'AI Processes'], targets, skipped },
    ctx.nowMs,
  );
}

/**
 * Every leaked or duplicate tree whose parent tree is not already part of the selection; the plan names the trees of
 * the view it leaves out (notIncluded).
 */
export function planStopLeakedAndDuplicates(model: AiViewModel, ctx: AiPlanContext): Plan<AiTarget> {
  const chosen = model.rows.filter((r) => BULK_STATES.has(r.tree.state));
  const chosenRoots = new Set(chosen.map((r) => r.tree.root.pid));
  const roots = chosen
    .filter((r) => r.tree.parentRootPid === undefined || !chosenRoots.has(r.tree.parentRootPid))
    .map((r) => r.tree.root.pid);
  return { ...planStopAi(model, roots, ctx, true), notIncluded: notIncludedInBulk(model, chosenRoots) };
}

/** Why a tree is left out of a bulk stop, briefly. */
function leftOutBecause(row: AiRow): string {
  const t = row.tree;
  if (t.state === 'external') return 'external: started outside code-server, not a leak';
  return `${t.state}: ${t.reason}`;
}

/**
 * The trees a bulk stop leaves out: each tree that is not stopped and is not below a tree that is not stopped either
 * (an active assistant's line stands for the trees it started, e.g. its MCP servers).
 */
function notIncludedInBulk(model: AiViewModel, chosenRoots: ReadonlySet<number>): NotIncluded[] {
  const stopped = (r: AiRow): boolean => {
    for (let cur: AiRow | undefined = r, hops = 0; cur && hops <= model.rows.length; cur = parentOf(model, cur), hops++) {
      if (chosenRoots.has(cur.tree.root.pid)) return true;
    }
    return false;
  };
  const out: NotIncluded[] = [];
  for (const r of model.rows) {
    if (stopped(r)) continue;
    const parent = parentOf(model, r);
    if (parent && !stopped(parent)) continue; // covered by its parent's line
    const nested = withChildren(model, r).filter((c) => c !== r && !stopped(c)).length;
    const started = nested > 0 ? `; with the ${nested} tree${nested === 1 ? '' : 's'} it started` : '';
    out.push({ name: `${aiName(r)} (pid ${r.tree.root.pid})`, reason: `${leftOutBecause(r)}${started}` });
  }
  return out;
}

const parentOf = (model: AiViewModel, r: AiRow): AiRow | undefined =>
  r.tree.parentRootPid === undefined ? undefined : model.byRoot.get(r.tree.parentRootPid);

/** At commit: same identity, not protected, still in an AI tree, and (bulk) that tree still leaked or duplicate. */
export function revalidateAi(targets: readonly AiTarget[], fresh: AiViewModel, ctx: SafetyContext, bulk: boolean) {
  const { topology } = fresh;
  const treeOf = new Map<number, AiRow>();
  for (const r of fresh.rows) for (const pid of r.tree.memberPids) treeOf.set(pid, r);
  const valid: AiTarget[] = [];
  const skipped: { target: AiTarget; because: string }[] = [];
  for (const t of targets) {
    const row = treeOf.get(t.pid);
    const because =
      sameIdentity(fresh.snapshot.processes.get(t.pid), t) ??
      protectionOf(fresh.snapshot, topology, t.pid, ctx) ??
      treeChange(fresh, row, bulk);
    if (because) skipped.push({ target: t, because });
    else valid.push(t);
  }
  return { valid, skipped };
}

/** Why a target's tree no longer qualifies at commit, if it does not. */
function treeChange(fresh: AiViewModel, row: AiRow | undefined, bulk: boolean): string | undefined {
  if (!row) return 'no longer part of an AI process tree';
  if (bulk && !BULK_STATES.has(row.tree.state) && !isBelowBulkRoot(fresh, row)) return `now ${row.tree.state}`;
  return undefined;
}

/** A member's name in the preview: the tree's name for its root, the command for the others. */
function memberName(row: AiRow, index: number, rec: ProcessRecord | undefined, pid: number): string {
  if (!rec) return `pid ${pid}`;
  return index === 0 ? aiName(row) : commandLabel(rec.argv, rec.comm);
}

/** An MCP server (active in itself) below a leaked assistant is stopped with it. */
function isBelowBulkRoot(model: AiViewModel, row: AiRow): boolean {
  for (let p = row.tree.parentRootPid; p !== undefined; p = model.byRoot.get(p)?.tree.parentRootPid) {
    const parent = model.byRoot.get(p);
    if (parent && BULK_STATES.has(parent.tree.state)) return true;
  }
  return false;
}
