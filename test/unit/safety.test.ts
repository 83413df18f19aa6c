import * as assert from 'assert';
import {
  Outcome,
  PLAN_TTL_MS,
  Plan,
  PlanBook,
  ProcessIdentity,
  ProcessTarget,
  SafetyContext,
  SignalDeps,
  SkippedTarget,
  TargetResult,
  confirmLabel,
  describeTarget,
  newPlan,
  previewText,
  protectionOf,
  resultMessage,
  sameIdentity,
  signalTargets,
  survivors,
} from '../../src/core/safety';
import { ProcessRecord, Snapshot } from '../../src/probes/scanner';
import { classifyTopology } from '../../src/probes/topology';
import { CS, editSnapshot, processTarget, proc, record, scanFixture } from './procFixtures';

const MB = 1024 * 1024;
const NOW = 1_800_000_000_000;

const terminalsPlan = (targets: ProcessTarget[], skipped: SkippedTarget[] = [], nowMs = NOW): Plan<ProcessTarget> =>
  newPlan({ action: 'kill-terminals', verb: 'Kill', noun: ['Terminal', 'Terminals'], targets, skipped }, nowMs);

describe('protectionOf on the codeserver fixture', () => {
  let snap: Snapshot;
  let uid: number;
  before(async () => {
    snap = await scanFixture('codeserver');
    uid = proc(snap, CS.idle).uid; // the fixture's files belong to whoever checked them out
  });

  /** protectionOf with the topology as the extension host selfPid sees it. */
  function protection(pid: number, selfPid: number = CS.extHost, s: Snapshot = snap, selfUid = uid): string | undefined {
    const ctx: SafetyContext = { selfPid, selfUid };
    return protectionOf(s, classifyTopology(s, selfPid), pid, ctx);
  }

  it('protects pid 1', () => {
    assert.strictEqual(protection(CS.init), 'pid 1 (init) is protected');
    assert.strictEqual(protection(CS.init, 424242), 'pid 1 (init) is protected');
  });

  it('refuses pid 0, negative, fractional and NaN pids', () => {
    for (const pid of [0, -1, -CS.idle, 1.5, NaN, Infinity]) assert.strictEqual(protection(pid), 'not a valid pid', `pid ${pid}`);
  });

  it('protects a pid the snapshot does not have (no start time to identify it)', () => {
    assert.strictEqual(protection(99999), 'cannot be identified (not readable, no start time)');
    const gone = editSnapshot(snap, { [CS.idle]: null });
    assert.strictEqual(protection(CS.idle, CS.extHost, gone), 'cannot be identified (not readable, no start time)');
  });

  it('protects this extension host and each of its ancestors', () => {
    assert.strictEqual(protection(CS.extHost), 'this extension host is protected');
    for (const pid of [CS.server, CS.launcher]) {
      assert.strictEqual(protection(pid), 'an ancestor of this extension host is protected', `pid ${pid}`);
    }
  });

  it('protects the ancestors of this process even when they are ordinary shells and jobs', () => {
    // If this code ran inside esbuild (pid 11311), its node parent, its shell and the pty host are ancestors.
    for (const pid of [CS.node, CS.serving, CS.ptyHost, CS.server, CS.launcher]) {
      assert.strictEqual(protection(pid, CS.esbuild), 'an ancestor of this extension host is protected', `pid ${pid}`);
    }
    assert.strictEqual(protection(CS.esbuild, CS.esbuild), 'this extension host is protected');
    assert.strictEqual(protection(CS.idle, CS.esbuild), undefined); // a sibling shell is not an ancestor
  });

  it('protects every server role, whoever asks', () => {
    const outsider = 424242; // not in the snapshot: no ancestors, so only the roles protect
    assert.strictEqual(protection(CS.launcher, outsider), 'the code-server / VS Code server process is protected');
    assert.strictEqual(protection(CS.server, outsider), 'the code-server / VS Code server process is protected');
    assert.strictEqual(protection(CS.extHost, outsider), 'the extensionHost process is protected');
    assert.strictEqual(protection(CS.ptyHost, outsider), 'the ptyHost process is protected');
    assert.strictEqual(protection(CS.fileWatcher, outsider), 'the fileWatcher process is protected');
    assert.strictEqual(protection(CS.agentHost, outsider), 'the agentHost process is protected');
    // and from this extension host too (the pty host, file watcher and agent host are siblings, not ancestors)
    assert.strictEqual(protection(CS.ptyHost), 'the ptyHost process is protected');
    assert.strictEqual(protection(CS.fileWatcher), 'the fileWatcher process is protected');
    assert.strictEqual(protection(CS.agentHost), 'the agentHost process is protected');
  });

  it("protects another window's extension host", () => {
    const other = record(20000, CS.server, { argv: [...proc(snap, CS.extHost).argv], starttime: 499500, uid });
    assert.strictEqual(protection(20000, CS.extHost, editSnapshot(snap, {}, [other])), 'the extensionHost process is protected');
  });

  it('protects kernel threads (empty argv, kthreadd or its children)', () => {
    const kthreadd = record(2, 0, { comm: 'kthreadd', argv: [], uid });
    const kworker = record(3, 2, { comm: 'kworker/0:0', state: 'I', argv: [], uid });
    const s = editSnapshot(snap, {}, [kthreadd, kworker]);
    assert.strictEqual(protection(2, CS.extHost, s), 'kernel threads are protected');
    assert.strictEqual(protection(3, CS.extHost, s), 'kernel threads are protected');
  });

  it('protects processes of another user', () => {
    const s = editSnapshot(snap, { [CS.idle]: { uid: uid + 1000 } });
    assert.strictEqual(protection(CS.idle, CS.extHost, s), `belongs to another user (uid ${uid + 1000})`);
    assert.strictEqual(protection(CS.serving, CS.extHost, snap, uid + 1), `belongs to another user (uid ${uid})`);
  });

  it('lets ordinary shells, their jobs and the pty host helpers through', () => {
    for (const pid of [CS.busy, CS.idle, CS.serving, CS.sleep, CS.node, CS.esbuild, CS.cpuUsageSh, CS.copilot]) {
      assert.strictEqual(protection(pid), undefined, `pid ${pid}`);
    }
  });
});

