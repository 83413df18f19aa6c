import * as assert from 'assert';
import { AiRow, AiViewModel, aiName, markSessionDuplicates } from '../../src/features/ai/model';
import { ListeningPort, PortsResult } from '../../src/probes/ai/ports';
import { FdReader } from '../../src/probes/ai/sessions';
import { Snapshot } from '../../src/probes/scanner';
import { editSnapshot, proc } from './procFixtures';
import { AI, AI_NOW, AI_SESSION, aiDupViewOf, aiModelOf, aiProcess, aiViewOf, rowAt, scanAi } from './aiFixtures';
import { planStopLeakedAndDuplicates } from '../../src/features/ai/plan';
import { readCwd } from '../../src/probes/scanner';

const CLAUDE_CLI = '/home/coder/.npm-global/lib/node_modules/@anthropic-ai/claude-code/cli.js';
const sortNum = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
const rootsOf = (m: AiViewModel): number[] => sortNum(m.rows.map((r) => r.tree.root.pid));
const stateOf = (m: AiViewModel, pid: number): string => rowAt(m, pid).tree.state;
const KEPT = '(the newer one is kept)';

/** Every tree of the ai fixture: root → members (root first). */
const FIXTURE_TREES: Record<number, number[]> = {
  [AI.copilotRuntime]: [AI.copilotRuntime],
  [AI.claudeOld]: [AI.claudeOld],
  [AI.claudeNew]: [AI.claudeNew, AI.claudeBash, AI.claudeNpmTest],
  [AI.fsMcp]: [AI.fsMcp, AI.fsMcpSh, AI.fsMcpNode],
  [AI.fetchMcp]: [AI.fetchMcp, AI.fetchMcpPython],
  [AI.copilotLs]: [AI.copilotLs],
  [AI.codexAppServer]: [AI.codexAppServer],
  [AI.claudeExt]: [AI.claudeExt],
  [AI.playwrightMcp]: [AI.playwrightMcp, AI.playwrightMcpNode],
  [AI.codexLeaked]: [AI.codexLeaked],
  [AI.devtoolsMcpLeaked]: [AI.devtoolsMcpLeaked],
  [AI.codexLauncher]: [AI.codexLauncher, AI.codexNative],
  [AI.claudeTmux]: [AI.claudeTmux],
};

