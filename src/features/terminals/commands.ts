// Kill terminals: from the tree (one row, a multi-selection, or "detached older than…") or the palette (quick pick).
// plan (pure, ./plan) → modal preview → re-validate against a fresh scan → dispose / SIGHUP → SIGKILL → report.
import * as os from 'os';
import * as vscode from 'vscode';
import { formatBytes, formatDuration } from '../../probes/format';
import { TerminalsModel, processIdsOf } from './model';
import { Core } from '../../core';
import { RunSpec, confirmAndRun } from '../../core/flow';
import { instanceOf, selectedItems } from '../../core/source';
import { killLeftoverProcesses } from './leftovers';
import { Plan, ProcessIdentity, TargetResult, processKind, signalTargets, survivors } from '../../core/safety';
import { ShellItem } from './tree';
import { TerminalsSource } from './source';
import { disposeTerminalsOf } from './disposeTerminals';
import { STATUS_TEXT, ShellTarget, killableRows, planKillDetachedOlderThan, planKillTerminals, revalidate } from './plan';

/** terminal.processId waits for workspace trust: after the confirmation, never wait longer than this for it. */
const PROCESS_ID_TIMEOUT_MS = 1500;

function planContext(deps: Core) {
  return { selfPid: process.pid, selfUid: deps.selfUid, nowMs: Date.now(), home: os.homedir() };
}

async function freshModel(source: TerminalsSource): Promise<TerminalsModel | undefined> {
  const model = await source.get();
  if (!model)
    void vscode.window.showErrorMessage(vscode.l10n.t('code-server Ops cannot read the process table (/proc); nothing was done.'));
  return model;
}

/** "Kill…" on a row, a multi-selection, or from the palette (then a quick pick of killable shells). */
export async function killTerminals(deps: Core, source: TerminalsSource, item?: unknown, selected?: unknown): Promise<void> {
  const model = await freshModel(source);
  if (!model) return;
  let selection: ProcessIdentity[] = selectedItems(instanceOf(ShellItem), item, selected).map((i) => i.row.shell);
  if (selection.length === 0) {
    const rows = killableRows(model);
    if (rows.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No terminals this window can kill.'));
      return;
    }
    const picked = await vscode.window.showQuickPick(
      rows.map((r) => ({
        label: r.label,
        description: `pid ${r.shell.pid} · ${STATUS_TEXT[r.status]}`,
        detail: `age ${formatDuration(r.ageMs)} · ${formatBytes(r.totalRssBytes)}${r.cwd.ok ? ` · ${r.cwd.path}` : ''}`,
        picked: false,
        shell: r.shell,
      })),
      {
        canPickMany: true,
        title: vscode.l10n.t('Kill Terminals'),
        placeHolder: vscode.l10n.t('Select the shells to kill (a preview follows)'),
      },
    );
    if (!picked || picked.length === 0) return;
    selection = picked.map((p) => p.shell);
  }
  await run(deps, source, deps.plans.issue(planKillTerminals(model, selection, planContext(deps))), model);
}

const AGE_CHOICES = [1, 3, 12, 24];

/** "Kill Detached Terminals Older Than…": asks for the age (default from csops.terminals.detachedGraceHours). */
export async function killDetachedOlderThan(deps: Core, source: TerminalsSource): Promise<void> {
  const dflt = deps.settings().detachedGraceHours;
  const hoursList = [...new Set([dflt, ...AGE_CHOICES])].sort((a, b) => a - b);
  const choice = await vscode.window.showQuickPick(
    [
      ...hoursList.map((h) => ({
        label: vscode.l10n.t('{0} h', h),
        description: h === dflt ? vscode.l10n.t('default (csops.terminals.detachedGraceHours)') : undefined,
        hours: h,
      })),
      { label: vscode.l10n.t('Custom…'), description: vscode.l10n.t('any number of hours, e.g. 0.5'), hours: undefined },
    ],
    {
      title: vscode.l10n.t('Kill Detached Terminals Older Than…'),
      placeHolder: vscode.l10n.t('Minimum age of the detached shells to kill (a preview follows)'),
    },
  );
  if (!choice) return;
  let hours = choice.hours;
  if (hours === undefined) {
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Kill Detached Terminals Older Than…'),
      prompt: vscode.l10n.t('Minimum age in hours (0 = every detached shell)'),
      value: String(dflt),
      validateInput: (v) => (/^\s*\d+(\.\d+)?\s*$/.test(v) ? undefined : vscode.l10n.t('Enter a number of hours, e.g. 3 or 0.5')),
    });
    if (text === undefined) return;
    hours = Number(text);
  }
  await previewDetachedOlderThan(deps, source, hours);
}

