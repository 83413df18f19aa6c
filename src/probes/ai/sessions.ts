// The session id of an AI tree, where the tool exposes one: from argv flags (`--resume <id>`, `--session-id <id>`,
// `--resume=<id>`, `codex resume <id>`), else from the session file a member process holds open (/proc/PID/fd).
// Returns `unknown` rather than guessing: a flag without an id-shaped value (`--resume` opening a picker, `--resume
// latest`, `--continue`), or open files naming different sessions, give no id. Pure apart from the injected reader.
//
// Where the names come from (public sources):
// - Claude Code: `claude --resume <uuid>`, `--session-id <uuid>`, transcripts `~/.claude/projects/<cwd with / → ->/
//   <uuid>.jsonl` (anthropics/claude-code#4926, #68525; the VS Code extension passes `--resume <uuid>`:
//   microsoft/vscode#319910).
// - Codex: `codex resume <uuid>`, `~/.codex/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl`
//   (openai/codex#1634; archived copies under `archived_sessions/`, openai/codex#45251).
// - Gemini CLI: `gemini --resume <uuid>`; `~/.gemini/tmp/<project hash or slug>/chats/session-<ts>-<first 8 hex of
//   the id>.json[l]` (geminicli.com session-management docs, quoted in angristan/fast-resume#40): only a prefix, so
//   it is returned with `prefixOnly`.
// - Copilot CLI: `~/.copilot/session-state/<uuid>/events.jsonl` (GitHub docs "Copilot CLI session data").
// Note: Claude Code writes its transcript with appends and does not keep it open, so for Claude the open-file source
// mostly finds nothing; Codex keeps its rollout file open for the whole session.
import { NodeProcFs, ProcFs, errCode, unreadableReason, utf8 } from '../procFs';

export type SessionId =
  | { id: string; source: 'argv'; flag: string }
  | { id: string; source: 'open-file'; file: string; pid: number; prefixOnly?: true }
  | { id: 'unknown'; reason: string };

export type FdLinks = { ok: true; links: string[] } | { ok: false; reason: string };

/** Targets of the fd symlinks of one process (`/home/u/x.jsonl`, `socket:[123]`, `pipe:[4]`, `/dev/pts/1`). */
export type FdReader = (pid: number) => FdLinks;

/** Reads /proc/PID/fd through the ProcFs surface (readdir + readlink): no new ProcFs method is needed. */
export function readFdLinks(pid: number, procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): FdLinks {
  const dir = `${procRoot}/${pid}/fd`;
  let names: string[];
  try {
    names = procFs.readdir(dir);
  } catch (e) {
    return { ok: false, reason: unreadableReason(errCode(e)) };
  }
  const links: string[] = [];
  for (const n of names.filter((x) => /^\d+$/.test(x)).sort((a, b) => Number(a) - Number(b))) {
    try {
      links.push(utf8(procFs.readlink(`${dir}/${n}`)));
    } catch {
      // closed between readdir and readlink
    }
  }
  return { ok: true, links };
}

/** An fd reader over a proc root (the default /proc). */
export function procFdReader(procRoot = '/proc', procFs: ProcFs = new NodeProcFs()): FdReader {
  return (pid) => readFdLinks(pid, procRoot, procFs);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** OpenCode's session ids (`ses_…`). */
const OPENCODE_ID = /^ses_[0-9A-Za-z]{8,64}$/;
const isSessionId = (s: string | undefined): s is string => s !== undefined && (UUID.test(s) || OPENCODE_ID.test(s));

/** Claude (`-r`/`--resume`, `--session-id`), Codex/Gemini/Copilot (`--resume`), OpenCode (`--session`). */
const ID_FLAGS = ['--resume', '-r', '--session-id', '--session'];

/** A session id passed on the command line, or undefined (a flag without an id-shaped value gives nothing). */
export function sessionFromArgv(argv: readonly string[]): { id: string; flag: string } | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      const flag = a.slice(0, eq);
      const value = a.slice(eq + 1);
      if (ID_FLAGS.includes(flag) && isSessionId(value)) return { id: value, flag };
      continue;
    }
    if (ID_FLAGS.includes(a) && isSessionId(argv[i + 1])) return { id: argv[i + 1], flag: a };
    // `codex resume <id>`, `codex exec resume <id>`: a `resume` subcommand followed by the id
    if (a === 'resume' && isSessionId(argv[i + 1])) return { id: argv[i + 1], flag: 'resume' };
  }
  return undefined;
}

