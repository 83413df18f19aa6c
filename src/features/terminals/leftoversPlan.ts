// Kill processes — the pure part, for processes that outlived the shell they ran in (and later, other process
// lists). Same rules as terminals: identity by pid + start time + uid, the protected set, skipped with reasons.
import { formatDuration, shortenHome } from '../../probes/format';
import { commandLineText } from '../../probes/redact';
import { Snapshot, descendantsOf, readCwd } from '../../probes/scanner';
import { Topology } from '../../probes/topology';
import {
  Plan,
  ProcessIdentity,
  ProcessTarget,
  SafetyContext,
  SkippedTarget,
  newPlan,
  programOf,
  protectionOf,
  revalidateIdentity,
  sameIdentity,
} from '../../core/safety';

export interface ProcessPlanContext extends SafetyContext {
  nowMs: number;
  home: string;
  /** Why these processes are offered, e.g. "kept running after its terminal was killed". */
  why: string;
}

export function planKillProcesses(
  snapshot: Snapshot,
  topology: Topology,
  selection: readonly (ProcessIdentity & { name?: string })[],
  ctx: ProcessPlanContext,
): Plan<ProcessTarget> {
  const targets: ProcessTarget[] = [];
  const skipped: SkippedTarget[] = [];
  const seen = new Set<number>();
  for (const sel of selection) {
    if (seen.has(sel.pid)) continue;
    seen.add(sel.pid);
    const rec = snapshot.processes.get(sel.pid);
    const name = rec ? commandLineText(rec.argv) || `[${rec.comm}]` : (sel.name ?? `pid ${sel.pid}`);
    const because = !rec ? 'exited' : (protectionOf(snapshot, topology, sel.pid, ctx) ?? sameIdentity(rec, sel));
    if (because || !rec) {
      skipped.push({ pid: sel.pid, name, because: because ?? 'exited' });
      continue;
    }
    const cwd = readCwd(rec.pid, snapshot.procRoot);
    targets.push({
      pid: rec.pid,
      starttime: rec.starttime,
      uid: rec.uid,
      ...programOf(rec),
      name: name.length > 80 ? name.slice(0, 79) + '…' : name,
      facts: `${ctx.why}, age ${formatDuration(ctx.nowMs - rec.startedAtMs)}`,
      rssBytes: rec.rssBytes,
      ageMs: ctx.nowMs - rec.startedAtMs,
      cwd: cwd.ok ? shortenHome(cwd.path, ctx.home) : undefined,
      descendants: descendantsOf(snapshot, rec.pid).map((d) => ({
        pid: d.pid,
        starttime: d.starttime,
        uid: d.uid,
        name: commandLineText(d.argv) || `[${d.comm}]`,
      })),
    });
  }
  return newPlan({ action: 'kill-processes', verb: 'Kill', noun: ['Process', 'Processes'], targets, skipped }, ctx.nowMs);
}

/** Right before acting, against a fresh full scan: same identity and still not protected. */
export const revalidateProcesses = (targets: readonly ProcessTarget[], fresh: Snapshot, topology: Topology, ctx: SafetyContext) =>
  revalidateIdentity(targets, fresh, topology, ctx);
