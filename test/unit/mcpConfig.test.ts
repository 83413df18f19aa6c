import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CONFIG_MAX_BYTES,
  McpConfigFs,
  McpConfigLocations,
  McpConfigReader,
  McpServerDef,
  mcpConfigFiles,
  parseJsonc,
  parseMcpConfig,
} from '../../src/probes/ai/mcpConfig';
import { FIXTURES } from './procFixtures';

const ROOT = path.join(FIXTURES, '..', 'mcp-config');
const LOC: McpConfigLocations = {
  home: path.join(ROOT, 'home'),
  workspaces: [path.join(ROOT, 'ws')],
  userDir: path.join(ROOT, 'user', 'User'),
};
const rel = (f: string): string => path.relative(ROOT, f);
const summary = (s: McpServerDef): string => `${s.assistant}:${s.key}=${[s.command, ...s.args].join(' ')}`;

describe('MCP servers from the assistants’ configuration files', () => {
  it('reads every assistant’s file of the fixture, skipping remote and disabled servers', () => {
    const r = new McpConfigReader().read(LOC);
    assert.deepStrictEqual(r.servers.map(summary), [
      'Claude Code:github=docker run -i --rm -e GITHUB_PERSONAL_ACCESS_TOKEN ghcr.io/github/github-mcp-server',
      'Claude Code:postgres=/home/coder/.venvs/pg/bin/postgres-mcp --access-mode=restricted',
      'Codex:context7=npx -y @upstash/context7-mcp',
      'Codex:docs=make -C /home/coder/tools/docs-server mcp',
      'Gemini CLI:pythonTools=uv run --directory /home/coder/py-tools server.py',
      'Cursor:linear=bunx linear-mcp-server@latest',
      'Continue:SQLite=npx -y mcp-sqlite /home/coder/db.sqlite',
      'Continue:Deno tools=deno run -A /home/coder/deno-mcp/main.ts',
      'VS Code:fetch=uvx mcp-server-fetch',
      'VS Code:Perplexity=docker run -i --rm -e PERPLEXITY_API_KEY mcp/perplexity-ask',
      'Cline:weather=node /home/coder/Documents/Cline/MCP/weather-server/build/index.js',
      'Roo Code:memory=pnpm exec mcp-memory',
      'Kilo Code:time=python -m mcp_time_tool --local-timezone=Europe/Paris',
      'Claude Code:tickets=/home/coder/ws-app/scripts/tickets-server.sh --stdio',
      'VS Code:workspace-files=node ${workspaceFolder}/tools/mcp.js ${workspaceFolder}',
      'Continue:Browser search=npx @playwright/mcp@latest',
    ]);
    const postgres = r.servers.find((s) => s.key === 'postgres')!;
    assert.strictEqual(postgres.project, '/home/coder/ws-app', 'a ~/.claude.json local-scope server names its project');
    assert.strictEqual(rel(postgres.file), 'home/.claude.json');
  });

  it('reports broken files clearly and keeps the good ones', () => {
    const r = new McpConfigReader().read(LOC);
    const problems = r.problems.map((p) => `${rel(p.file)}: ${p.reason}`);
    assert.strictEqual(problems.length, 2, problems.join('\n'));
    assert.match(
      problems.find((p) => p.startsWith('ws/.gemini/'))!,
      /mcpServers\.broken: not a server definition \(command: /,
    );
    assert.match(
      problems.find((p) => p.startsWith('ws/.cursor/'))!,
      /not valid JSON/,
    );
    assert.ok(!r.filesRead.some((f) => rel(f) === 'ws/.cursor/mcp.json'));
  });

  it('lists the documented locations of each assistant', () => {
    const files = mcpConfigFiles({ home: '/h', workspaces: ['/w'], userDir: '/u/User' }, () => ['a.yaml', 'b.json', 'notes.txt']);
    assert.deepStrictEqual(
      files.map((f) => `${f.assistant} ${f.file}`),
      [
        'Claude Code /h/.claude.json',
        'Codex /h/.codex/config.toml',
        'Gemini CLI /h/.gemini/settings.json',
        'Cursor /h/.cursor/mcp.json',
        'Continue /h/.continue/config.yaml',
        'VS Code /u/User/mcp.json',
        'Cline /u/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json',
        'Roo Code /u/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json',
        'Kilo Code /u/User/globalStorage/kilocode.kilo-code/settings/mcp_settings.json',
        'Claude Code /w/.mcp.json',
        'Gemini CLI /w/.gemini/settings.json',
        'VS Code /w/.vscode/mcp.json',
        'Cursor /w/.cursor/mcp.json',
        'Continue /w/.continue/mcpServers/a.yaml',
        'Continue /w/.continue/mcpServers/b.json',
      ],
    );
  });

  it('re-reads a file only when its mtime or size changed, and forgets a deleted one', () => {
    const files = new Map<string, { mtimeMs: number; text: string }>([
      ['/h/.mcp.json', { mtimeMs: 1, text: '{"mcpServers":{"a":{"command":"a-server"}}}' }],
    ]);
    const io: McpConfigFs = {
      stat: (f) => {
        const x = files.get(f);
        return x ? { mtimeMs: x.mtimeMs, size: x.text.length, isFile: () => true } : undefined;
      },
      read: (f) => files.get(f)!.text,
      list: () => [],
    };
    const reader = new McpConfigReader(io);
    const loc = { home: '/nohome', workspaces: ['/h'] };
    assert.deepStrictEqual(
      reader.read(loc).servers.map((s) => s.key),
      ['a'],
    );
    reader.read(loc);
    assert.strictEqual(reader.parses, 1, 'unchanged: served from the cache');
    files.set('/h/.mcp.json', { mtimeMs: 2, text: '{"mcpServers":{"b":{"command":"b-server"}}}' });
    assert.deepStrictEqual(
      reader.read(loc).servers.map((s) => s.key),
      ['b'],
    );
    assert.strictEqual(reader.parses, 2);
    files.delete('/h/.mcp.json');
    assert.deepStrictEqual(reader.read(loc).servers, []);
  });

  it('does not read a file over its size limit and says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-mcp-'));
    try {
      fs.writeFileSync(path.join(dir, '.mcp.json'), `{"mcpServers":{},"pad":"${'x'.repeat(CONFIG_MAX_BYTES)}"}`);
      const r = new McpConfigReader().read({ home: path.join(dir, 'none'), workspaces: [dir] });
      assert.deepStrictEqual(r.servers, []);
      assert.strictEqual(r.problems.length, 1);
      assert.match(r.problems[0].reason, /larger than the 1048576-byte limit: not read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses JSON with comments and trailing commas, but not comment markers inside strings', () => {
    assert.deepStrictEqual(parseJsonc('{ /* c */ "a": "x//y", // z\n "b": [1, 2,], }'), { a: 'x//y', b: [1, 2] });
    assert.deepStrictEqual(parseJsonc('{"a": "q\\"//"}'), { a: 'q"//' });
  });

  it('reports invalid TOML and YAML with the parser’s message', () => {
    const toml = parseMcpConfig({ file: 'c.toml', assistant: 'Codex', format: 'codex' }, '[mcp_servers.x\ncommand = 1');
    assert.match(toml.problems[0].reason, /^not valid TOML: /);
    const yaml = parseMcpConfig({ file: 'c.yaml', assistant: 'Continue', format: 'continue' }, 'mcpServers: [\n  - : :');
    assert.match(yaml.problems[0].reason, /^not valid YAML: /);
    const shape = parseMcpConfig({ file: 'c.yaml', assistant: 'Continue', format: 'continue' }, 'mcpServers: { a: 1 }');
    assert.match(shape.problems[0].reason, /^unexpected shape/);
  });
});
