import * as assert from 'assert';
import fc from 'fast-check';
import {
  BUILTIN_PATTERNS,
  DEFAULT_PATTERN_TABLE,
  buildPatternTable,
  extensionFolderOf,
  matchArgv,
  normalizeImage,
  normalizePackage,
  toolOfExtension,
  untitle,
  viewOf,
} from '../../src/features/ai/patterns';
import { compileGlob } from '../../src/probes/glob';
import { proc } from './procFixtures';
import { AI, scanAi } from './aiFixtures';

const H = '/home/u'; // anonymised home
const tool = (argv: string[], exe?: string): string | undefined => matchArgv(argv, DEFAULT_PATTERN_TABLE, exe)?.tool;
const labelled = (argv: string[]): string | undefined => {
  const m = matchArgv(argv);
  return m && (m.label ? `${m.tool} / ${m.label}` : m.tool);
};

describe('AI pattern table', () => {
  it('validates and compiles the built-in table', () => {
    const { table, problems } = buildPatternTable([]);
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(table.patterns.length, BUILTIN_PATTERNS.length);
    const ids = BUILTIN_PATTERNS.map((p) => p.id);
    assert.strictEqual(new Set(ids).size, ids.length, 'ids are unique');
    for (const want of [
      'Claude Code',
      'Codex',
      'GitHub Copilot',
      'Gemini CLI',
      'Continue',
      'Cline',
      'Aider',
      'Cursor Agent',
      'OpenCode',
      'Amp',
      'Kilo Code',
      'Roo Code',
      'MCP server',
    ]) {
      assert.ok(
        BUILTIN_PATTERNS.some((p) => p.tool === want),
        want,
      );
    }
  });

  describe('recognises real command lines (paths anonymised; sources in patterns.ts)', () => {
    const cases: [string, string[], string][] = [
      // Claude Code — anthropics/claude-code#8510, #61425, Piebald-AI/tweakcc#131, microsoft/vscode#319910
      ['npm cli.js run by node', ['node', `${H}/.npm-global/lib/node_modules/@anthropic-ai/claude-code/cli.js`], 'Claude Code'],
      [
        'npm bin through its shebang',
        ['/usr/bin/node', '/usr/local/bin/claude', '--resume', '0d11532e-25c1-4578-a3a1-daf7d32919f7'],
        'Claude Code',
      ],
      ['native, invoked through ~/.local/bin', ['claude'], 'Claude Code'],
      ['native by its versions path', [`${H}/.local/share/claude/versions/2.0.28`, '--continue'], 'Claude Code'],
      ['the old local install wrapper', ['/bin/bash', `${H}/.claude/local/claude`], 'Claude Code'],
      [
        'extension-bundled cli.js',
        [
          'node',
          `${H}/.vscode-server/extensions/anthropic.claude-code-2.0.0/resources/claude-code/cli.js`,
          '--output-format',
          'stream-json',
          '--verbose',
          '--input-format',
          'stream-json',
        ],
        'Claude Code / VS Code extension',
      ],
      [
        'extension-bundled native binary',
        [
          `${H}/.vscode-server/extensions/anthropic.claude-code-2.1.153-linux-x64/resources/native-binary/claude`,
          '--output-format',
          'stream-json',
          '--permission-prompt-tool',
          'stdio',
        ],
        'Claude Code / VS Code extension',
      ],
      ['npx', ['npx', '-y', '@anthropic-ai/claude-code'], 'Claude Code'],
      // Codex — openai/codex codex-cli/bin/codex.js, openai/codex#20599, #7456
      ['node launcher', ['node', `${H}/.npm-global/lib/node_modules/@openai/codex/bin/codex.js`], 'Codex'],
      ['launcher through its shebang', ['node', '/usr/local/bin/codex', 'exec', 'fix the tests'], 'Codex'],
      [
        'native musl binary (older layout)',
        [`${H}/.npm-global/lib/node_modules/@openai/codex/bin/codex-x86_64-unknown-linux-musl`],
        'Codex',
      ],
      [
        'native binary (vendor layout)',
        [`${H}/.npm-global/lib/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/codex/codex`, 'resume'],
        'Codex',
      ],
      [
        'app-server of the VS Code extension',
        [
          `${H}/.vscode-server/extensions/openai.chatgpt-26.422.71525-linux-x64/bin/linux-x86_64/codex`,
          'app-server',
          '--analytics-default-enabled',
        ],
        'Codex / app-server',
      ],
      ['a standalone app-server', ['codex', 'app-server'], 'Codex / app-server'],
      // GitHub Copilot — copilot-language-server-release, copilot.vim, github/copilot-cli#3244, code-server 4.139.1
      [
        'language server (npm, node)',
        [
          'node',
          `${H}/.local/share/nvim/mason/packages/copilot-language-server/node_modules/@github/copilot-language-server/dist/language-server.js`,
          '--stdio',
        ],
        'GitHub Copilot / language server',
      ],
      [
        'language server (native)',
        [`${H}/.local/share/JetBrains/plugins/github-copilot-intellij/copilot-agent/native/linux-x64/copilot-language-server`, '--stdio'],
        'GitHub Copilot / language server',
      ],
      [
        'language server forked by the extension host',
        [
          '/opt/node/bin/node',
          `${H}/.vscode-server/extensions/github.copilot-1.388.0/dist/language-server.js`,
          '--node-ipc',
          '--clientProcessId=4242',
        ],
        'GitHub Copilot / language server',
      ],
      [
        'code-server agentHost runtime',
        [
          '/opt/code-server/lib/vscode/node_modules/@github/copilot-sdk-linux-x64/prebuilds/linux-x64/copilot-runtime',
          '--headless',
          '--stdio',
        ],
        'GitHub Copilot / agent runtime',
      ],
      ['Copilot CLI loader', ['node', '/usr/local/lib/node_modules/@github/copilot/npm-loader.js'], 'GitHub Copilot / CLI'],
      ['Copilot CLI through its shebang', ['node', '/usr/local/bin/copilot', '--acp', '--stdio'], 'GitHub Copilot / CLI'],
      ['Copilot CLI platform binary', ['/usr/local/lib/node_modules/@github/copilot-linux-x64/copilot'], 'GitHub Copilot / CLI'],
      ['Copilot CLI from Homebrew', ['/home/linuxbrew/.linuxbrew/Caskroom/copilot-cli/0.0.420/copilot'], 'GitHub Copilot / CLI'],
      // Gemini CLI — google-gemini/gemini-cli package.json (bin gemini → bundle/gemini.js), relaunch.ts
      ['bin through its shebang', ['node', '/usr/local/bin/gemini'], 'Gemini CLI'],
      [
        'relaunched child with more heap',
        ['/usr/bin/node', '--max-old-space-size=8192', '/usr/local/lib/node_modules/@google/gemini-cli/bundle/gemini.js'],
        'Gemini CLI',
      ],
      ['npx', ['npx', 'https://github.com/google-gemini/gemini-cli'], 'MISS'],
      ['npx package', ['npx', '@google/gemini-cli@latest'], 'Gemini CLI'],
      // Continue — continuedev/continue extensions/cli/package.json (bin cn → dist/cn.js)
      ['cn', ['node', '/usr/local/bin/cn'], 'Continue'],
      ['@continuedev/cli', ['node', '/usr/local/lib/node_modules/@continuedev/cli/dist/cn.js', '-p', 'hi'], 'Continue'],
      // Cline — cline/cline#6973, #8537
      ['Go front end', [`${H}/.local/share/mise/installs/node/25.0.0/lib/node_modules/cline/bin/cline-linux-amd64`], 'Cline'],
      [
        'cline-core',
        ['node', `${H}/.local/share/mise/installs/node/25.0.0/lib/node_modules/cline/cline-core.js`, '--port', '46809'],
        'Cline',
      ],
      ['cline-host', [`${H}/.local/share/mise/installs/node/25.0.0/lib/node_modules/cline/bin/cline-host`, '--port', '36211'], 'Cline'],
      // Aider
      ['console script', [`${H}/.local/share/pipx/venvs/aider-chat/bin/python`, `${H}/.local/bin/aider`, '--model', 'sonnet'], 'Aider'],
      ['python -m', ['python3', '-m', 'aider'], 'Aider'],
      ['uvx --from', ['uvx', '--from', 'aider-chat', 'aider'], 'Aider'],
      // Cursor agent — public detection code, rivet-dev/sandbox-agent#148
      ['cursor-agent', ['cursor-agent', '-p', '--output-format', 'stream-json'], 'Cursor Agent'],
      [
        'bundled node',
        [
          `${H}/.local/share/cursor-agent/versions/2026.05.01-eea359f/node`,
          `${H}/.local/share/cursor-agent/versions/2026.05.01-eea359f/index.js`,
        ],
        'Cursor Agent',
      ],
      // OpenCode — anomalyco/opencode#20116
      ['npm wrapper', ['node', '/usr/local/lib/node_modules/opencode-ai/bin/opencode'], 'OpenCode'],
      ['native binary', ['/usr/local/lib/node_modules/opencode-ai/bin/.opencode', 'serve', '--port', '4096'], 'OpenCode / server'],
      ['curl install', [`${H}/.opencode/bin/opencode`], 'OpenCode'],
      // Amp
      ['npm bin', ['node', '/usr/local/bin/amp'], 'Amp'],
      ['npm package path', ['node', '/usr/local/lib/node_modules/@sourcegraph/amp/dist/main.js'], 'Amp'],
      // Kilo Code — Kilo-Org/kilocode#13299
      ['kilocode', ['node', '/usr/local/bin/kilocode', '--auto'], 'Kilo Code'],
      ['kilo 7.x', ['node', '/usr/local/bin/kilo'], 'Kilo Code'],
      [
        'extension helper',
        ['node', `${H}/.vscode-server/extensions/kilocode.kilo-code-4.90.0/dist/services/helper.js`],
        'Kilo Code / VS Code extension',
      ],
      // Roo Code
      [
        'extension helper',
        ['node', `${H}/.vscode-server/extensions/rooveterinaryinc.roo-cline-3.25.0/dist/workers/countTokens.js`],
        'Roo Code / VS Code extension',
      ],
    ];
    for (const [what, argv, want] of cases) {
      it(`${want === 'MISS' ? 'does not take' : want + ':'} ${what}`, () => {
        assert.strictEqual(labelled(argv) ?? 'MISS', want, JSON.stringify(argv));
      });
    }
  });

  describe('MCP servers, however they are launched', () => {
    const mcp: [string[], string][] = [
      [
        ['npx', '-y', '@modelcontextprotocol/server-filesystem', `${H}/Desktop`, `${H}/Downloads`],
        '@modelcontextprotocol/server-filesystem',
      ],
      [['npm exec @modelcontextprotocol/server-filesystem /home/u/ws'], '@modelcontextprotocol/server-filesystem'], // npm's title
      [['npm exec chrome-devtools-mcp@latest'], 'chrome-devtools-mcp'], // anthropics/claude-code#35673
      [['npx', '-y', 'mcp-remote', 'https://mcp.example.com/sse'], 'mcp-remote'],
      [['npx', '--package', '@upstash/context7-mcp@1.0.0', 'context7-mcp'], '@upstash/context7-mcp'],
      [['npx', '@playwright/mcp@latest'], '@playwright/mcp'],
      [['pnpm', 'dlx', '@modelcontextprotocol/server-memory'], '@modelcontextprotocol/server-memory'],
      [['bunx', '@modelcontextprotocol/server-github'], '@modelcontextprotocol/server-github'],
      [[`${H}/.local/bin/uvx`, 'mcp-server-fetch'], 'mcp-server-fetch'], // modelcontextprotocol/servers#37
      [['uv', 'tool', 'uvx', 'mcp-server-fetch'], 'mcp-server-fetch'],
      [['uvx', '--python', '3.12', 'mcp-server-git==0.6.2', '--repository', '/srv/repo'], 'mcp-server-git'],
      [['uvx', 'mcp-proxy-for-aws@latest', 'https://aws-mcp.us-east-1.api.aws/mcp'], 'mcp-proxy-for-aws'], // awslabs/agent-plugins#255
      [['pipx', 'run', 'mcp-server-time'], 'mcp-server-time'],
      [['python3.11', '-m', 'mcp_server_git', '--repository', 'C:\\repo'], 'mcp_server_git'], // modelcontextprotocol/servers#152
      [['docker', 'run', '-i', '--rm', 'mcp/fetch'], 'mcp/fetch'],
      [
        ['docker', 'run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server:latest'],
        'ghcr.io/github/github-mcp-server',
      ],
      [
        ['podman', 'container', 'run', '--name', 'fs', '-v', '/srv:/srv', 'docker.io/mcp/filesystem@sha256:0123abcd', '/srv'],
        'docker.io/mcp/filesystem',
      ],
      [['node', `${H}/.npm/_npx/a3f2c1d4e5b6a7c8/node_modules/.bin/mcp-server-filesystem`, '/tmp'], 'mcp-server-filesystem'],
      [['node', `${H}/.npm/_npx/1b2c3d4e/node_modules/.bin/lark-mcp`, 'mcp', '-a', 'x'], 'lark-mcp'], // anthropics/claude-code#35673
      [['node', '/usr/local/lib/node_modules/@modelcontextprotocol/server-everything/dist/index.js'], 'index.js'],
      [
        [`${H}/.cache/uv/archive-v0/Hq7rT2xK9pLm/bin/python`, `${H}/.cache/uv/archive-v0/Hq7rT2xK9pLm/bin/mcp-server-fetch`],
        'mcp-server-fetch',
      ],
      [['/usr/local/bin/github-mcp-server', 'stdio'], 'github-mcp-server'],
    ];
    for (const [argv, name] of mcp) {
      it(`${name}: ${argv.join(' ').slice(0, 70)}`, () => {
        const m = matchArgv(argv);
        assert.strictEqual(m?.tool, 'MCP server', JSON.stringify(argv));
        assert.strictEqual(m?.kind, 'mcp');
        assert.strictEqual(m?.name, name);
      });
    }

    it('does not take other packages, tools or option values for servers', () => {
      for (const argv of [
        ['npx', '-y', '@modelcontextprotocol/inspector', 'uvx', 'mcp-server-fetch'], // the inspector is a client
        ['npx', 'create-react-app', 'mcp-server-demo'], // an argument of the package, not the package
        ['npx', '-c', 'mcp-server-fetch'], // a command string
        ['docker', 'run', '-v', 'mcp/data:/data', 'ubuntu'], // -v's value
        ['docker', 'run', '--name', 'weather-mcp', 'nginx:latest'], // --name's value
        ['docker', 'ps', 'mcp/fetch'],
        ['uvx', '--with', 'mcp-server-fetch', 'ruff'], // --with's value
        ['npm', 'install', '-g', '@modelcontextprotocol/server-filesystem'],
        ['npm test'], // npm's title of another command
        ['vim', 'mcp-server-notes.md'],
        ['cat', `${H}/.npm/_npx/x/node_modules/.bin/mcp-server-filesystem`],
        ['python3', '-c', 'import mcp_server_git'],
        ['sh', '-c', 'mcp-server-filesystem /tmp'], // the shell between npm exec and node: part of the tree, not a server
      ]) {
        assert.strictEqual(matchArgv(argv), undefined, JSON.stringify(argv));
      }
    });
  });

  it('does not match mentions of the tools (argv elements only, never the joined command line)', () => {
    for (const argv of [
      ['grep', 'claude'],
      ['grep', '-r', 'codex', '.'],
      ['vim', 'codex.md'],
      ['less', 'notes-about-gemini.txt'],
      ['code', '--goto', 'copilot.ts'],
      ['/bin/sh', '/opt/code-server/lib/vscode/bin/remote-cli/code', '--goto', 'copilot.ts'],
      ['node', 'server.js', '--name', 'claude'],
      ['node', 'claude.js'],
      ['node', '-e', "require('child_process').spawn('claude')"],
      ['node', '--require', 'claude', 'app.js'], // --require's value
      ['bash', '-lc', 'claude --resume x'],
      ['bash', '--init-file', '/tmp/claude'], // --init-file's value
      ['python3', 'gemini_notes.py'],
      ['tail', '-f', `${H}/.codex/log/codex-tui.log`],
      ['ls', `${H}/.local/share/claude/versions/`],
      ['copilot'], // AWS's `copilot` CLI has the same name
      ['/usr/local/bin/copilot', 'svc', 'deploy'],
      ['kilo', 'main.c'], // antirez's editor
      ['cn'], // a native `cn` is not Continue's node CLI
      ['claudette'],
      ['/usr/bin/git', 'commit', '-m', 'claude: fix codex'],
      [],
    ]) {
      assert.strictEqual(tool(argv), undefined, JSON.stringify(argv));
    }
  });

  describe("Kilo Code's `kilo serve` backend, told from antirez's `kilo` editor opening a file named serve", () => {
    const kilo = (argv: string[], exe?: string) => {
      const m = matchArgv(argv, DEFAULT_PATTERN_TABLE, exe);
      return m && `${m.tool}${m.helper ? ' (helper)' : ''}`;
    };
    const cli = `${H}/.npm-global/lib/node_modules/@kilocode/cli`;
    const backend: [string, string[], string?][] = [
      // dylanneve1/talon#161, Kilo-Org/kilocode#10786
      ['a server flag (--port, --hostname)', ['kilo', 'serve', '--port', '4097', '--hostname', '127.0.0.1']],
      ['--hostname alone', ['kilo', 'serve', '--hostname', '127.0.0.1']],
      ['--port=<n>', ['kilo', 'serve', '--port=0']],
      ['--hostname=<h>', ['/usr/local/bin/kilo', 'serve', '--hostname=127.0.0.1']],
      ['the node bin inside @kilocode/cli', ['node', `${cli}/bin/kilo`, 'serve']],
      ['the platform binary inside @kilocode/cli-*', [`${H}/.npm-global/lib/node_modules/@kilocode/cli-linux-x64/bin/kilo`, 'serve']],
      ['a bare argv[0] whose executable is inside @kilocode/cli-*', ['kilo', 'serve'], `${cli}-linux-x64/bin/kilo`],
      [
        'the binary bundled in the extension folder',
        [`${H}/.vscode-server/extensions/kilocode.kilo-code-7.0.1-linux-x64/bin/kilo`, 'serve'],
      ],
      ['`kilocode serve` (the 0.x bin name)', ['kilocode', 'serve']],
      ['a node script named kilo (the editor is native)', ['node', '/usr/local/bin/kilo', 'serve']],
    ];
    for (const [what, argv, exe] of backend) {
      it(`is the backend: ${what}`, () => {
        assert.strictEqual(kilo(argv, exe), 'Kilo Code (helper)', JSON.stringify(argv));
        assert.strictEqual(matchArgv(argv, DEFAULT_PATTERN_TABLE, exe)?.label, 'backend (kilo serve)');
      });
    }
    it('is not Kilo Code: the native `kilo` with `serve` and no server evidence (the editor)', () => {
      for (const [argv, exe] of [
        [['kilo', 'serve']],
        [['/usr/local/bin/kilo', 'serve']],
        [['kilo', 'serve'], '/usr/local/bin/kilo'],
        [['kilo', 'serve', 'notes.txt']],
        [['kilo', 'serve', '--portable']], // not --port
        [['kilo', 'serve', '-p']], // no short forms: the editor takes no options, but -p is not Kilo's either
        [['kilo', '--port', '4097']], // a flag without the subcommand
        [['kilo', 'server.c', '--port']], // the subcommand is not serve
      ] as [string[], string?][]) {
        assert.strictEqual(kilo(argv, exe), undefined, JSON.stringify(argv));
      }
    });
    it('property: a native `kilo serve` is the backend exactly when a --port / --hostname option is on the command line', () => {
      const isServerOption = (a: string): boolean => /^--(port|hostname)(=|$)/.test(a);
      const arg = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('--port', '--port=0', '--hostname=h', '--portable', '-p', '4097'));
      fc.assert(
        fc.property(fc.constantFrom('kilo', '/usr/local/bin/kilo', '/opt/kilo/kilo'), fc.array(arg, { maxLength: 6 }), (argv0, rest) => {
          const got = kilo([argv0, 'serve', ...rest]);
          assert.strictEqual(got, rest.some(isServerOption) ? 'Kilo Code (helper)' : undefined, JSON.stringify(rest));
        }),
      );
    });
  });

  it('matches the executable path when the caller reads /proc/PID/exe', () => {
    // The native claude as its auto-updater restarts it: argv[0] is the version file name.
    assert.strictEqual(tool(['2.1.0']), undefined);
    assert.strictEqual(tool(['2.1.0'], `${H}/.local/share/claude/versions/2.1.0`), 'Claude Code');
    assert.strictEqual(
      tool(['codex'], `${H}/.npm-global/lib/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/codex/codex (deleted)`),
      'Codex',
    );
    assert.strictEqual(tool(['node', 'server.js'], '/usr/bin/node'), undefined);
  });

  it('prefers the specific variant: app-server, language server, extension-bundled binary', () => {
    assert.strictEqual(matchArgv(['codex', 'app-server'])?.label, 'app-server');
    assert.strictEqual(matchArgv(['codex', 'exec', 'app-server is broken'])?.label, undefined); // an element, exactly
    assert.strictEqual(matchArgv(['copilot-language-server', '--stdio'])?.label, 'language server');
  });

  it('says which element matched', () => {
    assert.match(
      matchArgv(['npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp'])!.evidence,
      /package '@modelcontextprotocol\/server-filesystem' run by npx/,
    );
    assert.match(
      matchArgv(['node', '/x/@anthropic-ai/claude-code/cli.js'])!.evidence,
      /node script '\/x\/@anthropic-ai\/claude-code\/cli\.js'/,
    );
    assert.match(matchArgv(['docker', 'run', '-i', 'mcp/fetch'])!.evidence, /container image 'mcp\/fetch'/);
  });

  it('recognises the ai fixture exactly where the tools run', async () => {
    const snap = await scanAi();
    const recognised = [...snap.processes.values()]
      .filter((p) => matchArgv(p.argv))
      .map((p) => p.pid)
      .sort((a, b) => a - b);
    assert.deepStrictEqual(
      recognised,
      [
        AI.copilotRuntime,
        AI.claudeOld,
        AI.claudeNew,
        AI.fsMcp,
        AI.fsMcpNode,
        AI.fetchMcp,
        AI.fetchMcpPython,
        AI.copilotLs,
        AI.codexAppServer,
        AI.claudeExt,
        AI.playwrightMcp,
        AI.playwrightMcpNode,
        AI.codexLeaked,
        AI.devtoolsMcpLeaked,
        AI.codexLauncher,
        AI.codexNative,
        AI.claudeTmux,
      ].sort((a, b) => a - b),
    );
    assert.strictEqual(matchArgv(proc(snap, AI.copilotLs).argv)?.label, 'language server');
  });
});

