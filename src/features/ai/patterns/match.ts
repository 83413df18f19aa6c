// Matching one process against the pattern table (./table) through its argv view (./argv). Pure.
import { Glob as CompiledGlob } from '../../../probes/glob';
import { ArgvView, base, viewOf } from './argv';
import { CompiledMatcher, DEFAULT_PATTERN_TABLE, PatternKind, PatternTable } from './table';

// ---------------------------------------------------------------------------------------------------------------
// Matching.

export interface PatternMatch {
  patternId: string;
  tool: string;
  kind: PatternKind;
  origin: 'builtin' | 'user';
  label?: string;
  /** A helper of the tool (daemon, pty host, worker, backend server), not a session. */
  helper?: boolean;
  /** A helper that outlives its session by design. */
  daemon?: boolean;
  /** What was recognised: the package, script, image, module or executable name (for MCP servers: the server). */
  name: string;
  /** Which element matched, for tooltips: `npx package '@modelcontextprotocol/server-filesystem'`. */
  evidence: string;
}

const anyMatch = (globs: readonly CompiledGlob[], values: readonly string[]): string | undefined =>
  values.find((v) => globs.some((g) => g.test(v)));

interface Hit {
  name: string;
  evidence: string;
}

/** Every anchor the matcher gives must hold; the first one named decides the reported name and evidence. */
function tryMatcher(m: CompiledMatcher, v: ArgvView): Hit | undefined {
  const hits: Hit[] = [];
  if (m.package) {
    const x = anyMatch(m.package, v.projectCommand !== undefined ? [...v.packages, v.projectCommand] : v.packages);
    if (x === undefined) return undefined;
    hits.push({ name: x, evidence: `package '${x}' run by ${base(v.tokens[0] ?? '')}` });
  }
  if (m.image) {
    const x = anyMatch(m.image, v.images);
    if (x === undefined) return undefined;
    hits.push({ name: x, evidence: `container image '${x}'` });
  }
  if (m.module) {
    const x = v.module !== undefined ? anyMatch(m.module, [v.module]) : undefined;
    if (x === undefined) return undefined;
    hits.push({ name: x, evidence: `python -m ${x}` });
  }
  if (m.scriptPath) {
    const x = v.script !== undefined ? anyMatch(m.scriptPath, [v.script]) : undefined;
    if (x === undefined) return undefined;
    hits.push({ name: base(x), evidence: `${v.interpreter} script '${x}'` });
  }
  if (m.script) {
    if (v.script === undefined || anyMatch(m.script, [base(v.script)]) === undefined) return undefined;
    hits.push({ name: base(v.script), evidence: `${v.interpreter} script '${v.script}'` });
  }
  if (m.path) {
    const x = anyMatch(m.path, v.exePaths);
    if (x === undefined) return undefined;
    hits.push({ name: base(x), evidence: `executable '${x}'` });
  }
  if (m.exe) {
    const x = anyMatch(m.exe, v.exeNames);
    if (x === undefined) return undefined;
    hits.push({ name: x, evidence: `executable name '${x}'` });
  }
  if (m.title) {
    const x = v.title !== undefined ? anyMatch(m.title, [v.title]) : undefined;
    if (x === undefined) return undefined;
    hits.push({ name: x, evidence: `process title '${x}'` });
  }
  if (m.subcommand) {
    const x = v.subcommand !== undefined ? anyMatch(m.subcommand, [v.subcommand]) : undefined;
    if (x === undefined) return undefined;
    // the program and its subcommand name the process better than either alone (`serena mcp`, `make mcp-serve`)
    const program = base(v.script ?? v.tokens[0] ?? '');
    hits.unshift({ name: `${program} ${x}`, evidence: `subcommand '${x}' of ${program}` });
  }
  if (m.extension) {
    const ext = v.extensions.find((e) => m.extension!.has(e.id));
    if (!ext) return undefined;
    hits.push({ name: ext.id, evidence: `runs from the extension folder ${ext.folder}` });
  }
  if (m.source.withArg !== undefined && !v.tokens.slice(1).includes(m.source.withArg)) return undefined;
  if (m.source.withOption && !v.tokens.slice(1).some((t) => m.source.withOption!.some((o) => t === o || t.startsWith(`${o}=`))))
    return undefined;
  return hits[0];
}

/** The first pattern (user patterns first) that recognises this argv; undefined for anything else. */
export function matchArgv(
  argv: readonly string[],
  table: PatternTable = DEFAULT_PATTERN_TABLE,
  exePath?: string,
): PatternMatch | undefined {
  if (argv.length === 0 && !exePath) return undefined;
  const v = viewOf(argv, exePath);
  for (const cp of table.patterns) {
    for (const m of cp.matchers) {
      const hit = tryMatcher(m, v);
      if (hit) {
        return {
          patternId: cp.pattern.id,
          tool: cp.pattern.tool,
          kind: cp.pattern.kind,
          origin: cp.origin,
          label: m.source.label,
          ...(m.source.helper ? { helper: true } : {}),
          ...(m.source.helper && m.source.daemon ? { daemon: true } : {}),
          name: hit.name,
          evidence: hit.evidence,
        };
      }
    }
  }
  return undefined;
}

/** The tool an extension id belongs to, per the table's `extension` matchers (e.g. github.copilot → GitHub Copilot). */
export function toolOfExtension(id: string, table: PatternTable = DEFAULT_PATTERN_TABLE): string | undefined {
  for (const cp of table.patterns) if (cp.matchers.some((m) => m.extension?.has(id))) return cp.pattern.tool;
  return undefined;
}
