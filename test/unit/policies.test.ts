import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Plan, newPlan } from '../../src/core/safety';
import { Snapshot } from '../../src/probes/scanner';
import { settingsFrom } from '../../src/core/settingsRead';
import { readExtensionsDir } from '../../src/probes/extensionsDir';
import { renderMetrics, ScanCost } from '../../src/features/metrics/server';
import {
  POLICY_CAP,
  actionsTotals,
  decide,
  due,
  emptyHistory,
  incompleteScan,
  parseHistory,
  recordRun,
  viewNote,
  GateInput,
} from '../../src/features/policies/model';
import { planDetachedTerminals, planDuplicateAi, planExtensions, planLeakedAi } from '../../src/features/policies/plan';
import { HistoryOnDemand, HistoryTrigger, readHistory, writeHistory } from '../../src/features/policies/history';
import { CS, CS_NOW, proc, scanFixture, terminalsModelOf } from './procFixtures';
import { AI, AI_NOW, aiDupViewOf, scanAi } from './aiFixtures';
import { DAY, LAYOUT, SELF, TempDirs, buildExtensionsDir, setAge } from './extensionsFixtures';

const planOf = (n: number): Plan<{ pid: number }> =>
  newPlan(
    { action: 'x', verb: 'Stop', noun: ['P', 'Ps'], targets: Array.from({ length: n }, (_, i) => ({ pid: 100 + i })), skipped: [] },
    0,
  );

describe('policies: the gate of every run', () => {
  const gate = (o: Partial<GateInput<{ pid: number }>> = {}) =>
    decide({ enabled: true, mode: 'act', trusted: true, leader: true, workspaceSet: [], plan: planOf(3), ...o });

  it('acts only when on, trusted, the leader, on a complete scan, within the cap, and in act mode', () => {
    assert.strictEqual(gate().kind, 'act');
    assert.deepStrictEqual(gate({ enabled: false }), { kind: 'off' });
    assert.deepStrictEqual(gate({ trusted: false }), { kind: 'blocked', reason: 'the workspace is not trusted' });
    assert.match((gate({ leader: false }) as { reason: string }).reason, /another window runs the policies/);
    assert.deepStrictEqual(gate({ incomplete: 'the scan could not read 1 process(es)' }), {
      kind: 'blocked',
      reason: 'the scan could not read 1 process(es)',
    });
    assert.deepStrictEqual(gate({ plan: { blocked: 'why' } }), { kind: 'blocked', reason: 'why' });
    assert.deepStrictEqual(gate({ plan: planOf(0) }), { kind: 'nothing' });
  });

  it('notify mode never acts; an untrusted window does not even notify', () => {
    const d = gate({ mode: 'notify' });
    assert.ok(d.kind === 'notify' && d.why === undefined && d.plan.targets.length === 3);
    assert.strictEqual(gate({ mode: 'notify', trusted: false }).kind, 'blocked');
  });

  it('a policy setting a workspace tried to set: notify instead of act, saying why', () => {
    const d = gate({ workspaceSet: ['csops.policies.mode'] });
    assert.ok(d.kind === 'notify');
    assert.match(d.why ?? '', /workspace sets csops\.policies\.mode/);
  });

  it('per-run cap: more targets than the cap → notify instead, saying why', () => {
    assert.strictEqual(POLICY_CAP, 20);
    assert.strictEqual(gate({ plan: planOf(20) }).kind, 'act');
    const d = gate({ plan: planOf(21) });
    assert.ok(d.kind === 'notify');
    assert.strictEqual(d.why, 'not acted on: 21 targets, more than the per-run cap of 20');
    assert.strictEqual(gate({ plan: planOf(3), cap: 2 }).kind, 'notify');
  });

  it('minimum interval: due only once the interval has passed since the last run (of any window)', () => {
    assert.strictEqual(due(undefined, 1000, 60_000), true);
    assert.strictEqual(due(1000, 1000 + 59_999, 60_000), false);
    assert.strictEqual(due(1000, 1000 + 60_000, 60_000), true);
    assert.strictEqual(due(5000, 1000, 60_000), true, 'a last run in the future (clock change) does not block forever');
  });
});

