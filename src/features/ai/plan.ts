// Stop AI processes — the pure part: a selected tree means every process in it (and the trees it spawned, e.g. its
// MCP servers), leaves first; bulk means only leaked and duplicate sessions, or only idle sessions (never the
// foreground job of an attached terminal of this window); identity and state re-checked at commit. Helpers (workers,
// language servers, backend servers) are stopped in bulk only when leaked, daemons never, and never as idle.
import { commandLabel, formatDuration, shortenHome } from '../../probes/format';
import { AiRow, AiViewModel, aiName, canBeIdle } from './model';
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

const ACTIONS: Record<string, string> = { idle: 'stop-idle-ai', true: 'stop-leaked-ai', false: 'stop-ai' };

/** Which bulk stop: `true` leaked and duplicate sessions, `'idle'` idle sessions; `false` a chosen selection. */
export type Bulk = boolean | 'idle';

/** Root pid → why the tree is the foreground job of an attached terminal of this window (never stopped as idle). */
export type ForegroundJobs = ReadonlyMap<number, string>;

/**
 * The trees that are the foreground job of a terminal of this window: launched from one of `shellPids` (the
 * window's terminals) and with a member in the terminal's foreground process group (the shell's tpgid).
 */
export function foregroundJobs(model: AiViewModel, shellPids: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of model.rows) {
    const l = r.tree.launcher;
    if (l?.kind !== 'terminal' || !shellPids.has(l.pid)) continue;
    const fg = model.snapshot.processes.get(l.pid)?.tpgid ?? 0;
    if (fg <= 0) continue;
    const inFg = r.tree.memberPids.some((pid) => model.snapshot.processes.get(pid)?.pgrp === fg);
    if (inFg) out.set(r.tree.root.pid, `the foreground job of terminal shell ${l.pid} of this window: never stopped as idle`);
  }
  return out;
}

/** Why a row is not a target of this bulk stop; undefined when it is one. */
function bulkRefusal(row: AiRow, bulk: Bulk, foreground: ForegroundJobs | undefined): string | undefined {
  const t = row.tree;
  if (bulk === false) return undefined;
  if (bulk === true && !BULK_STATES.has(t.state)) return `${t.state}: bulk stops touch only leaked and duplicate trees`;
  // a leaked helper (a language server of a closed editor, an orphaned worker-server) is stopped; a daemon is not
  if (bulk === true && t.daemon) return `a ${t.label ?? 'daemon'} of ${t.tool}: it outlives its session by design`;
  if (bulk === true) return undefined;
  if (t.role === 'helper') return `a helper of ${t.tool} (${t.label ?? 'helper'}), not a session: bulk stops leave helpers alone`;
  if (bulk === 'idle') {
    if (!canBeIdle(row)) return `${t.kind === 'mcp' ? 'an MCP server' : 'not a session'}: only assistant sessions can be idle`;
    if (t.state === 'external') return 'external: started outside code-server, not touched by bulk stops';
    const fg = foreground?.get(t.root.pid);
    if (fg) return fg;
    if (!row.idle?.idle) return `not idle: quiet for ${formatDuration(row.idle?.quietForMs ?? 0)}`;
    return undefined;
  }
  if (!BULK_STATES.has(t.state)) return `${t.state}: bulk stops touch only leaked and duplicate trees`;
  return undefined;
}

/** The row and every row it spawned (its MCP servers, a Codex run from its shell, …). */
function withChildren(model: AiViewModel, row: AiRow): AiRow[] {
  const out = [row];
  for (const pid of row.tree.childRootPids) {
    const child = model.byRoot.get(pid);
    if (child) out.push(...withChildren(model, child));
  }
  return out;
}

export function planStopAi(
  model: AiViewModel,
  rootPids: readonly number[],
  ctx: AiPlanContext,
  bulk: Bulk = false,
  foreground?: ForegroundJobs,
): Plan<AiTarget> {
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
    const refusal = bulkRefusal(row, bulk, foreground);
    if (refusal) {
      skipped.push({ pid: rootPid, name: row.tree.name, because: refusal });
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
        const idle = bulk === 'idle' && r === row && i === 0 && row.idle ? `, idle ${formatDuration(row.idle.quietForMs)}` : '';
        const why = r === row && i === 0 && row.tree.state === 'duplicate' ? `: ${row.tree.reason}` : idle;
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
    {
      action: ACTIONS[String(bulk)],
      verb: 'Stop',
      noun: ['AI Process', 'AI Processes'],
      targets,
      skipped,
    },
    ctx.nowMs,
  );
}

