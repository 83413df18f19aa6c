// The table of AI coding assistants and MCP servers, AS DATA, and the matcher that applies it to one process.
// Pure Node, never imports `vscode`.
//
// A process is recognised from individual argv ELEMENTS — the basename of argv[0] (and of the executable path when
// the caller can read /proc/PID/exe), the script an interpreter (node/bun/deno, python, sh/bash) runs, the module
// after `python -m`, the package after npx/uvx/`npm exec`/`pnpm dlx`/`pipx run`, the image after `docker run` — and
// never from a substring of the joined command line: `grep claude`, `vim codex.md`, `less notes-about-gemini.txt`,
// `code --goto copilot.ts` and `node server.js --name claude` match nothing.
//
// The one place a single element is split is npm's process title: `npx -y pkg` sets process.title, which overwrites
// argv, so /proc/PID/cmdline then holds ONE element `npm exec pkg args…` (seen as `npm exec chrome-devtools-mcp@latest`
// in anthropics/claude-code#35673 and #33947). Only an element that starts with `npm exec ` / `npm x ` is split.
//
// Where the examples (in test/fixtures/make-proc-fixtures.js `ai` and test/unit/aiPatterns.test.ts) come from — all
// public, paths anonymised:
// - Claude Code
//   · npm `@anthropic-ai/claude-code`, bin `claude` → cli.js run by node; `ps aux | grep claude` showing `claude`:
//     anthropics/claude-code#61425; the VS Code extension running `node …/extensions/anthropic.claude-code-2.0.0/
//     resources/claude-code/cli.js --output-format stream-json …`: anthropics/claude-code#8510.
//   · native binary `~/.local/bin/claude` → `~/.local/share/claude/versions/<v>`: Piebald-AI/tweakcc#131,
//     anthropics/claude-code#24241; `~/.claude/local/claude` (the older "local" install): anthropics/claude-code#4979.
//   · the extension's bundled binary `…/extensions/anthropic.claude-code-2.1.153-win32-x64/resources/native-binary/
//     claude.exe --output-format stream-json … --resume <uuid>` in a process list: microsoft/vscode#319910;
//     `resources/native-binary/claude.exe`: anthropics/claude-code#61239.
// - OpenAI Codex
//   · node launcher `@openai/codex/bin/codex.js` spawning `bin/codex-x86_64-unknown-linux-musl` (older) or
//     `vendor/x86_64-unknown-linux-musl/codex/codex` (newer): openai/codex codex-cli/bin/codex.js.
//   · `~/.vscode-server/extensions/openai.chatgpt-26.422.71525-linux-x64/bin/linux-x86_64/codex app-server
//     --analytics-default-enabled`: openai/codex#20599 (also `codex app-server` in openai/codex#7456).
// - GitHub Copilot
//   · `node …/@github/copilot-language-server/dist/language-server.js --stdio` and the native
//     `copilot-language-server --stdio`: github/copilot-language-server-release (README), mason-org/mason-registry#8892.
//   · the VS Code extension's `…/extensions/github.copilot-<v>/dist/language-server.js`, forked by the extension host
//     with vscode-languageclient's `--node-ipc --clientProcessId=<ext host>` (the same shape as the built-in
//     `…/jsonServerMain --node-ipc --clientProcessId=5960` in microsoft/vscode#319910).
//   · Copilot CLI: npm `@github/copilot`, a loader that runs the platform binary `@github/copilot-linux-x64/copilot`:
//     github/copilot-cli#3244; Homebrew `…/Caskroom/copilot-cli/<v>/copilot`, `copilot --acp --stdio`, the VS Code
//     shim `/bin/sh …/copilotCli/copilot`: public process survey (agent-pulse notes). AWS also ships a CLI named
//     `copilot`, so a bare native `copilot` only counts under one of those paths.
//   · code-server's agentHost child `…/node_modules/@github/copilot-sdk-linux-x64/prebuilds/linux-x64/copilot-runtime
//     --headless --no-auto-update --log-level info --stdio --no-auto-login`: the code-server 4.139.1 process tree
//     of this repository's codeserver fixture.
// - Gemini CLI: npm `@google/gemini-cli`, bin `gemini` → `bundle/gemini.js` (google-gemini/gemini-cli package.json)
//   or `dist/index.js` (packages/cli/package.json); it relaunches itself as a node child with more heap
//   (packages/cli/src/utils/relaunch.ts).
// - Continue: npm `@continuedev/cli`, bin `cn` → `dist/cn.js` (continuedev/continue extensions/cli/package.json).
// - Cline: npm `cline`, whose Go binary `bin/cline-linux-amd64` starts `cline-host` and `node …/cline/cline-core.js`
//   (cline/cline#6973); JetBrains `…/plugins/cline/core/<v>/cline-core.js` (cline/cline#8537); the VS Code extension
//   is `saoudrizwan.claude-dev`.
// - Aider: pip console script `aider` (python runs `…/bin/aider`), `python -m aider`, package `aider-chat`.
// - Cursor agent CLI: `~/.local/bin/cursor-agent` → `~/.local/share/cursor-agent/versions/<v>/cursor-agent`, which
//   runs the bundled `…/versions/<v>/node` on `…/versions/<v>/index.js` (public detection code listing
//   `…/cursor-agent/versions/2026.05.01-eea359f/node`; rivet-dev/sandbox-agent#148).
// - OpenCode: npm `opencode-ai` whose node wrapper `bin/opencode` spawns the native `bin/.opencode`
//   (anomalyco/opencode#20116); curl install `~/.opencode/bin/opencode`.
// - Amp: npm `@sourcegraph/amp`, bin `amp`. ampproject's task runner is also a node script called `amp`
//   (ampproject/amphtml#38662): a known ambiguity of the bare script name.
// - Kilo Code: npm `@kilocode/cli`, bins `kilocode` (0.x) and `kilo` (7.x) (Kilo-Org/kilocode#13299, #6455);
//   the VS Code extension is `kilocode.kilo-code`. antirez's `kilo` editor is a native binary, so only a node script
//   or a path inside `@kilocode/cli` counts; and since `kilo serve` with the editor opens a file named "serve", the
//   backend needs `kilocode`, a node script, a path inside `@kilocode/cli` or the extension, or `--port`/`--hostname`.
// - Roo Code: the VS Code extension `rooveterinaryinc.roo-cline` (it runs inside the extension host; only processes
//   started from its install folder are recognised).
// - MCP servers: `npx -y @modelcontextprotocol/server-filesystem <dir>` (modelcontextprotocol/servers#152, #2184),
//   `uvx mcp-server-fetch` (modelcontextprotocol/servers#37), `python -m mcp_server_git` (#152),
//   `npm exec chrome-devtools-mcp@latest` and `node …/lark-mcp mcp` (anthropics/claude-code#35673),
//   `uvx mcp-proxy-for-aws@latest <url>` (awslabs/agent-plugins#255), `docker run -i --rm mcp/fetch` (Docker's `mcp/`
//   namespace), `npx mcp-remote <url>`, `ghcr.io/github/github-mcp-server`.
// - Helpers (matchers with `helper: true`: shown under their tool, never a duplicate, never counted as a session):
//   · Claude Code's self-respawned workers `~/.local/share/claude/versions/<v> --bg-spare <sock>` / `--bg-pty-host
//     <sock>` (anthropics/claude-code#74641), setproctitle titles over argv (`claude daemon`; labelled session titles
//     like `claude [libfoo]` are sessions: anthropics/claude-code#26988), `claude mcp serve` (Claude Code MCP docs).
//   · Codex's app-server (above), `codex mcp-server` (openai/codex docs), `codex-linux-sandbox`.
//   · Cursor's `…/cursor-agent/versions/<v>/node …/index.js worker-server`, orphaned in cursor/cursor#3588.
//   · Kilo's shared backend `kilo serve --hostname 127.0.0.1 --port 4097` (dylanneve1/talon#161; the VS Code
//     extension uses it: Kilo-Org/kilocode#10786; a bare native `kilo serve` is not enough, see Kilo Code above);
//     OpenCode's `opencode serve` (opencode.ai docs, server).
//   · Copilot language servers (the extension's, copilot.vim's `dist/language-server.js`, copilot.lua's
//     `copilot/js/language-server.js` — renamed from agent.js in zbirenbaum/copilot.lua#319 — an npx cache's
//     `@github/copilot-language-server`, copilot-node-server's: copilot-emacs/copilot.el#346) and the agent host's
//     copilot-runtime: editor-side servers, not sessions.
// - MCP shapes a name glob cannot see: `uv --directory <dir> run x-mcp` (vidhupv/x-mcp#4), `uv run --with mcp mcp
//   run server.py` (modelcontextprotocol/python-sdk#148), `serena start-mcp-server` (oraios/serena README), a first
//   argument `mcp`, a make target with `mcp` in its name; anything else only when a configuration names it.
// - The corpus of real command lines with their sources: test/fixtures/ai-corpus.json (test/unit/aiCorpus.test.ts).
import * as z from 'zod/mini';
import { Glob as CompiledGlob, MAX_GLOB_LENGTH, compileGlob } from '../../../probes/glob';
import { once } from '../../../probes/once';

