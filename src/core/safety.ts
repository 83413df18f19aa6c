// The pure core every destructive action goes through: identities, the protected set, single-use expiring plans,
// and the signal loop that re-verifies identity before each signal. No `vscode` import: unit tests drive it.
import { formatBytes } from '../probes/format';
import { ProcessRecord, Snapshot, ancestorsOf } from '../probes/scanner';
import { Topology } from '../probes/topology';

/** What identifies a process across time: a pid alone can be reused. */
export interface ProcessIdentity {
  pid: number;
  starttime: number;
  uid: number;
}

export interface ProcessTarget extends ProcessIdentity {
  name: string;
  /** The facts that made it a target, e.g. "detached, age 4 h 10 min". */
  facts: string;
  rssBytes: number;
  ageMs: number;
  cwd?: string;
  /** Descendants at plan time: reported if they outlive the target. */
  descendants: (ProcessIdentity & { name: string })[];
}

export interface SkippedTarget {
  /** Processes have a pid, folders a path. */
  pid?: number;
  path?: string;
  name: string;
  because: string;
}

/** How an action's targets are shown, sized and audited: processes (pid + start time), folders (path + inode). */
export interface TargetKind<T> {
  /** One line for the dialog and the log. */
  describe(t: T): string;
  /** Bytes freed when it is gone (RSS of a process tree, disk of a folder). */
  bytes(t: T): number;
  /** Identity fields for the audit log. */
  identity(t: T): Record<string, string | number>;
  name(t: T): string;
}

/** Something a bulk plan leaves out on purpose, shown in the preview under "Not included" (e.g. an active tree). */
export interface NotIncluded {
  name: string;
  reason: string;
}

export interface Plan<T> {
  id: string;
  /** Machine name of the action, e.g. "kill-terminals". */
  action: string;
  /** Verb for the button and the result, e.g. "Kill". */
  verb: string;
  /** Singular / plural noun, e.g. ["Terminal", "Terminals"]. */
  noun: [string, string];
  targets: T[];
  skipped: SkippedTarget[];
  /** Bulk plans: what they leave out and why (not targets, not skipped: never chosen). */
  notIncluded?: NotIncluded[];
  createdAtMs: number;
  expiresAtMs: number;
}

export const PLAN_TTL_MS = 60_000;

export interface SafetyContext {
  selfPid: number;
  selfUid: number;
}

/**
 * Why a process may never be a target, or undefined if it may. Applies whatever the selection or settings:
 * pid 1, kernel threads, the server processes and every extensionHost / ptyHost / fileWatcher / agentHost,
 * this extension host and its ancestors, processes of other users, and anything without a start time.
 */
export function protectionOf(snapshot: Snapshot, topology: Topology, pid: number, ctx: SafetyContext): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 1) return pid === 1 ? 'pid 1 (init) is protected' : 'not a valid pid';
  const rec = snapshot.processes.get(pid);
  if (!rec) return 'cannot be identified (not readable, no start time)';
  if (pid === ctx.selfPid) return 'this extension host is protected';
  if (ancestorsOf(snapshot, ctx.selfPid).some((a) => a.pid === pid)) return 'an ancestor of this extension host is protected';
  const role = topology.roles.get(pid);
  if (role) return `the ${role === 'server' ? 'code-server / VS Code server' : role} process is protected`;
  if (rec.argv.length === 0 && (rec.ppid === 2 || rec.pid === 2)) return 'kernel threads are protected';
  if (rec.uid !== ctx.selfUid) return `belongs to another user (uid ${rec.uid})`;
  return undefined;
}

let planCounter = 0;

export function newPlan<T>(
  fields: Pick<Plan<T>, 'action' | 'verb' | 'noun' | 'targets' | 'skipped' | 'notIncluded'>,
  nowMs: number,
): Plan<T> {
  planCounter++;
  return { ...fields, id: `${fields.action}-${nowMs}-${planCounter}`, createdAtMs: nowMs, expiresAtMs: nowMs + PLAN_TTL_MS };
}

/** "Kill 3 Terminals" / "Kill 1 Terminal". */
export function confirmLabel(plan: Plan<unknown>): string {
  return `${plan.verb} ${plan.targets.length} ${plan.noun[plan.targets.length === 1 ? 0 : 1]}`;
}

/**
 * Plans are single-use and expire. `take` hands a plan out once; later calls (a double click, a replay)
 * or calls after the expiry get a reason instead and must do nothing.
 */
export class PlanBook {
  private readonly issued = new Map<string, { plan: Plan<unknown>; used: boolean; expiresAtMs: number }>();

