// The policy runner (opt-in): one window per server (the leader lock in the window registry) runs the enabled
// policies at most every csops.policies.intervalMinutes. Each run plans from a fresh scan, passes the gate (./model:
// trust, leader, workspace-set settings, complete scan, cap) and then either notifies (with a button to the normal
// preview) or commits through the manual actions' commit (re-validated, audited as a policy). Every window shows the
// shared history in the views' titles, re-read at each tick and, without a timer, when a view showing it becomes
// visible or the window gains focus.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { commit } from '../../core/flow';
import { Views } from '../../core/ids';
import { Holder, releaseLead, tryLead } from '../../probes/policy/leader';
import { checkPid } from '../../probes/windowRegistry';
import { PolicyDef, reviewPolicy } from './definitions';
import { HistoryOnDemand, HistoryTrigger, readHistory, writeHistory } from './history';
import { History, RunRecord, decide, due, recordRun, viewNote } from './model';

const MAX_TICK_MS = 60_000;
const VIEW_IDS = { terminals: Views.terminals, ai: Views.ai, extensions: Views.extensions } as const;
/** The views whose titles show the policies' last runs. */
export const NOTE_VIEWS: readonly string[] = Object.values(VIEW_IDS);

export class PolicyRunner implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private disposed = false;
  /** Per policy: the targets last announced, so that the same set is not announced again every interval. */
  private readonly announced = new Map<string, string>();
  private readonly onDemand: HistoryOnDemand;

  constructor(
    private readonly core: Core,
    private readonly defs: PolicyDef[],
    private readonly file: string,
  ) {
    this.onDemand = new HistoryOnDemand(file, (read) => {
      if (read.problem) core.log.warn(`policies: ${read.problem}`);
      this.showNotes(read.history);
    });
    this.schedule(5_000);
  }

  /**
   * The views' notes re-read on these triggers (a view showing them became visible, the window gained focus): with no
   * policy enabled here no tick runs, yet another window may record runs. No timer; one stat while nothing changed.
   */
  watchNotes(triggers: readonly HistoryTrigger[]): vscode.Disposable {
    return this.onDemand.watch(triggers);
  }

  private get self(): Holder | undefined {
    const st = this.core.presence.starttime;
    return st === undefined ? undefined : { pid: process.pid, starttime: st };
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick().finally(() => this.next()), ms);
  }

  /**
   * The next tick, only while a policy is enabled: with none (the default) nothing runs until the settings change
   * (restart()); the views' notes were shown by the last tick, and no window records runs while none is enabled.
   */
  private next(): void {
    if (this.defs.some((d) => d.enabled(this.core.settings()))) this.schedule(this.tickMs());
    else this.timer = undefined;
  }

  /** Until the next run is due (the last run of any window + the interval), at least 1 s, at most a minute. */
  private tickMs(): number {
    const intervalMs = this.core.settings().policyIntervalMinutes * 60_000;
    const last = readHistory(this.file).history.lastRunAtMs;
    const untilDue = last === undefined ? intervalMs : last + intervalMs - Date.now();
    return Math.max(1_000, Math.min(MAX_TICK_MS, intervalMs, untilDue + 100));
  }

  /** Settings changed: look again soon (a policy turned on runs within one tick). */
  restart(): void {
    this.schedule(1_000);
  }

  private showNotes(h: History): void {
    const time = (ms: number) => new Date(ms).toLocaleTimeString();
    for (const [view, id] of Object.entries(VIEW_IDS)) {
      const n = viewNote(h, view as keyof typeof VIEW_IDS);
      this.core.viewNotes.set(id, n && vscode.l10n.t('Policy {0}: {1}', time(n.atMs), n.text));
    }
  }

  async tick(): Promise<void> {
    if (this.running) return;
    const s = this.core.settings();
    const { log } = this.core;
    const enabled = this.defs.filter((d) => d.enabled(s));
    const read = readHistory(this.file);
    if (read.problem) log.warn(`policies: ${read.problem}`);
    this.showNotes(read.history);
    const self = this.self;
    if (enabled.length === 0) {
      if (self) releaseLead(this.core.presence.dir, self);
      return;
    }
    const now = Date.now();
    if (!self || !due(read.history.lastRunAtMs, now, s.policyIntervalMinutes * 60_000)) return;
    this.running = true;
    try {
      const lead = tryLead(this.core.presence.dir, self, (pid, starttime) => checkPid(pid, starttime, s.procRoot));
      if (!lead.leader) {
        log.debug(`policies: not the runner (${lead.why})`);
        return;
      }
      let history = read.history;
      for (const def of enabled) {
        const run = await this.runOne(def).catch((e: unknown): RunRecord => {
          log.warn(`policies: ${def.id} failed: ${e instanceof Error ? e.message : String(e)}`);
          return { atMs: Date.now(), mode: s.policyMode, summary: vscode.l10n.t('failed (see the log)'), acted: 0 };
        });
        history = recordRun(readHistory(this.file).history, def.id, run);
        writeHistory(this.file, history);
      }
      this.showNotes(history);
    } catch (e) {
      log.warn(`policies: run failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
    }
  }

  private async runOne(def: PolicyDef): Promise<RunRecord> {
    const s = this.core.settings();
    const { log } = this.core;
    const atMs = Date.now();
    const record = (summary: string, acted = 0): RunRecord => ({ atMs, mode: s.policyMode, summary, acted });
    const planned = await def.plan(s);
    if (!planned) return record(vscode.l10n.t('not run: the process table cannot be read'));
    const d = decide({
      enabled: true,
      mode: s.policyMode,
      trusted: vscode.workspace.isTrusted,
      leader: true,
      workspaceSet: s.policyWorkspaceSet,
      incomplete: planned.incomplete,
      plan: planned.plan,
    });
    switch (d.kind) {
      case 'off':
        return record('off');
      case 'blocked':
        log.info(`policies: ${def.id}: not run: ${d.reason}`);
        this.announced.delete(def.id);
        return record(vscode.l10n.t('not run: {0}', d.reason));
      case 'nothing': {
        this.announced.delete(def.id);
        const skipped = 'blocked' in planned.plan ? [] : planned.plan.skipped;
        if (skipped.length === 0) return record(vscode.l10n.t('nothing to do'));
        log.info(`policies: ${def.id}: nothing to do; not targeted: ${skipped.map((k) => `${k.name}: ${k.because}`).join('; ')}`);
        return record(vscode.l10n.t('nothing to do ({0} not targeted, e.g. {1})', skipped.length, skipped[0].because));
      }
      case 'notify': {
        const what = def.what(d.plan);
        log.info(`policies: ${def.id}: ${def.would} ${what}${d.why ? ` (${d.why})` : ''}`);
        const key = (d.plan.targets as { pid?: number; starttime?: number; path?: string }[])
          .map((t) => t.path ?? `${t.pid}:${t.starttime}`)
          .join(',');
        if (this.announced.get(def.id) !== key) {
          this.announced.set(def.id, key);
          const review = vscode.l10n.t('Review…');
          const text = vscode.l10n.t('Policy {0} {1}.', def.would, what) + (d.why ? ` ${vscode.l10n.t('({0})', d.why)}` : '');
          // Not awaited: a notification left open must not hold up the next runs. The button opens the normal preview.
          void vscode.window.showInformationMessage(text, review).then((c) => (c === review ? reviewPolicy(this.core, def) : undefined));
        }
        return record(`${def.would} ${what}`);
      }
      case 'act': {
        const plan = this.core.plans.issue(d.plan);
        const done = await commit(planned.spec(plan), this.core, def.id);
        if ('refused' in done) return record(vscode.l10n.t('not run: {0}', done.refused));
        log.info(`policies: ${def.id}: ${done.message}`);
        this.announced.delete(def.id);
        // What was done, not what was planned: a target that changed since the plan is skipped at commit.
        const acted = done.results.filter((r) => r.outcome.kind === 'done').map((r) => r.target);
        const left = done.results.filter((r) => r.outcome.kind !== 'done');
        const why = left.map((r) => {
          const o = r.outcome;
          if (o.kind === 'skipped') return o.because;
          return o.kind === 'failed' ? o.error : '';
        });
        if (acted.length === 0) return record(vscode.l10n.t('nothing done: {0} skipped at commit (e.g. {1})', left.length, why[0] ?? ''));
        const what = def.what({ ...d.plan, targets: acted });
        const text =
          vscode.l10n.t('Policy {0} {1}.', def.done, what) +
          (left.length ? ` ${vscode.l10n.t('{0} skipped (e.g. {1}; see the audit log).', left.length, why[0])}` : '');
        const undo = done.follow?.button === 'Undo' ? done.follow : undefined;
        if (undo) void vscode.window.showInformationMessage(text, undo.button).then((c) => (c === undo.button ? undo.run() : undefined));
        else void vscode.window.showInformationMessage(text);
        return record(`${def.done} ${what}`, acted.length);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    const self = this.self;
    if (self) releaseLead(this.core.presence.dir, self);
  }
}
