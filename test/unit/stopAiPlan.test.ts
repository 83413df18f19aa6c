import * as assert from 'assert';
import { AiPlanContext, AiTarget, planStopAi, planStopLeakedAndDuplicates, revalidateAi } from '../../src/features/ai/plan';
import { PLAN_TTL_MS, Plan, SafetyContext, previewText } from '../../src/core/safety';
import { AiViewModel } from '../../src/features/ai/model';
import { ProcessRecord, Snapshot, ancestorsOf } from '../../src/probes/scanner';
import { editSnapshot, pidsOf, proc } from './procFixtures';
import { AI, AI_NOW, AI_SESSION, aiDupViewOf, aiProcess, aiViewOf, rowAt, scanAi } from './aiFixtures';

const KB = 1024;
const BULK = ['leaked', 'duplicate'];
const NOT_AI = 'no longer an AI process';
const sortNum = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
const skippedOf = (p: Plan<AiTarget>): [number | undefined, string][] => p.skipped.map((s) => [s.pid, s.because]);
const rootsOf = (p: Plan<AiTarget>): number[] => sortNum(new Set(p.targets.map((t) => t.rootPid)));
/** The members of claudeNew's tree and of its two MCP servers. */
const CLAUDE_NEW_ALL: number[] = [
  AI.claudeNew,
  AI.claudeBash,
  AI.claudeNpmTest,
  AI.fsMcp,
  AI.fsMcpSh,
  AI.fsMcpNode,
  AI.fetchMcp,
  AI.fetchMcpPython,
];
/** Edits removing the given processes (for editSnapshot). */
const gone = (...pids: number[]): Record<number, null> => Object.fromEntries(pids.map((pid) => [pid, null]));

/** No target is signalled after one of its ancestors, and depths never increase. */
function assertLeavesFirst(plan: Plan<AiTarget>, snapshot: Snapshot): void {
  const index = new Map(plan.targets.map((t, i) => [t.pid, i]));
  plan.targets.forEach((t, i) => {
    assert.strictEqual(t.depth, ancestorsOf(snapshot, t.pid).length, `depth of ${t.pid}`);
    if (i > 0) assert.ok(plan.targets[i - 1].depth >= t.depth, `${plan.targets[i - 1].pid} before ${t.pid}`);
    for (const a of ancestorsOf(snapshot, t.pid)) {
      const j = index.get(a.pid);
      if (j !== undefined) assert.ok(j > i, `${t.pid} must come before its ancestor ${a.pid}`);
    }
  });
}

/** The model with extra pids listed as members of one tree (as if a server process ever ended up in a tree). */
function withMembers(model: AiViewModel, root: number, extra: number[]): AiViewModel {
  const row = rowAt(model, root);
  const changed = { ...row, tree: { ...row.tree, memberPids: [...row.tree.memberPids, ...extra] } };
  return { ...model, rows: model.rows.map((r) => (r === row ? changed : r)), byRoot: new Map([...model.byRoot, [root, changed]]) };
}

