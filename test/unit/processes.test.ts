import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TcpSocket, parseProcNetTcp, socketsByPid } from '../../src/probes/ai/ports';
import { FdReader } from '../../src/probes/ai/sessions';
import { realpathOf } from '../../src/probes/extensionsDir';
import { ProcessRecord, Snapshot } from '../../src/probes/scanner';
import { classifyTopology } from '../../src/probes/topology';
import {
  HEARTBEAT_TIMEOUT_MS,
  KnownExtension,
  ProcNode,
  ProcessesInput,
  ROOT_ROW,
  ShownRows,
  buildProcessesModel,
  cpuBaselineOf,
  cpuPercents,
  extensionOfProcess,
  filterTree,
  rowRenderKey,
  rowStoppable,
  sortTree,
  walk,
  windowKey,
  windowStateOf,
} from '../../src/features/processes/model';
import { planStopProcesses, revalidateStop } from '../../src/features/processes/plan';
import { editSnapshot, record, snapshotOf } from './procFixtures';

const UID = 1000;
const NODE = '/usr/lib/code-server/lib/node';
const EXT = '/home/coder/.local/share/code-server/extensions';
const FORK = '/usr/lib/code-server/lib/vscode/out/bootstrap-fork';
const P = {
  launcher: 100,
  server: 101,
  host: 200, // this window's extension host
  host2: 300, // another window's
  python: 210, // ms-python's language server (script path, platform suffix)
  pyChild: 211,
  analyzer: 220, // rust-analyzer binary under --extensions-dir anywhere
  task: 230, // sh -c in an extension's folder (cwd)
  git: 240, // not from an extension
  flagged: 250, // --server=/…/ext folder
  rootOwned: 260, // another user's process in our tree
  pty: 400,
  bash: 410,
  job: 411,
  watcher: 500,
  other: 900, // this user's process outside code-server
  otherKid: 901,
  foreign: 950, // another user's, outside
};

const rec = (pid: number, ppid: number, argv: string[], fields: Partial<ProcessRecord> = {}): ProcessRecord =>
  record(pid, ppid, { argv, uid: UID, comm: path.basename(argv[0] ?? 'proc').slice(0, 15), starttime: pid * 10, ...fields });

function fixture(): Snapshot {
  return snapshotOf(
    [
      rec(1, 0, ['/sbin/init'], { uid: 0 }),
      rec(P.launcher, 1, [NODE, '/usr/lib/code-server/out/node/entry.js']),
      rec(P.server, P.launcher, [NODE, '/usr/lib/code-server/out/node/entry']),
      rec(P.host, P.server, [NODE, FORK, '--type=extensionHost'], { rssBytes: 300e6 }),
      rec(P.python, P.host, [NODE, `${EXT}/ms-python.python-2024.1.0-linux-x64/out/server.js`, '--stdio'], { rssBytes: 100e6 }),
      rec(P.pyChild, P.python, ['/usr/bin/python3', '-m', 'pylsp'], { rssBytes: 50e6 }),
      rec(P.analyzer, P.host, ['/srv/anywhere/rust-lang.rust-analyzer-0.3.1/bin/rust-analyzer'], { rssBytes: 200e6 }),
      rec(P.task, P.host, ['/bin/sh', '-c', 'make watch'], { rssBytes: 2e6 }),
      rec(P.git, P.host, ['git', 'status'], { rssBytes: 1e6 }),
      rec(P.flagged, P.host, ['java', '--server=/opt/exts/redhat.java-1.30.0/server'], { rssBytes: 10e6 }),
      rec(P.rootOwned, P.host, ['/usr/bin/sudo', 'thing'], { uid: 0, rssBytes: 1e6 }),
      rec(P.host2, P.server, [NODE, FORK, '--type=extensionHost'], { rssBytes: 250e6 }),
      rec(P.pty, P.server, [NODE, FORK, '--type=ptyHost']),
      rec(P.bash, P.pty, ['/usr/bin/bash', '--init-file', 'x']),
      rec(P.job, P.bash, ['sleep', '100']),
      rec(P.watcher, P.server, [NODE, FORK, '--type=fileWatcher']),
      rec(P.other, 1, ['tmux']),
      rec(P.otherKid, P.other, ['vim', 'notes']),
      rec(P.foreign, 1, ['postgres'], { uid: 999 }),
    ],
    { takenAtMs: 100_000 },
  );
}

