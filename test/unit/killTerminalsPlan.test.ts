import * as assert from 'assert';
import { TerminalLike, disposeTerminalsOf } from '../../src/features/terminals/disposeTerminals';
import { ShellTarget, killableRows, planKillDetachedOlderThan, planKillTerminals, revalidate } from '../../src/features/terminals/plan';
import { PLAN_TTL_MS, Plan, ProcessIdentity } from '../../src/core/safety';
import { ProcessRecord, Snapshot } from '../../src/probes/scanner';
import { CS, CS_NOW, ModelOptions, editSnapshot, proc, record, scanFixture, terminalsModelOf, windowEntry } from './procFixtures';

const KB = 1024;
const HOME = '/home/coder';
const OTHER_WINDOW = 30000;

describe('kill terminals: plans on the codeserver fixture', () => {
  let snap: Snapshot;
  let uid: number;
  before(async () => {
    snap = await scanFixture('codeserver');
    uid = proc(snap, CS.idle).uid;
  });

  const ctx = () => ({ selfPid: CS.extHost, selfUid: uid, nowMs: CS_NOW, home: HOME });
  /** The identity a tree row hands over: pid, start time and owner as scanned. */
  const sel = (pid: number, fields: Partial<ProcessIdentity> = {}): ProcessIdentity => {
    const p: ProcessRecord = proc(snap, pid);
    return { pid, starttime: p.starttime, uid: p.uid, ...fields };
  };
  const plan = (selection: ProcessIdentity[], options: ModelOptions = {}, s: Snapshot = snap) =>
    planKillTerminals(terminalsModelOf(s, options), selection, ctx());
  const targetPids = (p: Plan<ShellTarget>) => p.targets.map((t) => t.pid);
  const skippedOf = (p: Plan<ShellTarget>) => p.skipped.map((s) => [s.pid, s.because]);

  describe('planKillTerminals', () => {
    it('targets a detached shell for signals, with its facts, memory, cwd and descendants', () => {
      const p = plan([sel(CS.serving)]);
      assert.deepStrictEqual(p.targets, [
        {
          pid: CS.serving,
          starttime: 140000,
          uid,
          comm: 'bash', // the shell's own program, compared again at commit
          argv0: '/usr/bin/bash',
          name: 'node server.js', // the foreground job
          facts: 'detached, age 1 h',
          rssBytes: (4100 + 52000 + 20480) * KB, // shell + node + esbuild
          ageMs: 3_600_000,
          cwd: '~/ws/app',
          descendants: [
            { pid: CS.node, starttime: 150000, uid, name: 'node server.js' },
            {
              pid: CS.esbuild,
              starttime: 150100,
              uid,
              name: '/home/coder/ws/node_modules/@esbuild/linux-x64/bin/esbuild --service=0.28.2 --ping',
            },
          ],
          status: 'detached',
          method: 'signal',
        },
      ]);
      assert.deepStrictEqual(p.skipped, []);
    });

    it('stamps the plan as a single-use kill-terminals plan', () => {
      const p = plan([sel(CS.idle)]);
      assert.deepStrictEqual([p.action, p.verb, p.noun], ['kill-terminals', 'Kill', ['Terminal', 'Terminals']]);
      assert.deepStrictEqual([p.createdAtMs, p.expiresAtMs], [CS_NOW, CS_NOW + PLAN_TTL_MS]);
      assert.deepStrictEqual(
        p.targets.map((t) => [t.name, t.facts, t.cwd]),
        [['bash', 'detached, age 5 min', '~/ws/café']],
      );
    });

    it('closes a terminal of this window through dispose', () => {
      const p = plan([sel(CS.busy)], { own: [CS.busy] });
      assert.deepStrictEqual(
        p.targets.map((t) => [t.pid, t.status, t.method, t.facts, t.name]),
        [[CS.busy, 'attachedHere', 'dispose', 'attached (this window), age 1 s', 'sleep 1000']],
      );
      assert.deepStrictEqual(
        p.targets[0].descendants.map((d) => [d.pid, d.starttime, d.name]),
        [[CS.sleep, 499900, 'sleep 1000']],
      );
    });

    it('skips a shell attached to another window', () => {
      const p = plan([sel(CS.idle)], { windows: [windowEntry(OTHER_WINDOW, [CS.idle])] });
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(p.skipped, [
        {
          pid: CS.idle,
          name: 'bash',
          because: `attached to another window (extension host pid ${OTHER_WINDOW}) — close it in that window`,
        },
      ]);
      assert.match(p.skipped[0].because, /another window/);
    });

    it('never targets a protected pid, whatever the selection says', () => {
      const p = plan([sel(CS.ptyHost), sel(CS.extHost), sel(CS.server), sel(CS.fileWatcher), sel(CS.init)]);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(skippedOf(p), [
        [CS.ptyHost, 'the ptyHost process is protected'],
        [CS.extHost, 'this extension host is protected'],
        [CS.server, 'an ancestor of this extension host is protected'],
        [CS.fileWatcher, 'the fileWatcher process is protected'],
        [CS.init, 'pid 1 (init) is protected'],
      ]);
      assert.strictEqual(p.skipped[0].name, `pid ${CS.ptyHost}`); // not a shell row: named by pid
    });

    it("skips a selection whose start time is not the shell's (pid reused)", () => {
      const p = plan([sel(CS.serving, { starttime: 139999 })]);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(p.skipped, [{ pid: CS.serving, name: 'node server.js', because: 'pid reused by another process' }]);
    });

    it('skips pids that are not shells of a pty host: jobs, pty host helpers, other processes', () => {
      const p = plan([sel(CS.sleep), sel(CS.cpuUsageSh), sel(CS.node), sel(CS.copilot)]);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(
        skippedOf(p),
        [CS.sleep, CS.cpuUsageSh, CS.node, CS.copilot].map((pid) => [pid, 'no longer a shell of a pty host']),
      );
    });

    it('skips a pid that is gone', () => {
      const p = plan([{ pid: 99999, starttime: 1, uid }]);
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(p.skipped, [{ pid: 99999, name: 'pid 99999', because: 'cannot be identified (not readable, no start time)' }]);
    });

    it('skips a shell of another user', () => {
      const p = plan([sel(CS.idle)], {}, editSnapshot(snap, { [CS.idle]: { uid: uid + 1 } }));
      assert.deepStrictEqual(skippedOf(p), [[CS.idle, `belongs to another user (uid ${uid + 1})`]]);
      assert.deepStrictEqual(p.targets, []);
    });

    it('counts a pid selected twice once', () => {
      const p = plan([sel(CS.serving), sel(CS.serving), sel(CS.ptyHost), sel(CS.ptyHost), sel(CS.serving, { starttime: 1 })]);
      assert.deepStrictEqual(targetPids(p), [CS.serving]);
      assert.deepStrictEqual(skippedOf(p), [[CS.ptyHost, 'the ptyHost process is protected']]);
    });

    it('keeps the order of the selection and sorts each pid into targets or skipped', () => {
      const p = plan([sel(CS.serving), sel(CS.ptyHost), sel(CS.busy), sel(CS.idle)], {
        own: [CS.busy],
        windows: [windowEntry(OTHER_WINDOW, [CS.idle])],
      });
      assert.deepStrictEqual(
        p.targets.map((t) => [t.pid, t.method]),
        [
          [CS.serving, 'signal'],
          [CS.busy, 'dispose'],
        ],
      );
      assert.deepStrictEqual(
        p.skipped.map((s) => s.pid),
        [CS.ptyHost, CS.idle],
      );
    });
  });

  describe('planKillDetachedOlderThan', () => {
    const older = (minAgeMs: number, options: ModelOptions = {}, s: Snapshot = snap) =>
      planKillDetachedOlderThan(terminalsModelOf(s, options), minAgeMs, ctx());

    it('targets the detached shells at least that old (ages: busy 1 s, idle 5 min, serving 1 h)', () => {
      assert.deepStrictEqual(targetPids(older(0)), [CS.busy, CS.idle, CS.serving]);
      assert.deepStrictEqual(targetPids(older(300_000)), [CS.idle, CS.serving]); // the boundary is included
      assert.deepStrictEqual(targetPids(older(300_001)), [CS.serving]);
      assert.deepStrictEqual(targetPids(older(3_600_001)), []);
    });

    it('is a kill-detached-terminals plan that signals', () => {
      const p = older(300_000);
      assert.strictEqual(p.action, 'kill-detached-terminals');
      assert.deepStrictEqual(
        p.targets.map((t) => [t.status, t.method]),
        [
          ['detached', 'signal'],
          ['detached', 'signal'],
        ],
      );
      assert.deepStrictEqual(p.skipped, []);
      assert.strictEqual(p.expiresAtMs, CS_NOW + PLAN_TTL_MS);
    });

    it('leaves attached shells out altogether, however old', () => {
      const p = older(0, { own: [CS.serving], windows: [windowEntry(OTHER_WINDOW, [CS.idle])] });
      assert.deepStrictEqual(targetPids(p), [CS.busy]);
      assert.deepStrictEqual(p.skipped, []);
    });

    it('names every shell of the view it leaves out, with why: attached here, attached elsewhere, younger', () => {
      const p = older(300_001, { own: [CS.busy], windows: [windowEntry(OTHER_WINDOW, [CS.idle])] });
      assert.deepStrictEqual(targetPids(p), [CS.serving]);
      assert.deepStrictEqual(p.notIncluded, [
        { name: `sleep 1000 (pid ${CS.busy})`, reason: 'attached (this window)' },
        { name: `bash (pid ${CS.idle})`, reason: `attached (other window, extension host pid ${OTHER_WINDOW})` },
      ]);
      assert.deepStrictEqual(older(3 * 3_600_000).notIncluded, [
        { name: `sleep 1000 (pid ${CS.busy})`, reason: 'younger than 3 h (age 1 s)' },
        { name: `bash (pid ${CS.idle})`, reason: 'younger than 3 h (age 5 min)' },
        { name: `node server.js (pid ${CS.serving})`, reason: 'younger than 3 h (age 1 h)' },
      ]);
      assert.deepStrictEqual(older(0).notIncluded, []);
    });

    it('still skips a protected detached shell', () => {
      const p = older(0, {}, editSnapshot(snap, { [CS.idle]: { uid: uid + 1 } }));
      assert.deepStrictEqual(targetPids(p), [CS.busy, CS.serving]);
      assert.deepStrictEqual(skippedOf(p), [[CS.idle, `belongs to another user (uid ${uid + 1})`]]);
    });
  });

  it('killableRows offers every shell except those attached to another window', () => {
    const rows = killableRows(terminalsModelOf(snap, { own: [CS.busy], windows: [windowEntry(OTHER_WINDOW, [CS.serving])] }));
    assert.deepStrictEqual(
      rows.map((r) => [r.shell.pid, r.status]),
      [
        [CS.busy, 'attachedHere'],
        [CS.idle, 'detached'],
      ],
    );
  });

  describe('revalidate (the check at commit time)', () => {
    /** Planned on the scanned fixture: busy attached here, idle and serving detached. */
    let planned: ShellTarget[];
    before(() => {
      planned = plan([sel(CS.busy), sel(CS.idle), sel(CS.serving)], { own: [CS.busy] }).targets;
      assert.strictEqual(planned.length, 3);
    });

    /** Re-validates the plan against a fresh model of the edited snapshot (own: busy, unless options say otherwise). */
    const check = (edits: Parameters<typeof editSnapshot>[1], options: ModelOptions = {}, selfPid: number = CS.extHost) =>
      revalidate(planned, terminalsModelOf(editSnapshot(snap, edits), { own: [CS.busy], ...options }), { selfPid, selfUid: uid });
    const skippedPids = (r: ReturnType<typeof check>) => r.skipped.map((s) => [s.target.pid, s.because]);

    it('keeps every target when nothing changed', () => {
      const r = check({});
      assert.deepStrictEqual(r.skipped, []);
      assert.strictEqual(r.valid.length, 3);
      r.valid.forEach((t, i) => assert.strictEqual(t, planned[i]));
    });

    it('skips a target whose pid now belongs to a new process', () => {
      const r = check({ [CS.serving]: { starttime: 499990 } });
      assert.deepStrictEqual(skippedPids(r), [[CS.serving, 'pid reused by another process']]);
      assert.deepStrictEqual(
        r.valid.map((t) => t.pid),
        [CS.busy, CS.idle],
      );
    });

    it('skips a target that exited', () => {
      const r = check({ [CS.idle]: null });
      assert.deepStrictEqual(skippedPids(r), [[CS.idle, 'exited']]);
      assert.deepStrictEqual(
        r.valid.map((t) => t.pid),
        [CS.busy, CS.serving],
      );
    });

    it('skips a target whose owner changed', () => {
      assert.deepStrictEqual(skippedPids(check({ [CS.serving]: { uid: uid + 1 } })), [
        [CS.serving, `owner changed (uid ${uid} → ${uid + 1})`],
      ]);
    });

    it('skips a detached shell that a window attached meanwhile', () => {
      assert.deepStrictEqual(skippedPids(check({}, { windows: [windowEntry(OTHER_WINDOW, [CS.idle])] })), [
        [CS.idle, 'now attached (other window)'],
      ]);
      const here = check({}, { own: [CS.busy, CS.serving] });
      assert.deepStrictEqual(skippedPids(here), [[CS.serving, 'now attached (this window)']]);
      assert.match(here.skipped[0].because, /now attached/);
    });

    it('skips a terminal of this window that got detached (it can no longer be disposed)', () => {
      assert.deepStrictEqual(skippedPids(check({}, { own: [] })), [[CS.busy, 'now detached']]);
    });

    it("skips a shell that exec'd another program since the preview", () => {
      const r = check({ [CS.idle]: { comm: 'sleep', argv: ['sleep', '1001'] } });
      assert.deepStrictEqual(skippedPids(r), [[CS.idle, 'changed since the preview (was bash, now sleep)']]);
      assert.deepStrictEqual(
        r.valid.map((t) => t.pid),
        [CS.busy, CS.serving],
      );
    });

    it('skips a shell that is no longer a child of a pty host', () => {
      assert.deepStrictEqual(skippedPids(check({ [CS.idle]: { ppid: 1 } })), [[CS.idle, 'no longer a shell of a pty host']]);
    });

    it('skips a target that became protected', () => {
      // e.g. the extension host now runs below that shell: the shell is its ancestor
      assert.deepStrictEqual(skippedPids(check({}, {}, CS.node)), [[CS.serving, 'an ancestor of this extension host is protected']]);
    });

    it('reports every change at once, in target order', () => {
      const r = check({ [CS.busy]: null, [CS.idle]: { starttime: 1 }, [CS.serving]: { uid: uid + 1 } });
      assert.deepStrictEqual(r.valid, []);
      assert.deepStrictEqual(skippedPids(r), [
        [CS.busy, 'exited'],
        [CS.idle, 'pid reused by another process'],
        [CS.serving, `owner changed (uid ${uid} → ${uid + 1})`],
      ]);
    });
  });
});

