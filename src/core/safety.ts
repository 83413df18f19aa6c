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
  /** Kernel name at plan time; when recorded, a different one at commit means it exec'd another program. */
  comm?: string;
  /** argv[0] at plan time ('' if none); compared like comm. */
  argv0?: string;
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

/** Something a bulk plan left out on purpose (not selected by its rule), e.g. a shell that is attached. */
export interface NotIncluded {
  /** What it is, e.g. "bash (pid 123)". */
  name: string;
  /** Why the rule left it out, e.g. "attached (this window)". */
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
  /** Bulk plans: what the rule left out and why, shown in the preview under "Not included". */
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
  fields: Pick<Plan<T>, 'action' | 'verb' | 'noun' | 'targets' | 'skipped'> & Pick<Partial<Plan<T>>, 'notIncluded'>,
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
      return {
        ok: false,
        reason: `the preview expired (plans are valid for ${PLAN_TTL_MS / 1000} s); nothing was done — run the action again`,
      };
    }
    for (const [id, e] of this.issued) if (e.used && nowMs > e.expiresAtMs) this.issued.delete(id);
    return { ok: true };
  }
}

/** The program fields of an identity, taken from a record at plan time. */
export function programOf(rec: ProcessRecord): { comm: string; argv0: string } {
  return { comm: rec.comm, argv0: rec.argv[0] ?? '' };
}

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 59)}…` : s) || '(none)';

/** Why `rec` no longer runs the program the preview showed (it exec'd), or undefined. A zombie has exited. */
function programChange(rec: ProcessRecord, t: ProcessIdentity): string | undefined {
  if (rec.state === 'Z') return undefined;
  if (t.comm !== undefined && rec.comm !== t.comm) return `changed since the preview (was ${clip(t.comm)}, now ${clip(rec.comm)})`;
  const argv0 = rec.argv[0] ?? '';
  if (t.argv0 !== undefined && argv0 !== t.argv0) return `changed since the preview (argv[0] was ${clip(t.argv0)}, now ${clip(argv0)})`;
  return undefined;
}

/**
 * Is `rec` still the very process the target named: same pid, start time and owner, and — when the plan recorded
 * them — the same comm and argv[0] (a process that exec'd another program since the preview is not what was shown)?
 */
export function sameIdentity(rec: ProcessRecord | undefined, t: ProcessIdentity): string | undefined {
  if (!rec) return 'exited';
  if (rec.starttime !== t.starttime) return 'pid reused by another process';
  if (rec.uid !== t.uid) return `owner changed (uid ${t.uid} → ${rec.uid})`;
  return programChange(rec, t);
}

/**
 * Right before acting, against a fresh full scan: the targets that are still the very process the plan named and still
 * not protected, and the others with why.
 */
export function revalidateIdentity<T extends ProcessTarget>(
  targets: readonly T[],
  fresh: Snapshot,
  topology: Topology,
  ctx: SafetyContext,
) {
  const valid: T[] = [];
  const skipped: { target: T; because: string }[] = [];
  for (const t of targets) {
    const because = sameIdentity(fresh.processes.get(t.pid), t) ?? protectionOf(fresh, topology, t.pid, ctx);
    if (because) skipped.push({ target: t, because });
    else valid.push(t);
  }
  return { valid, skipped };
}

/** The process is gone (exited, reaped, pid reused or re-owned): not the case when it only exec'd another program. */
function goneNow(rec: ProcessRecord | undefined, t: ProcessIdentity): boolean {
  return !rec || rec.state === 'Z' || rec.starttime !== t.starttime || rec.uid !== t.uid;
}

export type Outcome = { kind: 'done'; how: string } | { kind: 'skipped'; because: string } | { kind: 'failed'; error: string };

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
      const outcome = afterFirst(rec, pending[i], first);
      if (outcome) {
        results.set(pending[i], outcome);
        pending.splice(i, 1);
      }
    }
  }
  for (const t of pending) {
    const rec = deps.reread(t.pid);
    const outcome = afterFirst(rec, t, first);
    if (outcome) {
      results.set(t, outcome);
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

/** After the first signal: exited (done), exec'd another program (skipped, never SIGKILLed), or still running (undefined). */
function afterFirst(rec: ProcessRecord | undefined, t: ProcessIdentity, first: string): Outcome | undefined {
  if (goneNow(rec, t)) return { kind: 'done', how: `exited after ${first}` };
  const changed = programChange(rec!, t);
  return changed ? { kind: 'skipped', because: `${changed} after ${first}; not sent SIGKILL` } : undefined;
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
 * The modal's text: every target (up to maxLines, then "and N more"), the skipped ones, what a bulk plan left out
 * ("Not included", with why), and what will happen.
 */
export function previewText(plan: Plan<ProcessTarget>, whatHappens: string, maxLines?: number): DialogText;
export function previewText<T>(plan: Plan<T>, whatHappens: string, maxLines: number, kind: TargetKind<T>): DialogText;
export function previewText<T>(plan: Plan<T>, whatHappens: string, maxLines = 12, kind?: TargetKind<T>): DialogText {
  const k = kind ?? (processKind as unknown as TargetKind<T>);
  const lines = plan.targets.map((t) => k.describe(t));
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`… and ${lines.length - maxLines} more (full list in the output channel "code-server Ops")`);
  const skipped = plan.skipped.map(describeSkipped);
  const notIncluded = (plan.notIncluded ?? []).map((n) => `${n.name} — ${n.reason}`);
  const section = (title: string, items: string[]): string =>
    `${title}:\n${items
      .slice(0, 6)
      .map((l) => `• ${l}`)
      .join('\n')}${items.length > 6 ? `\n… and ${items.length - 6} more` : ''}`;
  const parts = [shown.map((l) => `• ${l}`).join('\n')];
  if (skipped.length) parts.push(section('Skipped', skipped));
  if (notIncluded.length) parts.push(section('Not included', notIncluded));
  parts.push(whatHappens);
  return {
    message: `${confirmLabel(plan)}?`,
    detail: parts.join('\n\n'),
    fullList: [...lines, ...skipped.map((s) => `skipped: ${s}`), ...notIncluded.map((n) => `not included: ${n}`)],
    truncated: lines.length > maxLines || skipped.length > 6 || notIncluded.length > 6,
  };
}

/** Why a target was skipped or failed ('' for a done one). */
function outcomeReason(outcome: Outcome): string {
  if (outcome.kind === 'skipped') return outcome.because;
  if (outcome.kind === 'failed') return outcome.error;
  return '';
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
  const reasons = (rs: TargetResult<T>[]): string => [...new Set(rs.map((r) => outcomeReason(r.outcome)))].join(', ');
  if (skipped.length) text += `; ${skipped.length} skipped (${reasons(skipped)})`;
  if (failed.length) text += `; ${failed.length} failed (${reasons(failed)})`;
  return text;
}