describe('protectionOf on the edge fixture', () => {
  let snap: Snapshot;
  before(async () => {
    snap = await scanFixture('edge');
  });
  const protection = (pid: number) =>
    protectionOf(snap, classifyTopology(snap, 424242), pid, { selfPid: 424242, selfUid: proc(snap, 100).uid });

  it('protects kthreadd and a kworker, not a zombie with an empty argv', () => {
    assert.strictEqual(protection(2), 'kernel threads are protected');
    assert.strictEqual(protection(3), 'kernel threads are protected');
    assert.strictEqual(proc(snap, 102).state, 'Z');
    assert.strictEqual(protection(102), undefined);
  });

  it('protects processes the scanner could not read', () => {
    assert.ok(
      snap.skipped.some((s) => s.pid === 103),
      'pid 103 has no stat in the fixture',
    );
    assert.strictEqual(protection(103), 'cannot be identified (not readable, no start time)');
  });
});

describe('sameIdentity', () => {
  const t: ProcessIdentity = { pid: 50, starttime: 777, uid: 1000 };

  it('is undefined for the very same process, zombie or not', () => {
    assert.strictEqual(sameIdentity(record(50, 1, { starttime: 777, uid: 1000 }), t), undefined);
    assert.strictEqual(sameIdentity(record(50, 1, { starttime: 777, uid: 1000, state: 'Z' }), t), undefined);
  });

  it('names what changed', () => {
    assert.strictEqual(sameIdentity(undefined, t), 'exited');
    assert.strictEqual(sameIdentity(record(50, 1, { starttime: 778, uid: 1000 }), t), 'pid reused by another process');
    assert.strictEqual(sameIdentity(record(50, 1, { starttime: 777, uid: 0 }), t), 'owner changed (uid 1000 → 0)');
  });

  it("names a program that exec'd since the preview (comm or argv[0] changed), when the plan recorded them", () => {
    const sh: ProcessIdentity = { ...t, comm: 'sh', argv0: 'sh' };
    const now = (fields: Partial<ProcessRecord>) =>
      record(50, 1, { starttime: 777, uid: 1000, comm: 'sh', argv: ['sh', '-c', 'x'], ...fields });
    assert.strictEqual(sameIdentity(now({}), sh), undefined);
    assert.strictEqual(sameIdentity(now({ comm: 'sleep', argv: ['sleep', '1001'] }), sh), 'changed since the preview (was sh, now sleep)');
    assert.strictEqual(sameIdentity(now({ argv: ['/bin/sh', '-c', 'x'] }), sh), 'changed since the preview (argv[0] was sh, now /bin/sh)');
    assert.strictEqual(sameIdentity(now({ argv: [] }), sh), 'changed since the preview (argv[0] was sh, now (none))');
    assert.strictEqual(sameIdentity(now({ state: 'Z', argv: [] }), sh), undefined); // a zombie has no argv: it exited
    assert.strictEqual(sameIdentity(now({ comm: 'sleep', argv: ['sleep'] }), t), undefined); // not recorded: not compared
  });
});

