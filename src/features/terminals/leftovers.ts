// Kill processes (e.g. children that outlived a killed terminal): preview → re-validate → SIGTERM → SIGKILL → report.
import * as os from 'os';
import * as vscode from 'vscode';
import { classifyTopology } from '../../probes/topology';
import { ActionDeps, confirmAndRun } from '../../core/flow';
import { ProcessIdentity, processKind, signalTargets } from '../../core/safety';
import { planKillProcesses, revalidateProcesses } from './leftoversPlan';

export async function killLeftoverProcesses(deps: ActionDeps, identities: readonly (ProcessIdentity & { name?: string })[], why: string): Promise<void> {
  const snapshot = await deps.scan();
  if (snapshot.unavailable) {
    void vscode.window.showErrorMessage(`code-server Ops cannot read the process table: ${snapshot.unavailable}`);
    return;
  }
  const ctx = { selfPid: process.pid, selfUid: deps.selfUid };
  const plan = deps.plans.issue(
    planKillProcesses(snapshot, classifyTopology(snapshot, process.pid), identities, { ...ctx, nowMs: Date.now(), home: os.homedir(), why }),
  );
  const graceMs = deps.settings().killGraceSeconds * 1000;
  const n = plan.targets.length;
  await confirmAndRun(
    {
      plan,
      kind: processKind,
      whatHappens:
        `Each process gets SIGTERM and, if still running after ${graceMs / 1000} s, SIGKILL. ` +
        'Each one is re-checked (pid, start time, owner) right before every signal.',
      progressTitle: `Killing ${n} process${n === 1 ? '' : 'es'}…`,
      pastVerb: 'Killed',
      act: async (p) => {
        const fresh = await deps.scan();
        const { valid, skipped } = revalidateProcesses(p.targets, fresh, classifyTopology(fresh, process.pid), ctx);
        const signalled = await signalTargets(valid, 'SIGTERM', graceMs, deps.signals);
        return [...skipped.map(({ target, because }) => ({ target, outcome: { kind: 'skipped' as const, because } })), ...signalled];
      },
    },
    deps,
  );
}
