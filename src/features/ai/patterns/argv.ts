// Reading one argv into the elements the pattern matchers look at: argv[0] and the executable's basename, the script
// an interpreter runs, the module after `python -m`, the packages of npx/uvx/pipx, the images of `docker run`. Pure.
import { parseFolderName } from '../../../probes/extensionsDir';

// ---------------------------------------------------------------------------------------------------------------
// Reading one argv into the elements the matchers look at.

export type Interpreter = 'node' | 'python' | 'shell';

export interface ArgvView {
  /** argv after splitting an npm title (see the header); otherwise argv itself. */
  tokens: readonly string[];
  /** A setproctitle / `process.title` title: argv[0] holding spaces (not a path), every other element empty. */
  title?: string;
  /**
   * The first positional argument of the program: after the script an interpreter runs, else after argv[0]
   * (`server mcp`, `make mcp-serve`, `kilo serve`); undefined for package runners and `-m`.
   */
  subcommand?: string;
  /** Basenames of argv[0] (without a login shell's `-`) and of the executable path. */
  exeNames: string[];
  exePaths: string[];
  interpreter?: Interpreter;
  /** The script the interpreter runs (undefined for `-c`, `-e`, a REPL, `-m`). */
  script?: string;
  /** `python -m <module>`. */
  module?: string;
  /** Packages run through a package runner (normalised: no version). */
  packages: string[];
  /**
   * The command a project runs through `pnpm exec` / `yarn exec` / `uv run` (`uv run x-mcp`): matched by the table's
   * `package` globs, but not a package for configured servers (a project's `server.py` is not a published name).
   */
  projectCommand?: string;
  /** Images run through a container runtime (normalised: no tag or digest). */
  images: string[];
  /** Extension install folders holding argv[0], the executable or the script (computed once per process). */
  extensions: { id: string; folder: string }[];
}

export const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

const NODE_RE = /^(node|nodejs|node\d+|bun|deno)(\.exe)?$/;
const PYTHON_RE = /^(python|pypy)(\d+(\.\d+)*)?(\.exe)?$/;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash']);

function interpreterOf(name: string): Interpreter | undefined {
  if (NODE_RE.test(name)) return 'node';
  if (PYTHON_RE.test(name)) return 'python';
  if (SHELLS.has(name)) return 'shell';
  return undefined;
}

const NODE_VALUE_OPTS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--title',
  '--input-type',
  '--inspect-port',
  '--cpu-prof-dir',
  '--heap-prof-dir',
  '--diagnostic-dir',
  '--redirect-warnings',
]);
const NODE_EVAL_OPTS = new Set(['-e', '--eval', '-p', '--print', '-i', '--interactive', '--check', '-c', '--test']);
const PYTHON_VALUE_OPTS = new Set(['-W', '-X', '--check-hash-based-pycs']);
const SHELL_VALUE_OPTS = new Set(['-o', '+o', '-O', '+O', '--init-file', '--rcfile']);

/** The script (and for python, the module) an interpreter's argv runs. */
function scriptOf(kind: Interpreter, args: readonly string[]): { script?: string; module?: string } {
  let i = 0;
  if (kind === 'node' && (args[0] === 'run' || args[0] === 'x')) {
    if (args[0] === 'x') return {}; // `bun x pkg` is a package runner, handled elsewhere
    i = 1; // `bun run script`, `deno run script`
  }
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return { script: args[i + 1] };
    if (kind === 'node') {
      if (NODE_EVAL_OPTS.has(a)) return {};
      if (NODE_VALUE_OPTS.has(a)) {
        i++;
        continue;
      }
      if (a.startsWith('-')) continue;
      return { script: a };
    }
    if (kind === 'python') {
      if (a === '-c') return {};
      if (a === '-m') return { module: args[i + 1] };
      if (a.startsWith('-m') && a.length > 2 && !a.startsWith('--')) return { module: a.slice(2) };
      if (PYTHON_VALUE_OPTS.has(a)) {
        i++;
        continue;
      }
      if (a === '-') return {};
      if (a.startsWith('-')) continue;
      return { script: a };
    }
    // shell: `-c` (also inside a flag cluster like -lc) runs a command string, not a script
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(a)) return {};
    if (SHELL_VALUE_OPTS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-') || a.startsWith('+')) continue;
    return { script: a };
  }
  return {};
}

/** `@scope/name@1.2.3` → `@scope/name`, `name@latest` → `name`, `pkg==1.0`/`pkg[extra]>=2` → `pkg`. */
export function normalizePackage(spec: string): string {
  let s = spec;
  if (s.startsWith('npm:')) s = s.slice(4);
  const at = s.indexOf('@', s.startsWith('@') ? 1 : 0);
  if (at > 0) s = s.slice(0, at);
  const py = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([=<>!~].*)?$/.exec(s);
  if (py && !s.includes('/')) s = py[1];
  return s;
}