const listen = (port: number) => [{ port, address: '127.0.0.1', family: 4 as const, inode: port }];

function input(snapshot: Snapshot, fields: Partial<ProcessesInput> = {}): ProcessesInput {
  return {
    snapshot,
    topology: classifyTopology(snapshot, P.host),
    selfPid: P.host,
    selfUid: UID,
    nowMs: 100_000,
    cpu: new Map(),
    ports: new Map([[P.python, listen(5000)]]),
    established: new Map([[P.host2, 0]]),
    windows: new Map(),
    known: [],
    cwdOf: (pid) => (pid === P.task ? `${EXT}/acme.tasks-0.0.1-alpine-arm64/work` : '/home/coder/ws'),
    ...fields,
  };
}

const find = (nodes: readonly ProcNode[], pred: (n: ProcNode) => boolean): ProcNode => {
  const n = [...walk(nodes)].find(pred);
  if (!n) throw new Error('no such node');
  return n;
};
const byPid = (nodes: readonly ProcNode[], pid: number) => find(nodes, (n) => n.record?.pid === pid);

describe('Processes: CPU % from two scans', () => {
  const snap = (takenAtMs: number, procs: [number, number, number][]) =>
    snapshotOf(
      procs.map(([pid, starttime, cpuTicks]) => record(pid, 1, { starttime, cpuTicks })),
      { takenAtMs },
    );

  it('has no figure on the first scan', () => {
    assert.deepStrictEqual([...cpuPercents(undefined, snap(1000, [[5, 1, 50]]))], []);
  });

  it('is the utime+stime delta over the elapsed clock ticks (100 % = one core)', () => {
    const prev = cpuBaselineOf(
      snap(1000, [
        [5, 1, 50],
        [6, 1, 0],
      ]),
    );
    const cur = snap(3000, [
      [5, 1, 150],
      [6, 1, 400],
      [7, 1, 10],
    ]); // 2 s = 200 ticks at 100 Hz
    assert.deepStrictEqual(
      [...cpuPercents(prev, cur)],
      [
        [5, 50],
        [6, 200],
      ],
    ); // pid 7 is new: no figure
  });

  it('gives no figure for a reused pid, a counter that went backwards, or no elapsed time', () => {
    const prev = cpuBaselineOf(
      snap(1000, [
        [5, 1, 50],
        [6, 1, 100],
      ]),
    );
    assert.deepStrictEqual(
      [
        ...cpuPercents(
          prev,
          snap(2000, [
            [5, 2, 60],
            [6, 1, 90],
          ]),
        ),
      ],
      [],
    );
    assert.deepStrictEqual([...cpuPercents(prev, snap(1000, [[5, 1, 60]]))], []);
  });

  it('property: never negative, and only for pids with the same start time in both scans', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 3 }), fc.nat(10_000)), { maxLength: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 3 }), fc.nat(10_000)), { maxLength: 20 }),
        fc.integer({ min: -5000, max: 5000 }),
        (a, b, dt) => {
          const prev = snap(10_000, a);
          const cur = snap(10_000 + dt, b);
          const out = cpuPercents(cpuBaselineOf(prev), cur);
          for (const [pid, pct] of out) {
            assert.ok(pct >= 0 && Number.isFinite(pct));
            assert.strictEqual(prev.processes.get(pid)?.starttime, cur.processes.get(pid)?.starttime);
          }
          if (dt <= 0) assert.strictEqual(out.size, 0);
        },
      ),
    );
  });
});

