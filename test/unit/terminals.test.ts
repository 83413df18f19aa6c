import * as assert from 'assert';
import { LinkResult, Snapshot } from '../../src/probes/scanner';
import {
  ShellRow,
  TerminalsInput,
  TerminalsModel,
  buildTerminalsModel,
  foregroundOf,
  isPtyHostHelper,
  processIdsOf,
} from '../../src/features/terminals/model';
import { Topology, classifyTopology } from '../../src/probes/topology';
import { WindowEntry } from '../../src/probes/windowRegistry';
import { BTIME, CS, editSnapshot, pidsOf, proc, record, scanFixture, snapshotOf } from './procFixtures';

const EXT_HOST = 10873;
const BUSY = 10946; // `sleep 1000` in the foreground
const IDLE = 11200;
const SERVING = 11300; // `node server.js` (+ esbuild child)
/** The moment the codeserver fixture was taken: 5000 s after boot. */
const NOW = (BTIME + 5000) * 1000;
const KB = 1024;

const win = (pid: number, terminalPids: number[]): WindowEntry => ({ version: 1, pid, starttime: 1, terminalPids, updatedAtMs: 0 });

function rowOf(model: TerminalsModel, pid: number): ShellRow {
  const row = model.groups.flatMap((g) => g.shells).find((r) => r.shell.pid === pid);
  if (!row) throw new Error(`no row for shell ${pid}`);
  return row;
}