// ---------------------------------------------------------------------------------------------------------------
// Schema (the same shape for the built-in table and for user patterns from a setting).

const GLOB_CHARS = /^[^\0\r\n]+$/;

/** The schemas, built on first use: zod builds every schema object when it is declared, and activation needs none. */
const records = once(() => {
  const Glob = z.string().check(z.minLength(1), z.maxLength(MAX_GLOB_LENGTH), z.regex(GLOB_CHARS));
  const GlobList = z.array(Glob).check(z.minLength(1), z.maxLength(50));

  const MatcherRecord = z.strictObject({
    /** Basename of argv[0] or of the executable path (globs: `*`, `?`; no `/`). */
    exe: z.optional(GlobList),
    /**
     * A process title set by setproctitle / `process.title` (argv[0] holding spaces, the rest empty), matched whole:
     * `claude daemon`, `claude [libfoo]`.
     */
    title: z.optional(GlobList),
    /** The program's first positional argument (`mcp`, `serve`, a make target): see ArgvView.subcommand. */
    subcommand: z.optional(GlobList),
    /** Full argv[0] or executable path (globs: `*` within a segment, `**` across segments). */
    path: z.optional(GlobList),
    /** Basename of the script an interpreter (node/bun/deno, python, sh/bash/dash/zsh) runs. */
    script: z.optional(GlobList),
    /** Full path of that script, as given in argv. */
    scriptPath: z.optional(GlobList),
    /** Module after `python -m`. */
    module: z.optional(GlobList),
    /** Package run through npx / npm exec / pnpm dlx / yarn dlx / bunx / uvx / uv tool run / pipx run (version stripped). */
    package: z.optional(GlobList),
    /** Image run through docker/podman/nerdctl run (tag and digest stripped). */
    image: z.optional(GlobList),
    /** VS Code extension ids (publisher.name) whose install folder holds argv[0], the executable or the script. */
    extension: z.optional(
      z.array(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9._-]*$/))).check(z.minLength(1), z.maxLength(20)),
    ),
    /** An argv element (after argv[0]) that must also be present, compared exactly. */
    withArg: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    /**
     * Options (after argv[0]) of which at least one must also be present, as its own element or as `--opt=value`:
     * `["--port", "--hostname"]` takes `--port 4097` and `--port=0`, never `--portable`.
     */
    withOption: z.optional(z.array(z.string().check(z.regex(/^--?[A-Za-z0-9][\w.-]{0,62}$/))).check(z.minLength(1), z.maxLength(20))),
    /** What this variant is (`app-server`, `language server`, …), for display. */
    label: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    /**
     * A helper of the tool (daemon, pty host, pre-warmed worker, backend server started for an editor): shown under
     * the tool with a "helper" label, never a duplicate, never counted as a session.
     */
    helper: z.optional(z.boolean()),
    /** A helper that outlives its session by design (a daemon): never stopped by the leaked bulk stop. */
    daemon: z.optional(z.boolean()),
  });

  const PatternRecord = z.strictObject({
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/)),
    /** Display name; processes of the same tool in one process tree belong to one assistant. */
    tool: z.string().check(z.minLength(1), z.maxLength(80)),
    kind: z.enum(['assistant', 'mcp']),
    /** Any matcher recognises the process; within one matcher every given field must hold. First match wins. */
    match: z.array(MatcherRecord).check(z.minLength(1), z.maxLength(40)),
  });
  return { MatcherRecord, PatternRecord };
});
export type Matcher = z.infer<ReturnType<typeof records>['MatcherRecord']>;
export type Pattern = z.infer<ReturnType<typeof records>['PatternRecord']>;
export type PatternKind = Pattern['kind'];

