// The detached-terminals policy runner (opt-in, notify only): one window per server (the leader lock in the window
// registry) checks every csops.policies.intervalMinutes and, when detached shells are old enough, says so with a
// button that opens the normal Kill preview (fresh scan, re-validation, audit). It never kills by itself.
import * as os from 'os';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Holder, releaseLead, tryLead } from '../../probes/policy/leader';
import { checkPid } from '../../probes/windowRegistry';
import { previewDetachedOlderThan } from './commands';
import { decideDetachedPolicy } from './policyPlan';
import { TerminalsSource } from './source';

const TICK_MS = 60_000;

export class DetachedTerminalsPolicy implements vscode.Disposable {
  private readonly timer: NodeJS.Timeout;
  private readonly first: NodeJS.Timeout;
  private lastRunAtMs = 0;
  /** The targets last notified about: the same set is not announced again every interval. */
  private lastNotified = '';
  private running = false;

  constructor(
    private readonly core: Core,
    private readonly source: TerminalsSource,
  ) {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.first = setTimeout(() => void this.tick(), 5_000);
  }

  private get self(): Holder | undefined {
    const st = this.core.presence.starttime;
    return st === undefined ? undefined : { pid: process.pid, starttime: st };
  }

  async tick(): Promise<void> {
    if (this.running) return;
    const s = this.core.settings();
    const self = this.self;
    if (s.policyDetachedTerminalsHours === null) {
      if (self) releaseLead(this.core.presence.dir, self);
      return;
    }
    if (Date.now() - this.lastRunAtMs < s.policyIntervalMinutes * 60_000) return;
    if (!self) return;
    this.running = true;
    this.lastRunAtMs = Date.now();
    try {
      const lead = tryLead(this.core.presence.dir, self, (pid, starttime) => checkPid(pid, starttime, s.procRoot));
      if (!lead.leader) {
        this.core.log.debug(`policies: not the runner (${lead.why})`);
        return;
      }
      const model = await this.source.get();
      if (!model) return;
      const hours = s.policyDetachedTerminalsHours;
      const d = decideDetachedPolicy({
        olderThanHours: hours,
        trusted: vscode.workspace.isTrusted,
        leader: true,
        model,
        ctx: { selfPid: process.pid, selfUid: this.core.selfUid, nowMs: Date.now(), home: os.homedir() },
      });
      if (d.kind === 'blocked') this.core.log.info(`policies: detached terminals: not run: ${d.reason}`);
      if (d.kind !== 'propose') {
        this.lastNotified = '';
        return;
      }
      const key = d.plan.targets.map((t) => `${t.pid}:${t.starttime}`).join(',');
      this.core.log.info(`policies: detached terminals: ${d.plan.targets.length} shell(s) at least ${hours} h old (notify)`);
      if (key === this.lastNotified) return;
      this.lastNotified = key;
      const review = vscode.l10n.t('Review…');
      // Not awaited: a notification left open must not hold up the next runs. The button opens the normal preview.
      void vscode.window
        .showInformationMessage(
          vscode.l10n.t('Policy: {0} detached shell(s) at least {1} h old could be stopped.', d.plan.targets.length, hours),
          review,
        )
        .then((choice) => (choice === review ? previewDetachedOlderThan(this.core, this.source, hours) : undefined));
    } catch (e) {
      this.core.log.warn(`policies: detached terminals failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.first);
    const self = this.self;
    if (self) releaseLead(this.core.presence.dir, self);
  }
}
