// The VS Code side of every destructive action: modal preview → single-use check → progress → act → audit → result.
import * as vscode from 'vscode';
import { scrubSecrets } from '../probes/redact';
import { Settings } from './settings';
import { AuditLog, auditTargets } from './audit';
import { Plan, PlanBook, SignalDeps, TargetKind, TargetResult, confirmLabel, previewText, resultMessage } from './safety';

export interface ActionDeps {
  log: vscode.LogOutputChannel;
  audit: AuditLog;
  plans: PlanBook;
  settings(): Settings;
  /** Re-render the views an action may have changed, before its result message. */
  refreshViews(): Promise<void>;
  signals: SignalDeps;
  selfUid: number;
}

export interface RunSpec<T> {
  plan: Plan<T>;
  kind: TargetKind<T>;
  /** What will happen, in the dialog under the list. */
  whatHappens: string;
  /** Progress title, e.g. "Killing 3 terminals…". */
  progressTitle: string;
  /** Past tense for the result, e.g. "Killed". */
  pastVerb: string;
  /** Re-validate and act; returns one result per planned target. */
  act(plan: Plan<T>): Promise<TargetResult<T>[]>;
  /** Extra text and a follow-up offered in the result message (e.g. processes that kept running). */
  followUp?(results: TargetResult<T>[]): { text: string; button: string; severity?: 'info' | 'warning'; run(): Promise<void> } | undefined;
}

/** Shows the modal preview; true only when the user pressed the verb button. */
export async function preview<T>(spec: RunSpec<T>, deps: ActionDeps): Promise<boolean> {
  const { plan } = spec;
  if (plan.targets.length === 0) {
    const why = plan.skipped.map((s) => `${s.name}${s.pid !== undefined ? ` (pid ${s.pid})` : ''}: ${s.because}`).join('; ');
    const verb = plan.verb.toLowerCase();
    void vscode.window.showInformationMessage(
      why ? vscode.l10n.t('Nothing to {0} — {1}', verb, why) : vscode.l10n.t('Nothing to {0}.', verb),
    );
    return false;
  }
  const text = previewText(plan, spec.whatHappens, 12, spec.kind);
  if (text.truncated) {
    deps.log.info(`preview of ${plan.id} (${plan.targets.length} targets):`);
    for (const line of text.fullList) deps.log.info(`  ${scrubSecrets(line)}`);
  }
  const button = confirmLabel(plan);
  const choice = await vscode.window.showWarningMessage(text.message, { modal: true, detail: text.detail }, button);
  if (choice !== button) {
    deps.log.info(`${plan.action}: cancelled in the preview; nothing was done`);
    return false;
  }
  return true;
}

/** What a commit did: one result per planned target, the result message and its follow-up (e.g. Undo). */
export interface Committed<T> {
  results: TargetResult<T>[];
  message: string;
  follow?: ReturnType<NonNullable<RunSpec<T>['followUp']>>;
}

/**
 * The commit of a plan, shared by the manual flow and the policies: take it from the plan book (once, within its
 * lifetime), re-validate and act (spec.act), refresh the views, audit. `policy` marks the audit entry of a policy run.
 * Shows nothing: { refused } (audited as refused, with why) when the plan was expired or already used.
 */
export async function commit<T>(spec: RunSpec<T>, deps: ActionDeps, policy?: string): Promise<Committed<T> | { refused: string }> {
  const { plan } = spec;
  const taken = deps.plans.take(plan, Date.now());
  if (!taken.ok) {
    await deps.audit.record({
      action: plan.action,
      planId: plan.id,
      ...(policy ? { policy } : {}),
      outcome: 'refused',
      message: taken.reason,
      targets: [],
      notTargeted: [],
    });
    return { refused: taken.reason };
  }
  const results = await spec.act(plan);
  await deps.refreshViews().catch(() => undefined); // the views show the effect before the result message
  let message = resultMessage(spec.pastVerb, plan.noun, results, spec.kind);
  if (plan.skipped.length)
    message += `; ${plan.skipped.length} not targeted (${[...new Set(plan.skipped.map((s) => s.because))].join(', ')})`;
  const follow = spec.followUp?.(results);
  if (follow) message += `; ${follow.text}`;
  await deps.audit.record({
    action: plan.action,
    planId: plan.id,
    ...(policy ? { policy } : {}),
    outcome: 'done',
    message,
    targets: auditTargets(results, spec.kind),
    notTargeted: plan.skipped,
  });
  return { results, message, follow };
}

/** Preview, then (if confirmed, and only once per plan, within its lifetime) act, audit and report. */
export async function confirmAndRun<T>(spec: RunSpec<T>, deps: ActionDeps): Promise<TargetResult<T>[] | undefined> {
  if (!(await preview(spec, deps))) return undefined;
  const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: spec.progressTitle }, () =>
    commit(spec, deps),
  );
  if ('refused' in done) {
    void vscode.window.showWarningMessage(vscode.l10n.t('code-server Ops: {0}.', done.refused));
    return undefined;
  }
  const { results, message, follow } = done;
  if (follow) {
    const show = follow.severity === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(message, follow.button).then((choice) => {
      if (choice === follow.button) void follow.run();
    });
  } else if (results.some((r) => r.outcome.kind === 'failed')) {
    void vscode.window.showErrorMessage(message, vscode.l10n.t('Show Log')).then((c) => c && deps.log.show());
  } else {
    void vscode.window.showInformationMessage(message);
  }
  return results;
}
