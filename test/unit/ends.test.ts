// How tracked trees end (src/features/memory/ends.ts) on the codeserver and ai fixtures: a tree that vanishes with an
// OOM kill → oom, after our signal → signal, without evidence → unexpected_exit (a terminal's job → exit), pid reuse is a
// new tree; restart loops (with a fast-check property); the persisted history (src/probes/endsStore.ts).
import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SignalBook } from '../../src/core/signalled';
import {
  END_KINDS,
  EndEntry,
  EndTracker,
  MAX_ENDS,
  TREE_KINDS,
  TrackedTree,
  addEnds,
  applyLateOom,
  endEntry,
  endsData,
  lifecycleEnds,
  loopText,
  restartLoops,
  thingKey,
  trackedTrees,
} from '../../src/features/memory/ends';
import { endsFile, readEnds, writeEnds } from '../../src/probes/endsStore';
import { Snapshot } from '../../src/probes/scanner';
import { Topology, classifyTopology } from '../../src/probes/topology';
import { AI, aiViewOf, scanAi } from './aiFixtures';
import { CS, CS_NOW, editSnapshot, scanFixture } from './procFixtures';
import { prop } from './properties/harness';

const naming = {
  selfPid: CS.extHost,
  windowKey: 'file:///ws',
  terminalNameOf: (pid: number) => (pid === CS.busy ? 'terminal 2 "bash"' : undefined),
};
const at = (s: Snapshot, ms: number): Snapshot => ({ ...s, takenAtMs: ms });

