// Stop… in the Processes view — the pure part: every process of the chosen trees (children before parents), each with
// the ports that go away with it; protected roots skipped and protected members left out, both with why. Re-validated
// against a fresh full scan at commit (pid + start time + uid + program, and still not protected).
import { ListeningPort } from '../../probes/ai/ports';
import { formatDuration } from '../../probes/format';
import { commandLineText } from '../../probes/redact';
import { ProcessRecord, Snapshot, descendantsOf } from '../../probes/scanner';
import { Topology } from '../../probes/topology';
import {
  NotIncluded,
  Plan,
  ProcessTarget,
  SafetyContext,
  SkippedTarget,
  newPlan,
  programOf,
  protectionOf,
  revalidateIdentity,
  sameIdentity,
} from '../../core/safety';

export interface StopContext extends SafetyContext {
  nowMs: number;
  ports: Map<number, ListeningPort[]>;
}

export interface StopTarget extends ProcessTarget {
  /** The tree it belongs to (the chosen root). */
  rootPid: number;
  ports: ListeningPort[];
}

const nameOf = (rec: ProcessRecord): string => {
  const n = commandLineText(rec.argv) || `[${rec.comm}]`;
  return n.length > 80 ? n.slice(0, 79) + '…' : n;
};

export const portText = (p: ListeningPort): string => `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}`;

/** The chosen roots (pid + start time as shown) → a plan over their whole trees. */
export function planStopProcesses(
  snapshot: Snapshot,
  topology: Topology,
  roots: readonly { pid: number; starttime: number }[],
  ctx: StopContext,
): Plan<StopTarget> {
  const targets: StopTarget[] = [];
  const skipped: SkippedTarget[] = [];
  const notIncluded: NotIncluded[] = [];
  const seen = new Set<number>();
  for (const root of roots) {
    if (seen.has(root.pid)) continue;
    const rec = snapshot.processes.get(root.pid);
    const because = rec ? (sameIdentity(rec, { ...root, uid: rec.uid }) ?? protectionOf(snapshot, topology, root.pid, ctx)) : 'exited';
    if (because || !rec) {
      skipped.push({ pid: root.pid, name: rec ? nameOf(rec) : `pid ${root.pid}`, because: because ?? 'exited' });
      seen.add(root.pid);
      continue;
    }
    // Children before their parents: the reverse of the depth-first order.
    for (const m of [rec, ...descendantsOf(snapshot, rec.pid)].reverse()) {
      if (seen.has(m.pid)) continue;
      seen.add(m.pid);
      const protectedBecause = protectionOf(snapshot, topology, m.pid, ctx);
      if (protectedBecause) {
        notIncluded.push({ name: `${nameOf(m)} (pid ${m.pid})`, reason: protectedBecause });
        continue;
      }
      const ports = ctx.ports.get(m.pid) ?? [];
      const age = ctx.nowMs - m.startedAtMs;
      const facts = [m.pid === root.pid ? 'chosen' : `in the tree of pid ${root.pid}`, `age ${formatDuration(age)}`];
      if (ports.length) facts.push(`listening on ${ports.map(portText).join(', ')}`);
      targets.push({
        pid: m.pid,
        starttime: m.starttime,
        uid: m.uid,
        ...programOf(m),
        name: nameOf(m),
        facts: facts.join(', '),
        rssBytes: m.rssBytes,
        ageMs: age,
        descendants: [],
        rootPid: root.pid,
        ports,
      });
    }
  }
  return newPlan({ action: 'stop-processes', verb: 'Stop', noun: ['Process', 'Processes'], targets, skipped, notIncluded }, ctx.nowMs);
}

/** Right before acting, against a fresh full scan: same identity and still not protected. */
export const revalidateStop = (targets: readonly StopTarget[], fresh: Snapshot, topology: Topology, ctx: SafetyContext) =>
  revalidateIdentity(targets, fresh, topology, ctx);