describe('buildAiModel on the ai fixture', () => {
  let snap: Snapshot;
  let model: AiViewModel;
  before(async () => {
    snap = await scanAi();
    model = aiViewOf(snap);
  });

  it('has a row for every tree, nested ones included, in the order of the classification', () => {
    assert.deepStrictEqual(rootsOf(model), sortNum(Object.keys(FIXTURE_TREES).map(Number)));
    for (const [root, members] of Object.entries(FIXTURE_TREES))
      assert.deepStrictEqual(rowAt(model, Number(root)).tree.memberPids, members, `tree ${root}`);
    assert.deepStrictEqual(
      model.rows.map((r) => r.tree.root.pid),
      aiModelOf(snap).trees.map((t) => t.root.pid),
    );
    assert.strictEqual(model.snapshot, snap);
  });

  it('indexes every row by its root pid', () => {
    assert.strictEqual(model.byRoot.size, model.rows.length);
    for (const r of model.rows) assert.strictEqual(model.byRoot.get(r.tree.root.pid), r);
    assert.strictEqual(model.byRoot.get(AI.claudeBash), undefined, 'a member is not a root');
    assert.strictEqual(model.byRoot.get(AI.extHost), undefined);
  });

  it('counts top-level trees, every member process, leaked and duplicate trees, and the memory of the top-level trees', () => {
    const members = Object.values(FIXTURE_TREES).flat();
    const top = model.rows.filter((r) => r.tree.parentRootPid === undefined);
    assert.deepStrictEqual(
      sortNum(top.map((r) => r.tree.root.pid)),
      rootsOf(model).filter((pid) => pid !== AI.fsMcp && pid !== AI.fetchMcp),
    );
    assert.deepStrictEqual(model.totals, {
      trees: 11, // 13 rows less the two MCP servers of claudeNew
      sessions: 10,
      helpers: 3, // codex app-server (openai.chatgpt), Copilot's language server and the agent host's copilot-runtime
      processes: members.length,
      leaked: 2, // codexLeaked, devtoolsMcpLeaked
      duplicate: 0, // claudeOld holds its own session (claudeA), not claudeNew's
      idle: 0, // applyIdle not run
      rssBytes: top.reduce((s, r) => s + r.tree.totalRssBytes, 0),
    });
    assert.strictEqual(members.length, 20);
    // nested trees are counted once: the sum equals the memory of every member process
    assert.strictEqual(
      model.totals.rssBytes,
      members.reduce((s, pid) => s + proc(snap, pid).rssBytes, 0),
    );
    assert.ok(model.totals.rssBytes < model.rows.reduce((s, r) => s + r.tree.totalRssBytes, 0));
  });

  it('takes session ids from argv (root first), else from the session files held open', () => {
    assert.deepStrictEqual(rowAt(model, AI.claudeNew).session, { id: AI_SESSION.claudeB, source: 'argv', flag: '--resume' });
    assert.deepStrictEqual(rowAt(model, AI.claudeExt).session, { id: AI_SESSION.claudeExt, source: 'argv', flag: '--resume' });
    assert.deepStrictEqual(rowAt(model, AI.codexLauncher).session, { id: AI_SESSION.codexTerm, source: 'argv', flag: 'resume' });
    assert.deepStrictEqual(rowAt(model, AI.claudeOld).session, {
      id: AI_SESSION.claudeA,
      source: 'open-file',
      file: `/home/coder/.claude/projects/-home-coder-ws-app/${AI_SESSION.claudeA}.jsonl`,
      pid: AI.claudeOld,
    });
    assert.deepStrictEqual(rowAt(model, AI.codexLeaked).session, {
      id: AI_SESSION.codexLeaked,
      source: 'open-file',
      file: `/home/coder/.codex/sessions/2026/11/22/rollout-2026-11-22T14-03-51-${AI_SESSION.codexLeaked}.jsonl`,
      pid: AI.codexLeaked,
    });
    assert.deepStrictEqual(rowAt(model, AI.codexAppServer).session, {
      id: 'unknown',
      reason: `several sessions are open: ${AI_SESSION.codexExt1}, ${AI_SESSION.codexExt2}`,
    });
    for (const pid of [AI.copilotLs, AI.fsMcp, AI.fetchMcp, AI.playwrightMcp, AI.devtoolsMcpLeaked, AI.claudeTmux, AI.copilotRuntime]) {
      assert.strictEqual(rowAt(model, pid).session.id, 'unknown', `${pid}`);
    }
  });

  it('reads the fds of every member of a tree for its session, through the injected reader', () => {
    const asked: number[] = [];
    const fds: FdReader = (pid) => {
      asked.push(pid);
      return pid === AI.claudeNpmTest
        ? { ok: true, links: [`/home/coder/.claude/projects/p/${AI_SESSION.claudeA}.jsonl`] }
        : { ok: true, links: [] };
    };
    const noPorts = (): PortsResult => ({ byPid: new Map(), problems: [] });
    const m = aiViewOf(snap, { readFds: fds, readPorts: noPorts });
    // claudeNew has its id on the command line: no fd is read for it
    assert.deepStrictEqual(rowAt(m, AI.claudeNew).session.id, AI_SESSION.claudeB);
    assert.ok(!asked.includes(AI.claudeNew));
    // a tree without an id on the command line has the fds of all its members read
    assert.ok([AI.fsMcp, AI.fsMcpSh, AI.fsMcpNode].every((pid) => asked.includes(pid)));
    const noArgv = aiViewOf(editSnapshot(snap, { [AI.claudeNew]: { argv: ['node', CLAUDE_CLI] } }), { readFds: fds, readPorts: noPorts });
    assert.deepStrictEqual(rowAt(noArgv, AI.claudeNew).session, {
      id: AI_SESSION.claudeA,
      source: 'open-file',
      file: `/home/coder/.claude/projects/p/${AI_SESSION.claudeA}.jsonl`,
      pid: AI.claudeNpmTest,
    });
  });

  it('attaches listening ports from net/tcp and net/tcp6 to the row whose member holds the socket', () => {
    const withPorts = Object.fromEntries(model.rows.filter((r) => r.ports.length > 0).map((r) => [r.tree.root.pid, r.ports]));
    assert.deepStrictEqual(withPorts, {
      [AI.playwrightMcp]: [{ port: 8931, address: '127.0.0.1', family: 4, inode: 41004 }], // held by its member node 20631
      [AI.devtoolsMcpLeaked]: [{ port: 8080, address: '::ffff:127.0.0.1', family: 6, inode: 41014 }],
    });
    // the server's 18080, the extension host's 54321 and the web server's 3000 belong to no AI tree; claudeNew's
    // socket 41010 is an ESTABLISHED connection, not a listening port
    assert.deepStrictEqual(rowAt(model, AI.claudeNew).ports, []);
  });

  it("asks for the ports of every member at once, and lists a tree's ports in member order", () => {
    const calls: number[][] = [];
    const port = (p: number): ListeningPort => ({ port: p, address: '127.0.0.1', family: 4, inode: p });
    const readPorts = (pids: number[]): PortsResult => {
      calls.push(pids);
      return {
        byPid: new Map([
          [AI.fsMcpNode, [port(7001)]],
          [AI.claudeNpmTest, [port(9229)]],
          [AI.claudeNew, [port(45001), port(45002)]],
          [AI.extHost, [port(54321)]],
        ]),
        problems: [],
      };
    };
    const m = aiViewOf(snap, { readPorts });
    assert.strictEqual(calls.length, 1);
    assert.deepStrictEqual(sortNum(calls[0]), sortNum(Object.values(FIXTURE_TREES).flat()));
    assert.deepStrictEqual(
      rowAt(m, AI.claudeNew).ports.map((p) => p.port),
      [45001, 45002, 9229],
    );
    assert.deepStrictEqual(
      rowAt(m, AI.fsMcp).ports.map((p) => p.port),
      [7001],
      "an MCP server's port is on its own row, not on its assistant's",
    );
    assert.ok(m.rows.every((r) => !r.ports.some((p) => p.port === 54321)));
  });

  it('reports port problems by file, pid or as ports', () => {
    const m = aiViewOf(snap, {
      readPorts: () => ({
        byPid: new Map(),
        problems: [{ file: '/proc/net/tcp', reason: 'EACCES' }, { pid: AI.claudeNew, reason: 'permission denied' }, { reason: 'no table' }],
      }),
    });
    assert.deepStrictEqual(m.problems, ['/proc/net/tcp: EACCES', `pid ${AI.claudeNew}: permission denied`, 'ports: no table']);
    // on the fixture: the members without an fd folder are reported, nothing else
    assert.ok(model.problems.length > 0);
    assert.ok(
      model.problems.every((p) => /^pid \d+: process exited$/.test(p)),
      model.problems.join('\n'),
    );
    assert.ok(!model.problems.includes(`pid ${AI.claudeNew}: process exited`));
  });

  it('keeps the classification: states, and no folder duplicate between two sessions', () => {
    assert.strictEqual(stateOf(model, AI.claudeOld), 'active');
    assert.deepStrictEqual(rowAt(model, AI.claudeOld).session, aiModelOf(snap).sessions.get(AI.claudeOld));
    assert.strictEqual(rowAt(model, AI.claudeOld).tree.duplicateOf, undefined);
    assert.strictEqual(stateOf(model, AI.codexLeaked), 'leaked');
    assert.strictEqual(stateOf(model, AI.devtoolsMcpLeaked), 'leaked');
    assert.strictEqual(stateOf(model, AI.claudeTmux), 'external');
    for (const pid of [
      AI.claudeNew,
      AI.fsMcp,
      AI.fetchMcp,
      AI.codexLauncher,
      AI.copilotLs,
      AI.copilotRuntime,
      AI.codexAppServer,
      AI.claudeExt,
      AI.playwrightMcp,
    ]) {
      assert.strictEqual(stateOf(model, pid), 'active', `${pid}`);
    }
  });
});

