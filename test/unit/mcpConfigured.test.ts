import * as assert from 'assert';
import * as path from 'path';
import { classifyAiProcesses } from '../../src/features/ai/classify';
import { buildAiModel, aiName, definedInLines } from '../../src/features/ai/model';
import { ConfiguredIndex, buildConfiguredIndex, matchConfigured } from '../../src/features/ai/patterns';
import { McpConfigReader } from '../../src/probes/ai/mcpConfig';
import { classifyTopology } from '../../src/probes/topology';
import { FIXTURES, record, snapshotOf } from './procFixtures';

const ROOT = path.join(FIXTURES, '..', 'mcp-config');
const index = (): ConfiguredIndex =>
  buildConfiguredIndex(
    new McpConfigReader().read({
      home: path.join(ROOT, 'home'),
      workspaces: [path.join(ROOT, 'ws')],
      userDir: path.join(ROOT, 'user', 'User'),
    }).servers,
  );

describe('MCP servers recognised by their configuration', () => {
  const idx = index();
  const keyOf = (argv: string[]): string | undefined => matchConfigured(argv, idx)?.keys.join(' / ');

  // Each process as Linux shows it for the configured command line (kernel shebang exec, npm's title, launchers).
  const positives: [string, string[]][] = [
    ['docs', ['make', '-C', '/home/coder/tools/docs-server', 'mcp']],
    ['postgres', ['/home/coder/.venvs/pg/bin/python3', '/home/coder/.venvs/pg/bin/postgres-mcp', '--access-mode=restricted']],
    ['postgres', ['/home/coder/.venvs/pg/bin/postgres-mcp', '--access-mode=restricted']],
    ['github', ['docker', 'run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server']],
    ['Perplexity', ['/usr/bin/docker', 'run', '-i', '--rm', '-e', 'PERPLEXITY_API_KEY', 'mcp/perplexity-ask:latest']],
    ['pythonTools', ['/home/coder/.local/bin/uv', 'run', '--directory', '/home/coder/py-tools', 'server.py']],
    ['linear', ['bunx', 'linear-mcp-server@latest']],
    ['linear', ['/home/coder/.bun/bin/bun', 'x', 'linear-mcp-server@latest']],
    ['Deno tools', ['/home/coder/.deno/bin/deno', 'run', '-A', '/home/coder/deno-mcp/main.ts']],
    ['memory', ['/usr/local/bin/pnpm', 'exec', 'mcp-memory']],
    ['time', ['/usr/bin/python3', '-m', 'mcp_time_tool', '--local-timezone=Europe/Paris']],
    ['weather', ['/usr/bin/node', '/home/coder/Documents/Cline/MCP/weather-server/build/index.js']],
    ['tickets', ['/bin/bash', '/home/coder/ws-app/scripts/tickets-server.sh', '--stdio']],
    ['workspace-files', ['node', '/home/coder/ws-app/tools/mcp.js', '/home/coder/ws-app']],
    ['context7', ['npm exec @upstash/context7-mcp']],
    ['context7', ['npx', '-y', '@upstash/context7-mcp']],
    ['SQLite', ['npx', '-y', 'mcp-sqlite', '/home/coder/db.sqlite']],
    ['fetch', ['/home/coder/.local/bin/uvx', 'mcp-server-fetch']],
    ['Browser search', ['npm exec @playwright/mcp@latest']],
  ];
  for (const [key, argv] of positives) {
    it(`names ${JSON.stringify(argv.join(' '))} "${key}"`, () => assert.strictEqual(keyOf(argv), key));
  }

  const negatives: string[][] = [
    ['make', '-C', '/home/coder/tools/docs-server', 'test'],
    ['make', 'mcp'],
    ['grep', 'postgres-mcp'],
    ['/opt/other/bin/postgres-mcp', '--access-mode=restricted'],
    ['vim', '/home/coder/ws-app/scripts/tickets-server.sh'],
    ['/bin/bash', '/home/coder/ws-app/scripts/tickets-server.sh'],
    ['node', '/home/coder/other/build/index.js'],
    ['docker', 'ps'],
    ['docker', 'run', '-i', 'mcp/other'],
    ['python3', '-m', 'http.server'],
    ['uv', 'run', 'server.py'],
    ['pnpm', 'exec', 'eslint'],
    ['node', '/home/coder/ws-app/tools/other.js', '/home/coder/ws-app'],
    ['node', '/home/coder/ws-app/tools/mcp.js.bak', '/home/coder/ws-app'],
    [],
  ];
  for (const argv of negatives) {
    it(`does not name ${JSON.stringify(argv.join(' '))}`, () => assert.strictEqual(keyOf(argv), undefined));
  }

  it('tells two servers of one package apart by their arguments, and keeps every file that defines the same line', () => {
    const two = buildConfiguredIndex([
      {
        key: 'fs-docs',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs'],
        assistant: 'Cursor',
        file: 'a',
      },
      {
        key: 'fs-src',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/src'],
        assistant: 'Cursor',
        file: 'a',
      },
      {
        key: 'src',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/src'],
        assistant: 'Claude Code',
        file: 'b',
      },
    ]);
    const m = matchConfigured(['npm exec @modelcontextprotocol/server-filesystem /srv/src'], two)!;
    assert.deepStrictEqual(m.keys, ['fs-src', 'src']);
    assert.deepStrictEqual(
      m.definedIn.map((d) => `${d.assistant}:${d.file}`),
      ['Cursor:a', 'Claude Code:b'],
    );
  });

  it('reads a Windows-style `cmd /c npx …` definition as the npx line', () => {
    const win = buildConfiguredIndex([
      { key: 'w', command: 'cmd', args: ['/c', 'npx', '-y', 'some-server'], assistant: 'Cline', file: 'c' },
    ]);
    assert.deepStrictEqual(matchConfigured(['npx', '-y', 'some-server'], win)?.keys, ['w']);
  });

  describe('in the classified trees', () => {
    const snapshot = snapshotOf([
      record(1, 0, { comm: 'systemd', argv: ['/sbin/init'] }),
      // An orphan: its assistant was killed; only the workspace's .mcp.json says what it is.
      record(500, 1, { comm: 'tickets-server.', argv: ['/bin/bash', '/home/coder/ws-app/scripts/tickets-server.sh', '--stdio'] }),
      record(501, 500, { comm: 'sleep', argv: ['sleep', '600'] }),
      // A live Claude Code running a configured `make` server.
      record(600, 1, { comm: 'tmux: server', argv: ['tmux'] }),
      record(601, 600, { comm: 'claude', argv: ['/home/coder/.local/share/claude/versions/2.0.14'] }),
      record(602, 601, { comm: 'make', argv: ['make', '-C', '/home/coder/tools/docs-server', 'mcp'] }),
      record(603, 602, { comm: 'node', argv: ['node', 'docs-server.js'] }),
    ]);
    const input = {
      snapshot,
      topology: classifyTopology(snapshot, 99999),
      nowMs: 0,
      readCwd: () => ({ ok: false as const, reason: 'not read' }),
      configured: idx,
    };

    it('shows an orphaned configured server as that key’s MCP server, leaked, with the file that defined it', () => {
      const view = buildAiModel({
        ...input,
        readFds: () => ({ ok: false, reason: 'x' }),
        readPorts: () => ({ byPid: new Map(), problems: [] }),
      });
      const row = view.byRoot.get(500)!;
      assert.ok(row, 'a tree rooted at the orphan');
      assert.strictEqual(row.tree.kind, 'mcp');
      assert.strictEqual(row.tree.state, 'leaked');
      assert.strictEqual(aiName(row), 'MCP tickets');
      assert.deepStrictEqual(row.tree.memberPids, [500, 501]);
      assert.deepStrictEqual(
        row.tree.configured?.definedIn.map((d) => `${d.assistant} ${path.relative(ROOT, d.file)}`),
        ['Claude Code ws/.mcp.json'],
      );
      assert.strictEqual(view.totals.leaked, 1);
      assert.deepStrictEqual(definedInLines(row.tree, ROOT), ['defined in ~/ws/.mcp.json as "tickets" — an MCP server of Claude Code']);
    });

    it('links a configured server to the assistant that runs it', () => {
      const m = classifyAiProcesses(input);
      const t = m.trees.find((x) => x.root.pid === 602)!;
      assert.strictEqual(t.name, 'docs');
      assert.deepStrictEqual(t.owner, { kind: 'assistant', tool: 'Claude Code', rootPid: 601 });
      assert.deepStrictEqual(t.memberPids, [602, 603]);
      assert.deepStrictEqual(definedInLines(t, path.join(ROOT, 'home')), [
        'defined in ~/.codex/config.toml as "docs" — an MCP server of Codex',
      ]);
      assert.deepStrictEqual(m.trees.find((x) => x.root.pid === 601)?.childRootPids, [602]);
    });

    it('without the configuration: the orphan is not recognised; the make target named `mcp` is, by its shape', () => {
      const m = classifyAiProcesses({ ...input, configured: undefined });
      assert.ok(!m.treeOfPid.has(500), 'the orphan is not recognised');
      const t = m.trees.find((x) => x.root.pid === 602);
      assert.deepStrictEqual([t?.tool, t?.name, t?.configured], ['MCP server', 'make mcp', undefined]);
    });
  });
});
