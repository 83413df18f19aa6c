// The policies this extension runs: for each, whether it is on, how a run plans from a fresh model (the same plan
// functions as the manual bulk actions), which RunSpec commits it (the manual flow's), and how it is told.
import * as os from 'os';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { RunSpec, confirmAndRun } from '../../core/flow';
import { Plan } from '../../core/safety';
import { Settings } from '../../core/settings';
import { formatBytes, formatDuration } from '../../probes/format';
import { Bulk } from '../ai/plan';
import { AiSource } from '../ai/source';
import { CleanPlan } from '../extensions/plan';
import { ExtensionsSource } from '../extensions/source';
import { TerminalsModel } from '../terminals/model';
import { TerminalsSource } from '../terminals/source';
import { PolicyId, incompleteScan } from './model';
import { Blocked, attachedShellPids, planDetachedTerminals, planDuplicateAi, planExtensions, planIdleAi, planLeakedAi } from './plan';

// The features' command modules (chunks in the bundle), loaded when a policy commits, not at activation.
/* eslint-disable @typescript-eslint/no-require-imports */
const ai = (): typeof import('../ai/commands') => require('../ai/commands') as typeof import('../ai/commands');
const extensions = (): typeof import('../extensions/commands') =>
  require('../extensions/commands') as typeof import('../extensions/commands');
const terminals = (): typeof import('../terminals/commands') => require('../terminals/commands') as typeof import('../terminals/commands');
/* eslint-enable @typescript-eslint/no-require-imports */

export interface PolicySources {
  terminals: TerminalsSource;
  ai: AiSource;
  extensions: ExtensionsSource;
}

/** One fresh plan of a policy: the plan (or why none), why its data is incomplete, and how to commit it. */
export interface Planned<T> {
  plan: Plan<T> | Blocked;
  incomplete?: string;
  spec(plan: Plan<T>): RunSpec<T>;
}

export interface PolicyDef {
  id: PolicyId;
  enabled(s: Settings): boolean;
  /** A fresh plan (undefined: the data cannot be read at all, e.g. no /proc). */
  plan(s: Settings): Promise<Planned<unknown> | undefined>;
  /** "3 detached shells (at least 4 h old)": what a plan targets. */
  what(plan: Plan<unknown>): string;
  /** Past tense ("stopped") and conditional ("would stop"). */
  done: string;
  would: string;
}

const ctxOf = (core: Core) => ({ selfPid: process.pid, selfUid: core.selfUid, nowMs: Date.now(), home: os.homedir() });
const youngest = (plan: Plan<unknown>): number => Math.min(...(plan.targets as { ageMs: number }[]).map((t) => t.ageMs));
const trees = (plan: Plan<unknown>): number => new Set((plan.targets as { rootPid: number }[]).map((t) => t.rootPid)).size;

export function policyDefs(core: Core, src: PolicySources): PolicyDef[] {
  const stopped = vscode.l10n.t('stopped');
  const wouldStop = vscode.l10n.t('would stop');
  const terminalsPlan = async (hours: number): Promise<Planned<unknown> | undefined> => {
    const model: TerminalsModel | undefined = await src.terminals.get();
    if (!model) return undefined;
    return {
      plan: planDetachedTerminals(model, hours, ctxOf(core)),
      incomplete: incompleteScan(model.snapshot),
      spec: (p) => terminals().killSpec(core, src.terminals, p as never, model),
    };
  };
  const aiPlan = async (make: (m: NonNullable<Awaited<ReturnType<AiSource['get']>>>) => Plan<unknown>, bulk: Bulk = true) => {
    const model = await src.ai.get();
    if (!model) return undefined;
    return {
      plan: make(model),
      incomplete: incompleteScan(model.snapshot),
      spec: (p: Plan<unknown>) => ai().stopSpec(core, src.ai, p as never, bulk) as RunSpec<unknown>,
    };
  };
  const aiWhat = (plan: Plan<unknown>, kind: string) =>
    vscode.l10n.t('{0} {1} AI process tree(s) ({2} processes)', trees(plan), kind, plan.targets.length);
  return [
    {
      id: 'detachedTerminals',
      enabled: (s) => s.policyDetachedTerminalsHours !== null,
      plan: (s) => terminalsPlan(s.policyDetachedTerminalsHours ?? 0),
      what: (plan) => vscode.l10n.t('{0} detached shell(s) (at least {1} old)', plan.targets.length, formatDuration(youngest(plan))),
      done: stopped,
      would: wouldStop,
    },
    {
      id: 'leakedAi',
      enabled: (s) => s.policyLeakedAiMinutes !== null,
      plan: (s) => aiPlan((m) => planLeakedAi(m, s.policyLeakedAiMinutes ?? 0, ctxOf(core))),
      what: (plan) => aiWhat(plan, vscode.l10n.t('leaked')),
      done: stopped,
      would: wouldStop,
    },
    {
      id: 'duplicateAi',
      enabled: (s) => s.policyDuplicateAi,
      plan: () => aiPlan((m) => planDuplicateAi(m, ctxOf(core))),
      what: (plan) => aiWhat(plan, vscode.l10n.t('duplicate')),
      done: stopped,
      would: wouldStop,
    },
    {
      id: 'idleAi',
      enabled: (s) => s.policyIdleAiMinutes !== null,
      plan: async (s) => {
        const terminals = await src.terminals.get();
        if (!terminals) return undefined; // which terminals are attached is unknown: nothing idle is stopped
        return aiPlan((m) => planIdleAi(m, s.policyIdleAiMinutes ?? 0, ctxOf(core), attachedShellPids(terminals)), 'idle');
      },
      what: (plan) => aiWhat(plan, vscode.l10n.t('idle')),
      done: stopped,
      would: wouldStop,
    },
    {
      id: 'extensions',
      enabled: (s) => s.policyExtensionsDays !== null,
      plan: async (s) => {
        const { report, ctx } = await src.extensions.get();
        return {
          plan: planExtensions(report, s.policyExtensionsDays ?? 0, ctx),
          spec: (p) => extensions().cleanSpec(core, src.extensions, p as CleanPlan),
        };
      },
      what: (plan) =>
        vscode.l10n.t(
          '{0} old extension folder(s) ({1}) into the quarantine',
          plan.targets.length,
          formatBytes((plan.targets as { bytes: number }[]).reduce((a, t) => a + t.bytes, 0)),
        ),
      done: vscode.l10n.t('moved'),
      would: vscode.l10n.t('would move'),
    },
  ];
}

/** Notify mode's button: a fresh plan of the policy through the normal manual preview (re-validated, audited). */
export async function reviewPolicy(core: Core, def: PolicyDef): Promise<void> {
  const planned = await def.plan(core.settings());
  if (!planned || 'blocked' in planned.plan) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Nothing to review: {0}', planned && 'blocked' in planned.plan ? planned.plan.blocked : 'no data'),
    );
    return;
  }
  await confirmAndRun(planned.spec(core.plans.issue(planned.plan)), core);
}