describe('stop AI processes: plans on the ai fixture', () => {
  let snap: Snapshot;
  let model: AiViewModel;
  let uid: number;
  before(async () => {
    snap = await scanAi();
    model = aiDupViewOf(snap);
    uid = proc(snap, AI.claudeNew).uid;
  });

  const ctx = (fields: Partial<AiPlanContext> = {}): AiPlanContext => ({
    selfPid: AI.extHost,
    selfUid: uid,
    nowMs: AI_NOW,
    home: '/home/coder',
    ...fields,
  });
  const safety = (fields: Partial<SafetyContext> = {}): SafetyContext => ({ selfPid: AI.extHost, selfUid: uid, ...fields });
  /** An MCP server started by a process, with its node child (both members of one MCP tree). */
  const mcpUnder = (pid: number, ppid: number, ageSec: number): ProcessRecord[] => [
    aiProcess(snap, pid, ppid, ['npm exec @modelcontextprotocol/server-memory'], ageSec),
    aiProcess(
      snap,
      pid + 1,
      pid,
      ['node', '/home/coder/.npm/_npx/4c5d6e7f/node_modules/@modelcontextprotocol/server-memory/dist/index.js'],
      ageSec,
    ),
  ];

  describe('planStopAi', () => {
    it('targets every process of the selected tree and of the MCP servers it spawned, leaves first', () => {
      const p = planStopAi(model, [AI.claudeNew], ctx());
      assert.deepStrictEqual(sortNum(pidsOf(p.targets)), sortNum(CLAUDE_NEW_ALL));
      assert.deepStrictEqual(pidsOf(p.targets), [
        AI.fsMcpNode, // depth 8: init → launcher → server → pty host → shell → claude → npm exec → sh → node
        AI.claudeNpmTest,
        AI.fsMcpSh,
        AI.fetchMcpPython,
        AI.claudeBash,
        AI.fsMcp,
        AI.fetchMcp,
        AI.claudeNew,
      ]);
      assertLeavesFirst(p, snap);
      assert.deepStrictEqual(p.skipped, []);
      assert.deepStrictEqual(rootsOf(p), [AI.claudeNew], 'one tree: the selected one');
    });

    it("records the program of each target, so a process that exec'd since the preview is skipped at commit", () => {
      const p = planStopAi(model, [AI.claudeNew], ctx());
      const planned = p.targets.map((t) => (t.pid === AI.claudeNew ? { ...t, comm: 'sh', argv0: 'sh' } : t));
      const { valid, skipped } = revalidateAi(planned, model, ctx(), false);
      assert.deepStrictEqual(
        skipped.map((x) => x.target.pid),
        [AI.claudeNew],
      );
      assert.match(skipped[0].because, /changed since the preview/);
      assert.strictEqual(valid.length, p.targets.length - 1);
    });

    it('describes each target: the root by its AI name and folder, the others by their command line', () => {
      const p = planStopAi(model, [AI.claudeNew], ctx());
      const at = (pid: number): AiTarget => p.targets.find((t) => t.pid === pid)!;
      assert.deepStrictEqual(at(AI.claudeNew), {
        pid: AI.claudeNew,
        starttime: proc(snap, AI.claudeNew).starttime,
        uid,
        comm: proc(snap, AI.claudeNew).comm,
        argv0: proc(snap, AI.claudeNew).argv[0],
        name: 'Claude Code',
        facts: 'Claude Code (active), age 10 min',
        rssBytes: 356000 * KB,
        ageMs: 600_000,
        cwd: '~/ws/app',
        descendants: [],
        rootPid: AI.claudeNew,
        tool: 'Claude Code',
        state: 'active',
        depth: 5,
      });
      assert.strictEqual(at(AI.fsMcp).name, 'MCP @modelcontextprotocol/server-filesystem');
      assert.strictEqual(at(AI.fsMcp).cwd, '~/ws/app');
      assert.strictEqual(at(AI.fetchMcp).name, 'MCP mcp-server-fetch');
      assert.strictEqual(at(AI.fsMcpSh).name, 'sh -c mcp-server-filesystem /home/coder/ws');
      assert.strictEqual(at(AI.claudeNpmTest).name, 'npm test');
      for (const pid of [AI.claudeBash, AI.claudeNpmTest, AI.fsMcpSh, AI.fsMcpNode, AI.fetchMcpPython])
        assert.strictEqual(at(pid).cwd, undefined, `${pid}`);
      assert.strictEqual(
        planStopAi(model, [AI.claudeNew], ctx({ home: '/elsewhere' })).targets.find((t) => t.pid === AI.claudeNew)!.cwd,
        '/home/coder/ws/app',
      );
      for (const t of p.targets) {
        assert.strictEqual(t.rssBytes, proc(snap, t.pid).rssBytes);
        assert.strictEqual(t.ageMs, AI_NOW - proc(snap, t.pid).startedAtMs);
      }
    });

    it('targets only the tree of a selected MCP server, not its assistant', () => {
      const p = planStopAi(model, [AI.fsMcp], ctx());
      assert.deepStrictEqual(pidsOf(p.targets), [AI.fsMcpNode, AI.fsMcpSh, AI.fsMcp]);
      assert.ok(p.targets.every((t) => t.rootPid === AI.fsMcp && t.tool === 'MCP server' && t.state === 'active'));
    });

    it('is named stop-ai, single-use for a minute', () => {
      const p = planStopAi(model, [AI.codexLauncher], ctx());
      assert.deepStrictEqual([p.action, p.verb, p.noun], ['stop-ai', 'Stop', ['AI Process', 'AI Processes']]);
      assert.deepStrictEqual([p.createdAtMs, p.expiresAtMs], [AI_NOW, AI_NOW + PLAN_TTL_MS]);
      assert.deepStrictEqual(pidsOf(p.targets), [AI.codexNative, AI.codexLauncher]);
      assert.notStrictEqual(planStopAi(model, [AI.codexLauncher], ctx()).id, p.id);
      assert.strictEqual(planStopAi(model, [AI.codexLeaked], ctx(), true).action, 'stop-leaked-ai');
    });

    it('skips protected processes found in a tree instead of targeting them', () => {
      const m = withMembers(model, AI.codexLauncher, [AI.ptyHost, AI.extHost, AI.agentHost, AI.init]);
      const p = planStopAi(m, [AI.codexLauncher], ctx());
      assert.deepStrictEqual(pidsOf(p.targets), [AI.codexNative, AI.codexLauncher]);
      assert.deepStrictEqual(skippedOf(p), [
        [AI.ptyHost, 'the ptyHost process is protected'],
        [AI.extHost, 'this extension host is protected'],
        [AI.agentHost, 'the agentHost process is protected'],
        [AI.init, 'pid 1 (init) is protected'],
      ]);
    });

    it('skips this extension host and its ancestors when they run inside a selected tree', () => {
      // e.g. extension tests started by Claude's Bash tool (`npm test`): the extension host is below claude
      const p = planStopAi(model, [AI.claudeNew], ctx({ selfPid: AI.claudeNpmTest }));
      assert.deepStrictEqual(skippedOf(p), [
        [AI.claudeNew, 'an ancestor of this extension host is protected'],
        [AI.claudeBash, 'an ancestor of this extension host is protected'],
        [AI.claudeNpmTest, 'this extension host is protected'],
      ]);
      assert.deepStrictEqual(sortNum(pidsOf(p.targets)), sortNum([AI.fsMcp, AI.fsMcpSh, AI.fsMcpNode, AI.fetchMcp, AI.fetchMcpPython]));
      assertLeavesFirst(p, snap);
    });

    it("skips another user's process in the tree", () => {
      const other = editSnapshot(snap, { [AI.fsMcpSh]: { uid: uid + 1 } });
      const p = planStopAi(aiDupViewOf(other), [AI.claudeNew], ctx());
      assert.deepStrictEqual(skippedOf(p), [[AI.fsMcpSh, `belongs to another user (uid ${uid + 1})`]]);
      assert.strictEqual(p.targets.length, CLAUDE_NEW_ALL.length - 1);
      assert.ok(!pidsOf(p.targets).includes(AI.fsMcpSh));
    });

    it('skips a member missing from the snapshot', () => {
      const p = planStopAi(withMembers(model, AI.codexLauncher, [424243]), [AI.codexLauncher], ctx());
      assert.deepStrictEqual(
        p.skipped.map((s) => [s.pid, s.name]),
        [[424243, 'pid 424243']],
      );
      assert.deepStrictEqual(pidsOf(p.targets), [AI.codexNative, AI.codexLauncher]);
    });

    it('skips a root that is not (or no longer) the root of an AI tree', () => {
      const p = planStopAi(model, [424242, AI.grep, AI.claudeBash, AI.extHost], ctx());
      assert.deepStrictEqual(p.targets, []);
      assert.deepStrictEqual(
        p.skipped,
        [424242, AI.grep, AI.claudeBash, AI.extHost].map((pid) => ({ pid, name: `pid ${pid}`, because: NOT_AI })),
      );
      // a tree gone since the view was drawn
      const after = aiDupViewOf(editSnapshot(snap, gone(AI.codexLauncher, AI.codexNative)));
      assert.deepStrictEqual(skippedOf(planStopAi(after, [AI.codexLauncher], ctx())), [[AI.codexLauncher, NOT_AI]]);
    });

    it('in bulk, skips roots that are active or external, with why', () => {
      const selection = [AI.claudeNew, AI.claudeTmux, AI.codexLeaked, AI.claudeOld, AI.copilotLs];
      const p = planStopAi(model, selection, ctx(), true);
      assert.deepStrictEqual(skippedOf(p), [
        [AI.claudeNew, 'active: bulk stops touch only leaked and duplicate trees'],
        [AI.claudeTmux, 'external: bulk stops touch only leaked and duplicate trees'],
        [AI.copilotLs, 'active: bulk stops touch only leaked and duplicate trees'],
      ]);
      assert.deepStrictEqual(pidsOf(p.targets), [AI.claudeOld, AI.codexLeaked]); // depth 5, then depth 1 (child of init)
      assert.deepStrictEqual(
        p.targets.map((t) => t.state),
        ['duplicate', 'leaked'],
      );
      // the user's own selection stops whatever it names
      const chosen = planStopAi(model, selection, ctx());
      assert.deepStrictEqual(chosen.skipped, []);
      assert.deepStrictEqual(rootsOf(chosen), sortNum(selection));
      assert.deepStrictEqual(chosen.targets.find((t) => t.pid === AI.claudeTmux)?.facts, 'Claude Code (external), age 10 h 33 min');
    });

    it('targets each process once when the selection repeats a tree or names a tree and its MCP server', () => {
      const once = planStopAi(model, [AI.claudeNew], ctx());
      const repeated = planStopAi(model, [AI.claudeNew, AI.fsMcp, AI.claudeNew, AI.fetchMcp], ctx());
      assert.deepStrictEqual(pidsOf(repeated.targets), pidsOf(once.targets));
      assert.deepStrictEqual(repeated.skipped, []);
      assert.deepStrictEqual(rootsOf(repeated), [AI.claudeNew]);
      // the MCP server first: its processes are attributed to it, the rest to claude, still once each
      const mcpFirst = planStopAi(model, [AI.fsMcp, AI.claudeNew], ctx());
      assert.deepStrictEqual(sortNum(pidsOf(mcpFirst.targets)), sortNum(CLAUDE_NEW_ALL));
      assert.strictEqual(new Set(pidsOf(mcpFirst.targets)).size, CLAUDE_NEW_ALL.length);
      assert.deepStrictEqual(rootsOf(mcpFirst), [AI.claudeNew, AI.fsMcp]);
      assertLeavesFirst(mcpFirst, snap);
    });

    it('is empty for an empty selection', () => {
      const p = planStopAi(model, [], ctx());
      assert.deepStrictEqual([p.targets, p.skipped], [[], []]);
    });
  });

  describe('planStopLeakedAndDuplicates', () => {
    it('targets the leaked and duplicate trees only, leaves first', () => {
      const p = planStopLeakedAndDuplicates(model, ctx());
      assert.deepStrictEqual(rootsOf(p), sortNum([AI.claudeOld, AI.codexLeaked, AI.devtoolsMcpLeaked]));
      assert.deepStrictEqual(pidsOf(p.targets), [AI.claudeOld, AI.devtoolsMcpLeaked, AI.codexLeaked]); // depth 5, 2 (below systemd --user), 1
      assert.deepStrictEqual(
        p.targets.map((t) => t.state),
        ['duplicate', 'leaked', 'leaked'],
      );
      assert.deepStrictEqual(p.skipped, []);
      assert.deepStrictEqual([p.action, p.verb, p.noun], ['stop-leaked-ai', 'Stop', ['AI Process', 'AI Processes']]);
    });

    it('says in the preview why each duplicate is one', () => {
      const p = planStopLeakedAndDuplicates(model, ctx());
      const root = p.targets.find((t) => t.pid === AI.claudeOld)!;
      assert.strictEqual(
        root.facts,
        `Claude Code (duplicate: same session id ${AI_SESSION.claudeB} as Claude Code pid ${AI.claudeNew}, started 1 h 50 min apart ` +
          '(the newer one is kept)), age 2 h',
      );
      assert.ok(previewText(p, 'x').detail.includes(`same session id ${AI_SESSION.claudeB}`));
      assert.strictEqual(p.targets.find((t) => t.pid === AI.codexLeaked)!.facts, 'Codex (leaked), age 1 d');
    });

    it('does not target the suspended claude of terminal 1, which holds its own session', () => {
      const plain = aiViewOf(snap);
      const p = planStopLeakedAndDuplicates(plain, ctx());
      assert.deepStrictEqual(rootsOf(p), sortNum([AI.codexLeaked, AI.devtoolsMcpLeaked]));
      assert.ok(p.notIncluded?.some((n) => n.name === `Claude Code (pid ${AI.claudeOld})` && n.reason.startsWith('active')));
    });

    it('names the trees of the view it leaves out, with why, once per tree it did not start from', () => {
      const p = planStopLeakedAndDuplicates(model, ctx());
      const left = p.notIncluded ?? [];
      const byName = new Map(left.map((n) => [n.name, n.reason]));
      const withMcp = 'active: runs under the live terminal shell 20100; with the 2 trees it started';
      assert.strictEqual(byName.get(`Claude Code (pid ${AI.claudeNew})`), withMcp);
      const tmux = `Claude Code (pid ${AI.claudeTmux}) — external: started outside code-server, not a leak`;
      assert.strictEqual(byName.get(`Claude Code (pid ${AI.claudeTmux})`), 'external: started outside code-server, not a leak');
      assert.strictEqual(byName.get(`Codex (pid ${AI.codexLauncher})`), 'active: runs under the live terminal shell 20900');
      // the MCP servers of the active claude are covered by its line; nothing targeted is listed
      assert.ok(!left.some((n) => n.name.includes(`pid ${AI.fsMcp}`) || n.name.includes(`pid ${AI.fetchMcp}`)), JSON.stringify(left));
      for (const pid of rootsOf(p)) assert.ok(!left.some((n) => n.name.endsWith(`(pid ${pid})`)), `${pid}`);
      const shown = model.rows.filter((r) => r.tree.parentRootPid === undefined).length;
      assert.strictEqual(left.length, shown - 3, 'every top-level tree is either a target or not included');
      // in the preview: one short section, capped
      const text = previewText(p, 'x');
      assert.match(text.detail, /\n\nNot included:\n• .+ — .+\n/);
      assert.ok(text.detail.includes(`• ${tmux}`), text.detail);
      assert.ok(text.detail.includes(`… and ${left.length - 6} more`), text.detail);
      assert.ok(text.fullList.includes(`not included: ${tmux}`));
    });

    it('never targets a process of an active or external tree', () => {
      const p = planStopLeakedAndDuplicates(model, ctx());
      const spared = model.rows.filter((r) => !BULK.includes(r.tree.state)).flatMap((r) => r.tree.memberPids);
      assert.ok(spared.length > 0);
      for (const t of p.targets) assert.ok(!spared.includes(t.pid), `${t.pid} belongs to an active or external tree`);
      // with nothing leaked or duplicate there is nothing to do
      const clean = aiDupViewOf(editSnapshot(snap, gone(AI.claudeOld, AI.codexLeaked, AI.devtoolsMcpLeaked)));
      assert.strictEqual(clean.totals.leaked + clean.totals.duplicate, 0);
      const none = planStopLeakedAndDuplicates(clean, ctx());
      assert.deepStrictEqual([none.targets, none.skipped], [[], []]);
    });

    it('lists a leaked MCP server of a leaked assistant once, as part of the assistant', () => {
      const m = aiDupViewOf(editSnapshot(snap, {}, mcpUnder(20710, AI.codexLeaked, 80000)));
      assert.strictEqual(rowAt(m, 20710).tree.state, 'leaked');
      assert.strictEqual(rowAt(m, 20710).tree.parentRootPid, AI.codexLeaked);
      const p = planStopLeakedAndDuplicates(m, ctx());
      assert.deepStrictEqual(rootsOf(p), sortNum([AI.claudeOld, AI.codexLeaked, AI.devtoolsMcpLeaked]));
      assert.strictEqual(new Set(pidsOf(p.targets)).size, p.targets.length);
      assert.deepStrictEqual(p.skipped, []);
      assert.deepStrictEqual(
        p.targets.filter((t) => t.rootPid === AI.codexLeaked).map((t) => t.pid),
        [20711, 20710, AI.codexLeaked],
      );
      assertLeavesFirst(p, m.snapshot);
    });

    it('stops the active MCP servers of a duplicate assistant with it, but not its active original', () => {
      const m = aiDupViewOf(editSnapshot(snap, {}, mcpUnder(20120, AI.claudeOld, 7000)));
      assert.strictEqual(rowAt(m, AI.claudeOld).tree.state, 'duplicate');
      assert.strictEqual(rowAt(m, 20120).tree.state, 'active');
      const p = planStopLeakedAndDuplicates(m, ctx());
      assert.deepStrictEqual(
        p.targets.filter((t) => t.rootPid === AI.claudeOld).map((t) => t.pid),
        [20121, 20120, AI.claudeOld],
      );
      assert.ok(!pidsOf(p.targets).some((pid) => CLAUDE_NEW_ALL.includes(pid)));
    });

    // src/probes/ai/model.ts, markSessionDuplicates: the newest tree of a session is kept whatever its state, so a newer
    // *leaked* copy (here `codex resume <id>` left behind by a closed terminal, reparented to init, 100 s old) makes the
    // live Codex of terminal 5 (same session, 4000 s old) a 'duplicate' of it; the bulk stop then targets both trees and
    // ends the session the user is working in. Expected: the live tree stays active (the leaked copy is what gets stopped).
    it('leaves the live tree of a session running when its newer copy is leaked [src bug: markSessionDuplicates keeps a leaked tree as the newest copy]', () => {
      const m = aiDupViewOf(editSnapshot(snap, {}, [aiProcess(snap, 20950, 1, ['codex', 'resume', AI_SESSION.codexTerm], 100)]));
      const p = planStopLeakedAndDuplicates(m, ctx());
      assert.ok(pidsOf(p.targets).includes(20950), 'the leaked copy is stopped');
      assert.ok(!pidsOf(p.targets).includes(AI.codexLauncher) && !pidsOf(p.targets).includes(AI.codexNative), 'the live codex is not');
      assert.strictEqual(rowAt(m, AI.codexLauncher).tree.state, 'active');
    });
  });

  describe('revalidateAi', () => {
    const reasons = (r: ReturnType<typeof revalidateAi>): [number, string][] => r.skipped.map((s) => [s.target.pid, s.because]);
    const check = (plan: Plan<AiTarget>, fresh: Snapshot | AiViewModel, bulk: boolean, c = safety()) =>
      revalidateAi(plan.targets, 'rows' in fresh ? fresh : aiDupViewOf(fresh), c, bulk);

    it('keeps every target of an unchanged process table', () => {
      const p = planStopAi(model, [AI.claudeNew, AI.codexLeaked], ctx());
      const r = check(p, editSnapshot(snap, {}), false);
      assert.deepStrictEqual(r.valid, p.targets);
      assert.deepStrictEqual(r.skipped, []);
      const bulk = planStopLeakedAndDuplicates(model, ctx());
      assert.deepStrictEqual(check(bulk, snap, true), { valid: bulk.targets, skipped: [] });
    });

    it('skips a pid that now names another process (same pid, new start time)', () => {
      const p = planStopAi(model, [AI.claudeNew], ctx());
      const reused = editSnapshot(snap, { [AI.claudeBash]: { starttime: proc(snap, AI.claudeBash).starttime + 500 } });
      const r = check(p, reused, false);
      assert.deepStrictEqual(reasons(r), [[AI.claudeBash, 'pid reused by another process']]);
      assert.strictEqual(r.valid.length, CLAUDE_NEW_ALL.length - 1);
      const bulk = planStopLeakedAndDuplicates(model, ctx());
      assert.deepStrictEqual(reasons(check(bulk, editSnapshot(snap, { [AI.codexLeaked]: { starttime: 1 } }), true)), [
        [AI.codexLeaked, 'pid reused by another process'],
      ]);
    });

    it('skips a process that changed owner', () => {
      const p = planStopAi(model, [AI.codexLauncher], ctx());
      assert.deepStrictEqual(reasons(check(p, editSnapshot(snap, { [AI.codexNative]: { uid: uid + 7 } }), false)), [
        [AI.codexNative, `owner changed (uid ${uid} → ${uid + 7})`],
      ]);
    });

    it('skips processes that exited, and those no longer in an AI tree', () => {
      const p = planStopAi(model, [AI.claudeNew], ctx());
      assert.deepStrictEqual(reasons(check(p, editSnapshot(snap, gone(AI.claudeNpmTest)), false)), [[AI.claudeNpmTest, 'exited']]);
      // claude exits: its Bash tool and what it runs are reparented to init (no longer AI processes), its MCP servers
      // too (leaked MCP trees of their own, still stopped)
      const orphaned = editSnapshot(snap, {
        [AI.claudeNew]: null,
        [AI.claudeBash]: { ppid: 1 },
        [AI.fsMcp]: { ppid: 1 },
        [AI.fetchMcp]: { ppid: 1 },
      });
      const r = check(p, orphaned, false);
      assert.deepStrictEqual(sortNum(r.skipped.map((s) => s.target.pid)), sortNum([AI.claudeNew, AI.claudeBash, AI.claudeNpmTest]));
      assert.deepStrictEqual(Object.fromEntries(reasons(r)), {
        [AI.claudeNew]: 'exited',
        [AI.claudeBash]: 'no longer part of an AI process tree',
        [AI.claudeNpmTest]: 'no longer part of an AI process tree',
      });
      assert.deepStrictEqual(sortNum(pidsOf(r.valid)), sortNum([AI.fsMcp, AI.fsMcpSh, AI.fsMcpNode, AI.fetchMcp, AI.fetchMcpPython]));
    });

    it('skips processes that became protected', () => {
      const p = planStopAi(model, [AI.claudeNew], ctx());
      const r = check(p, snap, false, safety({ selfPid: AI.claudeNpmTest }));
      assert.deepStrictEqual(Object.fromEntries(reasons(r)), {
        [AI.claudeNew]: 'an ancestor of this extension host is protected',
        [AI.claudeBash]: 'an ancestor of this extension host is protected',
        [AI.claudeNpmTest]: 'this extension host is protected',
      });
    });

    it('in bulk, skips a tree that is now active; a chosen tree stays chosen', () => {
      const bulk = planStopLeakedAndDuplicates(model, ctx());
      // the newer claude of the folder exits: claudeOld is no longer a duplicate
      const fresh = aiDupViewOf(editSnapshot(snap, gone(...CLAUDE_NEW_ALL)));
      assert.strictEqual(rowAt(fresh, AI.claudeOld).tree.state, 'active');
      const r = check(bulk, fresh, true);
      assert.deepStrictEqual(reasons(r), [[AI.claudeOld, 'now active']]);
      assert.deepStrictEqual(pidsOf(r.valid), [AI.devtoolsMcpLeaked, AI.codexLeaked]);
      const chosen = planStopAi(model, [AI.claudeOld], ctx());
      assert.deepStrictEqual(check(chosen, fresh, false), { valid: chosen.targets, skipped: [] });
    });

    it('in bulk, keeps an active MCP server below a duplicate or leaked assistant, at any depth', () => {
      // claudeOld (duplicate) → its MCP server (active), and a codex it ran (active) → that codex's MCP server (active)
      const withChildren = editSnapshot(snap, {}, [
        ...mcpUnder(20120, AI.claudeOld, 7000),
        aiProcess(snap, 20130, AI.claudeOld, ['codex', 'exec', 'review the diff'], 6000),
        ...mcpUnder(20140, 20130, 5900),
      ]);
      const m = aiDupViewOf(withChildren);
      assert.deepStrictEqual(
        [20120, 20130, 20140].map((pid) => rowAt(m, pid).tree.state),
        ['active', 'active', 'active'],
      );
      assert.strictEqual(rowAt(m, 20140).tree.parentRootPid, 20130);
      const bulk = planStopLeakedAndDuplicates(m, ctx());
      const below = [20120, 20121, 20130, 20140, 20141];
      assert.ok(below.every((pid) => pidsOf(bulk.targets).includes(pid)));
      assert.deepStrictEqual(check(bulk, aiDupViewOf(withChildren), true), { valid: bulk.targets, skipped: [] });
      // the same with the assistant leaked (the classification marks the MCP servers of a leaked assistant leaked as well;
      // revalidateAi must keep an active one regardless)
      const leakedParent = aiDupViewOf(withChildren);
      rowAt(leakedParent, AI.claudeOld).tree.state = 'leaked';
      assert.deepStrictEqual(check(bulk, leakedParent, true), { valid: bulk.targets, skipped: [] });
      // once the assistant is active again, so is everything below it
      const activeAgain = aiDupViewOf(editSnapshot(withChildren, gone(...CLAUDE_NEW_ALL)));
      const r = check(bulk, activeAgain, true);
      assert.deepStrictEqual(sortNum(r.skipped.map((s) => s.target.pid)), sortNum([AI.claudeOld, ...below]));
      assert.ok(r.skipped.every((s) => s.because === 'now active'));
    });

    it('in bulk, skips an MCP server that is active below an active assistant', () => {
      // chosen as a root of its own while its assistant was leaked; at commit the assistant is back under a live launcher
      const m = aiDupViewOf(editSnapshot(snap, {}, mcpUnder(20710, AI.codexLeaked, 80000)));
      const bulk = planStopAi(m, [20710], ctx(), true);
      assert.deepStrictEqual(pidsOf(bulk.targets), [20711, 20710]);
      const adopted = aiDupViewOf(editSnapshot(m.snapshot, { [AI.codexLeaked]: { ppid: AI.codexShell } }));
      assert.strictEqual(rowAt(adopted, 20710).tree.state, 'active');
      assert.deepStrictEqual(reasons(check(bulk, adopted, true)), [
        [20711, 'now active'],
        [20710, 'now active'],
      ]);
    });
  });
});