  issue<P extends Plan<unknown>>(plan: P): P {
    const now = plan.createdAtMs;
    for (const [id, e] of this.issued) if (now > e.expiresAtMs + PLAN_TTL_MS) this.issued.delete(id); // forget old previews
    this.issued.set(plan.id, { plan, used: false, expiresAtMs: plan.expiresAtMs });
    return plan;
  }

  take(plan: Plan<unknown>, nowMs: number): { ok: true } | { ok: false; reason: string } {
    const entry = this.issued.get(plan.id);
    if (!entry || entry.plan !== plan) return { ok: false, reason: 'this plan was not issued here; nothing was done' };
    if (entry.used) return { ok: false, reason: 'this plan was already carried out; nothing was done again' };
    entry.used = true;
    if (nowMs > entry.expiresAtMs) {
      return { ok: false, reason: `the preview expired (plans are valid for ${PLAN_TTL_MS / 1000} s); nothing was done — run the action again` };
    }
    for (const [id, e] of this.issued) if (e.used && nowMs > e.expiresAtMs) this.issued.delete(id);
    return { ok: true };
  }
}

/** Is `rec` still the very process the target named? */
export function sameIdentity(rec: ProcessRecord | undefined, t: ProcessIdentity): string | undefined {
  if (!rec) return 'exited';
  if (rec.starttime !== t.starttime) return 'pid reused by another process';
  if (rec.uid !== t.uid) return `owner changed (uid ${t.uid} → ${rec.uid})`;
  return undefined;
}

export type Outcome =
  | { kind: 'done'; how: string }
  | { kind: 'skipped'; because: string }
  | { kind: 'failed'; error: string };

export interface TargetResult<T> {
  target: T;
  outcome: Outcome;
}

export interface SignalDeps {
  /** Re-reads one process now (undefined if it is gone). */
  reread(pid: number): ProcessRecord | undefined;
  signal(pid: number, sig: 'SIGHUP' | 'SIGTERM' | 'SIGKILL'): void;
  sleep(ms: number): Promise<void>;
}

/**
 * Sends `first` to every target, waits up to graceMs for them to exit, then SIGKILL to survivors.
 * Identity (pid + starttime + uid) is re-verified immediately before every signal.
 */
export async function signalTargets<T extends ProcessIdentity>(
  targets: readonly T[],
  first: 'SIGHUP' | 'SIGTERM',
  graceMs: number,
  deps: SignalDeps,
): Promise<TargetResult<T>[]> {
  const results = new Map<T, Outcome>();
  const pending: T[] = [];
  for (const t of targets) {
    const changed = sameIdentity(deps.reread(t.pid), t);
    if (changed) {
      results.set(t, { kind: 'skipped', because: changed });
      continue;
    }
    try {
      deps.signal(t.pid, first);
      pending.push(t);
    } catch (e) {
      results.set(t, isGone(e) ? { kind: 'done', how: 'exited' } : { kind: 'failed', error: errorText(e) });
    }
  }
  const step = 100;
  for (let waited = 0; pending.length > 0 && waited < graceMs; waited += step) {
    await deps.sleep(step);
    for (let i = pending.length - 1; i >= 0; i--) {
      const rec = deps.reread(pending[i].pid);
      if (sameIdentity(rec, pending[i]) || rec?.state === 'Z') {
        results.set(pending[i], { kind: 'done', how: `exited after ${first}` });
        pending.splice(i, 1);
      }
    }
  }
  for (const t of pending) {
    const rec = deps.reread(t.pid);
    const changed = sameIdentity(rec, t);
    if (changed || rec?.state === 'Z') {
      results.set(t, { kind: 'done', how: `exited after ${first}` });
      continue;
    }
    try {
      deps.signal(t.pid, 'SIGKILL');
      results.set(t, { kind: 'done', how: `killed with SIGKILL after ${graceMs / 1000} s` });
    } catch (e) {
      results.set(t, isGone(e) ? { kind: 'done', how: `exited after ${first}` } : { kind: 'failed', error: errorText(e) });
    }
  }
  return targets.map((target) => ({ target, outcome: results.get(target)! }));
}

/** "Terminals" → "terminals", "AI Processes" → "AI processes" (acronyms stay). */
function lowerNoun(noun: string): string {
  return noun.replace(/\w+/g, (w) => (w.length > 1 && w === w.toUpperCase() ? w : w.toLowerCase()));
}

/** ESRCH: it exited between the re-check and the signal — the goal is met. */
function isGone(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ESRCH';
}

function errorText(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EPERM') return 'permission denied (EPERM)';
  if (code === 'ESRCH') return 'no such process (ESRCH)';
  return e instanceof Error ? e.message : String(e);
}