describe('markSessionDuplicates', () => {
  let snap: Snapshot;
  before(async () => {
    snap = await scanAi();
  });

  /** The fixture plus processes started from terminal 3's shell (its own folder and launcher: no folder duplicate). */
  const withProcesses = (...added: [pid: number, argv: string[], ageSec: number][]): AiViewModel =>
    aiViewOf(
      editSnapshot(
        snap,
        {},
        added.map(([pid, argv, ageSec]) => aiProcess(snap, pid, AI.webShell, argv, ageSec)),
      ),
    );

  it('marks the older of two trees of one tool resuming the same session, in favour of the newer', () => {
    // claudeNew (age 600 s) resumes session B; a second claude resumes it from another terminal 60 s ago
    const m = withProcesses([20530, ['claude', '--resume', AI_SESSION.claudeB], 60]);
    const old = rowAt(m, AI.claudeNew).tree;
    assert.strictEqual(old.state, 'duplicate');
    assert.strictEqual(old.duplicateOf, 20530);
    assert.strictEqual(old.reason, `same session id ${AI_SESSION.claudeB} as Claude Code pid 20530, started 9 min apart ${KEPT}`);
    assert.strictEqual(stateOf(m, 20530), 'active');
    assert.strictEqual(rowAt(m, 20530).tree.duplicateOf, undefined);
    assert.strictEqual(m.totals.duplicate, 1, 'claudeNew only: claudeOld holds its own session');
    // its MCP servers are not duplicates themselves
    assert.strictEqual(stateOf(m, AI.fsMcp), 'active');
  });

  it('keeps the tree that resumed the session last, marking a later-listed older one', () => {
    const m = withProcesses([20530, ['claude', `--resume=${AI_SESSION.claudeB}`], 3000]);
    assert.strictEqual(stateOf(m, AI.claudeNew), 'active');
    assert.strictEqual(stateOf(m, 20530), 'duplicate');
    assert.strictEqual(rowAt(m, 20530).tree.duplicateOf, AI.claudeNew);
    const why = `^same session id ${AI_SESSION.claudeB} as Claude Code pid ${AI.claudeNew}, started 40 min apart`;
    assert.match(rowAt(m, 20530).tree.reason, new RegExp(why));
  });

  it('marks all but the newest of three, also when the id comes from an open file', () => {
    const m = withProcesses(
      [20530, ['codex', 'resume', AI_SESSION.codexLeaked], 100],
      [20540, ['codex', 'resume', AI_SESSION.codexLeaked], 50],
    );
    // codexLeaked holds the rollout of that session open (argv has no id)
    assert.strictEqual(rowAt(m, AI.codexLeaked).session.id, AI_SESSION.codexLeaked);
    assert.strictEqual(stateOf(m, 20540), 'active');
    for (const pid of [AI.codexLeaked, 20530]) {
      assert.strictEqual(stateOf(m, pid), 'duplicate', `${pid}`);
      assert.strictEqual(rowAt(m, pid).tree.duplicateOf, 20540);
    }
  });

  it('never makes an external tree (tmux, ssh) a duplicate, even when it resumes the same session as an active one', () => {
    const m = aiViewOf(snap);
    const a = rowAt(m, AI.claudeNew);
    const b = rowAt(m, AI.claudeExt);
    const same = (r: AiRow, state: AiRow['tree']['state'], startedAtMs: number): AiRow => ({
      ...r,
      session: { id: 'S', source: 'argv', flag: '--resume' },
      tree: { ...r.tree, state, startedAtMs },
    });
    const external = same(a, 'external', 5);
    const active = same(b, 'active', 10);
    markSessionDuplicates([external, active]);
    assert.deepStrictEqual([external.tree.state, active.tree.state], ['external', 'active']);
  });

  it('breaks a tie on the start time by starttime ticks, then by pid', () => {
    const m = aiViewOf(snap);
    const a = rowAt(m, AI.claudeNew);
    const b = rowAt(m, AI.claudeExt);
    const sameStart = (r: AiRow, starttime: number): AiRow => ({
      ...r,
      session: { id: 'S', source: 'argv', flag: '--resume' },
      tree: { ...r.tree, startedAtMs: 5, root: { ...r.tree.root, starttime } },
    });
    const [x, y] = [sameStart(a, 8), sameStart(b, 7)];
    markSessionDuplicates([y, x]);
    assert.deepStrictEqual(
      [x.tree.state, y.tree.state, y.tree.duplicateOf],
      ['active', 'duplicate', AI.claudeNew],
      'the later starttime wins over the higher pid',
    );
    const [p, q] = [sameStart(a, 7), sameStart(b, 7)];
    markSessionDuplicates([p, q]);
    assert.deepStrictEqual(
      [p.tree.state, q.tree.state, p.tree.duplicateOf],
      ['duplicate', 'active', AI.claudeExt],
      'the higher pid is taken as the newer',
    );
  });

  it('never marks trees whose session is unknown', () => {
    const m = aiViewOf(snap);
    // two Copilot trees, neither with a session id
    assert.strictEqual(rowAt(m, AI.copilotRuntime).session.id, 'unknown');
    assert.strictEqual(rowAt(m, AI.copilotLs).session.id, 'unknown');
    assert.strictEqual(stateOf(m, AI.copilotRuntime), 'active');
    assert.strictEqual(stateOf(m, AI.copilotLs), 'active');
    // and two Claude trees without an id (a bare `claude` each)
    const n = withProcesses([20530, ['claude'], 100], [20540, ['claude', '--continue'], 50]);
    assert.strictEqual(stateOf(n, 20530), 'active');
    assert.strictEqual(stateOf(n, 20540), 'active');
  });

  it('never marks MCP servers, even with the same session id', () => {
    const mcp = (id: string): string[] => ['node', '/home/coder/ws/tools/notes-mcp.js', '--session-id', id];
    const m = withProcesses([20530, mcp(AI_SESSION.claudeB), 100], [20540, mcp(AI_SESSION.claudeB), 50]);
    for (const pid of [20530, 20540]) {
      assert.strictEqual(rowAt(m, pid).tree.kind, 'mcp');
      assert.strictEqual(rowAt(m, pid).session.id, AI_SESSION.claudeB);
      assert.strictEqual(stateOf(m, pid), 'active', `${pid}`);
    }
    // nor an assistant because an MCP server has its session id
    assert.strictEqual(stateOf(m, AI.claudeNew), 'active');
  });

  it('does not mark different tools with the same session id', () => {
    const m = withProcesses([20530, ['codex', 'resume', AI_SESSION.claudeB], 60]);
    assert.strictEqual(rowAt(m, 20530).tree.tool, 'Codex');
    assert.strictEqual(rowAt(m, 20530).session.id, AI_SESSION.claudeB);
    assert.strictEqual(stateOf(m, 20530), 'active');
    assert.strictEqual(stateOf(m, AI.claudeNew), 'active');
  });

  it('leaves trees already marked duplicate alone, and does not count them', () => {
    // claudeOld holds session A open; a newer claude resumes session A from another terminal: the session rule
    const m = withProcesses([20530, ['claude', '--resume', AI_SESSION.claudeA], 60]);
    const old = rowAt(m, AI.claudeOld).tree;
    assert.strictEqual(old.state, 'duplicate');
    assert.strictEqual(old.duplicateOf, 20530);
    assert.strictEqual(stateOf(m, 20530), 'active');
    // directly: an already marked row keeps its mark and does not make a group
    const n = aiViewOf(snap);
    Object.assign(rowAt(n, AI.claudeOld).tree, { state: 'duplicate', duplicateOf: AI.claudeNew, reason: 'marked by the folder rule' });
    const before = { ...rowAt(n, AI.claudeOld).tree };
    markSessionDuplicates([rowAt(n, AI.claudeOld), { ...rowAt(n, AI.claudeExt), session: rowAt(n, AI.claudeOld).session }]);
    assert.deepStrictEqual(rowAt(n, AI.claudeOld).tree, before);
    assert.strictEqual(stateOf(n, AI.claudeExt), 'active');
  });

  it('does nothing with one tree per session, or no rows', () => {
    const m = aiViewOf(snap);
    const states = m.rows.map((r) => r.tree.state);
    markSessionDuplicates(m.rows);
    assert.deepStrictEqual(
      m.rows.map((r) => r.tree.state),
      states,
    );
    markSessionDuplicates([]);
  });
});

