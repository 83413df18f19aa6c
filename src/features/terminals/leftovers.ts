// Kill processes (e.g. children that outlived a killed terminal): preview → re-validate → SIGTERM → SIGKILL → report.
import * as os from 'os';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { confirmAndRun } from '../../core/flow';
import { ProcessIdentity, processKind, signalTargets } from '../../core/safety';
import { planKillProcesses, revalidateProcesses } from './leftoversPlan';

export async function killLeftoverProcesses(
  deps: Core,
  identities: readonly (ProcessIdentity & { name?: string })[],
  why: string,
): Promise<void> {
  const { snapshot, topology } = await deps.scans.request();
  if (snapshot.unavailable) {
    void vscode.window.showErrorMessage(vscode.l10n.t('code-server Ops cannot read the process table: {0}', snapshot.unavailable));
    return;
  }
  const ctx = { selfPid: process.pid, selfUid: deps.selfUid };
  const plan = deps.plans.issue(planKillProcesses(snapshot, topology, identities, { ...ctx, nowMs: Date.now(), home: os.homedir(), why }));
  const graceMs = deps.settings().killGraceSeconds * 1000;
  const n = plan.targets.length;
  await confirmAndRun(
    {
      plan,
      kind: processKind,
      whatHappens: vscode.l10n.t(
        'Each process gets SIGTERM and, if still running after {0} s, SIGKILL. ' +
          'Each one is re-checked (pid, start time, owner) right before every signal.',
        graceMs / 1000,
      ),
      progressTitle: n === 1 ? vscode.l10n.t('Killing {0} process…', n) : vscode.l10n.t('Killing {0} processes…', n),
      pastVerb: 'Killed',
      act: async (p) => {
        const fresh = await deps.scans.request();
        const { valid, skipped } = revalidateProcesses(p.targets, fresh.snapshot, fresh.topology, ctx);
        const signalled = await signalTargets(valid, 'SIGTERM', graceMs, deps.signals);
        return [...skipped.map(({ target, because }) => ({ target, outcome: { kind: 'skipped' as const, because } })), ...signalled];
      },
    },
    deps,
  );
}