/** Descendants of the targets that are still alive after the action (same identity). */
export function survivors<T extends ProcessTarget>(
  targets: readonly T[],
  reread: (pid: number) => ProcessRecord | undefined,
): (ProcessIdentity & { name: string })[] {
  const out: (ProcessIdentity & { name: string })[] = [];
  const seen = new Set<number>();
  for (const t of targets) {
    for (const d of t.descendants) {
      if (seen.has(d.pid)) continue;
      seen.add(d.pid);
      const rec = reread(d.pid);
      if (!sameIdentity(rec, d) && rec?.state !== 'Z') out.push(d);
    }
  }
  return out;
}

/** One line per target for dialogs and the log: "bash (pid 123) — detached, age 4 h, 12 MB, ~/proj". */
export function describeTarget(t: ProcessTarget): string {
  return `${t.name} (pid ${t.pid}) — ${t.facts}, ${formatBytes(t.rssBytes)}${t.cwd ? `, ${t.cwd}` : ''}`;
}

export const processKind: TargetKind<ProcessTarget> = {
  describe: describeTarget,
  bytes: (t) => t.rssBytes,
  identity: (t) => ({ pid: t.pid, starttime: t.starttime, uid: t.uid }),
  name: (t) => t.name,
};

function describeSkipped(s: SkippedTarget): string {
  return `${s.name}${s.pid !== undefined ? ` (pid ${s.pid})` : ''}: ${s.because}`;
}

export interface DialogText {
  message: string;
  detail: string;
  /** The whole list, for the output channel when the dialog is truncated. */
  fullList: string[];
  truncated: boolean;
}

/**
 * The modal's text: every target (up to maxLines, then "and N more"), every skipped one, what a bulk plan leaves out
 * ("Not included: name — reason"), and what will happen.
 */
export function previewText(plan: Plan<ProcessTarget>, whatHappens: string, maxLines?: number): DialogText;
export function previewText<T>(plan: Plan<T>, whatHappens: string, maxLines: number, kind: TargetKind<T>): DialogText;
export function previewText<T>(plan: Plan<T>, whatHappens: string, maxLines = 12, kind?: TargetKind<T>): DialogText {
  const k = kind ?? (processKind as unknown as TargetKind<T>);
  const lines = plan.targets.map((t) => k.describe(t));
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`… and ${lines.length - maxLines} more (full list in the output channel "code-server Ops")`);
  const skipped = plan.skipped.map(describeSkipped);
  const parts = [shown.map((l) => `• ${l}`).join('\n')];
  if (skipped.length) parts.push(`Skipped:\n${skipped.slice(0, 6).map((l) => `• ${l}`).join('\n')}${skipped.length > 6 ? `\n… and ${skipped.length - 6} more` : ''}`);
  const left = (plan.notIncluded ?? []).map((n) => `${n.name} — ${n.reason}`);
  const leftMore = left.length > 6 ? `\n… and ${left.length - 6} more` : '';
  if (left.length) parts.push(`Not included:\n${left.slice(0, 6).map((l) => `• ${l}`).join('\n')}${leftMore}`);
  parts.push(whatHappens);
  return {
    message: `${confirmLabel(plan)}?`,
    detail: parts.join('\n\n'),
    fullList: [...lines, ...skipped.map((s) => `skipped: ${s}`), ...left.map((l) => `not included: ${l}`)],
    truncated: lines.length > maxLines || skipped.length > 6 || left.length > 6,
  };
}

/** "Killed 3 terminals, freed 180 MB; 1 skipped (exited)". */
export function resultMessage(pastVerb: string, noun: [string, string], results: TargetResult<ProcessTarget>[]): string;
export function resultMessage<T>(pastVerb: string, noun: [string, string], results: TargetResult<T>[], kind: TargetKind<T>): string;
export function resultMessage<T>(pastVerb: string, noun: [string, string], results: TargetResult<T>[], kind?: TargetKind<T>): string {
  const k = kind ?? (processKind as unknown as TargetKind<T>);
  const done = results.filter((r) => r.outcome.kind === 'done');
  const freed = done.reduce((sum, r) => sum + k.bytes(r.target), 0);
  const skipped = results.filter((r) => r.outcome.kind === 'skipped');
  const failed = results.filter((r) => r.outcome.kind === 'failed');
  let text = `${pastVerb} ${done.length} ${lowerNoun(done.length === 1 ? noun[0] : noun[1])}`;
  if (done.length > 0) text += `, freed ${formatBytes(freed)}`;
  const reasons = (rs: TargetResult<T>[]): string =>
    [...new Set(rs.map((r) => (r.outcome.kind === 'skipped' ? r.outcome.because : r.outcome.kind === 'failed' ? r.outcome.error : '')))].join(', ');
  if (skipped.length) text += `; ${skipped.length} skipped (${reasons(skipped)})`;
  if (failed.length) text += `; ${failed.length} failed (${reasons(failed)})`;
  return text;
}