describe('newPlan, confirmLabel and PlanBook', () => {
  const plan = (n = 1, nowMs = NOW) =>
    terminalsPlan(
      Array.from({ length: n }, (_, i) => processTarget(100 + i)),
      [],
      nowMs,
    );

  it('newPlan stamps the plan and gives every plan its own id', () => {
    const a = plan();
    const b = plan();
    assert.deepStrictEqual(
      [a.action, a.verb, a.noun, a.createdAtMs, a.expiresAtMs],
      ['kill-terminals', 'Kill', ['Terminal', 'Terminals'], NOW, NOW + PLAN_TTL_MS],
    );
    assert.notStrictEqual(a.id, b.id);
    assert.ok(a.id.startsWith('kill-terminals-'), a.id);
  });

  it('confirmLabel uses the singular for one target and the plural otherwise', () => {
    assert.strictEqual(confirmLabel(plan(1)), 'Kill 1 Terminal');
    assert.strictEqual(confirmLabel(plan(3)), 'Kill 3 Terminals');
    assert.strictEqual(confirmLabel(plan(0)), 'Kill 0 Terminals');
  });

  it('hands an issued plan out once', () => {
    const book = new PlanBook();
    const p = plan();
    assert.strictEqual(book.issue(p), p);
    assert.deepStrictEqual(book.take(p, NOW + 1000), { ok: true });
    const again = book.take(p, NOW + 2000);
    assert.strictEqual(again.ok, false);
    assert.match(!again.ok ? again.reason : '', /already carried out; nothing was done again/);
  });

  it('accepts a take at the expiry instant and refuses one after it, and then for good', () => {
    const book = new PlanBook();
    const onTime = book.issue(plan());
    assert.deepStrictEqual(book.take(onTime, onTime.expiresAtMs), { ok: true });

    const late = book.issue(plan());
    const expired = book.take(late, late.expiresAtMs + 1);
    assert.strictEqual(expired.ok, false);
    assert.match(!expired.ok ? expired.reason : '', /expired \(plans are valid for 60 s\); nothing was done/);
    // the refused take used the plan up: even a (clock-skewed) take "in time" is refused now
    const retry = book.take(late, late.createdAtMs);
    assert.match(!retry.ok ? retry.reason : 'ok', /already carried out/);
  });

  it('refuses a plan that was never issued, or issued by another book', () => {
    const book = new PlanBook();
    const p = plan();
    const never = book.take(p, NOW);
    assert.match(!never.ok ? never.reason : 'ok', /not issued here; nothing was done/);
    new PlanBook().issue(p);
    assert.strictEqual(book.take(p, NOW).ok, false);
  });

  it('keeps plans independent: taking one does not use up another', () => {
    const book = new PlanBook();
    const a = book.issue(plan());
    const b = book.issue(plan());
    assert.deepStrictEqual(book.take(a, NOW), { ok: true });
    assert.deepStrictEqual(book.take(b, NOW), { ok: true });
    assert.strictEqual(book.take(a, NOW).ok, false);
  });

  it('still refuses a used plan after later takes have cleaned up old entries', () => {
    const book = new PlanBook();
    const old = book.issue(plan());
    assert.deepStrictEqual(book.take(old, NOW), { ok: true });
    const later = book.issue(plan(1, NOW + 10 * PLAN_TTL_MS));
    assert.deepStrictEqual(book.take(later, NOW + 10 * PLAN_TTL_MS), { ok: true });
    assert.strictEqual(book.take(old, NOW).ok, false);
  });
});