/**
 * Every leaked or duplicate tree whose parent tree is not already part of the selection; the plan names the trees of
 * the view it leaves out (notIncluded).
 */
export function planStopLeakedAndDuplicates(model: AiViewModel, ctx: AiPlanContext): Plan<AiTarget> {
  const chosen = model.rows.filter((r) => bulkRefusal(r, true, undefined) === undefined);
  const chosenRoots = new Set(chosen.map((r) => r.tree.root.pid));
  const roots = chosen
    .filter((r) => r.tree.parentRootPid === undefined || !chosenRoots.has(r.tree.parentRootPid))
    .map((r) => r.tree.root.pid);
  return {
    ...planStopAi(model, roots, ctx, true),
    notIncluded: notIncludedInBulk(model, chosenRoots, (r) =>
      r.tree.role === 'helper' ? (bulkRefusal(r, true, undefined) ?? leftOutBecause(r)) : leftOutBecause(r),
    ),
  };
}

/**
 * Every idle session (not a helper, not external, not the foreground job of an attached terminal of this window)
 * whose parent tree is not already chosen; the plan says what it leaves out and why.
 */
export function planStopIdle(model: AiViewModel, ctx: AiPlanContext, foreground: ForegroundJobs): Plan<AiTarget> {
  const chosen = model.rows.filter((r) => bulkRefusal(r, 'idle', foreground) === undefined);
  const chosenRoots = new Set(chosen.map((r) => r.tree.root.pid));
  const roots = chosen
    .filter((r) => r.tree.parentRootPid === undefined || !chosenRoots.has(r.tree.parentRootPid))
    .map((r) => r.tree.root.pid);
  const why = (r: AiRow): string => bulkRefusal(r, 'idle', foreground) ?? leftOutBecause(r);
  return { ...planStopAi(model, roots, ctx, 'idle', foreground), notIncluded: notIncludedInBulk(model, chosenRoots, why) };
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
function notIncludedInBulk(model: AiViewModel, chosenRoots: ReadonlySet<number>, because: (r: AiRow) => string): NotIncluded[] {
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
    out.push({ name: `${aiName(r)} (pid ${r.tree.root.pid})`, reason: `${because(r)}${started}` });
  }
  return out;
}

const parentOf = (model: AiViewModel, r: AiRow): AiRow | undefined =>
  r.tree.parentRootPid === undefined ? undefined : model.byRoot.get(r.tree.parentRootPid);

/** At commit: same identity, not protected, still in an AI tree, and (bulk) that tree still leaked or duplicate. */
export function revalidateAi(
  targets: readonly AiTarget[],
  fresh: AiViewModel,
  ctx: SafetyContext,
  bulk: Bulk,
  foreground?: ForegroundJobs,
) {
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
      treeChange(fresh, row, bulk, foreground);
    if (because) skipped.push({ target: t, because });
    else valid.push(t);
  }
  return { valid, skipped };
}

/** Why a target's tree no longer qualifies at commit, if it does not. */
function treeChange(fresh: AiViewModel, row: AiRow | undefined, bulk: Bulk, foreground: ForegroundJobs | undefined): string | undefined {
  if (!row) return 'no longer part of an AI process tree';
  if (bulk === 'idle') {
    // the tree the target belongs to, or the nearest tree above it that was chosen, must still be an idle target
    for (let cur: AiRow | undefined = row, hops = 0; cur && hops <= fresh.rows.length; cur = parentOf(fresh, cur), hops++) {
      if (bulkRefusal(cur, 'idle', foreground) === undefined) return undefined;
    }
    return `${row.tree.tool} ${bulkRefusal(row, 'idle', foreground) ?? 'is no longer idle'}`;
  }
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