describe('Tree ends', () => {
  let base: Snapshot;
  let topo: Topology;
  before(async () => {
    base = at(await scanFixture('codeserver'), CS_NOW);
    topo = classifyTopology(base, CS.extHost);
  });
  const treesOf = (s: Snapshot) => trackedTrees(s, classifyTopology(s, CS.extHost), naming);
  const byPid = (trees: TrackedTree[], pid: number) => trees.find((t) => t.pid === pid)!;

  it('tracks terminal jobs, extension hosts and the pty host of a scan, with labels and subtree RSS', () => {
    const trees = trackedTrees(base, topo, naming);
    const job = byPid(trees, CS.sleep);
    assert.strictEqual(job.kind, 'terminal');
    assert.strictEqual(job.label, 'terminal 2 "bash" · sleep 1000');
    assert.strictEqual(job.plainEnd, 'exit');
    const server = byPid(trees, CS.node);
    assert.strictEqual(server.label, `terminal shell ${CS.serving} · node server.js`);
    assert.deepStrictEqual(server.pids.sort(), [CS.node, CS.esbuild].sort(), 'the job and its children');
    const esbuildRss = base.processes.get(CS.esbuild)!.rssBytes;
    assert.strictEqual(server.rssBytes, base.processes.get(CS.node)!.rssBytes + esbuildRss);
    assert.strictEqual(byPid(trees, CS.extHost).label, 'extension host (this window)');
    assert.strictEqual(byPid(trees, CS.ptyHost).kind, 'ptyHost');
    assert.ok(!trees.some((t) => t.pid === CS.cpuUsageSh || t.pid === CS.idle), 'no pty host helper, no idle shell');
  });

  it('tracks AI trees (an MCP server under its assistant) before the terminal job with the same root', async () => {
    const snap = await scanAi();
    const model = aiViewOf(snap);
    const trees = trackedTrees(snap, model.topology, { selfPid: AI.extHost, windowKey: 'w' }, model.rows);
    const claude = byPid(trees, AI.claudeNew);
    assert.strictEqual(claude.kind, 'ai', 'the AI entry wins over the terminal job');
    assert.match(claude.label, /^terminal shell \d+ · Claude Code/);
    assert.strictEqual(claude.plainEnd, 'exit', 'run from a terminal: its exit status goes to the shell');
    const mcp = byPid(trees, AI.fsMcp);
    assert.match(mcp.label, /^Claude Code.* · MCP @modelcontextprotocol\/server-filesystem$/);
    assert.strictEqual(mcp.plainEnd, 'unexpected_exit');
    assert.ok(mcp.pids.includes(AI.fsMcpNode), 'members of the MCP tree');
    const leaked = byPid(trees, AI.codexLeaked);
    assert.strictEqual(leaked.kind, 'ai');
    assert.strictEqual(leaked.plainEnd, 'unexpected_exit');
  });

  it('classifies a vanished tree: OOM kill of a member → oom, our signal → signal, no evidence → unexpected_exit / exit', () => {
    const tracker = new EndTracker();
    assert.deepStrictEqual(tracker.observe(base, treesOf(base), { oomKills: [] }), []);
    const signalled = new SignalBook();
    signalled.note(CS.node, 'SIGTERM', CS_NOW + 2000);
    const gone = at(
      editSnapshot(base, { [CS.sleep]: null, [CS.node]: null, [CS.esbuild]: null, [CS.agentHost]: null, [CS.extHost]: null }),
      CS_NOW + 5000,
    );
    const ends = tracker.observe(gone, treesOf(gone), { oomKills: [{ pid: CS.sleep, comm: 'sleep', atMs: CS_NOW + 3000 }], signalled });
    const kindOf = (pid: number) => ends.find((e) => e.pid === pid)?.kind;
    assert.strictEqual(kindOf(CS.sleep), 'oom');
    assert.strictEqual(kindOf(CS.node), 'signal');
    assert.strictEqual(kindOf(CS.extHost), 'unexpected_exit');
    const sleep = ends.find((e) => e.pid === CS.sleep)!;
    assert.strictEqual(sleep.lastSeenAtMs, CS_NOW);
    assert.strictEqual(sleep.atMs, CS_NOW + 5000);
    assert.strictEqual(sleep.uptimeMs, CS_NOW - base.processes.get(CS.sleep)!.startedAtMs);
    assert.strictEqual(sleep.lastRssBytes, base.processes.get(CS.sleep)!.rssBytes);
    assert.match(sleep.reason, /OOM killer killed its root pid \d+ \(sleep\)/);
    assert.strictEqual(ends.length, 3, 'nothing else ended');
    assert.deepStrictEqual(tracker.observe(gone, treesOf(gone), { oomKills: [] }), [], 'each end is reported once');
  });

  it('a terminal job that ends with no evidence is an exit; an OOM kill reported later turns it into oom', () => {
    const tracker = new EndTracker();
    tracker.observe(base, treesOf(base), { oomKills: [] });
    const gone = at(editSnapshot(base, { [CS.sleep]: null }), CS_NOW + 4000);
    const [end] = tracker.observe(gone, treesOf(gone), { oomKills: [] });
    assert.strictEqual(end.kind, 'exit');
    const history = addEnds([], [end]);
    assert.strictEqual(applyLateOom(history, { pid: 999_999, atMs: CS_NOW + 3000 }), false, 'another pid');
    assert.strictEqual(applyLateOom(history, { pid: CS.sleep, comm: 'sleep', atMs: CS_NOW + 3000 }), true);
    assert.strictEqual(history[0].kind, 'oom');
  });

  it('pid reuse with another start time is a new tree: the old one ended, the new one is tracked', () => {
    const tracker = new EndTracker();
    tracker.observe(base, treesOf(base), { oomKills: [] });
    const reused = at(editSnapshot(base, { [CS.sleep]: { starttime: base.processes.get(CS.sleep)!.starttime + 500 } }), CS_NOW + 3000);
    const ends = tracker.observe(reused, treesOf(reused), { oomKills: [] });
    assert.deepStrictEqual(
      ends.map((e) => [e.pid, e.starttime]),
      [[CS.sleep, base.processes.get(CS.sleep)!.starttime]],
    );
    const next = at(editSnapshot(reused, { [CS.sleep]: null }), CS_NOW + 6000);
    const again = tracker.observe(next, treesOf(next), { oomKills: [] });
    assert.deepStrictEqual(
      again.map((e) => e.starttime),
      [base.processes.get(CS.sleep)!.starttime + 500],
    );
  });

  it('ignores an unreadable or older scan, and trees of an old model whose root is already gone', () => {
    const tracker = new EndTracker();
    tracker.observe(base, treesOf(base), { oomKills: [] });
    const broken = { ...at(editSnapshot(base, {}), CS_NOW + 1000), processes: new Map(), unavailable: 'no /proc' };
    assert.deepStrictEqual(tracker.observe(broken, [], { oomKills: [] }), []);
    const older = at(editSnapshot(base, { [CS.sleep]: null }), CS_NOW - 1000);
    assert.deepStrictEqual(tracker.observe(older, [], { oomKills: [] }), [], 'an older scan ends nothing');
    const fresh = new EndTracker();
    const gone = at(editSnapshot(base, { [CS.sleep]: null }), CS_NOW);
    fresh.observe(gone, treesOf(base), { oomKills: [] }); // the trees of an older model
    assert.strictEqual(fresh.tracked, treesOf(base).length - 1, 'the gone root is not tracked');
  });

  it('an extension host stopped with a signal we sent before it was last seen still counts as signal', () => {
    const tree = byPid(treesOf(base), CS.extHost);
    const signalled = new SignalBook();
    signalled.note(CS.extHost, 'SIGKILL', CS_NOW - 10);
    assert.strictEqual(endEntry(tree, CS_NOW, CS_NOW + 1000, { oomKills: [], signalled }).kind, 'signal');
    signalled.note(4242, 'SIGKILL', CS_NOW);
    const other = endEntry(byPid(treesOf(base), CS.ptyHost), CS_NOW, CS_NOW + 1000, { oomKills: [], signalled });
    assert.strictEqual(other.kind, 'unexpected_exit');
  });

  it("this window's earlier extension hosts from the lifecycle records (clean ends and restarts left out)", () => {
    const rec = (pid: number) => ({ pid, starttime: pid, startedAtMs: 1000, lastSeenAtMs: 61_000 });
    const ends = lifecycleEnds(
      [
        { record: rec(1), explanation: { end: 'heap_exhausted', reason: 'heap 95 % full' } },
        { record: rec(2), explanation: { end: 'clean', reason: 'ended cleanly' } },
        { record: rec(3), explanation: { end: 'oom', reason: 'OOM' } },
      ],
      'file:///ws',
      () => 123,
    );
    assert.deepStrictEqual(
      ends.map((e) => [e.pid, e.kind, e.uptimeMs, e.lastRssBytes]),
      [
        [1, 'heap_exhausted', 60_000, 123],
        [3, 'oom', 60_000, 123],
      ],
    );
    assert.strictEqual(ends[0].thingKey, thingKey('exthost:file:///ws'), 'the same thing as the live host of this window');
  });
});