describe('policies: plans', () => {
  let snap: Snapshot;
  let uid: number;
  before(async () => {
    snap = await scanFixture('codeserver');
    uid = proc(snap, CS.idle).uid;
  });
  const ctx = () => ({ selfPid: CS.extHost, selfUid: uid, nowMs: CS_NOW, home: '/home/coder' });
  const pids = (p: ReturnType<typeof planDetachedTerminals>) => ('blocked' in p ? [] : p.targets.map((t) => t.pid));

  it('detached terminals: the same targets as "Kill Detached Terminals Older Than…", with what it leaves out', () => {
    const model = terminalsModelOf(snap);
    assert.deepStrictEqual(pids(planDetachedTerminals(model, 0, ctx())), [CS.busy, CS.idle, CS.serving]);
    assert.deepStrictEqual(pids(planDetachedTerminals(model, 0.5, ctx())), [CS.serving]);
    assert.deepStrictEqual(pids(planDetachedTerminals(model, 2, ctx())), []);
    const p = planDetachedTerminals(model, 0.5, ctx());
    assert.ok(!('blocked' in p) && p.action === 'kill-detached-terminals');
    assert.ok(!('blocked' in p) && (p.notIncluded ?? []).some((n) => /younger than/.test(n.reason)));
  });

  it('incomplete scan: unreadable processes make it incomplete, exited ones do not', () => {
    const denied: Snapshot = { ...snap, skipped: [{ pid: 4242, reason: 'permission', detail: 'EACCES' }] };
    assert.match(incompleteScan(denied) ?? '', /could not read 1 process\(es\).*4242/);
    const vanished: Snapshot = { ...snap, skipped: [{ pid: 4243, reason: 'vanished', detail: 'ENOENT' }] };
    assert.strictEqual(incompleteScan(vanished), undefined);
    assert.strictEqual(incompleteScan({ ...snap, unavailable: '/proc cannot be read (EACCES)' }), '/proc cannot be read (EACCES)');
    assert.strictEqual(incompleteScan(snap), undefined);
  });

  describe('AI', () => {
    let ai: ReturnType<typeof aiDupViewOf>;
    let aiUid: number;
    before(async () => {
      const s = await scanAi();
      ai = aiDupViewOf(s);
      aiUid = proc(s, AI.claudeNew).uid;
    });
    const aiCtx = () => ({ selfPid: AI.extHost, selfUid: aiUid, nowMs: AI_NOW, home: '/home/coder' });
    const roots = (p: Plan<{ rootPid: number }>) => [...new Set(p.targets.map((t) => t.rootPid))].sort((a, b) => a - b);

    it('leaked: only leaked trees at least N minutes old; younger ones are named as not included', () => {
      const all = planLeakedAi(ai, 0, aiCtx());
      assert.deepStrictEqual(
        roots(all),
        [AI.codexLeaked, AI.devtoolsMcpLeaked].sort((a, b) => a - b),
      );
      assert.ok(all.targets.every((t) => t.state === 'leaked'));
      const ages = ai.rows.filter((r) => r.tree.state === 'leaked').map((r) => AI_NOW - r.tree.startedAtMs);
      const between = (Math.min(...ages) + Math.max(...ages)) / 2 / 60_000;
      assert.ok(Math.min(...ages) < Math.max(...ages), 'the fixture has leaked trees of different ages');
      const older = planLeakedAi(ai, between, aiCtx());
      assert.strictEqual(roots(older).length, 1);
      assert.ok((older.notIncluded ?? []).some((n) => /younger than/.test(n.reason)));
      assert.deepStrictEqual(roots(planLeakedAi(ai, Math.max(...ages) / 60_000 + 1, aiCtx())), []);
    });

    it('duplicate: only the duplicate trees (never the newest copy)', () => {
      const p = planDuplicateAi(ai, aiCtx());
      assert.deepStrictEqual(roots(p), [AI.claudeOld]);
      assert.ok(!p.targets.some((t) => t.rootPid === AI.claudeNew));
    });
  });

  describe('extensions', () => {
    const dirs = new TempDirs();
    afterEach(() => dirs.removeAll());
    const ctxFor = (nowMs: number, unlistedHosts: [] | undefined = []) => ({
      nowMs,
      readOptions: {},
      loadedPaths: new Set<string>(),
      unlistedHosts,
      selfPath: '',
      realpathOf: (p: string) => fs.realpathSync(p),
      sizeOf: () => 1024,
    });

    it('moves obsolete and older-version folders last modified at least N days ago; nothing else', async () => {
      const ext = buildExtensionsDir(dirs.make());
      const old = LAYOUT.obsolete[1];
      setAge(ext.path(old), 3 * DAY, ext.nowMs);
      const report = await readExtensionsDir(ext.dir, ext.nowMs);
      const ctx = { ...ctxFor(ext.nowMs), selfPath: ext.path(SELF) };
      const p1 = planExtensions(report, 1, ctx);
      assert.ok(!('blocked' in p1));
      assert.deepStrictEqual(
        p1.targets.map((t) => t.name),
        [old],
      );
      assert.ok((p1.notIncluded ?? []).some((n) => n.name === LAYOUT.obsolete[0] && /within 1 days/.test(n.reason)));
      assert.ok((p1.notIncluded ?? []).some((n) => n.name === LAYOUT.unreferenced[1] && /not moved by the policy/.test(n.reason)));
      const p0 = planExtensions(report, 0, ctx);
      assert.ok(!('blocked' in p0));
      assert.deepStrictEqual(p0.targets.map((t) => t.name).sort(), [...LAYOUT.obsolete, ...LAYOUT.olderVersion].sort());
      assert.ok(p0.targets.every((t) => t.cls === 'obsolete' || t.cls === 'olderVersion'));
      const blind = planExtensions(report, 0, { ...ctx, unlistedHosts: undefined });
      assert.ok('blocked' in blind && /cannot be listed/.test(blind.blocked));
    });
  });
});

