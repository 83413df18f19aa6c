import * as assert from 'assert';
import { AiModel, AiTree, classifyAiProcesses, ownerLabel } from '../../src/features/ai/classify';
import { buildPatternTable } from '../../src/features/ai/patterns';
import { LinkResult, ProcessRecord, Snapshot } from '../../src/probes/scanner';
import { classifyTopology } from '../../src/probes/topology';
import { BTIME, editSnapshot, proc, record, scanFixture, snapshotOf } from './procFixtures';
import { AI, AI_NOW, AI_SESSION, aiModelOf, scanAi, treeAt } from './aiFixtures';

const KB = 1024;
const roots = (m: AiModel): number[] => m.trees.map((t) => t.root.pid).sort((a, b) => a - b);

describe('classifyAiProcesses on the ai fixture', () => {
  let snap: Snapshot;
  let model: AiModel;
  before(async () => {
    snap = await scanAi();
    model = aiModelOf(snap);
  });

  it('finds one tree per assistant and MCP server, and nothing for the mentions', () => {
    assert.deepStrictEqual(
      roots(model),
      [
        AI.copilotRuntime,
        AI.claudeOld,
        AI.claudeNew,
        AI.fsMcp,
        AI.fetchMcp,
        AI.copilotLs,
        AI.codexAppServer,
        AI.claudeExt,
        AI.playwrightMcp,
        AI.codexLeaked,
        AI.devtoolsMcpLeaked,
        AI.codexLauncher,
        AI.claudeTmux,
      ].sort((a, b) => a - b),
    );
    for (const pid of [
      AI.grep,
      AI.vim,
      AI.less,
      AI.webServer,
      AI.codeCli,
      AI.tsserver,
      AI.shell1,
      AI.extHost,
      AI.ptyHost,
      AI.agentHost,
      AI.server,
      AI.tmuxBash,
    ]) {
      assert.ok(!model.treeOfPid.has(pid), `pid ${pid} is not an AI process`);
    }
  });

  it('lists parents before the trees they spawned', () => {
    const order = model.trees.map((t) => t.root.pid);
    assert.ok(order.indexOf(AI.claudeNew) < order.indexOf(AI.fsMcp));
    assert.ok(order.indexOf(AI.claudeNew) < order.indexOf(AI.fetchMcp));
  });

  it('gives an assistant its descendants, and its MCP servers their own trees attributed to it', () => {
    const claude = treeAt(model, AI.claudeNew);
    assert.strictEqual(claude.tool, 'Claude Code');
    assert.strictEqual(claude.kind, 'assistant');
    assert.deepStrictEqual(claude.memberPids, [AI.claudeNew, AI.claudeBash, AI.claudeNpmTest]); // its Bash tool and what it runs
    assert.deepStrictEqual(claude.childRootPids, [AI.fsMcp, AI.fetchMcp]);
    const fs = treeAt(model, AI.fsMcp);
    assert.strictEqual(fs.tool, 'MCP server');
    assert.strictEqual(fs.name, '@modelcontextprotocol/server-filesystem');
    assert.deepStrictEqual(fs.memberPids, [AI.fsMcp, AI.fsMcpSh, AI.fsMcpNode]); // npm exec → sh -c → node …/.bin/…
    assert.deepStrictEqual(fs.owner, { kind: 'assistant', tool: 'Claude Code', rootPid: AI.claudeNew });
    assert.strictEqual(fs.parentRootPid, AI.claudeNew);
    const fetch = treeAt(model, AI.fetchMcp);
    assert.strictEqual(fetch.name, 'mcp-server-fetch');
    assert.deepStrictEqual(fetch.memberPids, [AI.fetchMcp, AI.fetchMcpPython]);
    assert.strictEqual(ownerLabel(fetch.owner), 'Claude Code (pid 20200)');
    for (const pid of [AI.claudeBash, AI.claudeNpmTest]) assert.strictEqual(model.treeOfPid.get(pid), AI.claudeNew);
    assert.strictEqual(model.treeOfPid.get(AI.fsMcpNode), AI.fsMcp);
  });

  it('sums memory and CPU over the members, and over nested trees in the totals', () => {
    const claude = treeAt(model, AI.claudeNew);
    assert.strictEqual(claude.rssBytes, (356000 + 3600 + 52000) * KB);
    assert.strictEqual(claude.cpuTicks, 24000 + 3000 + 1 + 60 + 10); // the Bash tool shell has the fixture's default utime 1
    const fs = treeAt(model, AI.fsMcp);
    const fetch = treeAt(model, AI.fetchMcp);
    assert.strictEqual(fs.rssBytes, (61000 + 1600 + 72000) * KB);
    assert.strictEqual(fetch.rssBytes, (18000 + 48000) * KB);
    assert.strictEqual(claude.totalRssBytes, claude.rssBytes + fs.rssBytes + fetch.rssBytes);
    assert.strictEqual(claude.totalCpuTicks, claude.cpuTicks + fs.totalCpuTicks + fetch.totalCpuTicks);
    assert.strictEqual(fs.totalRssBytes, fs.rssBytes);
  });

  it('takes the age from the start time and nowMs, and the cwd of the root', () => {
    const claude = treeAt(model, AI.claudeNew);
    assert.strictEqual(claude.ageMs, 600_000);
    assert.strictEqual(claude.startedAtMs, (BTIME + 90000 - 600) * 1000);
    assert.deepStrictEqual(claude.cwd, { ok: true, path: '/home/coder/ws/app' });
    assert.strictEqual(treeAt(model, AI.codexLeaked).ageMs, 86_400_000);
    assert.strictEqual(treeAt(aiModelOf(snap, { nowMs: 0 }), AI.claudeNew).ageMs, 0, 'never negative');
  });

  it('reads the cwd of the roots only, through the injected reader', () => {
    const asked: number[] = [];
    const m = classifyAiProcesses({
      snapshot: snap,
      topology: classifyTopology(snap, AI.extHost),
      nowMs: AI_NOW,
      readCwd: (pid): LinkResult => {
        asked.push(pid);
        return { ok: false, reason: 'permission denied' };
      },
    });
    assert.deepStrictEqual(
      asked.sort((a, b) => a - b),
      roots(m),
    );
    assert.deepStrictEqual(treeAt(m, AI.claudeNew).cwd, { ok: false, reason: 'permission denied' });
  });

  it('does not mark two Claude sessions in the same folder from the same shell duplicates when their session ids differ', () => {
    const old = treeAt(model, AI.claudeOld);
    assert.strictEqual(model.sessions.get(AI.claudeOld)?.id, AI_SESSION.claudeA);
    assert.strictEqual(model.sessions.get(AI.claudeNew)?.id, AI_SESSION.claudeB);
    assert.strictEqual(treeAt(model, AI.claudeNew).state, 'active');
    assert.strictEqual(old.state, 'active');
    assert.strictEqual(old.duplicateOf, undefined);
    assert.deepStrictEqual(old.launcher, { kind: 'terminal', pid: AI.shell1, ptyHostPid: AI.ptyHost });
    assert.deepStrictEqual(old.owner, { kind: 'terminal', shellPid: AI.shell1, ptyHostPid: AI.ptyHost });
  });

  it('marks the older of two Claude trees in the same folder from the same shell a duplicate when no session id tells them apart', () => {
    const cli = '/home/coder/.npm-global/lib/node_modules/@anthropic-ai/claude-code/cli.js';
    const bare = editSnapshot(snap, { [AI.claudeNew]: { argv: ['node', cli] } });
    const m = aiModelOf(bare, { readFds: () => ({ ok: true, links: [] }) });
    const old = treeAt(m, AI.claudeOld);
    assert.strictEqual(treeAt(m, AI.claudeNew).state, 'active');
    assert.strictEqual(old.state, 'duplicate');
    assert.strictEqual(old.duplicateOf, AI.claudeNew);
    assert.strictEqual(
      old.reason,
      'another Claude Code (pid 20200, started 1 h 50 min later) runs in the same folder /home/coder/ws/app ' +
        'from the same terminal shell 20100, and no session id tells them apart',
    );
    // one of them naming a session is enough to tell them apart
    assert.strictEqual(treeAt(aiModelOf(bare), AI.claudeOld).state, 'active');
  });

  it('keeps the MCP servers of the kept session active, with the shell as their launcher', () => {
    for (const pid of [AI.fsMcp, AI.fetchMcp]) {
      const t = treeAt(model, pid);
      assert.strictEqual(t.state, 'active', `${pid}`);
      assert.deepStrictEqual(t.launcher, { kind: 'terminal', pid: AI.shell1, ptyHostPid: AI.ptyHost });
      assert.strictEqual(t.reason, 'runs under the live terminal shell 20100, started by Claude Code (pid 20200)');
    }
  });

  it('roots Codex at its node launcher, with the native binary as a member', () => {
    const codex = treeAt(model, AI.codexLauncher);
    assert.strictEqual(codex.tool, 'Codex');
    assert.deepStrictEqual(codex.memberPids, [AI.codexLauncher, AI.codexNative]);
    assert.strictEqual(codex.state, 'active');
    assert.deepStrictEqual(codex.cwd, { ok: true, path: '/home/coder/ws/api' });
  });

  it('marks a Codex whose parent is init as leaked', () => {
    const t = treeAt(model, AI.codexLeaked);
    assert.strictEqual(t.state, 'leaked');
    assert.strictEqual(t.reason, 'reparented to init (pid 1): the process that started it has exited');
    assert.strictEqual(t.launcher, undefined);
    assert.deepStrictEqual(t.owner, { kind: 'none' });
    assert.strictEqual(ownerLabel(t.owner), 'no live parent');
  });

  it('marks an MCP server adopted by systemd --user as leaked', () => {
    const t = treeAt(model, AI.devtoolsMcpLeaked);
    assert.strictEqual(t.state, 'leaked');
    assert.strictEqual(t.name, 'chrome-devtools-mcp');
    assert.strictEqual(t.reason, 'reparented to the subreaper systemd --user (pid 900): the process that started it has exited');
  });

  it('calls a session started outside code-server (tmux) external, not leaked', () => {
    const t = treeAt(model, AI.claudeTmux);
    assert.strictEqual(t.state, 'external');
    assert.strictEqual(
      t.reason,
      'not started from a code-server terminal or extension host (parent: bash pid 21010; topmost: tmux pid 21000)',
    );
  });

  it('attributes processes spawned by the extension host to the extension whose folder is in their argv', () => {
    const copilot = treeAt(model, AI.copilotLs);
    assert.strictEqual(copilot.tool, 'GitHub Copilot');
    assert.strictEqual(copilot.label, 'language server');
    assert.deepStrictEqual(copilot.owner, {
      kind: 'extension',
      extensionId: 'github.copilot',
      folder: 'github.copilot-1.388.0',
      extensionHostPid: AI.extHost,
      tool: 'GitHub Copilot',
    });
    assert.strictEqual(ownerLabel(copilot.owner), 'GitHub Copilot extension (github.copilot)');
    assert.strictEqual(copilot.state, 'active');
    assert.strictEqual(copilot.reason, 'runs under the live extension host 20020');

    const codex = treeAt(model, AI.codexAppServer);
    assert.strictEqual(codex.label, 'app-server');
    assert.strictEqual(codex.owner.kind === 'extension' && codex.owner.extensionId, 'openai.chatgpt');
    const claude = treeAt(model, AI.claudeExt);
    assert.strictEqual(claude.tool, 'Claude Code');
    assert.strictEqual(claude.owner.kind === 'extension' && claude.owner.extensionId, 'anthropic.claude-code');
  });

  it('attributes an extension-host child without an extension folder to "extension host (unknown extension)"', () => {
    const t = treeAt(model, AI.playwrightMcp);
    assert.strictEqual(t.tool, 'MCP server');
    assert.strictEqual(t.name, '@playwright/mcp');
    assert.deepStrictEqual(t.memberPids, [AI.playwrightMcp, AI.playwrightMcpNode]);
    assert.deepStrictEqual(t.owner, { kind: 'extensionHost', extensionHostPid: AI.extHost });
    assert.strictEqual(ownerLabel(t.owner), 'extension host (unknown extension)');
    assert.strictEqual(t.state, 'active');
  });

  it("treats code-server's agent host as the launcher of copilot-runtime", () => {
    const t = treeAt(model, AI.copilotRuntime);
    assert.strictEqual(t.tool, 'GitHub Copilot');
    assert.strictEqual(t.label, 'agent runtime');
    assert.deepStrictEqual(t.launcher, { kind: 'agentHost', pid: AI.agentHost });
    assert.deepStrictEqual(t.owner, { kind: 'agentHost', agentHostPid: AI.agentHost });
    assert.strictEqual(t.state, 'active');
  });

  it('says what matched', () => {
    assert.match(treeAt(model, AI.fsMcp).evidence, /package '@modelcontextprotocol\/server-filesystem' run by npm/);
    assert.match(treeAt(model, AI.claudeNew).evidence, /node script '.*@anthropic-ai\/claude-code\/cli\.js'/);
  });
});

