// Matching a process against the MCP servers the assistants' configuration files define (probes/ai/mcpConfig): a
// process whose argv runs a configured `command` + `args` is that server, named by its config key. Both sides go
// through the same argv view (./argv) as the pattern table, so launchers are normalised alike:
// - a package runner (npx, uvx, `npm exec`, `pnpm dlx`, bunx, `pipx run`, npm's `npm exec …` title): the package;
// - a container runtime (`docker run`, podman, nerdctl): the image;
// - `python -m <module>`: the module;
// - anything else (make, `uv run`, `pnpm exec`, `deno run`, a venv console script, a shell script): the program and
//   its arguments, where an interpreter in front of a script is skipped (the kernel runs `#!/bin/bash` scripts as
//   `/bin/bash /path/script.sh`), a configured command without `/` is compared by basename (found on PATH), and an
//   argument holding a `${…}` variable matches any one argument.
// Pure.
import { ArgvView, base, viewOf } from './argv';

export interface ConfiguredServer {
  key: string;
  command: string;
  args: readonly string[];
  assistant: string;
  file: string;
  project?: string;
}

export interface ConfiguredMatch {
  /** Config keys, first the best match (several files may define the same command line under different keys). */
  keys: string[];
  /** Where it is defined: each assistant and file (and project for ~/.claude.json local scope). */
  definedIn: { assistant: string; file: string; key: string; project?: string }[];
  evidence: string;
}

interface Indexed {
  server: ConfiguredServer;
  view: ArgvView;
  program: string[];
}

export interface ConfiguredIndex {
  entries: Indexed[];
}

/** `cmd /c npx …` (Windows-style configs) is `npx …`. */
function unwrapCmd(argv: readonly string[]): readonly string[] {
  const b = base(argv[0] ?? '').toLowerCase();
  if ((b === 'cmd' || b === 'cmd.exe') && argv[1]?.toLowerCase() === '/c') return argv.slice(2);
  return argv;
}

/** The program and its arguments: [script, …after] when an interpreter runs a script, else the tokens. */
function programOf(v: ArgvView): string[] {
  if (v.interpreter && v.script !== undefined) {
    const i = v.tokens.indexOf(v.script, 1);
    if (i > 0) return v.tokens.slice(i);
  }
  return [...v.tokens];
}

export function buildConfiguredIndex(servers: readonly ConfiguredServer[]): ConfiguredIndex {
  const entries: Indexed[] = [];
  for (const server of servers) {
    const argv = unwrapCmd([server.command, ...server.args]);
    if (!argv[0]) continue;
    const view = viewOf(argv);
    entries.push({ server, view, program: programOf(view) });
  }
  return { entries };
}

const stripExt = (s: string): string => s.replace(/\.(exe|cmd)$/i, '');

/** A configured argument with `${workspaceFolder}`, `${env:X}`, `${input:id}`: each variable matches anything. */
function variablePattern(conf: string): RegExp {
  const parts = conf.split(/\$\{[^}]*\}/).map((x) => x.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

const isVariable = (a: string): boolean => /\$\{[^}]*\}/.test(a);

function sameProgram(proc: string, conf: string): boolean {
  if (isVariable(conf)) return variablePattern(conf).test(proc);
  if (!conf.includes('/')) return stripExt(base(proc)) === stripExt(conf);
  if (proc === conf) return true;
  const rel = conf.replace(/^\.\//, '');
  return !conf.startsWith('/') && proc.endsWith(`/${rel}`);
}

const sameArg = (proc: string | undefined, conf: string): boolean =>
  proc !== undefined && (proc === conf || (isVariable(conf) && variablePattern(conf).test(proc)));

/** How many of the configured args (after the package / image) appear in the process's tokens, in order. */
function argsInOrder(tokens: readonly string[], confArgs: readonly string[]): number {
  let n = 0;
  let j = 0;
  for (const a of confArgs) {
    const k = tokens.indexOf(a, j);
    if (k >= 0) {
      n++;
      j = k + 1;
    }
  }
  return n;
}

/** Score of a configured entry for this process view (undefined: not that server). */
function scoreOf(e: Indexed, v: ArgvView, program: readonly string[]): { score: number; evidence: string } | undefined {
  const c = e.view;
  if (c.packages.length) {
    const pkg = c.packages[0];
    if (!v.packages.includes(pkg)) return undefined;
    return { score: 2 + argsInOrder(v.tokens, e.program.slice(1)), evidence: `package '${pkg}'` };
  }
  if (c.images.length) {
    const image = c.images[0];
    if (!v.images.includes(image)) return undefined;
    return { score: 2 + argsInOrder(v.tokens, e.program.slice(1)), evidence: `container image '${image}'` };
  }
  if (c.module !== undefined) {
    if (v.module !== c.module) return undefined;
    return { score: 2 + argsInOrder(v.tokens, e.program.slice(1)), evidence: `python -m ${c.module}` };
  }
  const conf = e.program;
  if (program.length !== conf.length || !sameProgram(program[0], conf[0])) return undefined;
  for (let i = 1; i < conf.length; i++) if (!sameArg(program[i], conf[i])) return undefined;
  return { score: 10 + conf.length, evidence: `command '${[e.server.command, ...e.server.args].join(' ').slice(0, 200)}'` };
}

/** The configured server this argv runs, if any (best score first; ties keep every definition of that command). */
export function matchConfigured(argv: readonly string[], index: ConfiguredIndex | undefined): ConfiguredMatch | undefined {
  if (!index || index.entries.length === 0 || argv.length === 0) return undefined;
  const v = viewOf(argv);
  const program = programOf(v);
  let best: { score: number; evidence: string; hits: Indexed[] } | undefined;
  for (const e of index.entries) {
    const s = scoreOf(e, v, program);
    if (!s) continue;
    if (!best || s.score > best.score) best = { ...s, hits: [e] };
    else if (s.score === best.score) best.hits.push(e);
  }
  if (!best) return undefined;
  const keys = [...new Set(best.hits.map((h) => h.server.key))];
  const definedIn = best.hits.map((h) => ({
    assistant: h.server.assistant,
    file: h.server.file,
    key: h.server.key,
    ...(h.server.project !== undefined ? { project: h.server.project } : {}),
  }));
  return { keys, definedIn, evidence: `${best.evidence}, as configured` };
}
