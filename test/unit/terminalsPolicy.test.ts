import * as assert from 'assert';
import { decideDetachedPolicy, incompleteScan, POLICY_CAP } from '../../src/features/terminals/policyPlan';
import { Snapshot } from '../../src/probes/scanner';
import { settingsFrom } from '../../src/core/settingsRead';
import { CS, CS_NOW, proc, scanFixture, terminalsModelOf } from './procFixtures';

describe('policies: detached terminals (what one run would do)', () => {
  let snap: Snapshot;
  let uid: number;
  before(async () => {
    snap = await scanFixture('codeserver');
    uid = proc(snap, CS.idle).uid;
  });
  const ctx = () => ({ selfPid: CS.extHost, selfUid: uid, nowMs: CS_NOW, home: '/home/coder' });
  const decide = (o: Partial<Parameters<typeof decideDetachedPolicy>[0]> = {}) =>
    decideDetachedPolicy({ olderThanHours: 0, trusted: true, leader: true, model: terminalsModelOf(snap), ctx: ctx(), ...o });
  const pids = (d: ReturnType<typeof decide>) => (d.kind === 'propose' ? d.plan.targets.map((t) => t.pid) : []);

  it('null = off; otherwise the same targets as "Kill Detached Terminals Older Than…"', () => {
    assert.deepStrictEqual(decide({ olderThanHours: null }), { kind: 'off' });
    assert.deepStrictEqual(pids(decide()), [CS.busy, CS.idle, CS.serving]);
    assert.deepStrictEqual(pids(decide({ olderThanHours: 0.5 })), [CS.serving]);
    assert.deepStrictEqual(decide({ olderThanHours: 2 }), { kind: 'nothing' });
    const d = decide({ olderThanHours: 0.5 });
    assert.ok(d.kind === 'propose' && d.plan.action === 'kill-detached-terminals');
    assert.ok(d.kind === 'propose' && (d.plan.notIncluded ?? []).some((n) => /younger than/.test(n.reason)), 'says what it leaves out');
  });

  it('never proposes in an untrusted workspace, in a window that is not the leader, or on an incomplete scan', () => {
    assert.deepStrictEqual(decide({ trusted: false }), { kind: 'blocked', reason: 'the workspace is not trusted' });
    assert.match((decide({ leader: false }) as { reason: string }).reason, /another window runs the policies/);
    const denied: Snapshot = { ...snap, skipped: [{ pid: 4242, reason: 'permission', detail: 'EACCES' }] };
    assert.match((decide({ model: terminalsModelOf(denied) }) as { reason: string }).reason, /could not read 1 process\(es\).*4242/);
    const vanished: Snapshot = { ...snap, skipped: [{ pid: 4243, reason: 'vanished', detail: 'ENOENT' }] };
    assert.strictEqual(incompleteScan(vanished), undefined, 'a process that exited during the scan does not make it incomplete');
    assert.strictEqual(incompleteScan({ ...snap, unavailable: '/proc cannot be read (EACCES)' }), '/proc cannot be read (EACCES)');
  });

  it('flags a run over the cap (more targets than allowed → notify only)', () => {
    assert.strictEqual(POLICY_CAP, 20);
    const d = decide({ cap: 2 });
    assert.ok(d.kind === 'propose' && d.overCap);
    const e = decide({ cap: 3 });
    assert.ok(e.kind === 'propose' && !e.overCap);
  });

  it('settings: off (null) by default, a number ≥ 0 turns it on, a workspace value is ignored', () => {
    const from = (globalValue: unknown, workspaceValue?: unknown) =>
      settingsFrom({ get: () => undefined, inspect: (k) => (k.startsWith('policies.') ? { globalValue, workspaceValue } : undefined) });
    assert.strictEqual(from(undefined).policyDetachedTerminalsHours, null);
    assert.strictEqual(from(null).policyDetachedTerminalsHours, null);
    assert.strictEqual(from(-1).policyDetachedTerminalsHours, null);
    assert.strictEqual(from('3').policyDetachedTerminalsHours, null);
    assert.strictEqual(from(0).policyDetachedTerminalsHours, 0);
    assert.strictEqual(from(undefined, 0).policyDetachedTerminalsHours, null);
    assert.strictEqual(from(undefined).policyIntervalMinutes, 15);
    assert.strictEqual(from(0.5).policyIntervalMinutes, 15, 'below the 1-minute floor');
  });
});