type Sig = 'SIGHUP' | 'SIGTERM' | 'SIGKILL';
type Table = Map<number, ProcessRecord>;

/** A live process matching processTarget(pid)'s identity. */
const live = (pid: number, fields: Partial<ProcessRecord> = {}): ProcessRecord =>
  record(pid, 1, { starttime: 1000 + pid, uid: 1000, argv: ['x'], ...fields });

/** Signal deps over a fake process table: every signal is recorded as "pid SIG" before `onSignal` reacts to it. */
function fakeSignals(
  records: ProcessRecord[],
  react: { onSignal?(pid: number, sig: Sig, table: Table): void; onSleep?(sleptMs: number, table: Table): void } = {},
) {
  const table: Table = new Map(records.map((r) => [r.pid, r]));
  const sent: string[] = [];
  let sleptMs = 0;
  const deps: SignalDeps = {
    reread: (pid) => table.get(pid),
    signal: (pid, sig) => {
      sent.push(`${pid} ${sig}`);
      react.onSignal?.(pid, sig, table);
    },
    sleep: async (ms) => {
      sleptMs += ms;
      react.onSleep?.(sleptMs, table);
    },
  };
  return { table, sent, deps, slept: () => sleptMs };
}

const exitsOn = (sig: Sig) => (pid: number, s: Sig, table: Table) => {
  if (s === sig) table.delete(pid);
};
const errno = (code: string) => Object.assign(new Error(`kill ${code}`), { code });
const outcomes = <T extends ProcessIdentity>(results: TargetResult<T>[]) => results.map((r) => [r.target.pid, r.outcome]);