describe('duplicates need positive evidence', () => {
  let snap: Snapshot;
  before(async () => {
    snap = await scanAi();
  });
  const EXT_CLAUDE = '/home/coder/ext/anthropic.claude-code-2.1.153-linux-x64/resources/native-binary/claude';
  const OTHER = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
  /** The fixture plus processes started by the extension host, in the folder of claudeExt (/home/coder/ws). */
  const underExtHost = (...added: [pid: number, argv: string[], ageSec: number][]): AiViewModel => {
    const edited = editSnapshot(
      snap,
      {},
      added.map(([pid, argv, ageSec]) => aiProcess(snap, pid, AI.extHost, argv, ageSec)),
    );
    const pids = new Set(added.map(([pid]) => pid));
    return aiViewOf(edited, { readCwd: (pid) => (pids.has(pid) ? { ok: true, path: '/home/coder/ws' } : readCwd(pid, edited.procRoot)) });
  };
  const ctx = () => ({ selfPid: AI.extHost, selfUid: proc(snap, AI.claudeNew).uid, nowMs: AI_NOW, home: '/home/coder' });

  it('never marks two Claude sessions with known, different ids under one extension host, in one folder', () => {
    const m = underExtHost([20650, [EXT_CLAUDE, '--output-format', 'stream-json', '--resume', OTHER], 60]);
    assert.strictEqual(rowAt(m, 20650).session.id, OTHER);
    assert.strictEqual(rowAt(m, AI.claudeExt).session.id, AI_SESSION.claudeExt);
    assert.strictEqual(stateOf(m, AI.claudeExt), 'active', rowAt(m, AI.claudeExt).tree.reason);
    assert.strictEqual(stateOf(m, 20650), 'active');
    const bulk = planStopLeakedAndDuplicates(m, ctx());
    assert.ok(!bulk.targets.some((t) => t.pid === AI.claudeExt || t.pid === 20650), 'the bulk stop leaves both live sessions alone');
  });

  it('does not mark trees of one extension host and folder without a session id to tell them apart', () => {
    const bare = [EXT_CLAUDE, '--output-format', 'stream-json'];
    const m = underExtHost([20650, bare, 60], [20660, bare, 30]);
    for (const pid of [AI.claudeExt, 20650, 20660]) assert.strictEqual(stateOf(m, pid), 'active', `${pid}`);
    assert.strictEqual(m.totals.duplicate, 0);
  });

  it('marks the older of two trees of one extension host resuming the same session, saying why', () => {
    const m = underExtHost([20650, [EXT_CLAUDE, '--resume', AI_SESSION.claudeExt], 60]);
    const old = rowAt(m, AI.claudeExt).tree;
    assert.strictEqual(old.state, 'duplicate');
    assert.strictEqual(old.duplicateOf, 20650);
    assert.strictEqual(old.reason, `same session id ${AI_SESSION.claudeExt} as Claude Code pid 20650, started 49 min apart ${KEPT}`);
    assert.strictEqual(stateOf(m, 20650), 'active');
  });

  it('does not mark the suspended claude of terminal 1 a duplicate: it holds another session than the newer one', () => {
    const m = aiViewOf(snap);
    assert.strictEqual(rowAt(m, AI.claudeOld).session.id, AI_SESSION.claudeA);
    assert.strictEqual(rowAt(m, AI.claudeNew).session.id, AI_SESSION.claudeB);
    assert.strictEqual(stateOf(m, AI.claudeOld), 'active');
    assert.strictEqual(stateOf(m, AI.claudeNew), 'active');
    // the same two processes resuming one session are duplicates
    const dup = aiDupViewOf(snap);
    assert.strictEqual(stateOf(dup, AI.claudeOld), 'duplicate');
    const why = `same session id ${AI_SESSION.claudeB} as Claude Code pid ${AI.claudeNew}, started 1 h 50 min apart ${KEPT}`;
    assert.strictEqual(rowAt(dup, AI.claudeOld).tree.reason, why);
  });
});

