// The detached-terminals policy (csops.policies.detachedTerminals.olderThanHours): what one run would do, built by
// the same pure plan function as "Kill Detached Terminals Older Than…". Pure (no `vscode`).
import { Plan } from '../../core/safety';
import { Snapshot } from '../../probes/scanner';
import { TerminalsModel } from './model';
import { PlanContext, ShellTarget, planKillDetachedOlderThan } from './plan';

/** At most this many targets in one policy run. */
export const POLICY_CAP = 20;

export type PolicyDecision =
  | { kind: 'off' }
  | { kind: 'blocked'; reason: string }
  | { kind: 'nothing' }
  | { kind: 'propose'; plan: Plan<ShellTarget>; overCap: boolean };

/** Why a scan is not complete enough to act on (unreadable /proc, or processes skipped for a reason other than exiting). */
export function incompleteScan(snapshot: Snapshot): string | undefined {
  if (snapshot.unavailable) return snapshot.unavailable;
  const unread = snapshot.skipped.filter((s) => s.reason !== 'vanished');
  return unread.length
    ? `the scan could not read ${unread.length} process(es) (e.g. pid ${unread[0].pid}: ${unread[0].reason})`
    : undefined;
}

export interface DetachedPolicyInput {
  /** csops.policies.detachedTerminals.olderThanHours; null = off. */
  olderThanHours: number | null;
  trusted: boolean;
  /** This window holds the one-runner-per-server lock. */
  leader: boolean;
  model: TerminalsModel;
  ctx: PlanContext;
  cap?: number;
}

export function decideDetachedPolicy(i: DetachedPolicyInput): PolicyDecision {
  if (i.olderThanHours === null) return { kind: 'off' };
  if (!i.trusted) return { kind: 'blocked', reason: 'the workspace is not trusted' };
  if (!i.leader) return { kind: 'blocked', reason: 'another window runs the policies for this server' };
  const incomplete = incompleteScan(i.model.snapshot);
  if (incomplete) return { kind: 'blocked', reason: incomplete };
  if (i.model.unregisteredExtensionHosts.length) {
    const n = i.model.unregisteredExtensionHosts.length;
    return { kind: 'blocked', reason: `${n} window(s) do not run code-server Ops: their shells would look detached` };
  }
  const plan = planKillDetachedOlderThan(i.model, i.olderThanHours * 3_600_000, i.ctx);
  if (plan.targets.length === 0) return { kind: 'nothing' };
  return { kind: 'propose', plan, overCap: plan.targets.length > (i.cap ?? POLICY_CAP) };
}