const OPEN_FILE_RULES: { re: RegExp; prefixOnly?: true }[] = [
  // ~/.claude/projects/<project>/<uuid>.jsonl (also under CLAUDE_CONFIG_DIR, which keeps the projects/ layout)
  { re: /\/\.claude\/projects\/[^/]+\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i },
  // ~/.codex/sessions/YYYY/MM/DD/rollout-<timestamp>-<uuid>.jsonl (and archived_sessions/)
  {
    re: /\/\.codex\/(?:archived_)?sessions\/(?:\d{4}\/\d{2}\/\d{2}\/)?rollout-[0-9T:-]+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl(?:\.zst)?$/i,
  },
  // ~/.copilot/session-state/<uuid>/events.jsonl (or any file in that folder)
  { re: /\/\.copilot\/session-state\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/[^/]+$/i },
  // ~/.gemini/tmp/<hash or slug>/chats/session-<timestamp>-<8 hex>.json[l]: only the id's first 8 characters
  { re: /\/\.gemini\/tmp\/[^/]+\/chats\/session-[0-9T:.-]+-([0-9a-f]{8})\.jsonl?$/i, prefixOnly: true },
  // a Gemini sub-agent: ~/.gemini/tmp/<…>/chats/<parent id>/<uuid>.jsonl
  { re: /\/\.gemini\/tmp\/[^/]+\/chats\/[^/]+\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl?$/i },
];

/** Session files among fd link targets (deleted files keep their id). */
export function sessionsFromOpenFiles(links: readonly string[]): { id: string; file: string; prefixOnly?: true }[] {
  const out: { id: string; file: string; prefixOnly?: true }[] = [];
  for (const raw of links) {
    const file = raw.replace(/ \(deleted\)$/, '');
    for (const rule of OPEN_FILE_RULES) {
      const m = rule.re.exec(file);
      if (m) {
        out.push(rule.prefixOnly ? { id: m[1].toLowerCase(), file, prefixOnly: true } : { id: m[1].toLowerCase(), file });
        break;
      }
    }
  }
  return out;
}

/**
 * The session of a tree: argv of the members first (root first), then the files they hold open. Several different
 * ids among open files (e.g. Codex's app-server serving two threads) give `unknown`, with the ids in the reason.
 */
export function findSession(members: readonly { pid: number; argv: readonly string[] }[], readFds: FdReader): SessionId {
  for (const m of members) {
    const hit = sessionFromArgv(m.argv);
    if (hit) return { id: hit.id, source: 'argv', flag: hit.flag };
  }
  const found: { id: string; file: string; pid: number; prefixOnly?: true }[] = [];
  const unreadable: string[] = [];
  for (const m of members) {
    const fds = readFds(m.pid);
    if (!fds.ok) {
      unreadable.push(`${m.pid}: ${fds.reason}`);
      continue;
    }
    for (const s of sessionsFromOpenFiles(fds.links)) found.push({ ...s, pid: m.pid });
  }
  const ids = [...new Set(found.map((f) => f.id))];
  if (ids.length === 1) {
    const f = found[0];
    return f.prefixOnly
      ? { id: f.id, source: 'open-file', file: f.file, pid: f.pid, prefixOnly: true }
      : { id: f.id, source: 'open-file', file: f.file, pid: f.pid };
  }
  if (ids.length > 1) return { id: 'unknown', reason: `several sessions are open: ${ids.join(', ')}` };
  if (unreadable.length === members.length && members.length > 0)
    return { id: 'unknown', reason: `open files not readable (${unreadable.join('; ')})` };
  return { id: 'unknown', reason: 'no session id on the command line and no session file open' };
}
