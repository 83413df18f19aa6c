// Shared helpers of the AI-process tests: the `ai` fake /proc tree (test/fixtures/make-proc-fixtures.js), its named
// pids and session ids, the AI model of a snapshot and its view model (with sessions and ports).
import * as path from 'path';
import { AiModel, AiTree, classifyAiProcesses } from '../../src/features/ai/classify';
import { AiModelInput, AiRow, AiViewModel, buildAiModel } from '../../src/features/ai/model';
import { PatternTable } from '../../src/features/ai/patterns';
import { readListeningPorts } from '../../src/probes/ai/ports';
import { FdReader, procFdReader } from '../../src/probes/ai/sessions';
import { ProcessRecord, ScanOptions, Snapshot, readCwd, scanProcesses } from '../../src/probes/scanner';
import { classifyTopology } from '../../src/probes/topology';
import { BTIME, FIXTURES, proc, record } from './procFixtures';

export const AI_ROOT = path.join(FIXTURES, 'ai');

export function scanAi(options: ScanOptions = {}): Promise<Snapshot> {
  return scanProcesses({ procRoot: AI_ROOT, pageSize: 4096, ...options });
}

/** The moment the ai fixture was taken: 90000 s after boot. */
export const AI_NOW = (BTIME + 90000) * 1000;

/** Named pids of the ai fixture. */
export const AI = {
  init: 1,
  systemdUser: 900,
  launcher: 20000,
  server: 20010,
  extHost: 20020,
  ptyHost: 20030,
  agentHost: 20040,
  copilotRuntime: 20041,
  shell1: 20100, // cwd /home/coder/ws/app
  claudeOld: 20110, // suspended, its own session (claudeA) in claudeNew's folder and shell: not a duplicate
  claudeNew: 20200, // --resume <id>
  fsMcp: 20210, // npm exec @modelcontextprotocol/server-filesystem
  fsMcpSh: 20211,
  fsMcpNode: 20212,
  fetchMcp: 20220, // uvx mcp-server-fetch
  fetchMcpPython: 20221,
  claudeBash: 20230, // Claude's Bash tool
  claudeNpmTest: 20231,
  grepShell: 20300,
  grep: 20310, // grep claude
  vimShell: 20400,
  vim: 20410, // vim codex.md
  less: 20420, // less notes-about-gemini.txt
  webShell: 20500,
  webServer: 20510, // node server.js --name claude
  codeCli: 20520, // /bin/sh …/remote-cli/code --goto copilot.ts
  codexShell: 20900,
  codexLauncher: 20910, // node …/@openai/codex/bin/codex.js resume <id>
  codexNative: 20911,
  copilotLs: 20600, // github.copilot language server under the extension host
  codexAppServer: 20610, // openai.chatgpt's codex app-server
  claudeExt: 20620, // anthropic.claude-code's bundled native binary
  playwrightMcp: 20630, // npm exec @playwright/mcp from the editor's mcp.json (no extension folder)
  playwrightMcpNode: 20631,
  tsserver: 20640,
  codexLeaked: 20700, // parent is init
  devtoolsMcpLeaked: 20800, // parent is systemd --user
  tmux: 21000,
  tmuxBash: 21010,
  claudeTmux: 21020, // external
} as const;

export const AI_SESSION = {
  claudeA: '4f6e2b1a-8c3d-4e5f-9a7b-1c2d3e4f5a6b',
  claudeB: '7d1c9e2f-3b4a-4c5d-8e6f-0a1b2c3d4e5f',
  claudeExt: '0b6f1d2e-9a8c-4b7d-a6e5-f4c3b2a1d0e9',
  codexTerm: '019a7c3e-5b2d-7f10-8c4e-6a1b2c3d4e5f',
  codexLeaked: '0199f2aa-1c3b-7d4e-9f50-a1b2c3d4e5f6',
  codexExt1: '019aa001-0000-7000-8000-000000000001',
  codexExt2: '019aa002-0000-7000-8000-000000000002',
} as const;