const ANCHORS = ['exe', 'title', 'subcommand', 'path', 'script', 'scriptPath', 'module', 'package', 'image', 'extension'] as const;

// ---------------------------------------------------------------------------------------------------------------
// The built-in table (sources: see the header comment).

/** Claude Code's self-respawned background workers and their setproctitle forms (anthropics/claude-code#74641). */
const CLAUDE_BINARIES = { path: ['**/.local/share/claude/versions/*', '**/.claude/local/claude'] };
const CLAUDE_HELPERS: Matcher[] = [
  ...(
    [
      ['--bg-spare', 'pre-warmed worker'],
      ['--bg-pty-host', 'pty host'],
    ] as const
  ).flatMap(([flag, label]) => [
    { ...CLAUDE_BINARIES, withArg: flag, label, helper: true, daemon: true },
    { exe: ['claude', 'claude.exe'], withArg: flag, label, helper: true, daemon: true },
  ]),
  {
    title: ['claude daemon*', 'claude *daemon*', 'claude bg-*', 'claude *spare*', 'claude *pty-host*', 'claude *worker*'],
    label: 'daemon',
    helper: true,
    daemon: true,
  },
  // `claude mcp serve`: Claude Code as an MCP server of another client
  { exe: ['claude', 'claude.exe'], subcommand: ['mcp'], label: 'MCP server', helper: true },
];