describe('Restart loops', () => {
  const end = (i: number, fields: Partial<EndEntry> = {}): EndEntry => ({
    atMs: 1_000_000 + i * 60_000,
    lastSeenAtMs: 1_000_000 + i * 60_000 - 1000,
    kind: 'unexpected_exit',
    treeKind: 'ai',
    label: 'Claude Code · MCP github',
    pid: 100 + i,
    starttime: i,
    uptimeMs: 30_000,
    lastRssBytes: 1,
    reason: '',
    thingKey: thingKey('mcp:github'),
    pids: [100 + i],
    ...fields,
  });

  it('calls out the same thing ending 3+ times in 10 min, with the last kind', () => {
    const history = [end(0), end(1), end(2, { kind: 'oom' }), end(3, { thingKey: thingKey('other'), label: 'other' })];
    const loops = restartLoops(history, 1_000_000 + 3 * 60_000);
    assert.strictEqual(loops.length, 1);
    assert.strictEqual(loopText(loops[0]), 'restarted 3 times in 10 min (last: oom)');
    assert.deepStrictEqual(restartLoops(history, 1_000_000 + 11 * 60_000), [], 'older than 10 min: no loop');
    const data = endsData(history, 1_000_000 + 3 * 60_000);
    assert.deepStrictEqual(data.loops, ['Claude Code · MCP github: restarted 3 times in 10 min (last: oom)']);
    assert.deepStrictEqual(
      data.ends.map((e) => e.loop),
      [false, true, true, true],
      'newest first; the ends of the looping thing are marked',
    );
  });

  it('does not count a terminal job that ran to its end (exit): re-running a command is not a loop', () => {
    const history = [0, 1, 2, 3].map((i) => end(i, { kind: 'exit', treeKind: 'terminal' }));
    assert.deepStrictEqual(restartLoops(history, 1_000_000 + 4 * 60_000), []);
  });

  const entry = fc.record({
    atMs: fc.integer({ min: 0, max: 60 * 60_000 }),
    kind: fc.constantFrom(...END_KINDS),
    treeKind: fc.constantFrom(...TREE_KINDS),
    thing: fc.constantFrom('a', 'b', 'c'),
  });
  prop('never reports a loop with fewer than the threshold of ends in the window, and misses none', 300, () =>
    fc.property(
      fc.array(entry, { maxLength: 40 }),
      fc.integer({ min: 0, max: 70 * 60_000 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 30 * 60_000 }),
      (raw, nowMs, threshold, windowMs) => {
        const history = raw.map((r, i) => end(i, { atMs: r.atMs, kind: r.kind, treeKind: r.treeKind, thingKey: thingKey(r.thing) }));
        const loops = restartLoops(history, nowMs, { threshold, windowMs });
        const counted = (key: string) =>
          history.filter((e) => e.thingKey === key && e.kind !== 'exit' && e.atMs <= nowMs && nowMs - e.atMs <= windowMs).length;
        for (const l of loops) {
          assert.ok(l.count >= threshold, `${l.count} < ${threshold}`);
          assert.strictEqual(l.count, counted(l.thingKey));
        }
        for (const key of ['a', 'b', 'c'].map(thingKey))
          if (counted(key) >= threshold)
            assert.ok(
              loops.some((l) => l.thingKey === key),
              'a loop is missed',
            );
      },
    ),
  );

  it('keeps the newest MAX_ENDS ends, one per pid + start time', () => {
    const many = Array.from({ length: MAX_ENDS + 10 }, (_, i) => end(i));
    const kept = addEnds(addEnds([], many), many.slice(-3));
    assert.strictEqual(kept.length, MAX_ENDS);
    assert.strictEqual(kept[kept.length - 1].pid, many[many.length - 1].pid);
  });
});