describe('aiName', () => {
  let snap: Snapshot;
  let model: AiViewModel;
  before(async () => {
    snap = await scanAi();
    model = aiViewOf(snap);
  });
  const nameAt = (m: AiViewModel, pid: number): string => aiName(rowAt(m, pid));

  it('names an assistant by its tool, with its variant when it has one', () => {
    assert.strictEqual(nameAt(model, AI.claudeNew), 'Claude Code');
    assert.strictEqual(nameAt(model, AI.codexLeaked), 'Codex');
    assert.strictEqual(nameAt(model, AI.copilotLs), 'GitHub Copilot (language server)');
    assert.strictEqual(nameAt(model, AI.copilotRuntime), 'GitHub Copilot (agent runtime)');
    assert.strictEqual(nameAt(model, AI.codexAppServer), 'Codex (app-server)');
    assert.strictEqual(nameAt(model, AI.claudeExt), 'Claude Code (VS Code extension)');
  });

  it('names an MCP server by what was recognised when its script is not in a package', () => {
    assert.strictEqual(nameAt(model, AI.fsMcp), 'MCP @modelcontextprotocol/server-filesystem'); // `npm exec …`: one argv element
    assert.strictEqual(nameAt(model, AI.fetchMcp), 'MCP mcp-server-fetch');
    assert.strictEqual(nameAt(model, AI.playwrightMcp), 'MCP @playwright/mcp');
  });

  it('names an MCP server by the npm package its script sits in, scoped or not', () => {
    const m = aiViewOf(
      editSnapshot(snap, {}, [
        aiProcess(
          snap,
          20240,
          AI.claudeNew,
          ['node', '/home/coder/.npm/_npx/4c5d6e7f/node_modules/@modelcontextprotocol/server-memory/dist/index.js'],
          500,
        ),
        aiProcess(
          snap,
          20250,
          AI.claudeNew,
          ['node', '/home/coder/.npm/_npx/5d6e7f80/node_modules/mcp-remote/dist/proxy.js', 'https://mcp.example.com/sse'],
          500,
        ),
      ]),
    );
    assert.strictEqual(rowAt(m, 20240).tree.kind, 'mcp');
    assert.notStrictEqual(
      rowAt(m, 20240).tree.name,
      '@modelcontextprotocol/server-memory',
      'the package comes from the path, not from the match',
    );
    assert.strictEqual(nameAt(m, 20240), 'MCP @modelcontextprotocol/server-memory');
    assert.strictEqual(nameAt(m, 20250), 'MCP mcp-remote');
  });

  // src/probes/ai/model.ts, aiName: the package regex /node_modules\/((?:@[^/]+\/)?[^/]+)\// also matches npm's bin
  // folder, so `node …/node_modules/.bin/chrome-devtools-mcp` (the fixture's devtoolsMcpLeaked, and how npx runs a
  // package's bin) is named "MCP .bin" instead of "MCP chrome-devtools-mcp".
  it('does not take npm\'s .bin folder for a package [src bug: aiName names node …/node_modules/.bin/<bin> "MCP .bin"]', () => {
    assert.strictEqual(nameAt(model, AI.devtoolsMcpLeaked), 'MCP chrome-devtools-mcp');
  });
});