describe("kill terminals: closing this window's terminals at commit", () => {
  /** A terminal whose processId resolves to pid, rejects, or never settles (it waits for workspace trust). */
  const terminal = (pid: number | 'never' | 'rejects') => {
    let disposed = 0;
    let processId: PromiseLike<number | undefined> = new Promise<number>(() => undefined);
    if (pid === 'rejects') processId = Promise.reject(new Error('gone'));
    else if (pid !== 'never') processId = Promise.resolve(pid);
    const t: TerminalLike & { disposed(): number } = { processId, dispose: () => void disposed++, disposed: () => disposed };
    return t;
  };
  const alive = new Map<number, ProcessRecord>([100, 101, 102].map((pid) => [pid, record(pid, 1, { starttime: 1000 + pid, uid: 1000 })]));
  const id = (pid: number) => ({ pid, starttime: 1000 + pid, uid: 1000 });
  const reread = (pid: number) => alive.get(pid);

  it('does not hang on a terminal whose processId never resolves: waits at most the timeout, closes the others', async function () {
    this.timeout(3000);
    const hung = terminal('never');
    const a = terminal(100);
    const b = terminal(101);
    const started = Date.now();
    const closed = await disposeTerminalsOf([id(100), id(101)], [hung, terminal('rejects'), a, b], { timeoutMs: 300, reread });
    const took = Date.now() - started;
    assert.ok(took < 1500, `returned after ${took} ms`);
    assert.deepStrictEqual([...closed].sort(), [100, 101]);
    assert.deepStrictEqual([hung.disposed(), a.disposed(), b.disposed()], [0, 1, 1]);
  });

  it('closes only the terminals of targets that are still the same process', async () => {
    const a = terminal(100);
    const b = terminal(102);
    const c = terminal(103);
    const closed = await disposeTerminalsOf([{ ...id(100), starttime: 1 }, id(102)], [a, b, c], { timeoutMs: 300, reread });
    assert.deepStrictEqual([...closed], [102]);
    assert.deepStrictEqual([a.disposed(), b.disposed(), c.disposed()], [0, 1, 0]);
  });
});