/** The AI model of a snapshot as the extension would build it (cwd and fd links read from the snapshot's proc root). */
export function aiModelOf(
  snapshot: Snapshot,
  options: {
    selfPid?: number;
    nowMs?: number;
    patterns?: PatternTable;
    readExe?: (pid: number) => string | undefined;
    readFds?: FdReader;
  } = {},
): AiModel {
  return classifyAiProcesses({
    snapshot,
    topology: classifyTopology(snapshot, options.selfPid ?? AI.extHost),
    nowMs: options.nowMs ?? AI_NOW,
    readCwd: (pid) => readCwd(pid, snapshot.procRoot),
    patterns: options.patterns,
    readExe: options.readExe,
    readFds: options.readFds ?? procFdReader(snapshot.procRoot),
  });
}

/**
 * The AI Processes view model of a snapshot as the extension builds it: cwd, fd links and the net/tcp tables read from
 * the snapshot's proc root (the fixture's little-endian socket tables), unless other readers are given.
 */
export function aiViewOf(
  snapshot: Snapshot,
  options: { selfPid?: number } & Partial<Pick<AiModelInput, 'nowMs' | 'readFds' | 'readPorts' | 'readCwd'>> = {},
): AiViewModel {
  return buildAiModel({
    snapshot,
    topology: classifyTopology(snapshot, options.selfPid ?? AI.extHost),
    nowMs: options.nowMs ?? AI_NOW,
    readCwd: options.readCwd ?? ((pid) => readCwd(pid, snapshot.procRoot)),
    readFds: options.readFds ?? procFdReader(snapshot.procRoot),
    readPorts: options.readPorts ?? ((pids) => readListeningPorts(pids, { procRoot: snapshot.procRoot, order: 'LE' })),
  });
}

/**
 * The fixture's fd links, except that the suspended claude (claudeOld) holds the transcript of claudeNew's session
 * (claudeB) open: the same session resumed twice, so claudeOld is a real duplicate of claudeNew.
 */
export function sameSessionFds(snapshot: Snapshot): FdReader {
  const real = procFdReader(snapshot.procRoot);
  const transcript = `/home/coder/.claude/projects/-home-coder-ws-app/${AI_SESSION.claudeB}.jsonl`;
  return (pid) => (pid === AI.claudeOld ? { ok: true, links: ['/dev/pts/0', transcript] } : real(pid));
}

/** aiViewOf with claudeOld resuming claudeNew's session (sameSessionFds): the fixture with one duplicate. */
export function aiDupViewOf(snapshot: Snapshot, options: Parameters<typeof aiViewOf>[1] = {}): AiViewModel {
  return aiViewOf(snapshot, { readFds: sameSessionFds(snapshot), ...options });
}

/**
 * A process to add to an ai fixture snapshot (with editSnapshot): started ageSec before the fixture was taken, owned by
 * the fixture's user, no cwd or fd links (its pid has no folder in the fixture).
 */
export function aiProcess(
  snapshot: Snapshot,
  pid: number,
  ppid: number,
  argv: string[],
  ageSec: number,
  fields: Partial<ProcessRecord> = {},
): ProcessRecord {
  const startedAtMs = AI_NOW - ageSec * 1000;
  return record(pid, ppid, {
    comm: path.basename(argv[0] ?? '').slice(0, 15),
    argv,
    uid: proc(snapshot, AI.claudeNew).uid,
    starttime: ((startedAtMs - snapshot.bootTimeMs) / 1000) * snapshot.clockTicks,
    startedAtMs,
    ...fields,
  });
}

/** The row of the tree rooted at pid, failing the test if there is none. */
export function rowAt(model: AiViewModel, pid: number): AiRow {
  const r = model.byRoot.get(pid);
  if (!r) throw new Error(`no AI row rooted at ${pid} (roots: ${[...model.byRoot.keys()].join(', ')})`);
  return r;
}

/** The tree rooted at pid, failing the test if there is none. */
export function treeAt(model: AiModel, pid: number): AiTree {
  const t = model.trees.find((x) => x.root.pid === pid);
  if (!t) throw new Error(`no AI tree rooted at ${pid} (roots: ${model.trees.map((x) => x.root.pid).join(', ')})`);
  return t;
}
