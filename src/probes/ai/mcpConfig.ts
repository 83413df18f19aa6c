// The MCP servers the assistants' own configuration files define: which command line is which server, named by its
// config key ("github", "postgres"), and which assistant's file defined it. Name globs cannot keep up with thousands
// of servers; these files say exactly which command lines are MCP servers. vscode-free: every location is a parameter.
//
// Files and shapes (public documentation, checked against real files):
// - Claude Code: `~/.claude.json` — `mcpServers` (user scope) and `projects.<path>.mcpServers` (local scope) — and
//   `<workspace>/.mcp.json` (`mcpServers`, project scope): docs.anthropic.com/en/docs/claude-code/mcp.
// - Codex: `~/.codex/config.toml`, tables `[mcp_servers.<name>]` with `command`, `args`: openai/codex docs/config.md.
// - Gemini CLI: `~/.gemini/settings.json`, `<workspace>/.gemini/settings.json`, `mcpServers`:
//   google-gemini/gemini-cli docs/tools/mcp-server.md.
// - VS Code / Copilot: `mcp.json` in the user-data `User/` folder and `<workspace>/.vscode/mcp.json`, `servers`
//   (JSON with comments): code.visualstudio.com/docs/copilot/chat/mcp-servers.
// - Cline / Roo Code / Kilo Code: `<globalStorage>/<extension id>/settings/{cline_,}mcp_settings.json`, `mcpServers`.
// - Continue: `~/.continue/config.yaml` (`mcpServers:` a list of { name, command, args }) and
//   `<workspace>/.continue/mcpServers/*.yaml` (blocks with the same list): docs.continue.dev/customize/deep-dives/mcp.
// - Cursor: `~/.cursor/mcp.json` and `<workspace>/.cursor/mcp.json`, `mcpServers`: docs.cursor.com/context/mcp.
// Remote servers (`url`, `httpUrl`, `type: http|sse`) run no local process and are left out.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from '../once';

export type McpConfigFormat = 'claude' | 'mcpServers' | 'vscode' | 'codex' | 'continue';

export interface McpConfigFile {
  file: string;
  assistant: string;
  format: McpConfigFormat;
  /** Larger files are not read (a clear problem instead). */
  maxBytes: number;
}

export interface McpServerDef {
  /** The config key: `github`, `postgres`. */
  key: string;
  command: string;
  args: string[];
  assistant: string;
  file: string;
  /** For `~/.claude.json` per-project servers: the project folder. */
  project?: string;
}

export interface McpConfigProblem {
  file: string;
  reason: string;
}

export interface McpConfigResult {
  servers: McpServerDef[];
  problems: McpConfigProblem[];
  /** Files that exist and were read (or served from the cache). */
  filesRead: string[];
}