describe('Processes: which extension a process comes from', () => {
  const none: KnownExtension[] = [];
  it('reads install folders with a platform suffix, anywhere (--extensions-dir), from the script or the executable', () => {
    assert.strictEqual(
      extensionOfProcess([NODE, `${EXT}/ms-python.python-2024.1.0-linux-x64/out/server.js`], undefined, none),
      'ms-python.python',
    );
    assert.strictEqual(
      extensionOfProcess(['/srv/anywhere/rust-lang.rust-analyzer-0.3.1/bin/ra'], undefined, none),
      'rust-lang.rust-analyzer',
    );
    assert.strictEqual(extensionOfProcess([NODE, '/x/Acme.Tool-1.2.3-web/a.js'], undefined, none), 'acme.tool');
    assert.strictEqual(extensionOfProcess(['java', '--server=/opt/redhat.java-1.30.0/s'], undefined, none), 'redhat.java');
    assert.strictEqual(extensionOfProcess(['java', '-jar', '/opt/redhat.java-1.30.0/s.jar'], undefined, none), 'redhat.java');
  });

  it('falls back to the working directory, and gives nothing for a process from elsewhere', () => {
    assert.strictEqual(extensionOfProcess(['/bin/sh', '-c', 'make'], `${EXT}/acme.tasks-0.0.1/work`, none), 'acme.tasks');
    assert.strictEqual(extensionOfProcess(['git', 'status'], '/home/coder/ws', none), undefined);
    assert.strictEqual(extensionOfProcess(['node', 'relative/acme.tasks-0.0.1/x.js'], undefined, none), undefined);
  });

  it('a known extension folder wins, also through its real path (a symlinked folder without a version in its name)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-procs-'));
    try {
      const real = path.join(dir, 'dev', 'my-ext');
      fs.mkdirSync(real, { recursive: true });
      const link = path.join(dir, 'extensions', 'me.dev-0.0.1');
      fs.mkdirSync(path.dirname(link));
      fs.symlinkSync(real, link);
      const known = [{ id: 'Me.Dev', paths: [link, realpathOf(link)!] }];
      assert.strictEqual(extensionOfProcess([NODE, path.join(fs.realpathSync(real), 'server.js')], undefined, known), 'me.dev');
      assert.strictEqual(extensionOfProcess([NODE, path.join(link, 'server.js')], undefined, known), 'me.dev');
      assert.strictEqual(extensionOfProcess([NODE, path.join(dir, 'dev', 'other.js')], undefined, known), undefined);
      // nested known folder: the longest root wins over an install-folder name above it
      const nested = [
        { id: 'a.outer', paths: ['/e/a.outer-1.0.0'] },
        { id: 'b.inner', paths: ['/e/a.outer-1.0.0/bundled/inner'] },
      ];
      assert.strictEqual(extensionOfProcess([NODE, '/e/a.outer-1.0.0/bundled/inner/x.js'], undefined, nested), 'b.inner');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Processes: "window gone" only on positive evidence', () => {
  const now = 1_000_000;
  it('live on a connected socket', () => {
    assert.strictEqual(windowStateOf({ establishedSockets: 2, nowMs: now }), 'live');
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: 0, establishedSockets: 1, nowMs: now }), 'live');
  });
  it('disconnected with a recent heartbeat but no connection (a closed tab, kept by code-server for the reconnection grace)', () => {
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: now - 1000, establishedSockets: 0, nowMs: now }), 'disconnected');
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: now - HEARTBEAT_TIMEOUT_MS, establishedSockets: 0, nowMs: now }), 'disconnected');
  });
  it('every combination of the evidence: connected × heartbeat fresh, plus fds unreadable', () => {
    const fresh = now - 1000;
    const stale = now - HEARTBEAT_TIMEOUT_MS - 1;
    const cases: [number | undefined, number | undefined, string][] = [
      [1, fresh, 'live'], // connected, beating
      [1, stale, 'live'], // connected, heartbeat overdue (a connection is the stronger evidence)
      [1, undefined, 'live'], // connected, no registry entry
      [0, fresh, 'disconnected'], // fds read, no connection, beating: kept for the reconnection grace
      [0, stale, 'gone'], // fds read, no connection, heartbeat overdue
      [0, undefined, 'gone'], // fds read, no connection, no registry entry
      [undefined, fresh, 'unknown'], // fds unreadable
      [undefined, stale, 'unknown'],
      [undefined, undefined, 'unknown'],
    ];
    for (const [establishedSockets, lastHeartbeatMs, want] of cases)
      assert.strictEqual(
        windowStateOf({ establishedSockets, lastHeartbeatMs, nowMs: now }),
        want,
        JSON.stringify({ establishedSockets, lastHeartbeatMs }),
      );
  });
  it('gone only without a heartbeat for longer than the timeout AND with its fds read and no connection', () => {
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: now - HEARTBEAT_TIMEOUT_MS - 1, establishedSockets: 0, nowMs: now }), 'gone');
    assert.strictEqual(windowStateOf({ establishedSockets: 0, nowMs: now }), 'gone');
  });
  it('unknown when its fds cannot be read', () => {
    assert.strictEqual(windowStateOf({ nowMs: now }), 'unknown');
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: 0, nowMs: now }), 'unknown');
  });
  it("a window beating every 120 s (not looked at): its entry's own period sets the timeout (3 × 120 s)", () => {
    const slow = (ageMs: number) =>
      windowStateOf({ lastHeartbeatMs: now - ageMs, heartbeatMs: 120_000, establishedSockets: 0, nowMs: now });
    assert.strictEqual(slow(200_000), 'disconnected', 'not stale at 200 s');
    assert.strictEqual(slow(360_000), 'disconnected');
    assert.strictEqual(slow(361_000), 'gone', 'stale after 361 s');
    // an entry without heartbeatMs (an older version): 3 × 60 s
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: now - 180_000, establishedSockets: 0, nowMs: now }), 'disconnected');
    assert.strictEqual(windowStateOf({ lastHeartbeatMs: now - 181_000, establishedSockets: 0, nowMs: now }), 'gone');
    assert.strictEqual(HEARTBEAT_TIMEOUT_MS, 3 * 60_000);
  });
  it('property: gone implies both pieces of evidence', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 0, max: now + 10_000 })), fc.option(fc.nat(3)), (hb, est) => {
        const state = windowStateOf({ lastHeartbeatMs: hb ?? undefined, establishedSockets: est ?? undefined, nowMs: now });
        if (state === 'gone') assert.ok(est === 0 && (hb === null || now - hb > HEARTBEAT_TIMEOUT_MS));
        if (state === 'disconnected') assert.ok(est === 0 && hb !== null && now - hb <= HEARTBEAT_TIMEOUT_MS);
        if (est === null) assert.strictEqual(state, 'unknown');
      }),
    );
  });
});

