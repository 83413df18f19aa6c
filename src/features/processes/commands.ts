// The Processes view's commands: Stop… on chosen trees (preview lists every process and port that goes away; SIGTERM,
// then SIGKILL after csops.processes.stopGraceSeconds; re-validated against a fresh full scan; audited), sort, filter.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { confirmAndRun } from '../../core/flow';
import { instanceOf, selectedItems } from '../../core/source';
import { TargetKind, describeTarget, signalTargets } from '../../core/safety';
import { StopTarget, planStopProcesses, portText, revalidateStop } from './plan';
import { ProcessesSource } from './source';
import { ProcItem, ProcessesView } from './tree';

const stopKind: TargetKind<StopTarget> = {
  describe: describeTarget,
  bytes: (t) => t.rssBytes,
  identity: (t) => ({ pid: t.pid, starttime: t.starttime, uid: t.uid, ports: t.ports.map(portText).join(' ') }),
  name: (t) => t.name,
};

export async function stopProcesses(core: Core, source: ProcessesSource, item?: unknown, selected?: unknown): Promise<void> {
  const items = selectedItems(instanceOf(ProcItem), item, selected);
  // An extension group stands for its processes; a process row for its whole tree.
  const roots = items
    .flatMap((i) => (i.node.kind === 'extension' ? i.node.children : [i.node]))
    .flatMap((n) => (n.record ? [n.record] : []));
  if (roots.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Choose a process in the Processes view, then Stop Process Tree….'));
    return;
  }
  core.log.info(`processes: Stop… on pid(s) ${roots.map((r) => r.pid).join(', ')}`);
  const state = await source.state(2000); // the plan is re-validated against a fresh full scan at commit anyway
  if (!state.ok) {
    void vscode.window.showWarningMessage(vscode.l10n.t('code-server Ops cannot read the process table: {0}', state.reason));
    return;
  }
  const { snapshot, topology } = state.scan;
  const ctx = { selfPid: process.pid, selfUid: core.selfUid, nowMs: Date.now(), ports: state.sockets.byPid };
  const plan = core.plans.issue(planStopProcesses(snapshot, topology, roots, ctx));
  const graceMs = core.settings().processesStopGraceSeconds * 1000;
  const ports = plan.targets.flatMap((t) => t.ports.map(portText));
  const whatHappens = [
    ports.length ? vscode.l10n.t('Ports that go away: {0}.', ports.join(', ')) : vscode.l10n.t('No listening port goes away.'),
    vscode.l10n.t(
      'Every process gets SIGTERM, children before their parents; whatever still runs after {0} s gets SIGKILL.',
      graceMs / 1000,
    ),
    vscode.l10n.t('Each process is re-checked (pid, start time, owner, program, not protected) right before every signal.'),
  ].join(' ');
  await confirmAndRun<StopTarget>(
    {
      plan,
      kind: stopKind,
      whatHappens,
      progressTitle:
        plan.targets.length === 1
          ? vscode.l10n.t('Stopping {0} process…', plan.targets.length)
          : vscode.l10n.t('Stopping {0} processes…', plan.targets.length),
      pastVerb: 'Stopped',
      act: async (p) => {
        const fresh = await core.scans.request();
        const { valid, skipped } = revalidateStop(p.targets, fresh.snapshot, fresh.topology, {
          selfPid: process.pid,
          selfUid: core.selfUid,
        });
        const signalled = await signalTargets(valid, 'SIGTERM', graceMs, core.signals);
        return [...skipped.map(({ target, because }) => ({ target, outcome: { kind: 'skipped' as const, because } })), ...signalled];
      },
    },
    core,
  );
}

export async function filterProcesses(view: ProcessesView): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Filter Processes'),
    value: view.filter,
    prompt: vscode.l10n.t('A name or command text, a pid, or a port (":8080"); empty shows everything'),
    placeHolder: vscode.l10n.t('e.g. tsserver, 12345, :3000'),
  });
  if (text !== undefined) view.setFilter(text);
}