export interface McpConfigLocations {
  home: string;
  /** Workspace folders of this window. */
  workspaces: readonly string[];
  /** The user-data `User/` folder (holds VS Code's `mcp.json` and `globalStorage/`). */
  userDir?: string;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** `~/.claude.json` also holds per-project history and grows to megabytes. */
export const CLAUDE_JSON_MAX_BYTES = 16 * MIB;
export const CONFIG_MAX_BYTES = 1 * MIB;
/** At most this many files from a `.continue/mcpServers/` folder. */
export const MAX_DIR_FILES = 100;

/** Every file that may define MCP servers for these locations (existing or not), in a stable order. */
export function mcpConfigFiles(loc: McpConfigLocations, listDir: (dir: string) => string[] = safeList): McpConfigFile[] {
  const f = (file: string, assistant: string, format: McpConfigFormat, maxBytes = CONFIG_MAX_BYTES): McpConfigFile => ({
    file,
    assistant,
    format,
    maxBytes,
  });
  const h = loc.home;
  const out: McpConfigFile[] = [
    f(path.join(h, '.claude.json'), 'Claude Code', 'claude', CLAUDE_JSON_MAX_BYTES),
    f(path.join(h, '.codex', 'config.toml'), 'Codex', 'codex'),
    f(path.join(h, '.gemini', 'settings.json'), 'Gemini CLI', 'mcpServers'),
    f(path.join(h, '.cursor', 'mcp.json'), 'Cursor', 'mcpServers'),
    f(path.join(h, '.continue', 'config.yaml'), 'Continue', 'continue'),
  ];
  if (loc.userDir) {
    out.push(f(path.join(loc.userDir, 'mcp.json'), 'VS Code', 'vscode'));
    const gs = path.join(loc.userDir, 'globalStorage');
    out.push(
      f(path.join(gs, 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json'), 'Cline', 'mcpServers'),
      f(path.join(gs, 'rooveterinaryinc.roo-cline', 'settings', 'mcp_settings.json'), 'Roo Code', 'mcpServers'),
      f(path.join(gs, 'kilocode.kilo-code', 'settings', 'mcp_settings.json'), 'Kilo Code', 'mcpServers'),
    );
  }
  for (const w of loc.workspaces) {
    out.push(
      f(path.join(w, '.mcp.json'), 'Claude Code', 'mcpServers'),
      f(path.join(w, '.gemini', 'settings.json'), 'Gemini CLI', 'mcpServers'),
      f(path.join(w, '.vscode', 'mcp.json'), 'VS Code', 'vscode'),
      f(path.join(w, '.cursor', 'mcp.json'), 'Cursor', 'mcpServers'),
    );
    const dir = path.join(w, '.continue', 'mcpServers');
    for (const name of listDir(dir)
      .filter((n) => /\.(ya?ml|json)$/.test(n))
      .sort()
      .slice(0, MAX_DIR_FILES)) {
      out.push(f(path.join(dir, name), 'Continue', name.endsWith('.json') ? 'mcpServers' : 'continue'));
    }
  }
  return out;
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes (zod, loose: the files hold much more than MCP servers).

const Str = once(() => z.string().check(z.maxLength(64 * KIB)));
const Args = once(() => z.optional(z.array(z.union([Str(), z.number(), z.boolean()])).check(z.maxLength(1000))));
/** One stdio server: `command` + `args`. Entries without a command (remote servers) are skipped, not errors. */
const ServerEntry = once(() => z.looseObject({ command: z.optional(Str()), args: Args(), disabled: z.optional(z.boolean()) }));
const ServerMap = once(() => z.record(Str(), z.unknown()));
const WithMcpServers = once(() => z.looseObject({ mcpServers: z.optional(ServerMap()) }));
const ClaudeJson = once(() =>
  z.looseObject({
    mcpServers: z.optional(ServerMap()),
    projects: z.optional(z.record(Str(), z.unknown())),
  }),
);
const VsCodeJson = once(() => z.looseObject({ servers: z.optional(ServerMap()) }));
const CodexToml = once(() => z.looseObject({ mcp_servers: z.optional(ServerMap()) }));
const ContinueYaml = once(() =>
  z.looseObject({
    mcpServers: z.optional(z.array(z.unknown()).check(z.maxLength(1000))),
  }),
);
const ContinueEntry = once(() => z.looseObject({ name: Str(), command: z.optional(Str()), args: Args() }));

function entriesOf(
  map: Record<string, unknown> | undefined,
  base: { assistant: string; file: string; project?: string },
  problems: McpConfigProblem[],
  where: string,
): McpServerDef[] {
  const out: McpServerDef[] = [];
  for (const [key, value] of Object.entries(map ?? {})) {
    const e = ServerEntry().safeParse(value);
    if (!e.success) {
      problems.push({ file: base.file, reason: `${where}.${key}: not a server definition (${firstIssue(e.error)})` });
      continue;
    }
    if (!e.data.command || e.data.disabled === true) continue;
    out.push({ key, command: e.data.command, args: (e.data.args ?? []).map(String), ...base });
  }
  return out;
}

const firstIssue = (e: z.core.$ZodError): string => {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || 'value'}: ${i.message}` : 'invalid';
};

/** JSON with `//` and block comments and trailing commas (VS Code's mcp.json, Gemini's settings.json). */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** The servers one file defines (pure: the caller read the text). */
export function parseMcpConfig(cfg: Pick<McpConfigFile, 'file' | 'assistant' | 'format'>, text: string): McpConfigResult {
  const problems: McpConfigProblem[] = [];
  const base = { assistant: cfg.assistant, file: cfg.file };
  let data: unknown;
  try {
    // The TOML and YAML parsers load on first use, not at activation (yaml alone is a quarter of the bundle).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (cfg.format === 'codex') data = (require('smol-toml') as typeof import('smol-toml')).parse(text);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    else if (cfg.format === 'continue') data = (require('yaml') as typeof import('yaml')).parse(text, { maxAliasCount: 100 });
    else data = text.trim() === '' ? {} : parseJsonc(text);
  } catch (e) {
    const what = ({ codex: 'TOML', continue: 'YAML' } as Partial<Record<McpConfigFormat, string>>)[cfg.format] ?? 'JSON';
    return {
      servers: [],
      problems: [{ file: cfg.file, reason: `not valid ${what}: ${(e as Error).message.split('\n')[0]}` }],
      filesRead: [],
    };
  }
  const servers: McpServerDef[] = [];
  const bad = (reason: string): McpConfigResult => ({ servers: [], problems: [{ file: cfg.file, reason }], filesRead: [] });
  switch (cfg.format) {
    case 'claude': {
      const r = ClaudeJson().safeParse(data);
      if (!r.success) return bad(`unexpected shape (${firstIssue(r.error)})`);
      servers.push(...entriesOf(r.data.mcpServers, base, problems, 'mcpServers'));
      for (const [project, value] of Object.entries(r.data.projects ?? {})) {
        const p = WithMcpServers().safeParse(value);
        if (p.success) servers.push(...entriesOf(p.data.mcpServers, { ...base, project }, problems, `projects["${project}"].mcpServers`));
      }
      break;
    }
    case 'mcpServers': {
      const r = WithMcpServers().safeParse(data);
      if (!r.success) return bad(`unexpected shape (${firstIssue(r.error)})`);
      servers.push(...entriesOf(r.data.mcpServers, base, problems, 'mcpServers'));
      break;
    }
    case 'vscode': {
      const r = VsCodeJson().safeParse(data);
      if (!r.success) return bad(`unexpected shape (${firstIssue(r.error)})`);
      servers.push(...entriesOf(r.data.servers, base, problems, 'servers'));
      break;
    }
    case 'codex': {
      const r = CodexToml().safeParse(data);
      if (!r.success) return bad(`unexpected shape (${firstIssue(r.error)})`);
      servers.push(...entriesOf(r.data.mcp_servers, base, problems, 'mcp_servers'));
      break;
    }
    case 'continue': {
      const r = ContinueYaml().safeParse(data ?? {});
      if (!r.success) return bad(`unexpected shape (${firstIssue(r.error)})`);
      for (const [i, value] of (r.data.mcpServers ?? []).entries()) {
        const e = ContinueEntry().safeParse(value);
        if (!e.success) problems.push({ file: cfg.file, reason: `mcpServers[${i}]: not a server definition (${firstIssue(e.error)})` });
        else if (e.data.command)
          servers.push({ key: e.data.name, command: e.data.command, args: (e.data.args ?? []).map(String), ...base });
      }
      break;
    }
  }
  return { servers, problems, filesRead: [cfg.file] };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading, cached by (mtime, size): a file is parsed again only when it changed.

export interface StatLike {
  mtimeMs: number;
  size: number;
  isFile(): boolean;
}

export interface McpConfigFs {
  stat(file: string): StatLike | undefined;
  read(file: string): string;
  list(dir: string): string[];
}

const realFs: McpConfigFs = {
  stat: (file) => {
    try {
      return fs.statSync(file);
    } catch {
      return undefined;
    }
  },
  read: (file) => fs.readFileSync(file, 'utf8'),
  list: safeList,
};

export class McpConfigReader {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; result: McpConfigResult }>();
  /** Files parsed (not served from the cache) since construction (tests). */
  parses = 0;

  constructor(private readonly io: McpConfigFs = realFs) {}

  read(loc: McpConfigLocations): McpConfigResult {
    const servers: McpServerDef[] = [];
    const problems: McpConfigProblem[] = [];
    const filesRead: string[] = [];
    const seen = new Set<string>();
    for (const cfg of mcpConfigFiles(loc, (d) => this.io.list(d))) {
      if (seen.has(cfg.file)) continue; // a workspace that is the home folder
      seen.add(cfg.file);
      const st = this.io.stat(cfg.file);
      if (!st || !st.isFile()) {
        this.cache.delete(cfg.file);
        continue;
      }
      let hit = this.cache.get(cfg.file);
      if (!hit || hit.mtimeMs !== st.mtimeMs || hit.size !== st.size) {
        hit = { mtimeMs: st.mtimeMs, size: st.size, result: this.parseFile(cfg, st.size) };
        this.cache.set(cfg.file, hit);
      }
      servers.push(...hit.result.servers);
      problems.push(...hit.result.problems);
      filesRead.push(...hit.result.filesRead);
    }
    return { servers, problems, filesRead };
  }

  private parseFile(cfg: McpConfigFile, size: number): McpConfigResult {
    this.parses++;
    if (size > cfg.maxBytes) {
      const reason = `${size} bytes, larger than the ${cfg.maxBytes}-byte limit: not read, its MCP servers are not recognised by name`;
      return { servers: [], problems: [{ file: cfg.file, reason }], filesRead: [] };
    }
    let text: string;
    try {
      text = this.io.read(cfg.file);
    } catch (e) {
      return { servers: [], problems: [{ file: cfg.file, reason: `cannot read: ${(e as Error).message}` }], filesRead: [] };
    }
    return parseMcpConfig(cfg, text);
  }
}