describe('Processes: the model', () => {
  const snap = fixture();
  const model = buildProcessesModel(
    input(snap, { windows: new Map([[windowKey(P.host, P.host * 10), { updatedAtMs: 99_000, folder: 'file:///ws-a' }]]) }),
  );

  it('server → extension hosts (which window) → children grouped by extension; pty host → shell → job; file watcher', () => {
    const [root, others] = model.roots;
    assert.strictEqual(root.record?.pid, P.launcher);
    const server = root.children[0];
    assert.deepStrictEqual(
      server.children.map((c) => [c.kind, c.record?.pid]),
      [
        ['extensionHost', P.host],
        ['extensionHost', P.host2],
        ['ptyHost', P.pty],
        ['fileWatcher', P.watcher],
      ],
    );
    const host = server.children[0];
    assert.deepStrictEqual(host.window, { state: 'this', folder: 'file:///ws-a' });
    assert.deepStrictEqual(server.children[1].window, { state: 'gone', folder: undefined }); // no entry, fds read, no socket
    assert.deepStrictEqual(
      host.children.map((c) => [c.kind, c.extensionId ?? c.record?.pid]),
      [
        ['extension', 'acme.tasks'],
        ['extension', 'ms-python.python'],
        ['extension', 'redhat.java'],
        ['extension', 'rust-lang.rust-analyzer'],
        ['process', P.git],
        ['process', P.rootOwned],
      ],
    );
    const py = host.children[1];
    assert.deepStrictEqual(
      py.children.map((c) => c.record?.pid),
      [P.python],
    );
    assert.deepStrictEqual(
      py.children[0].children.map((c) => c.record?.pid),
      [P.pyChild],
    );
    assert.strictEqual(py.rssBytes, 150e6); // subtree memory
    assert.deepStrictEqual(
      py.ports.map((p) => p.port),
      [5000],
    );
    assert.deepStrictEqual(
      byPid(model.roots, P.bash).children.map((c) => c.record?.pid),
      [P.job],
    );
    assert.strictEqual(others.kind, 'others');
    assert.deepStrictEqual(
      others.children.map((c) => c.record?.pid),
      [P.other],
    ); // not pid 1 (root), not postgres (uid 999)
    assert.deepStrictEqual(
      others.children[0].children.map((c) => c.record?.pid),
      [P.otherKid],
    );
    assert.strictEqual(model.serverProcesses, 15);
    assert.strictEqual(model.hasCpu, false);
  });

  it('labels a process by its command with long paths cut (the tooltip has the full line)', () => {
    assert.strictEqual(byPid(model.roots, P.python).label, 'node …/server.js --stdio');
    assert.strictEqual(byPid(model.roots, P.job).label, 'sleep 100');
    assert.strictEqual(byPid(model.roots, P.host).label, 'Extension host');
  });

  it('marks what Stop… may not target with why', () => {
    assert.match(byPid(model.roots, P.host).protection ?? '', /this extension host/);
    assert.match(byPid(model.roots, P.host2).protection ?? '', /extensionHost process is protected/);
    assert.match(byPid(model.roots, P.rootOwned).protection ?? '', /another user/);
    assert.strictEqual(byPid(model.roots, P.python).protection, undefined);
  });

  it('an extension host with a recent heartbeat, or whose fds could not be read, is never "gone"', () => {
    const beating = buildProcessesModel(input(snap, { windows: new Map([[windowKey(P.host2, P.host2 * 10), { updatedAtMs: 50_000 }]]) }));
    assert.strictEqual(byPid(beating.roots, P.host2).window?.state, 'disconnected');
    const connected = buildProcessesModel(input(snap, { established: new Map([[P.host2, 1]]) }));
    assert.strictEqual(byPid(connected.roots, P.host2).window?.state, 'live');
    const unreadable = buildProcessesModel(input(snap, { established: new Map() }));
    assert.strictEqual(byPid(unreadable.roots, P.host2).window?.state, 'unknown');
  });

  it('sums CPU over a subtree, and sorts siblings by CPU or memory (server parts keep their order)', () => {
    const cpu = new Map([
      [P.analyzer, 5],
      [P.python, 20],
      [P.pyChild, 30],
      [P.host2, 90],
    ]);
    const m = buildProcessesModel(input(snap, { cpu }));
    assert.strictEqual(m.hasCpu, true);
    const host = byPid(m.roots, P.host);
    assert.strictEqual(find(host.children, (n) => n.extensionId === 'ms-python.python').cpuPercent, 50);
    const byCpu = sortTree(m.roots, 'cpu');
    const server = byCpu[0].children[0];
    assert.deepStrictEqual(
      server.children.map((c) => c.record?.pid),
      [P.host2, P.host, P.pty, P.watcher],
    );
    assert.deepStrictEqual(
      server.children[1].children.slice(0, 2).map((c) => c.extensionId),
      ['ms-python.python', 'rust-lang.rust-analyzer'],
    );
    const byMem = sortTree(m.roots, 'memory');
    assert.deepStrictEqual(
      byMem[0].children[0].children.map((c) => c.record?.pid),
      [P.host, P.host2, P.pty, P.watcher],
    );
    assert.deepStrictEqual(byMem[0].children[0].children[0].children[0].extensionId, 'rust-lang.rust-analyzer');
    assert.strictEqual(byMem[byMem.length - 1].kind, 'others');
  });

  it('filters by pid, port and text, keeping the ancestors of a match', () => {
    const ids = (q: string) => [...walk(filterTree(model.roots, q))].map((n) => n.record?.pid ?? n.extensionId ?? n.kind);
    assert.deepStrictEqual(ids(String(P.job)), [P.launcher, P.server, P.pty, P.bash, P.job]);
    assert.deepStrictEqual(ids(':5000'), [P.launcher, P.server, P.host, 'ms-python.python', P.python, P.pyChild]);
    assert.deepStrictEqual(ids('vim'), ['others', P.other, P.otherKid]);
    assert.deepStrictEqual(ids('no such thing'), []);
    assert.strictEqual(ids('').length, [...walk(model.roots)].length);
  });
});