describe('Ends history file', () => {
  let dir = '';
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-ends-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sample = (pid: number): EndEntry => ({
    atMs: 2000,
    lastSeenAtMs: 1000,
    kind: 'signal',
    treeKind: 'terminal',
    label: 'terminal 1 · npm test',
    pid,
    starttime: 5,
    uptimeMs: 900,
    lastRssBytes: 4096,
    reason: 'stopped',
    thingKey: thingKey('job:npm test'),
    pids: [pid],
  });

  it('round-trips, is 0600, and a missing file is no problem', async () => {
    const file = endsFile(path.join(dir, 'g'), 'file:///a b');
    assert.deepStrictEqual(await readEnds(file), { ends: [] });
    assert.deepStrictEqual(await writeEnds(file, [sample(7), sample(8)]), { ok: true });
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.deepStrictEqual((await readEnds(file)).ends, [sample(7), sample(8)]);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('job:'), 'the thing is stored as a hash only');
  });

  it('rejects invalid content with a reason (and uses none of it)', async () => {
    const file = path.join(dir, 'ends-x.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, ends: [{ ...sample(1), kind: 'exploded' }] }));
    const r = await readEnds(file);
    assert.deepStrictEqual(r.ends, []);
    assert.match(r.problem ?? '', /ends\.0\.kind/);
    fs.writeFileSync(file, '{');
    assert.match((await readEnds(file)).problem ?? '', /invalid JSON/);
  });
});

describe('SignalBook', () => {
  it('finds a signal to one of the pids within the time range, and forgets old and excess ones', () => {
    const book = new SignalBook(3, 60_000);
    book.note(10, 'SIGTERM', 1000);
    assert.deepStrictEqual(book.find([9, 10], 0, 2000), { pid: 10, signal: 'SIGTERM', atMs: 1000 });
    assert.strictEqual(book.find([10], 1001, 2000), undefined, 'before the range');
    assert.strictEqual(book.find([11], 0, 2000), undefined, 'another pid');
    book.note(11, 'SIGKILL', 62_000); // 10's note is now older than 60 s
    assert.strictEqual(book.find([10], 0, 100_000), undefined);
    for (const pid of [12, 13, 14]) book.note(pid, 'SIGHUP', 62_000);
    assert.strictEqual(book.find([11], 0, 100_000), undefined, 'at most 3 kept');
    assert.strictEqual(book.find([14], 0, 100_000)?.signal, 'SIGHUP');
  });
});