/** `ghcr.io/github/github-mcp-server:latest` → `ghcr.io/github/github-mcp-server`; digests too. */
export function normalizeImage(ref: string): string {
  let s = ref;
  const digest = s.indexOf('@');
  if (digest > 0) s = s.slice(0, digest);
  const colon = s.lastIndexOf(':');
  if (colon > s.lastIndexOf('/')) s = s.slice(0, colon);
  return s;
}

interface RunnerSpec {
  /** Options whose value is a package. */
  packageOpts: ReadonlySet<string>;
  /** Options that take a value (skipped). */
  valueOpts: ReadonlySet<string>;
  /** Options after which no package follows (a command string). */
  stopOpts: ReadonlySet<string>;
}

const NPX: RunnerSpec = {
  packageOpts: new Set(['-p', '--package']),
  valueOpts: new Set(['--node-options', '--prefix', '--registry', '--cache', '--userconfig', '-w', '--workspace', '--loglevel']),
  stopOpts: new Set(['-c', '--call']),
};
const UVX: RunnerSpec = {
  packageOpts: new Set(['--from']),
  valueOpts: new Set([
    '--with',
    '--with-editable',
    '--with-requirements',
    '-p',
    '--python',
    '--index-url',
    '--extra-index-url',
    '--index',
    '--default-index',
    '--constraints',
    '--overrides',
    '--directory',
    '--project',
    '--cache-dir',
    '--config-file',
    '--env-file',
    '-f',
    '--find-links',
    '--python-platform',
  ]),
  stopOpts: new Set(),
};
const PIPX: RunnerSpec = {
  packageOpts: new Set(['--spec']),
  valueOpts: new Set(['--python', '--index-url', '--pip-args']),
  stopOpts: new Set(),
};

function runnerPackages(spec: RunnerSpec, args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (spec.stopOpts.has(a)) break;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (spec.packageOpts.has(name)) {
      const v = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : args[++i];
      if (v) out.push(normalizePackage(v));
      continue;
    }
    if (spec.valueOpts.has(name)) {
      if (!(a.startsWith('--') && eq > 0)) i++;
      continue;
    }
    if (a === '--') {
      if (args[i + 1]) out.push(normalizePackage(args[i + 1]));
      break;
    }
    if (a.startsWith('-')) continue;
    out.push(normalizePackage(a));
    break;
  }
  return out;
}

/** Packages if argv is a package runner invocation. */
function packagesOf(tokens: readonly string[]): string[] {
  const name = base(tokens[0] ?? '').replace(/\.(cmd|exe)$/, '');
  const rest = tokens.slice(1);
  if (name === 'npx' || name === 'pnpx' || name === 'bunx') return runnerPackages(NPX, rest);
  if (name === 'uvx') return runnerPackages(UVX, rest);
  // uv's global options may come before the subcommand: `uv --directory <dir> run <command>` (vidhupv/x-mcp#4)
  let firstPositional = rest.findIndex((a) => !a.startsWith('-'));
  if (name === 'uv') {
    firstPositional = -1;
    for (let i = 0; i < rest.length; i++) {
      if (UVX.valueOpts.has(rest[i])) i++;
      else if (!rest[i].startsWith('-')) {
        firstPositional = i;
        break;
      }
    }
  }
  const sub = rest[firstPositional];
  const after = rest.slice(firstPositional + 1);
  if (
    (name === 'npm' && (sub === 'exec' || sub === 'x')) ||
    ((name === 'pnpm' || name === 'yarn') && sub === 'dlx') ||
    (name === 'bun' && sub === 'x')
  ) {
    return runnerPackages(NPX, after);
  }
  if (name === 'uv' && sub === 'tool' && (after[0] === 'run' || after[0] === 'uvx')) return runnerPackages(UVX, after.slice(1));
  if (name === 'pipx' && sub === 'run') return runnerPackages(PIPX, after);
  return [];
}

const DOCKER_VALUE_OPTS = new Set([
  '-e',
  '--env',
  '--env-file',
  '-v',
  '--volume',
  '--mount',
  '-p',
  '--publish',
  '--name',
  '--network',
  '--net',
  '-w',
  '--workdir',
  '-u',
  '--user',
  '--entrypoint',
  '-l',
  '--label',
  '--label-file',
  '--platform',
  '--pull',
  '--add-host',
  '--cpus',
  '-m',
  '--memory',
  '-h',
  '--hostname',
  '--device',
  '--cap-add',
  '--cap-drop',
  '--security-opt',
  '--log-driver',
  '--log-opt',
  '--restart',
  '--ulimit',
  '--tmpfs',
  '--gpus',
  '--runtime',
  '--ipc',
  '--pid',
  '--shm-size',
  '--stop-signal',
  '--stop-timeout',
  '--dns',
  '--cidfile',
  '--group-add',
  '--expose',
  '--link',
  '--volumes-from',
  '-a',
  '--attach',
  '--health-cmd',
  '--userns',
  '--uts',
  '--cgroupns',
]);