describe('Processes: a refresh re-renders only the rows whose text changed', () => {
  const snap = fixture();
  const cpu = new Map([
    [P.analyzer, 5],
    [P.python, 20],
    [P.pyChild, 30],
    [P.host2, 90],
  ]);
  // as the view renders a model: sorted by CPU
  const rows = (fields: Partial<ProcessesInput> = {}, s = snap) => {
    const m = buildProcessesModel(input(s, { cpu, ...fields }));
    return { roots: sortTree(m.roots, 'cpu'), hasCpu: m.hasCpu };
  };
  /** What the tree was given: every row's children fetched (all expanded), or only the root rows. */
  const shownOf = (r: ReturnType<typeof rows>, expanded = true): ShownRows => {
    const shown = new ShownRows();
    const visit = (key: string, nodes: readonly ProcNode[]) => {
      shown.fetched(key, nodes, r.hasCpu, 100_000);
      if (expanded) for (const n of nodes) if (n.children.length) visit(n.key, n.children);
    };
    visit(ROOT_ROW, r.roots);
    return shown;
  };
  const keyOf = (r: ReturnType<typeof rows>, pid: number) => byPid(r.roots, pid).key;
  const groupKey = (r: ReturnType<typeof rows>, id: string) => find(r.roots, (n) => n.extensionId === id).key;

  it('identical models: nothing to refresh (no event)', () => {
    const shown = shownOf(rows());
    assert.deepStrictEqual(shown.changes(rows().roots, true, 100_000), []);
    assert.deepStrictEqual(shown.changes(rows().roots, true, 100_000), [], 'and again');
  });

  it('one CPU % change: that row and the ancestors whose summed CPU it shows, nothing else', () => {
    const before = rows();
    const shown = shownOf(before);
    const after = rows({ cpu: new Map([...cpu, [P.pyChild, 31]]) });
    const changed = shown.changes(after.roots, true, 100_000);
    assert.ok(Array.isArray(changed));
    assert.deepStrictEqual(
      [...changed].sort(),
      [
        keyOf(after, P.pyChild),
        keyOf(after, P.python),
        groupKey(after, 'ms-python.python'),
        keyOf(after, P.host),
        keyOf(after, P.server),
        keyOf(after, P.launcher),
      ].sort(),
    );
    assert.deepStrictEqual(shown.changes(after.roots, true, 100_000), [], 'the change is reported once');
    // a change that does not show (31 % → 31.2 % rounds to the same "31 %" on every row) is no change
    assert.deepStrictEqual(shown.changes(rows({ cpu: new Map([...cpu, [P.pyChild, 31.2]]) }).roots, true, 100_000), []);
  });

  it('rows the tree never fetched (children of a collapsed row) are not compared', () => {
    const shown = shownOf(rows(), false);
    const after = rows({ cpu: new Map([...cpu, [P.pyChild, 31]]) });
    assert.deepStrictEqual(shown.changes(after.roots, true, 100_000), [keyOf(after, P.launcher)]);
  });

  it('a new or reordered child: its parent (with the ancestors whose figures changed), never the new row itself', () => {
    const shown = shownOf(rows());
    const more = editSnapshot(snap, {}, [rec(412, P.bash, ['sleep', '200'])]);
    const after = rows({}, more);
    const changed = shown.changes(after.roots, true, 100_000);
    assert.ok(Array.isArray(changed));
    assert.ok(changed.includes(keyOf(after, P.bash)), 'the parent of the new row');
    assert.ok(!changed.includes(keyOf(after, 412)));
    assert.ok(!changed.includes(keyOf(after, P.host)), 'another branch is left alone');
    // host2 drops below host: the server's children are reordered
    const reordered = rows({ cpu: new Map([...cpu, [P.host2, 1]]) }, more);
    const again = shown.changes(reordered.roots, true, 100_000);
    assert.ok(Array.isArray(again) && again.includes(keyOf(reordered, P.server)));
  });

  it('a change of the root rows refreshes the whole tree; an age that shows differently is a change', () => {
    const shown = shownOf(rows());
    const noOthers = editSnapshot(snap, { [P.other]: null, [P.otherKid]: null });
    assert.strictEqual(shown.changes(rows({}, noOthers).roots, true, 100_000), 'all');
    const fresh = shownOf(rows());
    const later = fresh.changes(rows().roots, true, 100_000 + 60_000);
    assert.ok(Array.isArray(later) && later.includes(keyOf(rows(), P.job)), 'the age column reads differently a minute later');
  });
});