describe('signalTargets', () => {
  it('stops at the first signal when the target exits', async () => {
    const f = fakeSignals([live(100)], { onSignal: exitsOn('SIGHUP') });
    const results = await signalTargets([processTarget(100)], 'SIGHUP', 3000, f.deps);
    assert.deepStrictEqual(outcomes(results), [[100, { kind: 'done', how: 'exited after SIGHUP' }]]);
    assert.deepStrictEqual(f.sent, ['100 SIGHUP']);
    assert.strictEqual(f.slept(), 100); // noticed at the first check, did not wait out the grace
  });

  it('names the first signal it sent', async () => {
    const f = fakeSignals([live(100)], { onSignal: exitsOn('SIGTERM') });
    const results = await signalTargets([processTarget(100)], 'SIGTERM', 3000, f.deps);
    assert.deepStrictEqual(outcomes(results), [[100, { kind: 'done', how: 'exited after SIGTERM' }]]);
    assert.deepStrictEqual(f.sent, ['100 SIGTERM']);
  });

  it('sends SIGKILL to a stubborn target after the whole grace period', async () => {
    const f = fakeSignals([live(100)]);
    const results = await signalTargets([processTarget(100)], 'SIGHUP', 3000, f.deps);
    assert.deepStrictEqual(outcomes(results), [[100, { kind: 'done', how: 'killed with SIGKILL after 3 s' }]]);
    assert.deepStrictEqual(f.sent, ['100 SIGHUP', '100 SIGKILL']);
    assert.strictEqual(f.slept(), 3000);
  });

  it('sends SIGKILL at once with no grace', async () => {
    const f = fakeSignals([live(100)]);
    const results = await signalTargets([processTarget(100)], 'SIGTERM', 0, f.deps);
    assert.deepStrictEqual(f.sent, ['100 SIGTERM', '100 SIGKILL']);
    assert.strictEqual(f.slept(), 0);
    assert.strictEqual(results[0].outcome.kind, 'done');
  });

  it('never signals a target whose pid was reused, or changed owner, or exited before the first signal', async () => {
    const f = fakeSignals([live(100, { starttime: 5555 }), live(101, { uid: 0 }), live(103)], { onSignal: exitsOn('SIGHUP') });
    const results = await signalTargets(
      [processTarget(100), processTarget(101), processTarget(102), processTarget(103)],
      'SIGHUP',
      1000,
      f.deps,
    );
    assert.deepStrictEqual(outcomes(results), [
      [100, { kind: 'skipped', because: 'pid reused by another process' }],
      [101, { kind: 'skipped', because: 'owner changed (uid 1000 → 0)' }],
      [102, { kind: 'skipped', because: 'exited' }],
      [103, { kind: 'done', how: 'exited after SIGHUP' }],
    ]);
    assert.deepStrictEqual(f.sent, ['103 SIGHUP']);
  });

  it('never SIGKILLs a new process that took the pid during the grace period', async () => {
    const newcomer = live(100, { starttime: 9999, argv: ['innocent'] });
    const f = fakeSignals([live(100)], {
      onSleep: (slept, table) => {
        if (slept === 200) table.set(100, newcomer); // the target died and its pid went to another process
      },
    });
    const results = await signalTargets([processTarget(100)], 'SIGHUP', 3000, f.deps);
    assert.deepStrictEqual(outcomes(results), [[100, { kind: 'done', how: 'exited after SIGHUP' }]]);
    assert.deepStrictEqual(f.sent, ['100 SIGHUP']);
    assert.strictEqual(f.slept(), 200); // noticed at the next check
    assert.strictEqual(f.table.get(100), newcomer);
  });

  it("never signals a target whose program changed since the preview; never SIGKILLs one that exec'd during the grace", async () => {
    const planned = (pid: number) => processTarget(pid, { comm: 'sh', argv0: 'sh' });
    const execd = (pid: number) => live(pid, { comm: 'sleep', argv: ['sleep', '1001'] });
    const f = fakeSignals([execd(100), live(101, { comm: 'sh', argv: ['sh'] })], {
      onSleep: (slept, table) => {
        if (slept === 200) table.set(101, execd(101)); // ignored SIGHUP, then exec'd another program
      },
    });
    const results = await signalTargets([planned(100), planned(101)], 'SIGHUP', 1000, f.deps);
    assert.deepStrictEqual(outcomes(results), [
      [100, { kind: 'skipped', because: 'changed since the preview (was sh, now sleep)' }],
      [101, { kind: 'skipped', because: 'changed since the preview (was sh, now sleep) after SIGHUP; not sent SIGKILL' }],
    ]);
    assert.deepStrictEqual(f.sent, ['101 SIGHUP']);
  });

  it('re-checks the identity right before SIGKILL (pid reused with no grace)', async () => {
    const f = fakeSignals([live(100)], {
      onSignal: (pid, sig, table) => sig === 'SIGHUP' && table.set(pid, live(pid, { starttime: 9999 })),
    });
    const results = await signalTargets([processTarget(100)], 'SIGHUP', 0, f.deps);
    assert.deepStrictEqual(f.sent, ['100 SIGHUP']);
    assert.deepStrictEqual(outcomes(results), [[100, { kind: 'done', how: 'exited after SIGHUP' }]]);
  });

  it('counts a zombie as exited, during the grace period or at its end', async () => {
    const zombify = (pid: number, sig: Sig, table: Table) => sig === 'SIGHUP' && table.set(pid, live(pid, { state: 'Z', argv: [] }));
    for (const graceMs of [1000, 0]) {
      const f = fakeSignals([live(100)], { onSignal: zombify });
      const results = await signalTargets([processTarget(100)], 'SIGHUP', graceMs, f.deps);
      assert.deepStrictEqual(outcomes(results), [[100, { kind: 'done', how: 'exited after SIGHUP' }]], `grace ${graceMs}`);
      assert.deepStrictEqual(f.sent, ['100 SIGHUP'], `grace ${graceMs}`);
      assert.strictEqual(f.slept(), Math.min(graceMs, 100), `grace ${graceMs}`);
    }
  });

  it('reports EPERM as permission denied and does not go on with that target', async () => {
    const f = fakeSignals([live(100), live(101)], {
      onSignal: (pid) => {
        if (pid === 100) throw errno('EPERM');
      },
    });
    const results = await signalTargets([processTarget(100), processTarget(101)], 'SIGHUP', 1000, f.deps);
    assert.deepStrictEqual(outcomes(results), [
      [100, { kind: 'failed', error: 'permission denied (EPERM)' }],
      [101, { kind: 'done', how: 'killed with SIGKILL after 1 s' }],
    ]);
    assert.deepStrictEqual(f.sent, ['100 SIGHUP', '101 SIGHUP', '101 SIGKILL']);
  });

  it('reports a failing SIGKILL; ESRCH (gone between re-check and signal) counts as exited', async () => {
    const failKill = (error: Error) => (_pid: number, sig: Sig) => {
      if (sig === 'SIGKILL') throw error;
    };
    const cases: [Error, Outcome][] = [
      [errno('EPERM'), { kind: 'failed', error: 'permission denied (EPERM)' }],
      [errno('ESRCH'), { kind: 'done', how: 'exited after SIGTERM' }],
      [new Error('boom'), { kind: 'failed', error: 'boom' }],
    ];
    for (const [error, outcome] of cases) {
      const f = fakeSignals([live(100)], { onSignal: failKill(error) });
      const results = await signalTargets([processTarget(100)], 'SIGTERM', 100, f.deps);
      assert.deepStrictEqual(outcomes(results), [[100, outcome]]);
      assert.deepStrictEqual(f.sent, ['100 SIGTERM', '100 SIGKILL']);
    }
  });

  it('handles a mix of targets and returns the results in target order', async () => {
    const f = fakeSignals([live(100), live(101), live(102, { starttime: 1 })], {
      onSignal: (pid, sig, table) => pid === 100 && exitsOn('SIGHUP')(pid, sig, table),
    });
    const results = await signalTargets([processTarget(100), processTarget(101), processTarget(102)], 'SIGHUP', 500, f.deps);
    assert.deepStrictEqual(
      results.map((r) => r.target.pid),
      [100, 101, 102],
    );
    assert.deepStrictEqual(
      results.map((r) => r.outcome.kind),
      ['done', 'done', 'skipped'],
    );
    assert.deepStrictEqual(f.sent, ['100 SIGHUP', '101 SIGHUP', '101 SIGKILL']);
  });

  it('does not sleep when nothing was signalled', async () => {
    const f = fakeSignals([]);
    assert.deepStrictEqual(outcomes(await signalTargets([processTarget(100)], 'SIGHUP', 3000, f.deps)), [
      [100, { kind: 'skipped', because: 'exited' }],
    ]);
    assert.deepStrictEqual([f.sent, f.slept()], [[], 0]);
  });
});

