// AI Processes e2e: fake-but-real assistants (a node script installed at node_modules/@anthropic-ai/claude-code/cli.js
// that holds a transcript open and starts an MCP-like child): one active in a terminal, one leaked (reparented by a
// double fork), two resuming the same session (duplicate). The view shows each state and session id; "Stop Leaked and
// Duplicate AI Processes…" stops exactly the leaked and the older duplicate trees (verified in /proc).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { descendants, startTimeOf } from '../support/codeServer';
import { Session, createTerminal, startSession, stopSession, typeInTerminal } from '../support/session';
import { RESULTS, runCommand, treeRowLabels, waitFor } from '../support/workbench';

const S1 = '11111111-2222-4333-8444-555555555555';
const S2 = '22222222-3333-4444-8555-666666666666';
const S3 = '33333333-4444-4555-8666-777777777777';

const CLI = `// A stand-in for an AI assistant: same install path and flags as the real one, no network.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const id = process.argv[process.argv.indexOf('--resume') + 1];
const dir = path.join(__dirname, '..', '..', '..', 'home', '.claude', 'projects', 'ws');
fs.mkdirSync(dir, { recursive: true });
const fd = fs.openSync(path.join(dir, id + '.jsonl'), 'a');
const mcp = path.join(__dirname, '..', '..', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
spawn(process.execPath, [mcp, process.cwd()], { stdio: 'ignore' });
setInterval(() => fs.writeSync(fd, '{}\\n'), 60000);
`;
const MCP = 'setInterval(() => {}, 60000);\n';

interface Proc {
  pid: number;
  starttime: number;
}
const alive = (p: Proc): boolean => startTimeOf(p.pid) === p.starttime;

/** Every process on the machine whose argv runs our fake cli.js with this session. */
function assistantsWith(session: string, root: string): Proc[] {
  return descendants(1)
    .filter((p) => p.argv.includes(path.join(root, 'node_modules/@anthropic-ai/claude-code/cli.js')) && p.argv.includes(session))
    .map((p) => ({ pid: p.pid, starttime: p.starttime }));
}

const childrenOf = (pid: number): Proc[] => descendants(pid).map((p) => ({ pid: p.pid, starttime: p.starttime }));

describe('AI Processes in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let root = '';
  const spawned: Proc[] = [];

  before(async function () {
    s = await startSession('ai');
    page = s.page;
    root = path.join(s.home, 'fake-ai');
    const cliPath = path.join(root, 'node_modules/@anthropic-ai/claude-code/cli.js');
    const mcpPath = path.join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
    fs.mkdirSync(path.dirname(cliPath), { recursive: true });
    fs.mkdirSync(path.dirname(mcpPath), { recursive: true });
    fs.writeFileSync(cliPath, CLI);
    fs.writeFileSync(mcpPath, MCP);
    const node = process.execPath;
    // Active: in a terminal. Duplicate: the same session resumed twice in another terminal.
    await runCommand(page, 'code-server Ops: Focus on AI Processes View');
    await createTerminal(s);
    await typeInTerminal(s, `${node} ${cliPath} --resume ${S1}`);
    await createTerminal(s);
    await typeInTerminal(s, `${node} ${cliPath} --resume ${S3} & sleep 1; ${node} ${cliPath} --resume ${S3}`);
    // Leaked: started through a shell that exits at once, so it is reparented (its launcher is gone).
    spawnSync('sh', ['-c', `cd ${s.folder} && nohup ${node} ${cliPath} --resume ${S2} >/dev/null 2>&1 &`], { stdio: 'ignore' });
    await waitFor('all four assistants and their MCP children', () => {
      const all = [S1, S2, S3].flatMap((id) => assistantsWith(id, root));
      return all.length === 4 && all.every((a) => childrenOf(a.pid).length === 1) ? all : undefined;
    });
    for (const a of [S1, S2, S3].flatMap((id) => assistantsWith(id, root))) spawned.push(a, ...childrenOf(a.pid));
    s.cs.recordDescendants();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/ai-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    for (const p of spawned) if (alive(p)) process.kill(p.pid, 'SIGKILL');
    await stopSession(s);
  });

  it('shows each assistant with its state and session id', async function () {
    const [a] = assistantsWith(S1, root);
    const [l] = assistantsWith(S2, root);
    const d = assistantsWith(S3, root).sort((x, y) => x.starttime - y.starttime);
    const rows = await waitFor('the four trees in the AI Processes view', async () => {
      const labels = await treeRowLabels(page, 'AI Processes');
      const row = (pid: number): string | undefined => labels.find((x) => x.includes(`root pid ${pid},`));
      return row(a.pid) && row(l.pid) && row(d[0].pid) && row(d[1].pid) ? row : undefined;
    });
    assert.match(rows(a.pid)!, new RegExp(`^Claude Code, root pid ${a.pid}, active, session ${S1}`));
    assert.match(rows(l.pid)!, new RegExp(`, leaked, session ${S2}`));
    assert.match(rows(d[0].pid)!, new RegExp(`, duplicate, session ${S3}`), 'the older copy of the session is the duplicate');
    assert.match(rows(d[1].pid)!, new RegExp(`, active, session ${S3}`));
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/ai-view.png` });
  });

  it('stops exactly the leaked and the duplicate trees through the preview', async function () {
    const [a] = assistantsWith(S1, root);
    const [l] = assistantsWith(S2, root);
    const [dOld, dNew] = assistantsWith(S3, root).sort((x, y) => x.starttime - y.starttime);
    const gone = [l, ...childrenOf(l.pid), dOld, ...childrenOf(dOld.pid)];
    const kept = [a, ...childrenOf(a.pid), dNew, ...childrenOf(dNew.pid)];
    await runCommand(page, 'code-server Ops: Stop Leaked and Duplicate AI Processes…');
    const box = page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await box.innerText();
    assert.match(text, /Stop 4 AI Processes\?/);
    const [listed, notIncluded = ''] = text.split('Not included:');
    for (const p of gone) assert.ok(listed.includes(`(pid ${p.pid})`), `${p.pid} listed:\n${text}`);
    for (const p of kept) assert.ok(!listed.includes(`(pid ${p.pid})`), `${p.pid} not listed:\n${text}`);
    for (const p of [a, dNew]) assert.ok(notIncluded.includes(`(pid ${p.pid}) — active`), `${p.pid} named as not included:\n${text}`);
    await page.screenshot({ path: `${RESULTS}/ai-preview.png` });
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Stop 4 AI Processes' }).click();
    await waitFor('the leaked and duplicate trees gone', () => gone.every((p) => !alive(p)), 20_000);
    assert.ok(kept.every(alive), 'the active trees are untouched');
    await page.locator('.notification-toast', { hasText: 'Stopped 4 AI processes' }).waitFor({ state: 'visible', timeout: 20_000 });
  });
});