describe('Processes: sockets of any pid set', () => {
  const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const line = (local: string, remote: string, st: string, inode: number) =>
    `   0: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
  const parsed = parseProcNetTcp(
    [
      HEADER,
      line('0100007F:1388', '00000000:0000', '0A', 11), // 127.0.0.1:5000 LISTEN
      line('0100007F:A000', '0100007F:1F90', '01', 12), // ESTABLISHED
      line('0100007F:A001', '0100007F:1F90', '06', 0), // TIME_WAIT: no owner
      line('0100007F:A002', '0100007F:1F90', '08', 13), // CLOSE_WAIT: not counted
    ].join('\n'),
    4,
    'LE',
  );
  const sockets: TcpSocket[] = parsed.ok ? parsed.sockets : [];
  const fds: FdReader = (pid) =>
    pid === 3
      ? { ok: false, reason: 'permission denied' }
      : { ok: true, links: pid === 1 ? ['socket:[11]', 'socket:[12]', '/dev/null'] : ['socket:[13]', 'pipe:[5]'] };

  it('maps LISTEN sockets to ports and counts connected ones; an unreadable pid is a problem, not zero', () => {
    const r = socketsByPid(sockets, [1, 2, 3], fds);
    assert.deepStrictEqual(r.byPid.get(1), [{ port: 5000, address: '127.0.0.1', family: 4, inode: 11 }]);
    assert.strictEqual(r.byPid.has(2), false);
    assert.deepStrictEqual(
      [...r.established],
      [
        [1, 1],
        [2, 0],
      ],
    );
    assert.deepStrictEqual(r.problems, [{ pid: 3, reason: 'permission denied' }]);
  });
});

describe('Processes: the Stop… plan', () => {
  const snap = fixture();
  const topology = classifyTopology(snap, P.host);
  const ctx = { selfPid: P.host, selfUid: UID, nowMs: 100_000, ports: new Map([[P.python, listen(5000)]]) };
  const id = (pid: number) => ({ pid, starttime: pid * 10 });

  it('targets the whole tree, children before parents, with the ports that go away', () => {
    const plan = planStopProcesses(snap, topology, [id(P.python)], ctx);
    assert.deepStrictEqual(
      plan.targets.map((t) => t.pid),
      [P.pyChild, P.python],
    );
    assert.match(plan.targets[1].facts, /^chosen, age .*, listening on 127\.0\.0\.1:5000$/);
    assert.match(plan.targets[0].facts, new RegExp(`^in the tree of pid ${P.python}`));
    assert.deepStrictEqual([plan.action, plan.verb, plan.skipped, plan.notIncluded], ['stop-processes', 'Stop', [], []]);
  });

  it('skips protected roots with why, and leaves protected members out with why', () => {
    const plan = planStopProcesses(snap, topology, [id(P.host2), id(P.pty), id(P.launcher), id(P.task)], ctx);
    assert.deepStrictEqual(
      plan.skipped.map((s) => [s.pid, s.because]),
      [
        [P.host2, 'the extensionHost process is protected'],
        [P.pty, 'the ptyHost process is protected'],
        [P.launcher, 'an ancestor of this extension host is protected'],
      ],
    );
    assert.deepStrictEqual(
      plan.targets.map((t) => t.pid),
      [P.task],
    );
    const withForeign = editSnapshot(snap, {}, [rec(231, P.task, ['sudo', 'x'], { uid: 0 }), rec(232, 231, ['y'], { uid: UID })]);
    const p2 = planStopProcesses(withForeign, classifyTopology(withForeign, P.host), [id(P.task)], ctx);
    assert.deepStrictEqual(
      p2.targets.map((t) => t.pid),
      [232, P.task],
    );
    assert.deepStrictEqual(p2.notIncluded, [{ name: 'sudo x (pid 231)', reason: 'belongs to another user (uid 0)' }]);
  });

  it('a disconnected window (kept for the reconnection grace) is handled like unknown: never stopped, in no plan a gone one is not', () => {
    // host2 with a child; the same scan seen with each window evidence: gone, disconnected, unknown, live
    const withKid = editSnapshot(snap, {}, [rec(310, P.host2, ['git', 'fetch'])]);
    const top = classifyTopology(withKid, P.host);
    const evidence: Record<string, Partial<ProcessesInput>> = {
      gone: { established: new Map([[P.host2, 0]]) },
      disconnected: {
        established: new Map([[P.host2, 0]]),
        windows: new Map([[windowKey(P.host2, P.host2 * 10), { updatedAtMs: 99_000 }]]),
      },
      unknown: { established: new Map() },
      live: { established: new Map([[P.host2, 1]]) },
    };
    const plans = new Map<string, { targets: number[]; skipped: [number | undefined, string][] }>();
    for (const [want, fields] of Object.entries(evidence)) {
      const m = buildProcessesModel(input(withKid, { topology: top, ...fields }));
      const host2 = byPid(m.roots, P.host2);
      assert.strictEqual(host2.window?.state, want);
      assert.match(host2.protection ?? '', /extensionHost process is protected/, want);
      assert.strictEqual(rowStoppable(host2), false, want);
      // every row Stop… applies to, chosen at once (the broadest plan the view can make)
      const chosen = [...walk(m.roots)].filter((n) => n.record && rowStoppable(n)).map((n) => id(n.record!.pid));
      const plan = planStopProcesses(withKid, top, [...chosen, id(P.host2)], ctx);
      assert.ok(!plan.targets.some((t) => t.pid === P.host2), `${want}: the extension host is never a target`);
      plans.set(want, { targets: plan.targets.map((t) => t.pid), skipped: plan.skipped.map((x) => [x.pid, x.because]) });
    }
    // the window state changes no plan: a disconnected host's plan is exactly a gone (and an unknown) one's
    assert.deepStrictEqual(plans.get('disconnected'), plans.get('gone'));
    assert.deepStrictEqual(plans.get('disconnected'), plans.get('unknown'));
    assert.deepStrictEqual(plans.get('disconnected')!.skipped, [[P.host2, 'the extensionHost process is protected']]);
    // and a row shows its state: the render key differs, so a refresh re-renders the label
    const keys = Object.values(evidence).map((f) =>
      rowRenderKey(byPid(buildProcessesModel(input(withKid, { topology: top, ...f })).roots, P.host2), false, 100_000),
    );
    assert.strictEqual(new Set(keys).size, keys.length);
  });

  it('skips a root whose pid was reused since the row was shown', () => {
    const plan = planStopProcesses(snap, topology, [{ pid: P.git, starttime: 1 }], ctx);
    assert.deepStrictEqual(
      plan.skipped.map((s) => s.because),
      ['pid reused by another process'],
    );
  });

  it('re-validates against a fresh scan: a reused pid or an exec since the preview is skipped', () => {
    const plan = planStopProcesses(snap, topology, [id(P.python)], ctx);
    const fresh = editSnapshot(snap, { [P.pyChild]: { starttime: 5 }, [P.python]: { comm: 'other', argv: ['other'] } });
    const r = revalidateStop(plan.targets, fresh, classifyTopology(fresh, P.host), ctx);
    assert.deepStrictEqual(r.valid, []);
    assert.deepStrictEqual(
      r.skipped.map((s) => [s.target.pid, s.because]),
      [
        [P.pyChild, 'pid reused by another process'],
        [P.python, 'changed since the preview (was node, now other)'],
      ],
    );
    assert.deepStrictEqual(revalidateStop(plan.targets, snap, topology, ctx).valid.length, 2);
  });
});