const MCP_NAMES = ['mcp-server-*', '*-mcp', '*-mcp-server', 'mcp-remote', 'mcp-proxy', 'mcp-proxy-*'];

export const BUILTIN_PATTERNS: readonly Pattern[] = [
  {
    id: 'claude-code',
    tool: 'Claude Code',
    kind: 'assistant',
    match: [
      ...CLAUDE_HELPERS,
      { title: ['claude [*]', 'claude: *'] },
      { extension: ['anthropic.claude-code'], label: 'VS Code extension' },
      { exe: ['claude', 'claude.exe'] },
      { path: ['**/.local/share/claude/versions/*', '**/.claude/local/claude'] },
      { script: ['claude'] },
      { scriptPath: ['**/@anthropic-ai/claude-code/cli.js', '**/@anthropic-ai/claude-code/cli.mjs', '**/.claude/local/claude'] },
      { package: ['@anthropic-ai/claude-code'] },
    ],
  },
  {
    id: 'codex',
    tool: 'Codex',
    kind: 'assistant',
    match: [
      { exe: ['codex', 'codex.exe'], withArg: 'app-server', label: 'app-server', helper: true },
      { exe: ['codex', 'codex.exe'], subcommand: ['mcp-server'], label: 'MCP server', helper: true },
      { exe: ['codex-linux-sandbox'], label: 'sandbox', helper: true },
      { extension: ['openai.chatgpt'], label: 'VS Code extension' },
      {
        exe: [
          'codex',
          'codex.exe',
          'codex-*-unknown-linux-musl',
          'codex-*-unknown-linux-gnu',
          'codex-*-apple-darwin',
          'codex-*-pc-windows-msvc.exe',
        ],
      },
      { script: ['codex'] },
      { scriptPath: ['**/@openai/codex/bin/codex.js'] },
      { package: ['@openai/codex'] },
    ],
  },
  {
    id: 'github-copilot',
    tool: 'GitHub Copilot',
    kind: 'assistant',
    match: [
      { exe: ['copilot-language-server', 'copilot-language-server.exe'], label: 'language server', helper: true },
      {
        scriptPath: [
          '**/@github/copilot-language-server/dist/language-server.js',
          '**/github.copilot-*/dist/language-server.js',
          '**/copilot.vim/dist/language-server.js',
          '**/copilot.vim/copilot/dist/agent.js',
          '**/copilot.lua/copilot/**/language-server.js',
          '**/copilot.lua/copilot/**/agent.js',
          '**/copilot-node-server/copilot/dist/language-server.js',
        ],
        label: 'language server',
        helper: true,
      },
      { script: ['copilot-language-server'], label: 'language server', helper: true },
      { exe: ['copilot-runtime'], label: 'agent runtime', helper: true },
      { extension: ['github.copilot', 'github.copilot-chat'], label: 'VS Code extension' },
      { path: ['**/@github/copilot/**', '**/@github/copilot-*/copilot', '**/copilot-cli/*/copilot'], label: 'CLI' },
      { scriptPath: ['**/@github/copilot/**', '**/copilotCli/copilotCLIShim.js'], label: 'CLI' },
      { script: ['copilot'], label: 'CLI' },
      { package: ['@github/copilot'], label: 'CLI' },
      { package: ['@github/copilot-language-server'], label: 'language server', helper: true },
    ],
  },
  {
    id: 'gemini-cli',
    tool: 'Gemini CLI',
    kind: 'assistant',
    match: [
      { exe: ['gemini'] },
      { script: ['gemini'] },
      { scriptPath: ['**/@google/gemini-cli/**'] },
      { package: ['@google/gemini-cli'] },
      { extension: ['google.gemini-cli-vscode-ide-companion'], label: 'VS Code companion' },
    ],
  },
  {
    id: 'continue',
    tool: 'Continue',
    kind: 'assistant',
    match: [
      { script: ['cn'] },
      { scriptPath: ['**/@continuedev/cli/**'] },
      { package: ['@continuedev/cli'] },
      { extension: ['continue.continue'], label: 'VS Code extension' },
    ],
  },
  {
    id: 'cline',
    tool: 'Cline',
    kind: 'assistant',
    match: [
      { exe: ['cline', 'cline-host', 'cline-linux-*', 'cline-darwin-*'] },
      { script: ['cline', 'cline-core.js'] },
      { scriptPath: ['**/node_modules/cline/**'] },
      { package: ['cline'] },
      { extension: ['saoudrizwan.claude-dev'], label: 'VS Code extension' },
    ],
  },
  {
    id: 'aider',
    tool: 'Aider',
    kind: 'assistant',
    match: [
      { exe: ['aider'] },
      { script: ['aider'] },
      { module: ['aider', 'aider.main'] },
      { package: ['aider-chat', 'aider-install'] },
      { scriptPath: ['**/pipx/venvs/aider-chat/**', '**/uv/tools/aider-chat/**'] },
    ],
  },
  {
    id: 'cursor-agent',
    tool: 'Cursor Agent',
    kind: 'assistant',
    match: [
      { scriptPath: ['**/.local/share/cursor-agent/**'], withArg: 'worker-server', label: 'worker server', helper: true },
      { exe: ['cursor-agent'] },
      { script: ['cursor-agent'] },
      { path: ['**/.local/share/cursor-agent/**'] },
      { scriptPath: ['**/.local/share/cursor-agent/**'] },
    ],
  },
  {
    id: 'opencode',
    tool: 'OpenCode',
    kind: 'assistant',
    match: [
      { exe: ['opencode', '.opencode', 'opencode.exe'], subcommand: ['serve'], label: 'server', helper: true },
      { exe: ['opencode', '.opencode', 'opencode.exe'] },
      { script: ['opencode'] },
      { scriptPath: ['**/opencode-ai/bin/*'] },
      { package: ['opencode-ai', '@opencode-ai/cli'] },
      { extension: ['sst-dev.opencode'], label: 'VS Code extension' },
    ],
  },
  {
    id: 'amp',
    tool: 'Amp',
    kind: 'assistant',
    match: [
      { path: ['**/.amp/bin/amp', '**/@sourcegraph/amp/**'] },
      { scriptPath: ['**/@sourcegraph/amp/**'] },
      { script: ['amp'] },
      { package: ['@sourcegraph/amp'] },
      { extension: ['sourcegraph.amp'], label: 'VS Code extension' },
    ],
  },
  {
    id: 'kilo-code',
    tool: 'Kilo Code',
    kind: 'assistant',
    match: [
      // `kilo serve` of antirez's native `kilo` editor opens a file named "serve": the native `kilo` needs a server
      // option, or to be inside `@kilocode/cli` or the extension's folder; `kilocode` and node scripts are Kilo's.
      ...(
        [
          { exe: ['kilocode'] },
          { exe: ['kilo'], withOption: ['--port', '--hostname'] },
          { path: ['**/@kilocode/cli/**', '**/@kilocode/cli-*/**'] },
          { extension: ['kilocode.kilo-code'] },
          { script: ['kilo', 'kilocode'] },
          { scriptPath: ['**/@kilocode/cli/**'] },
        ] as Matcher[]
      ).map((m): Matcher => ({ ...m, subcommand: ['serve'], label: 'backend (kilo serve)', helper: true })),
      { extension: ['kilocode.kilo-code'], label: 'VS Code extension' },
      { exe: ['kilocode'] },
      { script: ['kilocode', 'kilo'] },
      { path: ['**/@kilocode/cli/**', '**/@kilocode/cli-*/**'] },
      { scriptPath: ['**/@kilocode/cli/**'] },
      { package: ['@kilocode/cli'] },
    ],
  },
  {
    id: 'roo-code',
    tool: 'Roo Code',
    kind: 'assistant',
    match: [{ extension: ['rooveterinaryinc.roo-cline'], label: 'VS Code extension' }],
  },
  {
    id: 'mcp-server',
    tool: 'MCP server',
    kind: 'mcp',
    match: [
      {
        package: [
          '@modelcontextprotocol/server-*',
          // the MCP Python SDK's CLI: `uv run --with mcp mcp run server.py` (modelcontextprotocol/python-sdk#148)
          'mcp',
          ...MCP_NAMES,
          '@*/mcp',
          '@*/mcp-server',
          '@*/mcp-server-*',
          '@*/*-mcp',
          '@*/*-mcp-server',
        ],
      },
      { image: ['mcp/*', '**/mcp/*', '**/mcp-server-*', '**/*-mcp-server', '**/*-mcp'] },
      { module: ['mcp_server_*', '*_mcp', '*_mcp_server'] },
      { script: [...MCP_NAMES, '*-mcp.js', '*-mcp.mjs', '*-mcp-server.js'] },
      { scriptPath: ['**/@modelcontextprotocol/server-*/**', '**/node_modules/mcp-remote/**'] },
      { exe: ['mcp-server-*', '*-mcp-server', '*-mcp'] },
      // a console script or binary whose first argument says it serves MCP (`serena start-mcp-server`, `tool mcp`)
      { subcommand: ['mcp', 'mcp-server', 'mcp-serve', 'serve-mcp', 'start-mcp-server', 'mcp-stdio'] },
      // `make mcp`, `make -C dir run-mcp`: a make target named for MCP
      { exe: ['make', 'gmake'], subcommand: ['*mcp*'] },
      { exe: ['mcp'], subcommand: ['run', 'dev'] },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Compilation and validation.

export interface CompiledMatcher {
  source: Matcher;
  exe?: CompiledGlob[];
  title?: CompiledGlob[];
  subcommand?: CompiledGlob[];
  path?: CompiledGlob[];
  script?: CompiledGlob[];
  scriptPath?: CompiledGlob[];
  module?: CompiledGlob[];
  package?: CompiledGlob[];
  image?: CompiledGlob[];
  extension?: ReadonlySet<string>;
}

export interface CompiledPattern {
  pattern: Pattern;
  /** 'builtin' or 'user'. */
  origin: 'builtin' | 'user';
  matchers: CompiledMatcher[];
}

/** A validated, compiled table: user patterns first (so a setting can override), then the built-in ones. */
export interface PatternTable {
  patterns: readonly CompiledPattern[];
}

export interface PatternProblem {
  /** Index in the user's list. */
  index: number;
  id?: string;
  reason: string;
}

/** User patterns are left out once their globs total more than this many characters (bounds the cost per process). */
export const MAX_USER_GLOB_CHARS = 4096;
/** At most this many user patterns are used. */
export const MAX_USER_PATTERNS = 200;

// Globs are matched by the linear-time matcher of ../glob (never a backtracking RegExp: the globs come from a setting).
const compileGlobs = (globs: readonly string[] | undefined): CompiledGlob[] | undefined => globs?.map(compileGlob);

const globChars = (p: Pattern): number =>
  p.match.reduce(
    (sum, m) => sum + ANCHORS.reduce((s, a) => (a === 'extension' ? s : s + (m[a] ?? []).reduce((t, g) => t + g.length, 0)), 0),
    0,
  );

function compileMatcher(m: Matcher): CompiledMatcher {
  return {
    source: m,
    exe: compileGlobs(m.exe),
    title: compileGlobs(m.title),
    subcommand: compileGlobs(m.subcommand),
    path: compileGlobs(m.path),
    script: compileGlobs(m.script),
    scriptPath: compileGlobs(m.scriptPath),
    module: compileGlobs(m.module),
    package: compileGlobs(m.package),
    image: compileGlobs(m.image),
    extension: m.extension ? new Set(m.extension) : undefined,
  };
}

/** Reasons a (schema-valid) pattern would be useless or dangerous; empty when it is fine. */
function semanticProblems(p: Pattern): string[] {
  const out: string[] = [];
  p.match.forEach((m, i) => {
    if (!ANCHORS.some((a) => m[a] !== undefined)) {
      out.push(`match[${i}]: needs at least one of ${ANCHORS.join(', ')} (withArg, withOption and label alone match nothing)`);
    }
    for (const a of ANCHORS) {
      if (a === 'extension') continue;
      for (const g of m[a] ?? []) {
        // A glob of wildcards only (`*`, `**`, `**/*`) would claim every process.
        if (/^[*?/]+$/.test(g)) out.push(`match[${i}].${a}: '${g}' matches everything`);
        if (a === 'exe' && g.includes('/')) out.push(`match[${i}].exe: '${g}' is a basename glob and cannot contain '/' (use path)`);
      }
    }
  });
  return out;
}

interface Issue {
  path: readonly PropertyKey[];
  code: string;
  message: string;
  keys?: readonly string[];
  values?: readonly unknown[];
  expected?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  pattern?: string;
}

/** zod/mini carries no locale messages ("Invalid input"), so the reason is built from the issue's own fields. */
function issueText(i: Issue): string {
  const where = i.path.map(String).join('.') || '(root)';
  switch (i.code) {
    case 'unrecognized_keys':
      return `${where}: unknown field${i.keys && i.keys.length > 1 ? 's' : ''} ${(i.keys ?? []).map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_value':
      return `${where}: must be one of ${(i.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `${where}: expected ${i.expected ?? 'another type'}`;
    case 'invalid_format':
      return `${where}: does not match ${i.pattern ?? 'the expected format'}`;
    case 'too_small':
      return `${where}: needs at least ${String(i.minimum)}`;
    case 'too_big':
      return `${where}: allows at most ${String(i.maximum)}`;
    default:
      return `${where}: ${i.code}`;
  }
}

function issuesText(issues: readonly Issue[]): string {
  return issues.slice(0, 5).map(issueText).join('; ');
}

/**
 * Validates extra patterns (e.g. the value of a setting: unknown JSON) and compiles them together with the built-in
 * table. Invalid entries are left out and reported with why; a non-array value is one problem at index -1.
 */
export function buildPatternTable(extra: unknown = []): { table: PatternTable; problems: PatternProblem[] } {
  const problems: PatternProblem[] = [];
  const user: CompiledPattern[] = [];
  const list = extra === undefined || extra === null ? [] : extra;
  if (!Array.isArray(list)) {
    problems.push({ index: -1, reason: `expected a list of patterns, got ${typeof list}` });
  } else {
    const seen = new Set(BUILTIN_PATTERNS.map((p) => p.id));
    let chars = 0;
    list.slice(0, MAX_USER_PATTERNS).forEach((raw: unknown, index) => {
      const parsed = records().PatternRecord.safeParse(raw);
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : undefined;
      if (!parsed.success) {
        problems.push({ index, id, reason: issuesText(parsed.error.issues) });
        return;
      }
      const p = parsed.data;
      const why = semanticProblems(p);
      if (seen.has(p.id))
        why.unshift(`id '${p.id}' is already used${BUILTIN_PATTERNS.some((b) => b.id === p.id) ? ' by a built-in pattern' : ''}`);
      if (why.length) {
        problems.push({ index, id: p.id, reason: why.join('; ') });
        return;
      }
      const size = globChars(p);
      if (chars + size > MAX_USER_GLOB_CHARS) {
        const reason = `left out: the globs of csops.ai.extraPatterns total more than ${MAX_USER_GLOB_CHARS} characters with this pattern`;
        problems.push({ index, id: p.id, reason: `${reason} (${chars + size}); shorten or remove patterns` });
        return;
      }
      chars += size;
      seen.add(p.id);
      user.push({ pattern: p, origin: 'user', matchers: p.match.map(compileMatcher) });
    });
    if (list.length > MAX_USER_PATTERNS) {
      problems.push({ index: MAX_USER_PATTERNS, reason: `only the first ${MAX_USER_PATTERNS} patterns are used (${list.length} given)` });
    }
  }
  return { table: { patterns: [...user, ...builtins()] }, problems };
}

function compileBuiltins(): CompiledPattern[] {
  return BUILTIN_PATTERNS.map((raw) => {
    const parsed = records().PatternRecord.safeParse(raw);
    if (!parsed.success) throw new Error(`built-in AI pattern ${raw.id} is invalid: ${issuesText(parsed.error.issues)}`);
    const why = semanticProblems(parsed.data);
    if (why.length) throw new Error(`built-in AI pattern ${raw.id}: ${why.join('; ')}`);
    return { pattern: parsed.data, origin: 'builtin' as const, matchers: parsed.data.match.map(compileMatcher) };
  });
}

/** The built-in patterns validated and compiled on first use (not at activation: ~5 ms of zod parsing and glob compiling). */
const builtins = once(compileBuiltins);

/** The built-in table alone. */
export const DEFAULT_PATTERN_TABLE: PatternTable = {
  get patterns() {
    return builtins();
  },
};