describe('survivors', () => {
  const child = (pid: number) => ({ pid, starttime: 1000 + pid, uid: 1000, name: `child${pid}` });

  it('returns the descendants still alive with the same identity, each once', () => {
    const targets = [
      processTarget(100, { descendants: [child(201), child(202), child(203), child(204), child(205)] }),
      processTarget(101, { descendants: [child(201), child(206)] }),
    ];
    const table = new Map([
      [201, live(201)], // alive
      // 202 exited
      [203, live(203, { starttime: 42 })], // pid reused
      [204, live(204, { state: 'Z', argv: [] })], // zombie
      [205, live(205, { uid: 0 })], // not the same process any more
      [206, live(206)], // alive
    ]);
    const reread: number[] = [];
    const left = survivors(targets, (pid) => (reread.push(pid), table.get(pid)));
    assert.deepStrictEqual(left, [child(201), child(206)]);
    assert.deepStrictEqual(reread, [201, 202, 203, 204, 205, 206]);
  });

  it('is empty without descendants', () => {
    assert.deepStrictEqual(
      survivors([processTarget(100)], () => live(100)),
      [],
    );
  });
});

describe('describeTarget, previewText and resultMessage', () => {
  const targets = (n: number) => Array.from({ length: n }, (_, i) => processTarget(100 + i, { name: `bash${i}` }));
  const skip = (pid: number, because = 'pid reused by another process'): SkippedTarget => ({ pid, name: `bash${pid}`, because });

  it('describes a target on one line, with the cwd when known', () => {
    assert.strictEqual(describeTarget(processTarget(123, { name: 'bash' })), 'bash (pid 123) — detached, age 1 h, 60 MB');
    assert.strictEqual(
      describeTarget(processTarget(123, { name: 'bash', cwd: '~/proj', rssBytes: 300 * 1024 })),
      'bash (pid 123) — detached, age 1 h, 300 KB, ~/proj',
    );
  });

  it('lists every target with its pid, and what will happen', () => {
    const text = previewText(terminalsPlan(targets(3)), 'Each shell gets SIGHUP.');
    assert.strictEqual(text.message, 'Kill 3 Terminals?');
    assert.strictEqual(
      text.detail,
      '• bash0 (pid 100) — detached, age 1 h, 60 MB\n• bash1 (pid 101) — detached, age 1 h, 60 MB\n• bash2 (pid 102) — detached, age 1 h, 60 MB\n\nEach shell gets SIGHUP.',
    );
    assert.strictEqual(text.truncated, false);
    assert.deepStrictEqual(text.fullList, targets(3).map(describeTarget));
    assert.strictEqual(previewText(terminalsPlan(targets(1)), '').message, 'Kill 1 Terminal?');
  });

  it('truncates the list after maxLines and keeps everything in fullList', () => {
    const text = previewText(terminalsPlan(targets(15)), 'x', 12);
    const listed = text.detail.split('\n').filter((l) => /^• .* \(pid \d+\) — /.test(l));
    assert.strictEqual(listed.length, 12);
    assert.match(text.detail, /\n• … and 3 more \(full list in the output channel "code-server Ops"\)\n/);
    assert.ok(text.detail.includes('(pid 111)') && !text.detail.includes('(pid 112)'), text.detail);
    assert.strictEqual(text.truncated, true);
    assert.strictEqual(text.fullList.length, 15);
    assert.ok(text.fullList[14].startsWith('bash14 (pid 114)'));
    assert.strictEqual(previewText(terminalsPlan(targets(4)), 'x', 4).truncated, false);
    const oneMore = previewText(terminalsPlan(targets(5)), 'x', 4);
    assert.ok(oneMore.truncated && oneMore.detail.includes('\n• … and 1 more (full list'), oneMore.detail);
  });

  it('names what a bulk plan leaves out and why, in one short section capped at 6 lines', () => {
    const leftOut = Array.from({ length: 8 }, (_, i) => ({ name: `zsh${i} (pid ${200 + i})`, reason: 'attached (this window)' }));
    const plan = { ...terminalsPlan(targets(1)), notIncluded: leftOut.slice(0, 2) };
    const text = previewText(plan, 'What happens.');
    const section = 'Not included:\n• zsh0 (pid 200) — attached (this window)\n• zsh1 (pid 201) — attached (this window)';
    assert.ok(text.detail.endsWith(`${section}\n\nWhat happens.`), text.detail);
    assert.deepStrictEqual(text.fullList.slice(1), [
      'not included: zsh0 (pid 200) — attached (this window)',
      'not included: zsh1 (pid 201) — attached (this window)',
    ]);
    assert.strictEqual(text.truncated, false);
    const many = previewText({ ...plan, notIncluded: leftOut }, 'x');
    assert.match(many.detail, /\n• zsh5 \(pid 205\) — attached \(this window\)\n… and 2 more\n\nx$/);
    assert.ok(!many.detail.includes('zsh6'));
    assert.strictEqual(many.truncated, true);
    assert.strictEqual(many.fullList.length, 9);
    assert.ok(!previewText(terminalsPlan(targets(1)), 'x').detail.includes('Not included'));
    assert.ok(!previewText({ ...plan, notIncluded: [] }, 'x').detail.includes('Not included'));
  });

  it('lists the skipped ones with their reasons', () => {
    const text = previewText(terminalsPlan(targets(1), [skip(7), skip(8, 'the ptyHost process is protected')]), 'x');
    assert.ok(
      text.detail.includes('Skipped:\n• bash7 (pid 7): pid reused by another process\n• bash8 (pid 8): the ptyHost process is protected'),
      text.detail,
    );
    assert.deepStrictEqual(text.fullList.slice(1), [
      'skipped: bash7 (pid 7): pid reused by another process',
      'skipped: bash8 (pid 8): the ptyHost process is protected',
    ]);
    assert.strictEqual(text.truncated, false);
  });

  it('shows at most 6 skipped ones', () => {
    const skipped = Array.from({ length: 8 }, (_, i) => skip(i + 2));
    const text = previewText(terminalsPlan(targets(1), skipped), 'x');
    assert.ok(text.detail.includes('(pid 7)') && !text.detail.includes('(pid 8)'), text.detail);
    assert.match(text.detail, /\n… and 2 more\n/);
    assert.strictEqual(text.truncated, true);
    assert.strictEqual(text.fullList.length, 9);
  });

  const result = (t: ProcessTarget, outcome: TargetResult<ProcessTarget>['outcome']): TargetResult<ProcessTarget> => ({
    target: t,
    outcome,
  });
  const done = (t: ProcessTarget) => result(t, { kind: 'done', how: 'exited after SIGHUP' });

  it('sums the memory of what was done and counts the skipped with their reasons', () => {
    const [a, b, c, d] = targets(4);
    assert.strictEqual(
      resultMessage('Killed', ['Terminal', 'Terminals'], [done(a), done(b), done(c), result(d, { kind: 'skipped', because: 'exited' })]),
      'Killed 3 terminals, freed 180 MB; 1 skipped (exited)',
    );
    assert.strictEqual(
      resultMessage('Killed', ['Terminal', 'Terminals'], [done(processTarget(1, { rssBytes: 5 * MB }))]),
      'Killed 1 terminal, freed 5 MB',
    );
  });

  it('reports nothing freed when nothing was done, and each reason once', () => {
    const [a, b, c] = targets(3);
    assert.strictEqual(
      resultMessage(
        'Killed',
        ['Terminal', 'Terminals'],
        [
          result(a, { kind: 'skipped', because: 'exited' }),
          result(b, { kind: 'skipped', because: 'exited' }),
          result(c, { kind: 'skipped', because: 'now attached (other window)' }),
        ],
      ),
      'Killed 0 terminals; 3 skipped (exited, now attached (other window))',
    );
  });

  it('reports failures after the skipped ones', () => {
    const [a, b, c] = targets(3);
    assert.strictEqual(
      resultMessage(
        'Killed',
        ['Process', 'Processes'],
        [done(a), result(b, { kind: 'failed', error: 'permission denied (EPERM)' }), result(c, { kind: 'skipped', because: 'exited' })],
      ),
      'Killed 1 process, freed 60 MB; 1 skipped (exited); 1 failed (permission denied (EPERM))',
    );
  });
});