function imagesOf(tokens: readonly string[]): string[] {
  const name = base(tokens[0] ?? '').replace(/\.exe$/, '');
  if (name !== 'docker' && name !== 'podman' && name !== 'nerdctl') return [];
  let i = 1;
  while (i < tokens.length && tokens[i].startsWith('-')) i++; // global flags (--context x is rare; not handled)
  if (tokens[i] === 'container') i++;
  if (tokens[i] !== 'run') return [];
  for (i++; i < tokens.length; i++) {
    const a = tokens[i];
    if (a === '--') return tokens[i + 1] ? [normalizeImage(tokens[i + 1])] : [];
    if (a.startsWith('-')) {
      if (DOCKER_VALUE_OPTS.has(a)) i++;
      continue;
    }
    return [normalizeImage(a)];
  }
  return [];
}

/** `pnpm exec <bin>`, `yarn exec <bin>`, `uv [--directory d] run <command>`: the command a project installed. */
function projectCommandOf(tokens: readonly string[]): string | undefined {
  const name = base(tokens[0] ?? '').replace(/\.(cmd|exe)$/, '');
  if (name !== 'pnpm' && name !== 'yarn' && name !== 'uv') return undefined;
  const rest = tokens.slice(1);
  let i = 0;
  for (; i < rest.length; i++) {
    if (name === 'uv' && UVX.valueOpts.has(rest[i])) i++;
    else if (!rest[i].startsWith('-')) break;
  }
  const sub = rest[i];
  if (!(name === 'uv' ? sub === 'run' : sub === 'exec')) return undefined;
  return runnerPackages(name === 'uv' ? UVX : NPX, rest.slice(i + 1))[0];
}

/** npm's process title in place of argv: the one element `npm exec …`, split back into words. */
export function untitle(argv: readonly string[]): readonly string[] {
  if (argv.length >= 1 && /^npm (exec|x) \S/.test(argv[0])) return [...argv[0].split(/ +/).filter(Boolean), ...argv.slice(1)];
  return argv;
}

/** make's options that take a value (`make -C dir target`). */
const MAKE_VALUE_OPTS = new Set(['-C', '-f', '--file', '--makefile', '--directory', '-I', '--include-dir', '-o', '-W', '--what-if']);

/** The first positional argument in args (skipping options and, for make, its value options and VAR=value). */
function firstPositional(args: readonly string[], make: boolean): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1];
    if (make && MAKE_VALUE_OPTS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (make && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) continue;
    return a;
  }
  return undefined;
}

/** argv[0] with spaces (not a path) and nothing else: a title set over argv by setproctitle / process.title. */
function titleOf(tokens: readonly string[]): string | undefined {
  const first = tokens[0] ?? '';
  if (!first.includes(' ') || first.startsWith('/') || first.startsWith('.')) return undefined;
  return tokens.slice(1).every((t) => t === '') ? first.trim() : undefined;
}

export function viewOf(argv: readonly string[], exePath?: string): ArgvView {
  const tokens = untitle(argv);
  const title = titleOf(tokens);
  const argv0 = tokens[0] ?? '';
  const exeNames: string[] = [];
  const exePaths: string[] = [];
  if (argv0) {
    exeNames.push(base(argv0).replace(/^-/, ''));
    exePaths.push(argv0);
  }
  if (exePath) {
    const clean = exePath.replace(/ \(deleted\)$/, '');
    exeNames.push(base(clean));
    exePaths.push(clean);
  }
  const interpreter = interpreterOf(exeNames[0] ?? '');
  const { script, module } = interpreter ? scriptOf(interpreter, tokens.slice(1)) : {};
  const extensions: { id: string; folder: string }[] = [];
  for (const p of [...exePaths, ...(script !== undefined ? [script] : [])]) {
    const ext = extensionFolderOf(p);
    if (ext) extensions.push(ext);
  }
  const packages = packagesOf(tokens);
  let subcommand: string | undefined;
  const projectCommand = projectCommandOf(tokens);
  if (title === undefined && packages.length === 0 && module === undefined && projectCommand === undefined) {
    if (interpreter && script !== undefined) {
      const i = tokens.indexOf(script, 1);
      subcommand = i > 0 ? firstPositional(tokens.slice(i + 1), false) : undefined;
    } else if (!interpreter) {
      subcommand = firstPositional(tokens.slice(1), /^g?make$/.test(exeNames[0] ?? ''));
    }
  }
  return {
    tokens,
    title,
    subcommand,
    projectCommand,
    exeNames,
    exePaths,
    interpreter,
    script,
    module,
    packages,
    images: imagesOf(tokens),
    extensions,
  };
}

/**
 * The extension install folder (`<publisher.name-1.2.3[-platform]>`) a path lies in, and its id. Any directory
 * segment whose name parses as an extension folder counts: the folder is usually under `…/extensions/`, but
 * code-server's --extensions-dir can be any directory (the fixture uses /home/coder/ext).
 */
export function extensionFolderOf(p: string): { id: string; folder: string } | undefined {
  const segments = p.split('/');
  if (segments.length < 2) return undefined; // a bare name is not a path into a folder
  for (let i = 0; i < segments.length; i++) {
    const parsed = segments[i] ? parseFolderName(segments[i]) : undefined;
    if (parsed) return { id: parsed.id, folder: segments[i] };
  }
  return undefined;
}
