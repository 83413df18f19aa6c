import * as assert from 'assert';
import { AiModel } from '../../src/features/ai/classify';
import {
  FdLinks,
  FdReader,
  findSession,
  procFdReader,
  readFdLinks,
  sessionFromArgv,
  sessionsFromOpenFiles,
} from '../../src/probes/ai/sessions';
import { Snapshot } from '../../src/probes/scanner';
import { FaultyProcFs, proc } from './procFixtures';
import { AI, AI_ROOT, AI_SESSION, aiModelOf, scanAi, treeAt } from './aiFixtures';

const UUID = '0d11532e-25c1-4578-a3a1-daf7d32919f7';

describe('sessionFromArgv', () => {
  it('reads --resume, -r, --resume=, --session-id and --session', () => {
    assert.deepStrictEqual(sessionFromArgv(['claude', '--resume', UUID]), { id: UUID, flag: '--resume' });
    assert.deepStrictEqual(sessionFromArgv(['claude', '-r', UUID, '-p', 'go on']), { id: UUID, flag: '-r' });
    assert.deepStrictEqual(sessionFromArgv(['claude', `--resume=${UUID}`]), { id: UUID, flag: '--resume' });
    assert.deepStrictEqual(sessionFromArgv(['claude', '--session-id', UUID, '-p', '2+2']), { id: UUID, flag: '--session-id' }); // anthropics/claude-code#4926
    assert.deepStrictEqual(sessionFromArgv(['claude', `--session-id=${UUID}`]), { id: UUID, flag: '--session-id' });
    assert.deepStrictEqual(sessionFromArgv(['opencode', '--session', 'ses_5f3c9a1b2d4e6f70']), {
      id: 'ses_5f3c9a1b2d4e6f70',
      flag: '--session',
    });
    assert.deepStrictEqual(sessionFromArgv(['gemini', '--resume', UUID]), { id: UUID, flag: '--resume' });
  });

  it('reads the codex resume subcommand', () => {
    assert.deepStrictEqual(sessionFromArgv(['codex', 'resume', '019a7c3e-5b2d-7f10-8c4e-6a1b2c3d4e5f']), {
      id: '019a7c3e-5b2d-7f10-8c4e-6a1b2c3d4e5f',
      flag: 'resume',
    });
    assert.deepStrictEqual(sessionFromArgv(['node', '/usr/local/bin/codex', 'exec', 'resume', UUID, 'next step'])?.id, UUID);
  });

  it('gives nothing rather than guessing', () => {
    for (const argv of [
      ['claude', '--resume'], // opens the picker
      ['claude', '--resume', '--verbose'],
      ['claude', '--resume', 'fix the login bug'], // an optional-value flag followed by a prompt
      ['gemini', '--resume', 'latest'],
      ['gemini', '--resume', '3'],
      ['claude', '--continue'],
      ['codex', 'resume', '--last'],
      ['codex', 'resume'],
      ['claude', `--resume=${UUID.slice(0, 8)}`],
      [UUID], // argv[0] is not a flag value
      ['node', 'server.js', '--id', UUID],
      [],
    ]) {
      assert.strictEqual(sessionFromArgv(argv), undefined, JSON.stringify(argv));
    }
  });
});

