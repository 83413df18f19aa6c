// Kill terminals — the pure part: which shells a selection (or "detached older than N h") targets, which are
// skipped and why, and the re-validation of a plan against a fresh model right before acting.
import { formatDuration, shortenHome } from '../../probes/format';
import { commandLineText } from '../../probes/redact';
import { ShellRow, ShellStatus, TerminalsModel } from './model';
import {
  NotIncluded,
  Plan,
  ProcessIdentity,
  ProcessTarget,
  SafetyContext,
  SkippedTarget,
  newPlan,
  programOf,
  protectionOf,
  sameIdentity,
} from '../../core/safety';

export interface ShellTarget extends ProcessTarget {
  status: ShellStatus;
  /** attachedHere: close through Terminal.dispose(); detached: signals. */
  method: 'dispose' | 'signal';
}

export const STATUS_TEXT: Record<ShellStatus, string> = {
  attachedHere: 'attached (this window)',
  attachedOther: 'attached (other window)',
  detached: 'detached',
};

export interface PlanContext extends SafetyContext {
  nowMs: number;
  home: string;
}

function rowsOf(model: TerminalsModel): ShellRow[] {
  return model.groups.flatMap((g) => g.shells);
}

function toTarget(row: ShellRow, home: string): ShellTarget {
  const { shell } = row;
  return {
    pid: shell.pid,
    starttime: shell.starttime,
    uid: shell.uid,
    ...programOf(shell),
    name: row.label,
    facts: `${STATUS_TEXT[row.status]}, age ${formatDuration(row.ageMs)}`,
    rssBytes: row.totalRssBytes,
    ageMs: row.ageMs,
    cwd: row.cwd.ok ? shortenHome(row.cwd.path, home) : undefined,
    descendants: row.descendants.map((d) => ({
      pid: d.pid,
      starttime: d.starttime,
      uid: d.uid,
      name: commandLineText(d.argv) || `[${d.comm}]`,
    })),
    status: row.status,
    method: row.status === 'attachedHere' ? 'dispose' : 'signal',
  };
}

/** Why a shell row may not be killed from this window (beyond the protected set), or undefined. */
function refusal(row: ShellRow): string | undefined {
  if (row.status === 'attachedOther') {
    return `attached to another window (extension host pid ${row.claimedBy}) — close it in that window`;
  }
  return undefined;
}

/** Plan for the shells the user selected (tree selection or quick pick), identified by pid + start time. */
export function planKillTerminals(model: TerminalsModel, selection: readonly ProcessIdentity[], ctx: PlanContext): Plan<ShellTarget> {
  const rows = rowsOf(model);
  const targets: ShellTarget[] = [];
  const skipped: SkippedTarget[] = [];
  const seen = new Set<number>();
  for (const sel of selection) {
    if (seen.has(sel.pid)) continue;
    seen.add(sel.pid);
    const row = rows.find((r) => r.shell.pid === sel.pid);
    const name = row?.label ?? `pid ${sel.pid}`;
    const protectedBecause = protectionOf(model.snapshot, model.topology, sel.pid, ctx);
    if (protectedBecause) {
      skipped.push({ pid: sel.pid, name, because: protectedBecause });
    } else if (!row) {
      skipped.push({ pid: sel.pid, name, because: 'no longer a shell of a pty host' });
    } else if (sameIdentity(row.shell, sel)) {
      skipped.push({ pid: sel.pid, name, because: sameIdentity(row.shell, sel)! });
    } else if (refusal(row)) {
      skipped.push({ pid: sel.pid, name, because: refusal(row)! });
    } else {
      targets.push(toTarget(row, ctx.home));
    }
  }
  return newPlan({ action: 'kill-terminals', verb: 'Kill', noun: ['Terminal', 'Terminals'], targets, skipped }, ctx.nowMs);
}

/** Why "detached older than minAgeMs" leaves a shell out, or undefined if the rule chooses it. */
function leftOutBecause(row: ShellRow, minAgeMs: number): string | undefined {
  if (row.status === 'attachedHere') return STATUS_TEXT.attachedHere;
  if (row.status === 'attachedOther') return `attached (other window, extension host pid ${row.claimedBy})`;
  if (row.ageMs < minAgeMs) return `younger than ${formatDuration(minAgeMs)} (age ${formatDuration(row.ageMs)})`;
  return undefined;
}

/** Plan for every detached shell at least minAgeMs old; every other shell of the view is named in notIncluded. */
export function planKillDetachedOlderThan(model: TerminalsModel, minAgeMs: number, ctx: PlanContext): Plan<ShellTarget> {
  const chosen: ShellRow[] = [];
  const notIncluded: NotIncluded[] = [];
  for (const r of rowsOf(model)) {
    const reason = leftOutBecause(r, minAgeMs);
    if (reason) notIncluded.push({ name: `${r.label} (pid ${r.shell.pid})`, reason });
    else chosen.push(r);
  }
  const plan = planKillTerminals(
    model,
    chosen.map((r) => r.shell),
    ctx,
  );
  return newPlan({ ...plan, action: 'kill-detached-terminals', notIncluded }, ctx.nowMs);
}

/** Shells the user can pick from when no tree selection is given: every shell this window may kill. */
export function killableRows(model: TerminalsModel): ShellRow[] {
  return rowsOf(model).filter((r) => !refusal(r));
}

export interface Revalidated {
  valid: ShellTarget[];
  skipped: { target: ShellTarget; because: string }[];
}

/** Why a target's fresh row no longer matches the plan: gone from every pty host, or in another status. */
function statusChange(row: ShellRow | undefined, t: ShellTarget): string | undefined {
  if (!row) return 'no longer a shell of a pty host';
  if (row.status !== t.status) return `now ${STATUS_TEXT[row.status]}`;
  return undefined;
}

/**
 * Right before acting: each target must still be the same process (pid + starttime + uid), not protected,
 * still a shell of a pty host, and still in the status it was planned in (a detached shell that a window
 * re-attached meanwhile is no longer a target).
 */
export function revalidate(targets: readonly ShellTarget[], fresh: TerminalsModel, ctx: SafetyContext): Revalidated {
  const rows = rowsOf(fresh);
  const out: Revalidated = { valid: [], skipped: [] };
  for (const t of targets) {
    const row = rows.find((r) => r.shell.pid === t.pid);
    const rec = fresh.snapshot.processes.get(t.pid);
    const because = sameIdentity(rec, t) ?? protectionOf(fresh.snapshot, fresh.topology, t.pid, ctx) ?? statusChange(row, t);
    if (because) out.skipped.push({ target: t, because });
    else out.valid.push(t);
  }
  return out;
}