describe('classifyAiProcesses: states and attribution in edge cases', () => {
  const NODE = '/opt/node/bin/node';
  const FORK = '/opt/code-server/lib/vscode/out/bootstrap-fork';
  const BASH = [
    '/usr/bin/bash',
    '--init-file',
    '/opt/code-server/lib/vscode/out/vs/workbench/contrib/terminal/common/scripts/shellIntegration-bash.sh',
  ];
  const CLAUDE = ['node', '/home/u/.npm-global/lib/node_modules/@anthropic-ai/claude-code/cli.js'];
  const base = (): ProcessRecord[] => [
    record(1, 0, { argv: ['/sbin/init'] }),
    record(100, 1, { argv: [NODE, '/opt/code-server/out/node/entry.js'] }),
    record(110, 100, { argv: [NODE, '/opt/code-server/out/node/entry'] }),
    record(120, 110, { argv: [NODE, FORK, '--type=extensionHost'] }),
    record(130, 110, { argv: [NODE, FORK, '--type=ptyHost'] }),
    record(200, 130, { argv: BASH, comm: 'bash' }),
  ];
  const cwds: Record<number, string> = {};
  const modelOf = (
    records: ProcessRecord[],
    cwd: Record<number, string> = cwds,
    extra: Partial<Parameters<typeof classifyAiProcesses>[0]> = {},
  ): AiModel => {
    const snapshot = snapshotOf(records);
    return classifyAiProcesses({
      snapshot,
      topology: classifyTopology(snapshot, 120),
      nowMs: BTIME * 1000 + 100_000,
      readCwd: (pid) => (cwd[pid] ? { ok: true, path: cwd[pid] } : { ok: false, reason: 'process exited' }),
      ...extra,
    });
  };
  const state = (m: AiModel, pid: number): string => `${treeAt(m, pid).state}: ${treeAt(m, pid).reason}`;

  it('leaks a session whose terminal shell lost its pty host', () => {
    const records = base()
      .filter((r) => r.pid !== 130)
      .map((r) => (r.pid === 200 ? { ...r, ppid: 1 } : r));
    const m = modelOf([...records, record(300, 200, { argv: CLAUDE })]);
    assert.strictEqual(state(m, 300), 'leaked: its terminal shell (pid 200) lost its pty host and was reparented to pid 1');
  });

  it('leaks the MCP servers of a leaked assistant', () => {
    const m = modelOf([
      ...base(),
      record(300, 1, { argv: CLAUDE }),
      record(310, 300, { argv: ['npx', '-y', '@modelcontextprotocol/server-memory'] }),
    ]);
    assert.strictEqual(treeAt(m, 300).state, 'leaked');
    assert.strictEqual(
      state(m, 310),
      'leaked: the Claude Code that started it (pid 300) is leaked: reparented to init (pid 1): the process that started it has exited',
    );
  });

  it('never leaks a tree whose parent is missing from the snapshot (unknown, e.g. hidepid); leaks one whose launcher is a zombie', () => {
    const m = modelOf([...base(), record(300, 4242, { argv: CLAUDE }), record(400, 0, { argv: ['codex'] })]);
    assert.strictEqual(state(m, 300), 'external: its parent (pid 4242) could not be read: unknown origin, not treated as a leak');
    assert.strictEqual(state(m, 400), 'external: it has no parent process: unknown origin, not treated as a leak');
    const z = modelOf([...base().map((r) => (r.pid === 200 ? { ...r, state: 'Z' } : r)), record(300, 200, { argv: CLAUDE })]);
    assert.strictEqual(state(z, 300), 'leaked: its terminal shell 200 has exited (zombie)');
  });

  it('leaks a tree below another process that was orphaned when the assistant above it died', () => {
    // claude (leaked, parent init) → bash (its tool) → codex: codex is its own tree, spawned by the leaked claude
    const m = modelOf([
      ...base(),
      record(300, 1, { argv: CLAUDE }),
      record(310, 300, { argv: ['/bin/bash', '-c', 'codex exec x'] }),
      record(320, 310, { argv: ['codex', 'exec', 'x'] }),
    ]);
    assert.strictEqual(treeAt(m, 320).owner.kind, 'assistant');
    assert.strictEqual(treeAt(m, 320).state, 'leaked');
  });

  it('keeps a second claude run by claude itself in the outer tree (same tool), a codex run by it in its own tree', () => {
    const m = modelOf([
      ...base(),
      record(300, 200, { argv: CLAUDE }),
      record(310, 300, { argv: ['/bin/bash', '-c', '-l', 'claude -p review'] }),
      record(320, 310, { argv: ['claude', '-p', 'review'] }),
      record(330, 310, { argv: ['codex', 'exec', 'review'] }),
    ]);
    assert.deepStrictEqual(treeAt(m, 300).memberPids, [300, 310, 320]);
    assert.deepStrictEqual(treeAt(m, 300).childRootPids, [330]);
    assert.deepStrictEqual(treeAt(m, 330).owner, { kind: 'assistant', tool: 'Claude Code', rootPid: 300 });
    assert.strictEqual(treeAt(m, 330).state, 'active');
  });

  it('marks all but the newest of three copies, and only with the same folder and launcher', () => {
    const m = modelOf(
      [
        ...base(),
        record(201, 130, { argv: BASH, comm: 'bash' }),
        record(300, 200, { argv: CLAUDE, startedAtMs: 1000 }),
        record(301, 200, { argv: ['claude'], startedAtMs: 3000 }),
        record(302, 200, { argv: CLAUDE, startedAtMs: 2000 }),
        record(303, 200, { argv: CLAUDE, startedAtMs: 4000 }), // other folder
        record(304, 201, { argv: CLAUDE, startedAtMs: 5000 }), // other shell
        record(305, 200, { argv: ['codex'], startedAtMs: 6000 }), // other tool
        record(306, 200, { argv: CLAUDE, startedAtMs: 7000 }), // unreadable cwd
      ],
      { 300: '/w', 301: '/w', 302: '/w', 303: '/x', 304: '/w', 305: '/w' },
    );
    assert.strictEqual(treeAt(m, 301).state, 'active');
    assert.strictEqual(treeAt(m, 300).state, 'duplicate');
    assert.strictEqual(treeAt(m, 302).state, 'duplicate');
    assert.strictEqual(treeAt(m, 300).duplicateOf, 301);
    for (const pid of [303, 304, 305, 306]) assert.strictEqual(treeAt(m, pid).state, 'active', `${pid}`);
  });

  it('does not call two different MCP servers of one assistant duplicates, but two copies of the same one', () => {
    const m = modelOf(
      [
        ...base(),
        record(300, 200, { argv: CLAUDE }),
        record(310, 300, { argv: ['npx', '-y', '@modelcontextprotocol/server-memory'], startedAtMs: 1 }),
        record(311, 300, { argv: ['npx', '-y', '@modelcontextprotocol/server-github'], startedAtMs: 2 }),
        record(312, 300, { argv: ['npx', '-y', '@modelcontextprotocol/server-memory'], startedAtMs: 3 }),
      ],
      { 300: '/w', 310: '/w', 311: '/w', 312: '/w' },
    );
    assert.strictEqual(treeAt(m, 310).state, 'duplicate');
    assert.strictEqual(treeAt(m, 311).state, 'active');
    assert.strictEqual(treeAt(m, 312).state, 'active');
  });

  it('finds the extension folder on a process between the extension host and the root', () => {
    const m = modelOf([
      ...base(),
      record(300, 120, { argv: ['/bin/sh', '/home/u/.vscode-server/extensions/saoudrizwan.claude-dev-3.30.0/dist/start-mcp.sh'] }),
      record(310, 300, { argv: ['npx', '-y', '@modelcontextprotocol/server-memory'] }),
    ]);
    // The shell script runs from Cline's folder: that makes it Cline itself, and the MCP server its child.
    assert.strictEqual(treeAt(m, 300).tool, 'Cline');
    assert.deepStrictEqual(treeAt(m, 310).owner, { kind: 'assistant', tool: 'Cline', rootPid: 300 });
    const n = modelOf([
      ...base(),
      record(300, 120, {
        argv: [
          '/bin/sh',
          '-c',
          'npx -y @modelcontextprotocol/server-memory',
          '/home/u/.vscode-server/extensions/ms-python.python-2025.1.0',
        ],
      }),
      record(310, 300, { argv: ['npx', '-y', '@modelcontextprotocol/server-memory'] }),
    ]);
    assert.deepStrictEqual(treeAt(n, 310).owner, {
      kind: 'extension',
      extensionId: 'ms-python.python',
      folder: 'ms-python.python-2025.1.0',
      extensionHostPid: 120,
      tool: undefined,
    });
    assert.strictEqual(ownerLabel(treeAt(n, 310).owner), 'extension ms-python.python');
  });

  it('treats an assistant run directly as the terminal process as its own launcher', () => {
    const m = modelOf([...base(), record(300, 130, { argv: ['claude'] })], { 300: '/w' });
    assert.deepStrictEqual(treeAt(m, 300).launcher, { kind: 'terminal', pid: 300, ptyHostPid: 130 });
    assert.strictEqual(treeAt(m, 300).state, 'active');
  });

  it('never puts a server process into a tree', () => {
    // an extension host whose argv happens to contain an AI-looking script is still the extension host
    const m = modelOf([...base(), record(300, 200, { argv: CLAUDE }), record(310, 300, { argv: [NODE, FORK, '--type=extensionHost'] })]);
    assert.deepStrictEqual(treeAt(m, 300).memberPids, [300]);
    assert.ok(!m.treeOfPid.has(310));
  });

  it('uses user patterns and the executable path when given', () => {
    const { table } = buildPatternTable([{ id: 'goose', tool: 'Goose', kind: 'assistant', match: [{ exe: ['goose'] }] }]);
    const m = modelOf([...base(), record(300, 200, { argv: ['goose', 'session'] }), record(310, 200, { argv: ['2.1.0'] })], cwds, {
      patterns: table,
      readExe: (pid) => (pid === 310 ? '/home/u/.local/share/claude/versions/2.1.0' : undefined),
    });
    assert.strictEqual(treeAt(m, 300).tool, 'Goose');
    assert.strictEqual(treeAt(m, 310).tool, 'Claude Code');
  });

  it('is empty for an empty or unavailable snapshot', () => {
    const empty = snapshotOf([]);
    assert.deepStrictEqual(
      classifyAiProcesses({ snapshot: empty, topology: classifyTopology(empty, 1), nowMs: 0, readCwd: () => ({ ok: false, reason: 'x' }) })
        .trees,
      [],
    );
  });

  it('survives a parent loop in a corrupt snapshot', () => {
    const m = modelOf([...base(), record(300, 301, { argv: CLAUDE }), record(301, 300, { argv: ['bash'] })]);
    assert.strictEqual(m.trees.length, 1);
    const t: AiTree = m.trees[0];
    assert.strictEqual(t.tool, 'Claude Code');
  });
});

describe('classifyAiProcesses on the codeserver fixture', () => {
  it('finds only copilot-runtime under the agent host', async () => {
    const snap = await scanFixture('codeserver');
    const m = classifyAiProcesses({
      snapshot: snap,
      topology: classifyTopology(snap, 10873),
      nowMs: (BTIME + 5000) * 1000,
      readCwd: () => ({ ok: false, reason: 'process exited' }),
    });
    assert.deepStrictEqual(roots(m), [10899]);
    assert.strictEqual(treeAt(m, 10899).state, 'active');
    assert.strictEqual(treeAt(m, 10899).rssBytes, 33768 * KB);
    // and when the agent host is gone, the runtime is leaked
    const gone = editSnapshot(snap, { 10874: null, 10899: { ppid: 1 } });
    const g = classifyAiProcesses({
      snapshot: gone,
      topology: classifyTopology(gone, 10873),
      nowMs: 0,
      readCwd: () => ({ ok: false, reason: 'x' }),
    });
    assert.strictEqual(treeAt(g, 10899).state, 'leaked');
    assert.ok(proc(snap, 10899));
  });
});