describe('sessionsFromOpenFiles', () => {
  it('recognises the session files of Claude, Codex, Copilot CLI and Gemini', () => {
    assert.deepStrictEqual(
      sessionsFromOpenFiles([
        '/dev/pts/0',
        'socket:[41010]',
        `/home/u/.claude/projects/-home-u-ws-app/${UUID}.jsonl`,
        '/home/u/.codex/sessions/2026/11/23/rollout-2026-11-23T09-40-12-019a7c3e-5b2d-7f10-8c4e-6a1b2c3d4e5f.jsonl',
        '/home/u/.codex/archived_sessions/rollout-2026-10-01T08-00-00-019a0000-0000-7000-8000-0000000000aa.jsonl',
        '/home/u/.copilot/session-state/a1b2c3d4-e5f6-4890-abcd-ef1234567890/events.jsonl',
        '/home/u/.gemini/tmp/5eb97eaffa8e54844d59a44d0c1a399d7e11eff9b0dbdc4f65d4ab7faecd90e1/chats/session-2025-09-30T14-11-3bacc8a0.json',
        '/home/u/.gemini/tmp/cli/chats/3bacc8a0-24d6-4415-9b2e-a2635c02e54c/6151f4b5-c125-4243-9a2c-51f1e31e4ae6.jsonl',
      ]),
      [
        { id: UUID, file: `/home/u/.claude/projects/-home-u-ws-app/${UUID}.jsonl` },
        {
          id: '019a7c3e-5b2d-7f10-8c4e-6a1b2c3d4e5f',
          file: '/home/u/.codex/sessions/2026/11/23/rollout-2026-11-23T09-40-12-019a7c3e-5b2d-7f10-8c4e-6a1b2c3d4e5f.jsonl',
        },
        {
          id: '019a0000-0000-7000-8000-0000000000aa',
          file: '/home/u/.codex/archived_sessions/rollout-2026-10-01T08-00-00-019a0000-0000-7000-8000-0000000000aa.jsonl',
        },
        {
          id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
          file: '/home/u/.copilot/session-state/a1b2c3d4-e5f6-4890-abcd-ef1234567890/events.jsonl',
        },
        {
          id: '3bacc8a0',
          file: '/home/u/.gemini/tmp/5eb97eaffa8e54844d59a44d0c1a399d7e11eff9b0dbdc4f65d4ab7faecd90e1/chats/session-2025-09-30T14-11-3bacc8a0.json',
          prefixOnly: true,
        },
        {
          id: '6151f4b5-c125-4243-9a2c-51f1e31e4ae6',
          file: '/home/u/.gemini/tmp/cli/chats/3bacc8a0-24d6-4415-9b2e-a2635c02e54c/6151f4b5-c125-4243-9a2c-51f1e31e4ae6.jsonl',
        },
      ],
    );
  });

  it('keeps the id of a deleted session file, and ignores look-alikes', () => {
    assert.deepStrictEqual(sessionsFromOpenFiles([`/home/u/.claude/projects/p/${UUID}.jsonl (deleted)`]), [
      { id: UUID, file: `/home/u/.claude/projects/p/${UUID}.jsonl` },
    ]);
    assert.deepStrictEqual(
      sessionsFromOpenFiles([
        '/home/u/.claude/settings.json',
        `/home/u/.claude/projects/p/${UUID}.json`,
        `/home/u/projects/p/${UUID}.jsonl`, // not under ~/.claude
        `/home/u/.claude/projects/${UUID}.jsonl`, // no project folder
        '/home/u/.codex/sessions/2026/11/23/rollout-notes.jsonl',
        '/home/u/.codex/log/codex-tui.log',
        '/home/u/.gemini/tmp/x/chats/checkpoint-save.json',
      ]),
      [],
    );
  });
});