describe('policies: history and metrics', () => {
  it('records each run, sums actions, and says what the view’s policies last did', () => {
    let h = emptyHistory();
    assert.strictEqual(viewNote(h, 'terminals'), undefined);
    h = recordRun(h, 'detachedTerminals', { atMs: 1000, mode: 'act', summary: 'stopped 3 detached shell(s)', acted: 3 });
    h = recordRun(h, 'detachedTerminals', { atMs: 2000, mode: 'act', summary: 'stopped 1 detached shell(s)', acted: 1 });
    h = recordRun(h, 'leakedAi', { atMs: 1500, mode: 'notify', summary: 'would stop 1 leaked AI tree', acted: 0 });
    h = recordRun(h, 'duplicateAi', { atMs: 1600, mode: 'notify', summary: 'nothing to do', acted: 0 });
    assert.strictEqual(h.lastRunAtMs, 2000);
    assert.deepStrictEqual(viewNote(h, 'terminals'), { atMs: 2000, text: 'stopped 1 detached shell(s)' });
    assert.deepStrictEqual(viewNote(h, 'ai'), { atMs: 1600, text: 'nothing to do; would stop 1 leaked AI tree' });
    assert.deepStrictEqual(actionsTotals(h), { detachedTerminals: 4, leakedAi: 0, duplicateAi: 0, idleAi: 0, extensions: 0 });
  });

  it('persists 0600, reads back validated; anything else starts over with why', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-policies-'));
    try {
      const file = path.join(dir, 'sub', 'policies.json');
      assert.deepStrictEqual(readHistory(file), { history: emptyHistory() });
      const h = recordRun(emptyHistory(), 'extensions', { atMs: 5, mode: 'act', summary: 'moved 2', acted: 2 });
      writeHistory(file, h);
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepStrictEqual(readHistory(file).history, h);
      fs.writeFileSync(file, '{"version":1,"policies":{"extensions":{"actionsTotal":-1}}}');
      assert.match(readHistory(file).problem ?? '', /not a valid policy history/);
      assert.match(parseHistory('{').problem ?? '', /not JSON/);
      assert.match(parseHistory('{"version":2,"policies":{}}').problem ?? '', /not a valid/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('view notes: runs another window records are re-read when a view shows or the window gains focus, without a timer', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-policies-'));
    const realSetTimeout = global.setTimeout;
    const realSetInterval = global.setInterval;
    let timers = 0;
    try {
      const file = path.join(dir, 'policies.json');
      const shown: (string | undefined)[] = [];
      // the two triggers the window wires: a view that shows the notes became visible; the window gained focus
      const listeners: Record<'visible' | 'focus', (() => void)[]> = { visible: [], focus: [] };
      const trigger =
        (k: keyof typeof listeners): HistoryTrigger =>
        (l) => {
          listeners[k].push(l);
          return { dispose: () => listeners[k].splice(listeners[k].indexOf(l), 1) };
        };
      const fire = (k: keyof typeof listeners) => listeners[k].forEach((l) => l());
      (global as { setTimeout: unknown }).setTimeout = (...a: Parameters<typeof setTimeout>) => (timers++, realSetTimeout(...a));
      (global as { setInterval: unknown }).setInterval = (...a: Parameters<typeof setInterval>) => (timers++, realSetInterval(...a));
      const notes = new HistoryOnDemand(file, (r) => shown.push(viewNote(r.history, 'terminals')?.text));
      const sub = notes.watch([trigger('visible'), trigger('focus')]);
      fire('visible');
      assert.deepStrictEqual(shown, [undefined], 'no run recorded yet');
      // another window (the policy runner) records a run
      const run = (atMs: number, summary: string) => ({ atMs, mode: 'act' as const, summary, acted: 1 });
      writeHistory(file, recordRun(emptyHistory(), 'detachedTerminals', run(1000, 'stopped 1 detached shell(s)')));
      fire('visible');
      assert.deepStrictEqual(shown, [undefined, 'stopped 1 detached shell(s)']);
      fire('focus');
      fire('visible');
      assert.strictEqual(shown.length, 2, 'an unchanged record is not parsed and shown again (one stat)');
      writeHistory(file, recordRun(readHistory(file).history, 'detachedTerminals', run(2000, 'stopped 2 detached shell(s)')));
      fire('focus');
      assert.deepStrictEqual(shown.slice(2), ['stopped 2 detached shell(s)']);
      sub.dispose();
      assert.deepStrictEqual([listeners.visible.length, listeners.focus.length], [0, 0]);
      assert.strictEqual(timers, 0, 'no timer: nothing runs while nobody looks');
    } finally {
      global.setTimeout = realSetTimeout;
      global.setInterval = realSetInterval;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('csops_policy_actions_total{policy}: one series per policy, zeros included', async () => {
    const h = recordRun(emptyHistory(), 'detachedTerminals', { atMs: 1, mode: 'act', summary: 's', acted: 3 });
    const text = await renderMetrics(
      { extHostRssBytes: 1, heapUsedBytes: 1, heapLimitBytes: 1, extHosts: [], oomKills: [], policyActions: actionsTotals(h) },
      new ScanCost(),
    );
    assert.match(text, /# TYPE csops_policy_actions_total counter/);
    assert.match(text, /csops_policy_actions_total\{policy="detachedTerminals"\} 3/);
    assert.match(text, /csops_policy_actions_total\{policy="extensions"\} 0/);
  });
});

describe('policies: settings', () => {
  const from = (global: Record<string, unknown>, workspace: Record<string, unknown> = {}) =>
    settingsFrom({ get: () => undefined, inspect: (k) => ({ globalValue: global[k], workspaceValue: workspace[k] }) });

  it('every policy is off by default; null = off; mode notify unless "act"', () => {
    const s = from({});
    assert.deepStrictEqual(
      [
        s.policyDetachedTerminalsHours,
        s.policyLeakedAiMinutes,
        s.policyDuplicateAi,
        s.policyIdleAiMinutes,
        s.policyExtensionsDays,
        s.policyMode,
      ],
      [null, null, false, null, null, 'notify'],
    );
    const on = from({
      'policies.detachedTerminals.olderThanHours': 0,
      'policies.leakedAi.olderThanMinutes': 30,
      'policies.duplicateAi': true,
      'policies.idleAi.olderThanMinutes': 60,
      'policies.extensions.olderThanDays': 7,
      'policies.mode': 'act',
    });
    assert.deepStrictEqual(
      [
        on.policyDetachedTerminalsHours,
        on.policyLeakedAiMinutes,
        on.policyDuplicateAi,
        on.policyIdleAiMinutes,
        on.policyExtensionsDays,
        on.policyMode,
      ],
      [0, 30, true, 60, 7, 'act'],
    );
    assert.strictEqual(from({ 'policies.leakedAi.olderThanMinutes': -1 }).policyLeakedAiMinutes, null);
    assert.strictEqual(from({ 'policies.mode': 'ACT' }).policyMode, 'notify');
  });

  it('a workspace value is ignored (user-only) and recorded: then nothing acts', () => {
    const s = from({}, { 'policies.mode': 'act', 'policies.detachedTerminals.olderThanHours': 0 });
    assert.strictEqual(s.policyMode, 'notify');
    assert.strictEqual(s.policyDetachedTerminalsHours, null);
    assert.deepStrictEqual(s.policyWorkspaceSet.sort(), ['csops.policies.detachedTerminals.olderThanHours', 'csops.policies.mode']);
    assert.deepStrictEqual(from({ 'policies.mode': 'act' }).policyWorkspaceSet, []);
  });

  it('interval: fractional minutes with a floor of 0.25 (15 s)', () => {
    assert.strictEqual(from({}).policyIntervalMinutes, 15);
    assert.strictEqual(from({ 'policies.intervalMinutes': 0.25 }).policyIntervalMinutes, 0.25);
    assert.strictEqual(from({ 'policies.intervalMinutes': 0.5 }).policyIntervalMinutes, 0.5);
    assert.strictEqual(from({ 'policies.intervalMinutes': 0.1 }).policyIntervalMinutes, 15, 'below the floor: the default');
  });
});
