// The policies — the pure part: which policies exist, the gate every run passes (trust, leader, workspace-set
// settings, complete scan, minimum interval, per-run cap), and the run history persisted in global storage
// (validated with zod when read back). No `vscode` import: unit tests drive it.
import * as z from 'zod/mini';
import { once } from '../../probes/once';
import { Plan } from '../../core/safety';
import { Snapshot } from '../../probes/scanner';

export const POLICY_IDS = ['detachedTerminals', 'leakedAi', 'duplicateAi', 'idleAi', 'extensions'] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

/** Which view shows a policy's last run (in its title's description). */
export const POLICY_VIEW: Record<PolicyId, 'terminals' | 'ai' | 'extensions'> = {
  detachedTerminals: 'terminals',
  leakedAi: 'ai',
  duplicateAi: 'ai',
  idleAi: 'ai',
  extensions: 'extensions',
};

/** At most this many targets in one policy run; a run with more only notifies. */
export const POLICY_CAP = 20;

export type PolicyMode = 'notify' | 'act';

export type PolicyDecision<T> =
  | { kind: 'off' }
  | { kind: 'blocked'; reason: string }
  | { kind: 'nothing' }
  /** Say what it would do (mode notify, or act downgraded: `why` says why it did not act). */
  | { kind: 'notify'; plan: Plan<T>; why?: string }
  | { kind: 'act'; plan: Plan<T> };

export interface GateInput<T> {
  enabled: boolean;
  mode: PolicyMode;
  trusted: boolean;
  /** This window holds the one-runner-per-server lock. */
  leader: boolean;
  /** csops.policies.* keys a workspace tried to set (ignored by the settings, but then nothing acts). */
  workspaceSet: readonly string[];
  /** Why the data the plan was built from is incomplete, if it is. */
  incomplete?: string;
  /** The plan, or why one could not be made. */
  plan: Plan<T> | { blocked: string };
  cap?: number;
}

/** What one run of one policy does: the same rules for every policy. */
export function decide<T>(i: GateInput<T>): PolicyDecision<T> {
  if (!i.enabled) return { kind: 'off' };
  if (!i.trusted) return { kind: 'blocked', reason: 'the workspace is not trusted' };
  if (!i.leader) return { kind: 'blocked', reason: 'another window runs the policies for this server' };
  if (i.incomplete) return { kind: 'blocked', reason: i.incomplete };
  if ('blocked' in i.plan) return { kind: 'blocked', reason: i.plan.blocked };
  const plan = i.plan;
  if (plan.targets.length === 0) return { kind: 'nothing' };
  if (i.mode === 'notify') return { kind: 'notify', plan };
  if (i.workspaceSet.length)
    return { kind: 'notify', plan, why: `not acted on: the workspace sets ${i.workspaceSet.join(', ')} (only user settings count)` };
  const cap = i.cap ?? POLICY_CAP;
  if (plan.targets.length > cap)
    return { kind: 'notify', plan, why: `not acted on: ${plan.targets.length} targets, more than the per-run cap of ${cap}` };
  return { kind: 'act', plan };
}

/** Whether a run is due: never more often than the minimum interval (the last run is shared by all windows). */
export function due(lastRunAtMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return lastRunAtMs === undefined || nowMs - lastRunAtMs >= intervalMs || nowMs < lastRunAtMs;
}

/** Why a scan is not complete enough to act on (unreadable /proc, or processes skipped for a reason other than exiting). */
export function incompleteScan(snapshot: Snapshot): string | undefined {
  if (snapshot.unavailable) return snapshot.unavailable;
  const unread = snapshot.skipped.filter((s) => s.reason !== 'vanished');
  return unread.length
    ? `the scan could not read ${unread.length} process(es) (e.g. pid ${unread[0].pid}: ${unread[0].reason})`
    : undefined;
}

/** The history file's schema, built on first use (not when the bundle loads). */
const historyRecord = once(() => {
  const RunRecord = z.object({
    atMs: z.number(),
    mode: z.enum(['notify', 'act']),
    /** What the run did, e.g. "stopped 3 detached shells" or "would stop 2 …" or "not run: …". */
    summary: z.string().check(z.maxLength(500)),
    /** Targets acted on in that run. */
    acted: z.int().check(z.minimum(0)),
  });
  const PolicyState = z.object({
    last: z.optional(RunRecord),
    /** Targets acted on by this policy on this server, ever (csops_policy_actions_total). */
    actionsTotal: z.int().check(z.minimum(0)),
  });
  return z.object({
    version: z.literal(1),
    /** When any policy last ran (the minimum interval counts from it). */
    lastRunAtMs: z.optional(z.number()),
    policies: z.partialRecord(z.enum(POLICY_IDS), PolicyState),
  });
});
export type History = z.infer<ReturnType<typeof historyRecord>>;
export type RunRecord = NonNullable<NonNullable<History['policies'][PolicyId]>['last']>;

export const emptyHistory = (): History => ({ version: 1, policies: {} });

/** The history from its file's text; anything unreadable starts over (with why). */
export function parseHistory(text: string | undefined): { history: History; problem?: string } {
  if (text === undefined) return { history: emptyHistory() };
  try {
    const r = historyRecord().safeParse(JSON.parse(text));
    if (r.success) return { history: r.data };
    return { history: emptyHistory(), problem: `not a valid policy history: ${r.error.issues[0]?.message ?? 'invalid'}` };
  } catch (e) {
    return { history: emptyHistory(), problem: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The history after one run of one policy. */
export function recordRun(h: History, id: PolicyId, run: RunRecord): History {
  const prev = h.policies[id];
  return {
    ...h,
    lastRunAtMs: Math.max(h.lastRunAtMs ?? 0, run.atMs),
    policies: { ...h.policies, [id]: { last: run, actionsTotal: (prev?.actionsTotal ?? 0) + run.acted } },
  };
}

/** The policies' line in a view's title: the latest run's time and what each of the view's policies last did. */
export function viewNote(h: History, view: 'terminals' | 'ai' | 'extensions'): { atMs: number; text: string } | undefined {
  const runs = POLICY_IDS.filter((id) => POLICY_VIEW[id] === view)
    .map((id) => h.policies[id]?.last)
    .filter((r): r is RunRecord => r !== undefined)
    .sort((a, b) => b.atMs - a.atMs);
  if (runs.length === 0) return undefined;
  return { atMs: runs[0].atMs, text: runs.map((r) => r.summary).join('; ') };
}

/** csops_policy_actions_total's series: every policy, at 0 until it acts. */
export function actionsTotals(h: History): Record<PolicyId, number> {
  return Object.fromEntries(POLICY_IDS.map((id) => [id, h.policies[id]?.actionsTotal ?? 0])) as Record<PolicyId, number>;
}