describe('argv reading helpers', () => {
  it('splits only npm exec titles', () => {
    assert.deepStrictEqual(untitle(['npm exec @a/b-mcp /tmp']), ['npm', 'exec', '@a/b-mcp', '/tmp']);
    assert.deepStrictEqual(untitle(['npm x foo']), ['npm', 'x', 'foo']);
    assert.deepStrictEqual(untitle(['npm test']), ['npm test']);
    assert.deepStrictEqual(untitle(['grep claude notes']), ['grep claude notes']);
  });

  it('finds the script after interpreter options', () => {
    assert.strictEqual(viewOf(['node', '--max-old-space-size=4096', '-r', 'ts-node/register', 'cli.js']).script, 'cli.js');
    assert.strictEqual(viewOf(['node', '--', 'cli.js']).script, 'cli.js');
    assert.strictEqual(viewOf(['node', '-e', 'x']).script, undefined);
    assert.strictEqual(viewOf(['bun', 'run', 'index.ts']).script, 'index.ts');
    assert.strictEqual(viewOf(['python3', '-u', '-X', 'utf8', 'app.py']).script, 'app.py');
    assert.strictEqual(viewOf(['python3', '-maider']).module, 'aider');
    assert.strictEqual(viewOf(['-bash']).exeNames[0], 'bash');
    assert.strictEqual(viewOf(['/bin/bash', '-o', 'pipefail', 'run.sh']).script, 'run.sh');
    assert.strictEqual(viewOf(['/bin/bash', '-xc', 'run.sh']).script, undefined);
    assert.strictEqual(viewOf(['vim', 'x.js']).script, undefined);
  });

  it('normalises package and image names', () => {
    assert.strictEqual(normalizePackage('@scope/name@1.2.3'), '@scope/name');
    assert.strictEqual(normalizePackage('name@latest'), 'name');
    assert.strictEqual(normalizePackage('npm:@scope/name'), '@scope/name');
    assert.strictEqual(normalizePackage('mcp-server-git==0.6.2'), 'mcp-server-git');
    assert.strictEqual(normalizePackage('aider-chat[playwright]>=0.80'), 'aider-chat');
    assert.strictEqual(normalizePackage('git+https://github.com/x/y'), 'git+https://github.com/x/y');
    assert.strictEqual(normalizeImage('mcp/fetch:latest'), 'mcp/fetch');
    assert.strictEqual(normalizeImage('localhost:5000/mcp/fetch'), 'localhost:5000/mcp/fetch');
    assert.strictEqual(normalizeImage('localhost:5000/mcp/fetch:1'), 'localhost:5000/mcp/fetch');
    assert.strictEqual(normalizeImage('mcp/fetch@sha256:abc'), 'mcp/fetch');
  });

  it('compiles globs: * within a segment, ** across, **/ also at the root', () => {
    assert.ok(compileGlob('mcp-server-*').test('mcp-server-fetch'));
    assert.ok(!compileGlob('mcp-server-*').test('a/mcp-server-fetch'));
    assert.ok(compileGlob('**/cli.js').test('cli.js'));
    assert.ok(compileGlob('**/cli.js').test('/a/b/cli.js'));
    assert.ok(!compileGlob('**/cli.js').test('/a/b/xcli.js'));
    assert.ok(compileGlob('@*/mcp').test('@playwright/mcp'));
    assert.ok(!compileGlob('a.b').test('aXb'), 'dots are literal');
    assert.ok(compileGlob('v?').test('v1'));
  });

  it('finds extension install folders in a path, under any extensions directory', () => {
    assert.deepStrictEqual(extensionFolderOf('/home/coder/ext/github.copilot-1.388.0/dist/language-server.js'), {
      id: 'github.copilot',
      folder: 'github.copilot-1.388.0',
    });
    assert.deepStrictEqual(
      extensionFolderOf(`${H}/.vscode-server/extensions/openai.chatgpt-26.422.71525-linux-x64/bin/linux-x86_64/codex`)?.id,
      'openai.chatgpt',
    );
    assert.strictEqual(extensionFolderOf('/opt/code-server/lib/vscode/extensions/node_modules/typescript/lib/tsserver.js'), undefined);
    assert.strictEqual(extensionFolderOf(`${H}/.local/share/cursor-agent/versions/2026.05.01-eea359f/node`), undefined);
    assert.strictEqual(extensionFolderOf('github.copilot-1.388.0'), undefined, 'a bare name is not a path');
    assert.strictEqual(
      extensionFolderOf('/home/u/.vscode-server/extensions/ms-python.python-2025.1.0')?.id,
      'ms-python.python',
      'a path to the folder itself',
    );
    assert.strictEqual(toolOfExtension('openai.chatgpt'), 'Codex');
    assert.strictEqual(toolOfExtension('saoudrizwan.claude-dev'), 'Cline');
    assert.strictEqual(toolOfExtension('ms-python.python'), undefined);
  });
});