describe('buildTerminalsModel on the codeserver fixture', () => {
  let snap: Snapshot;
  let topology: Topology;
  let cwdReads: number[];
  before(async () => {
    snap = await scanFixture('codeserver');
    topology = classifyTopology(snap, EXT_HOST);
  });

  function model(input: Partial<TerminalsInput> = {}): TerminalsModel {
    cwdReads = [];
    const readCwd = (pid: number): LinkResult => (cwdReads.push(pid), { ok: true, path: `/cwd/${pid}` });
    const selfPid = input.selfPid ?? EXT_HOST;
    return buildTerminalsModel({
      snapshot: snap,
      topology: classifyTopology(snap, selfPid),
      selfPid,
      ownTerminalPids: new Set(),
      liveWindows: [],
      readCwd,
      nowMs: NOW,
      ...input,
    });
  }

  it('lists the shells of the pty host and not its cpuUsage helper', () => {
    const m = model();
    assert.strictEqual(m.groups.length, 1);
    const [group] = m.groups;
    assert.strictEqual(group.ptyHost.pid, 10922);
    assert.strictEqual(group.server?.pid, 10597);
    assert.deepStrictEqual(
      group.shells.map((r) => r.shell.pid),
      [BUSY, IDLE, SERVING],
    );
    assert.deepStrictEqual(
      group.shells.map((r) => r.ptyHostPid),
      [10922, 10922, 10922],
    );
    assert.strictEqual(m.shellCount, 3);
    assert.strictEqual(m.detachedCount, 3);
  });

  it('labels a busy shell by its foreground job and an idle one by the shell', () => {
    const m = model();
    assert.deepStrictEqual(
      [BUSY, IDLE, SERVING].map((pid) => rowOf(m, pid).label),
      ['sleep 1000', 'bash', 'node server.js'],
    );
    assert.deepStrictEqual(
      [BUSY, IDLE, SERVING].map((pid) => rowOf(m, pid).foreground?.pid),
      [11122, undefined, 11310],
    );
  });

  it('sums the memory of the shell and its whole subtree', () => {
    const m = model();
    assert.deepStrictEqual(pidsOf(rowOf(m, SERVING).descendants), [11310, 11311]);
    assert.strictEqual(rowOf(m, SERVING).totalRssBytes, (4100 + 52000 + 20480) * KB);
    assert.strictEqual(rowOf(m, BUSY).totalRssBytes, (4000 + 1832) * KB);
    assert.strictEqual(rowOf(m, IDLE).totalRssBytes, 3900 * KB);
  });

  it('computes the age from the start time and reads each cwd once', () => {
    const m = model();
    assert.deepStrictEqual(
      [BUSY, IDLE, SERVING].map((pid) => rowOf(m, pid).ageMs),
      [1000, 300_000, 3_600_000],
    );
    assert.deepStrictEqual(cwdReads, [BUSY, IDLE, SERVING]);
    assert.deepStrictEqual(rowOf(m, IDLE).cwd, { ok: true, path: `/cwd/${IDLE}` });
    assert.strictEqual(rowOf(model({ nowMs: 0 }), BUSY).ageMs, 0);
  });

  it("marks own terminals attachedHere, other windows' attachedOther and the rest detached", () => {
    const m = model({ ownTerminalPids: new Set([BUSY]), liveWindows: [win(EXT_HOST, [BUSY, IDLE]), win(30000, [SERVING])] });
    const status = (pid: number) => [rowOf(m, pid).status, rowOf(m, pid).claimedBy];
    assert.deepStrictEqual(status(BUSY), ['attachedHere', EXT_HOST]);
    // the registry entry of this very window does not make a shell "attached elsewhere"
    assert.deepStrictEqual(status(IDLE), ['detached', undefined]);
    assert.deepStrictEqual(status(SERVING), ['attachedOther', 30000]);
    assert.strictEqual(m.detachedCount, 1);
    assert.deepStrictEqual(pidsOf(m.liveWindows), [EXT_HOST, 30000]);
  });

  it("prefers this window's own list over another window's claim", () => {
    const m = model({ ownTerminalPids: new Set([SERVING]), liveWindows: [win(30000, [SERVING])] });
    assert.deepStrictEqual([rowOf(m, SERVING).status, rowOf(m, SERVING).claimedBy], ['attachedHere', EXT_HOST]);
  });

  it('lists the extension hosts of other windows that have no registry entry', () => {
    assert.deepStrictEqual(model().unregisteredExtensionHosts, []); // the only one is this window
    assert.deepStrictEqual(pidsOf(model({ selfPid: 424242 }).unregisteredExtensionHosts), [EXT_HOST]);
    assert.deepStrictEqual(model({ selfPid: 424242, liveWindows: [win(EXT_HOST, [])] }).unregisteredExtensionHosts, []);
  });

  it('has no groups when the topology has no pty host', () => {
    const m = model({ topology: { ...topology, ptyHosts: [] } });
    assert.deepStrictEqual([m.groups, m.shellCount, m.detachedCount], [[], 0, 0]);
  });

  it("leaves out a child of the pty host that shares another session (VS Code's own `sh -c ps …`), whatever its argv", () => {
    // exec() of `/bin/ps -ax -o …` from the pty host: no setsid, so it stays in the server's session, no terminal
    const ps = record(11400, CS.ptyHost, { argv: ['/bin/sh', '-c', '/bin/ps -ax -o pid=,ppid=,pcpu=,pmem=,command='] });
    const withPs = editSnapshot(snap, {}, [{ ...ps, session: 10583, pgrp: 10583, starttime: 4999 * 100 }]);
    const m = model({ snapshot: withPs, topology: classifyTopology(withPs, EXT_HOST) });
    assert.deepStrictEqual(
      m.groups[0].shells.map((r) => r.shell.pid),
      [BUSY, IDLE, SERVING],
    );
    assert.strictEqual(m.detachedCount, 3, 'not offered as a detached shell');
    // the same process as a session leader (what node-pty makes of a shell) is a shell
    const asShell = editSnapshot(snap, {}, [{ ...ps, argv: ['/usr/bin/bash'], starttime: 4999 * 100 }]);
    const m2 = model({ snapshot: asShell, topology: classifyTopology(asShell, EXT_HOST) });
    assert.ok(m2.groups[0].shells.some((r) => r.shell.pid === 11400));
  });

  it('isPtyHostHelper recognises the helper scripts, whether run directly or through sh -c', () => {
    assert.strictEqual(isPtyHostHelper(proc(snap, 11130)), true);
    assert.strictEqual(isPtyHostHelper(proc(snap, 11131)), true);
    assert.strictEqual(isPtyHostHelper(record(5, 1, { argv: ['/bin/sh', '-c', '"/x/lib/vscode/out/vs/base/node/ps.sh"'] })), true);
    assert.strictEqual(isPtyHostHelper(proc(snap, BUSY)), false); // its shellIntegration-bash.sh lives elsewhere
    assert.strictEqual(isPtyHostHelper(record(5, 1, { argv: ['bash', '/home/u/out/vs/base/node/build.shx'] })), false);
  });
});

describe('buildTerminalsModel on a pty host caught mid-spawn', () => {
  // Between fork and exec a new shell still shows the pty host's argv; it is not a terminal yet.
  const PTY_ARGV = ['/opt/node', '/opt/cs/lib/vscode/out/bootstrap-fork', '--type=ptyHost'];
  const snap = snapshotOf([
    record(50, 1, { argv: PTY_ARGV }),
    record(51, 50, { argv: [...PTY_ARGV] }),
    record(52, 50, { argv: ['/usr/bin/bash'], comm: 'bash', tpgid: 52 }),
  ]);

  it("leaves out the child that has not exec'd yet", () => {
    const m = buildTerminalsModel({
      snapshot: snap,
      topology: classifyTopology(snap, 1),
      selfPid: 1,
      ownTerminalPids: new Set(),
      liveWindows: [],
      readCwd: () => ({ ok: false, reason: 'n/a' }),
      nowMs: 0,
    });
    const group = m.groups.find((g) => g.ptyHost.pid === 50);
    assert.deepStrictEqual(
      group?.shells.map((r) => r.shell.pid),
      [52],
    );
    assert.strictEqual(m.shellCount, 1);
  });
});