describe('readFdLinks and findSession on the ai fixture', () => {
  let snap: Snapshot;
  let model: AiModel;
  const fds: FdReader = procFdReader(AI_ROOT);
  const sessionOf = (rootPid: number) =>
    findSession(
      treeAt(model, rootPid).memberPids.map((pid) => proc(snap, pid)),
      fds,
    );
  before(async () => {
    snap = await scanAi();
    model = aiModelOf(snap);
  });

  it('lists fd link targets in fd order', () => {
    assert.deepStrictEqual(readFdLinks(AI.claudeNew, AI_ROOT), {
      ok: true,
      links: ['/dev/pts/0', '/dev/pts/0', '/dev/pts/0', 'socket:[41010]', 'pipe:[51001]'],
    });
    assert.deepStrictEqual(readFdLinks(AI.grep, AI_ROOT), { ok: false, reason: 'process exited' }); // no fd folder in the fixture
  });

  it('reports unreadable fd folders and skips fds closed meanwhile', () => {
    const dir = `${AI_ROOT}/${AI.claudeNew}/fd`;
    assert.deepStrictEqual(readFdLinks(AI.claudeNew, AI_ROOT, new FaultyProcFs({ [dir]: 'EACCES' })), {
      ok: false,
      reason: 'permission denied',
    });
    assert.deepStrictEqual(readFdLinks(AI.claudeNew, AI_ROOT, new FaultyProcFs({ [`readlink:${dir}/25`]: 'ENOENT' })), {
      ok: true,
      links: ['/dev/pts/0', '/dev/pts/0', '/dev/pts/0', 'pipe:[51001]'],
    });
  });

  it('takes the id from argv first', () => {
    assert.deepStrictEqual(sessionOf(AI.claudeNew), { id: AI_SESSION.claudeB, source: 'argv', flag: '--resume' });
    assert.deepStrictEqual(sessionOf(AI.claudeExt), { id: AI_SESSION.claudeExt, source: 'argv', flag: '--resume' });
    assert.deepStrictEqual(sessionOf(AI.codexLauncher), { id: AI_SESSION.codexTerm, source: 'argv', flag: 'resume' });
  });

  it('else from the session file a member holds open', () => {
    assert.deepStrictEqual(sessionOf(AI.claudeOld), {
      id: AI_SESSION.claudeA,
      source: 'open-file',
      file: `/home/coder/.claude/projects/-home-coder-ws-app/${AI_SESSION.claudeA}.jsonl`,
      pid: AI.claudeOld,
    });
    assert.deepStrictEqual(sessionOf(AI.codexLeaked), {
      id: AI_SESSION.codexLeaked,
      source: 'open-file',
      file: `/home/coder/.codex/sessions/2026/11/22/rollout-2026-11-22T14-03-51-${AI_SESSION.codexLeaked}.jsonl`, // open but deleted
      pid: AI.codexLeaked,
    });
  });

  it('is unknown when several sessions are open, or none', () => {
    assert.deepStrictEqual(sessionOf(AI.codexAppServer), {
      id: 'unknown',
      reason: `several sessions are open: ${AI_SESSION.codexExt1}, ${AI_SESSION.codexExt2}`,
    });
    assert.deepStrictEqual(sessionOf(AI.copilotLs), {
      id: 'unknown',
      reason: 'no session id on the command line and no session file open',
    });
    assert.strictEqual(sessionOf(AI.fsMcp).id, 'unknown');
  });

  it('is unknown when the open files cannot be read', () => {
    const denied: FdReader = () => ({ ok: false, reason: 'permission denied' });
    assert.deepStrictEqual(findSession([proc(snap, AI.claudeOld)], denied), {
      id: 'unknown',
      reason: `open files not readable (${AI.claudeOld}: permission denied)`,
    });
  });

  it('works with an in-memory fd reader', () => {
    const links = new Map<number, string[]>([[7, ['/home/u/.copilot/session-state/a1b2c3d4-e5f6-4890-abcd-ef1234567890/events.jsonl']]]);
    const mem: FdReader = (pid): FdLinks =>
      links.has(pid) ? { ok: true, links: links.get(pid)! } : { ok: false, reason: 'process exited' };
    assert.deepStrictEqual(
      findSession(
        [
          { pid: 6, argv: ['node', '/usr/local/bin/copilot'] },
          { pid: 7, argv: ['/usr/local/lib/node_modules/@github/copilot-linux-x64/copilot'] },
        ],
        mem,
      ),
      {
        id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
        source: 'open-file',
        file: '/home/u/.copilot/session-state/a1b2c3d4-e5f6-4890-abcd-ef1234567890/events.jsonl',
        pid: 7,
      },
    );
    assert.deepStrictEqual(
      findSession([{ pid: 8, argv: ['gemini'] }], () => ({
        ok: true,
        links: ['/home/u/.gemini/tmp/h/chats/session-2025-09-30T14-11-3bacc8a0.jsonl'],
      })),
      {
        id: '3bacc8a0',
        source: 'open-file',
        file: '/home/u/.gemini/tmp/h/chats/session-2025-09-30T14-11-3bacc8a0.jsonl',
        pid: 8,
        prefixOnly: true,
      },
    );
    assert.deepStrictEqual(findSession([], mem), { id: 'unknown', reason: 'no session id on the command line and no session file open' });
  });
});