describe('user patterns (from a setting)', () => {
  const goose = { id: 'goose', tool: 'Goose', kind: 'assistant', match: [{ exe: ['goose'] }, { package: ['@block/goose'] }] };

  it('adds valid patterns, before the built-in ones', () => {
    const { table, problems } = buildPatternTable([
      goose,
      { id: 'my-claude', tool: 'Claude (wrapped)', kind: 'assistant', match: [{ exe: ['claude'] }] },
    ]);
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(matchArgv(['goose', 'session'], table)?.tool, 'Goose');
    assert.strictEqual(matchArgv(['goose'], table)?.origin, 'user');
    assert.strictEqual(matchArgv(['claude'], table)?.tool, 'Claude (wrapped)', 'a user pattern can override');
    assert.strictEqual(matchArgv(['goose'])?.tool, undefined, 'the default table is unchanged');
  });

  it('withOption: any of the options, alone or as --opt=value, after argv[0]; never a longer option', () => {
    const serve = { id: 'srv', tool: 'Srv', kind: 'assistant', match: [{ exe: ['srv'], withOption: ['--port', '--hostname'] }] };
    const { table, problems } = buildPatternTable([serve]);
    assert.deepStrictEqual(problems, []);
    const hit = (argv: string[]): boolean => matchArgv(argv, table)?.tool === 'Srv';
    assert.ok(hit(['srv', '--port', '1']));
    assert.ok(hit(['srv', 'serve', '--hostname', 'h']));
    assert.ok(hit(['srv', '--port=0']));
    assert.ok(hit(['srv', '--hostname=127.0.0.1', 'x']));
    assert.ok(!hit(['srv']));
    assert.ok(!hit(['srv', '--portal']), 'a longer option is another option');
    assert.ok(!hit(['srv', '--portal=1']));
    assert.ok(!hit(['srv', 'x--port']));
    assert.ok(!hit(['--port']), 'argv[0] is not an option');
    assert.ok(!hit(['other', '--port', '1']), 'the anchors must hold too');
    const bad = buildPatternTable([
      { id: 'no-dash', tool: 'X', kind: 'assistant', match: [{ exe: ['x'], withOption: ['port'] }] },
      { id: 'with-eq', tool: 'X', kind: 'assistant', match: [{ exe: ['x'], withOption: ['--port=1'] }] },
      { id: 'empty', tool: 'X', kind: 'assistant', match: [{ exe: ['x'], withOption: [] }] },
      { id: 'alone', tool: 'X', kind: 'assistant', match: [{ withOption: ['--port'] }] },
    ]).problems;
    assert.deepStrictEqual(
      bad.map((p) => p.index),
      [0, 1, 2, 3],
    );
    assert.match(bad[3].reason, /needs at least one of exe/);
  });

  it('treats a missing setting as no patterns', () => {
    assert.deepStrictEqual(buildPatternTable(undefined).problems, []);
    assert.deepStrictEqual(buildPatternTable(null).problems, []);
  });

  it('reports invalid patterns with reasons and keeps the valid ones', () => {
    const { table, problems } = buildPatternTable([
      goose,
      { tool: 'No id', kind: 'assistant', match: [{ exe: ['x'] }] },
      { id: 'bad-kind', tool: 'X', kind: 'daemon', match: [{ exe: ['x'] }] },
      { id: 'typo', tool: 'X', kind: 'assistant', match: [{ exes: ['x'] }] },
      { id: 'only-label', tool: 'X', kind: 'assistant', match: [{ label: 'x', withArg: '--x' }] },
      { id: 'star', tool: 'X', kind: 'mcp', match: [{ exe: ['*'] }] },
      { id: 'slash', tool: 'X', kind: 'assistant', match: [{ exe: ['/usr/bin/x'] }] },
      { id: 'codex', tool: 'Mine', kind: 'assistant', match: [{ exe: ['mine'] }] },
      { id: 'goose', tool: 'Goose again', kind: 'assistant', match: [{ exe: ['goose2'] }] },
      { id: 'empty', tool: 'X', kind: 'assistant', match: [] },
      { id: 'Upper Case', tool: 'X', kind: 'assistant', match: [{ exe: ['x'] }] },
      'claude',
    ]);
    assert.deepStrictEqual(
      table.patterns.filter((p) => p.origin === 'user').map((p) => p.pattern.id),
      ['goose'],
    );
    const byIndex = new Map(problems.map((p) => [p.index, p.reason]));
    assert.deepStrictEqual([...byIndex.keys()], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.strictEqual(byIndex.get(1), 'id: expected string');
    assert.strictEqual(byIndex.get(2), 'kind: must be one of "assistant", "mcp"');
    assert.strictEqual(byIndex.get(3), "match.0: unknown field 'exes'");
    assert.match(byIndex.get(4)!, /needs at least one of exe/);
    assert.match(byIndex.get(5)!, /matches everything/);
    assert.match(byIndex.get(6)!, /cannot contain '\/'/);
    assert.match(byIndex.get(7)!, /already used by a built-in pattern/);
    assert.match(byIndex.get(8)!, /'goose' is already used/);
    assert.strictEqual(byIndex.get(9), 'match: needs at least 1');
    assert.match(byIndex.get(10)!, /^id: does not match/);
    assert.strictEqual(byIndex.get(11), '(root): expected object');
    assert.strictEqual(problems.find((p) => p.index === 7)?.id, 'codex');
  });

  it(`a user pattern with the issue's backtracking glob ('**?' x 10 + '#') matches a 4 KiB argv in bounded steps`, function () {
    // With the former RegExp compiler, this took minutes for one 64-character argv[0] (exponential backtracking).
    this.timeout(5000);
    const evil = `${'**?'.repeat(10)}#`;
    const { table, problems } = buildPatternTable([
      { id: 'evil', tool: 'Evil', kind: 'assistant', match: [{ exe: [evil] }, { path: [evil] }] },
    ]);
    assert.deepStrictEqual(problems, []);
    const argv0 = `/${'a'.repeat(63)}`;
    assert.strictEqual(matchArgv([argv0, 'x'.repeat(4096)], table, argv0)?.patternId, undefined);
    assert.strictEqual(matchArgv([`${argv0}#`], table)?.patternId, 'evil');
    const steps = table.patterns[0].matchers[1].path![0].run('a'.repeat(4096)).steps;
    assert.ok(steps <= 4097 * (evil.length + 1), `${steps} steps`);
  });

  it('caps the total length of the globs of user patterns, with a clear reason', () => {
    const glob = (i: number): string => `${String(i).padStart(4, '0')}-${'x'.repeat(295)}`;
    const list = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, tool: 'X', kind: 'assistant', match: [{ exe: [glob(i)] }] }));
    const { table, problems } = buildPatternTable(list);
    const kept = table.patterns.filter((p) => p.origin === 'user').length;
    assert.ok(kept >= 1 && kept < 20, `${kept} kept`);
    assert.strictEqual(problems.length, 20 - kept);
    assert.match(problems[0].reason, /globs of csops\.ai\.extraPatterns total more than \d+ characters/);
    assert.strictEqual(problems[0].index, kept);
    const long = buildPatternTable([{ id: 'long', tool: 'X', kind: 'assistant', match: [{ exe: ['x'.repeat(301)] }] }]).problems;
    assert.match(long[0].reason, /allows at most 300/);
  });

  it('rejects a setting that is not a list, and bounds the list', () => {
    assert.deepStrictEqual(buildPatternTable({ id: 'x' }).problems, [{ index: -1, reason: 'expected a list of patterns, got object' }]);
    const many = Array.from({ length: 205 }, (_, i) => ({ id: `p${i}`, tool: 'X', kind: 'assistant', match: [{ exe: [`x${i}`] }] }));
    const { table, problems } = buildPatternTable(many);
    assert.strictEqual(table.patterns.filter((p) => p.origin === 'user').length, 200);
    assert.deepStrictEqual(
      problems.map((p) => p.index),
      [200],
    );
  });
});