describe('foregroundOf', () => {
  const shell = (tpgid: number) => record(100, 1, { tpgid });
  const job = record(200, 100, { pgrp: 200 });
  const pipeTail = record(201, 100, { pgrp: 200 });

  it('is undefined without a terminal or when the shell itself is in the foreground', () => {
    assert.strictEqual(foregroundOf(shell(-1), [job]), undefined);
    assert.strictEqual(foregroundOf(shell(0), [job]), undefined);
    assert.strictEqual(foregroundOf(shell(100), [job]), undefined);
  });

  it('is the group leader, or a member of the group once the leader is gone', () => {
    assert.strictEqual(foregroundOf(shell(200), [job, pipeTail]), job);
    assert.strictEqual(foregroundOf(shell(200), [pipeTail]), pipeTail);
  });

  it('is undefined when the foreground group is not among the descendants', () => {
    assert.strictEqual(foregroundOf(shell(999), [job, pipeTail]), undefined);
  });
});

describe('processIdsOf (vscode.Terminal.processId, bounded)', () => {
  it('answers within the timeout even when a processId never settles; rejected, 0 and non-integers are undefined', async () => {
    const never = { processId: new Promise<number>(() => undefined) };
    const started = Date.now();
    const pids = await processIdsOf(
      [
        never,
        { processId: Promise.resolve(42) },
        { processId: Promise.reject(new Error('x')) },
        { processId: Promise.resolve(0) },
        { processId: Promise.resolve(1.5) },
        { processId: Promise.resolve(undefined) },
      ],
      200,
    );
    assert.ok(Date.now() - started < 1500);
    assert.deepStrictEqual(pids, [undefined, 42, undefined, undefined, undefined, undefined]);
  });

  it('does not wait for the timeout when every terminal answers', async () => {
    const started = Date.now();
    assert.deepStrictEqual(await processIdsOf([{ processId: Promise.resolve(7) }], 5000), [7]);
    assert.deepStrictEqual(await processIdsOf([], 5000), []);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('buildTerminalsModel with a second code-server on the machine', () => {
  // Two server trees of the same user: another instance's shells cannot be claimed through this window's registry, so
  // they must not look detached here (a bulk kill would take them).
  const SERVER = ['/opt/node', '/opt/cs/out/node/entry'];
  const EXT = ['/opt/node', '/opt/cs/lib/vscode/out/bootstrap-fork', '--type=extensionHost'];
  const PTY = ['/opt/node', '/opt/cs/lib/vscode/out/bootstrap-fork', '--type=ptyHost'];
  const snap = snapshotOf([
    record(100, 1, { argv: SERVER }),
    record(110, 100, { argv: EXT }),
    record(120, 100, { argv: PTY }),
    record(121, 120, { argv: ['/usr/bin/bash'], comm: 'bash', tpgid: 121 }),
    record(200, 1, { argv: SERVER }),
    record(210, 200, { argv: EXT }),
    record(220, 200, { argv: PTY }),
    record(221, 220, { argv: ['/usr/bin/bash'], comm: 'bash', tpgid: 221 }),
  ]);
  const m = buildTerminalsModel({
    snapshot: snap,
    topology: classifyTopology(snap, 110),
    selfPid: 110,
    ownTerminalPids: new Set(),
    liveWindows: [],
    readCwd: () => ({ ok: false, reason: 'n/a' }),
    nowMs: 0,
  });

  it("lists only this server's pty host; the other one is named, its shells are neither shown nor counted", () => {
    assert.deepStrictEqual(
      m.groups.map((g) => g.ptyHost.pid),
      [120],
    );
    assert.deepStrictEqual(
      m.groups.flatMap((g) => g.shells.map((r) => r.shell.pid)),
      [121],
    );
    assert.strictEqual(m.detachedCount, 1);
    assert.deepStrictEqual(
      m.otherServerPtyHosts.map((p) => p.pid),
      [220],
    );
  });

  it("does not count the other server's extension host as a window of this server without code-server Ops", () => {
    assert.deepStrictEqual(m.unregisteredExtensionHosts, []);
  });
});