/** A fresh scan, the plan for detached shells at least `hours` old, and the normal preview (or "none"). */
export async function previewDetachedOlderThan(deps: Core, source: TerminalsSource, hours: number): Promise<void> {
  const model = await freshModel(source);
  if (!model) return;
  const plan = planKillDetachedOlderThan(model, hours * 3_600_000, planContext(deps));
  if (plan.targets.length === 0 && plan.skipped.length === 0) {
    const left = plan.notIncluded ?? [];
    const names = left
      .slice(0, 3)
      .map((n) => `${n.name} — ${n.reason}`)
      .join('; ');
    const more = left.length > 3 ? vscode.l10n.t('; and {0} more', left.length - 3) : '';
    const notIncluded = left.length ? vscode.l10n.t(' Not included: {0}{1}.', names, more) : '';
    void vscode.window.showInformationMessage(vscode.l10n.t('No detached terminals older than {0} h.{1}', hours, notIncluded));
    return;
  }
  await run(deps, source, deps.plans.issue(plan), model);
}

async function run(deps: Core, source: TerminalsSource, plan: Plan<ShellTarget>, model: TerminalsModel): Promise<void> {
  await confirmAndRun<ShellTarget>(killSpec(deps, source, plan, model), deps);
}

/** How a kill of shells is previewed, done (re-validated, signalled) and reported: the manual commands and the policy. */
export function killSpec(deps: Core, source: TerminalsSource, plan: Plan<ShellTarget>, model: TerminalsModel): RunSpec<ShellTarget> {
  const graceMs = deps.settings().killGraceSeconds * 1000;
  const n = plan.targets.length;
  const unregistered = model.unregisteredExtensionHosts.length;
  const whatHappens = [
    vscode.l10n.t(
      'Terminals of this window are closed; every other shell gets SIGHUP (what closing a terminal does) and, ' +
        'if still running after {0} s, SIGKILL. Each process is re-checked (pid, start time, owner) right before every signal.',
      graceMs / 1000,
    ),
    vscode.l10n.t('Child processes that outlive their shell are reported afterwards, not killed.'),
    unregistered
      ? vscode.l10n.t(
          'Note: {0} other window(s) do not run code-server Ops; a shell shown as detached may belong to one of them.',
          unregistered,
        )
      : '',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    plan,
    kind: processKind,
    whatHappens,
    progressTitle: n === 1 ? vscode.l10n.t('Killing {0} terminal…', n) : vscode.l10n.t('Killing {0} terminals…', n),
    pastVerb: 'Killed',
    act: (p) => act(deps, source, p, graceMs),
    followUp: (results) => {
      const left = survivors(
        results.filter((r) => r.outcome.kind === 'done').map((r) => r.target),
        (pid) => deps.signals.reread(pid),
      );
      if (left.length === 0) return undefined;
      const names = left
        .slice(0, 3)
        .map((l) => `${l.name.slice(0, 40)} (pid ${l.pid})`)
        .join(', ');
      const list = `${names}${left.length > 3 ? ', …' : ''}`;
      return {
        text:
          left.length === 1
            ? vscode.l10n.t('{0} child process kept running: {1}', left.length, list)
            : vscode.l10n.t('{0} child processes kept running: {1}', left.length, list),
        button: vscode.l10n.t('Kill Leftovers…'),
        run: () => killLeftoverProcesses(deps, left, 'kept running after its terminal was killed'),
      };
    },
  };
}

async function act(deps: Core, source: TerminalsSource, plan: Plan<ShellTarget>, graceMs: number): Promise<TargetResult<ShellTarget>[]> {
  const fresh = await source.get();
  if (!fresh)
    return plan.targets.map((target) => ({ target, outcome: { kind: 'skipped', because: 'the process table could not be re-read' } }));
  const { valid, skipped } = revalidate(plan.targets, fresh, { selfPid: process.pid, selfUid: deps.selfUid });
  const disposing = valid.filter((v) => v.method === 'dispose');
  const closed = await disposeTerminalsOf(disposing, vscode.window.terminals, {
    timeoutMs: PROCESS_ID_TIMEOUT_MS,
    reread: (pid) => deps.signals.reread(pid),
  });
  for (const t of disposing.filter((d) => !closed.has(d.pid))) {
    deps.log.warn(`${plan.id}: terminal of pid ${t.pid} not found within ${PROCESS_ID_TIMEOUT_MS} ms; its shell gets SIGHUP instead`);
  }
  const signalled = await signalTargets(valid, 'SIGHUP', graceMs, deps.signals);
  return [
    ...skipped.map(({ target, because }) => ({ target, outcome: { kind: 'skipped' as const, because } })),
    ...signalled.map((r) =>
      closed.has(r.target.pid) && r.outcome.kind === 'done' && r.outcome.how.startsWith('exited')
        ? { target: r.target, outcome: { kind: 'done' as const, how: 'terminal closed' } }
        : r,
    ),
  ];
}

/** "Reveal Terminal" on a row of this window. */
export async function revealTerminal(item?: unknown): Promise<void> {
  if (!(item instanceof ShellItem)) return;
  const terminals = vscode.window.terminals;
  const pids = await processIdsOf(terminals, PROCESS_ID_TIMEOUT_MS);
  const i = pids.indexOf(item.row.shell.pid);
  if (i >= 0) {
    terminals[i].show();
    return;
  }
  void vscode.window.showInformationMessage(vscode.l10n.t('Shell {0} is not a terminal of this window.', item.row.shell.pid));
}
