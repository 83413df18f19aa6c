// MCP servers named by the assistants' configuration, in a real code-server: a fake assistant (a node script at Claude
// Code's install path) starts an MCP server that is a plain shell script whose name says nothing — it is named only in
// the workspace's `.mcp.json`. The assistant is killed; the AI view shows the orphan as the `tickets` MCP server,
// leaked, and "Stop…" stops it (and only it) through the preview.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { descendants, startTimeOf } from '../support/codeServer';
import { Session, createTerminal, startSession, stopSession, typeInTerminal } from '../support/session';
import { RESULTS, runCommand, treeRowLabels, waitFor } from '../support/workbench';

const CLI = `// A stand-in for an AI assistant that starts the MCP servers of .mcp.json (here: one), no network.
const { spawn } = require('child_process');
spawn(process.argv[2], ['--stdio'], { stdio: 'ignore' });
setInterval(() => {}, 60000);
`;
// A server whose name says nothing; the kernel runs it as `/bin/sh <script> --stdio`.
const SERVER = '#!/bin/sh\nsleep 600 &\nwait\n';

interface Proc {
  pid: number;
  starttime: number;
}
const alive = (p: Proc): boolean => startTimeOf(p.pid) === p.starttime;

describe('AI MCP servers from configuration in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let cliPath = '';
  let script = '';
  let assistant: Proc | undefined;
  let server: Proc | undefined;
  let sleeper: Proc | undefined;

  before(async function () {
    s = await startSession('aimcp');
    page = s.page;
    cliPath = path.join(s.home, 'fake-ai', 'node_modules/@anthropic-ai/claude-code/cli.js');
    script = path.join(s.home, 'tools', 'tickets', 'run.sh');
    fs.mkdirSync(path.dirname(cliPath), { recursive: true });
    fs.mkdirSync(path.dirname(script), { recursive: true });
    fs.writeFileSync(cliPath, CLI);
    fs.writeFileSync(script, SERVER, { mode: 0o755 });
    fs.writeFileSync(path.join(s.folder, '.mcp.json'), JSON.stringify({ mcpServers: { tickets: { command: script, args: ['--stdio'] } } }));
    await runCommand(page, 'code-server Ops: Focus on AI Processes View');
    await createTerminal(s);
    await typeInTerminal(s, `${process.execPath} ${cliPath} ${script}`);
    const found = await waitFor('the fake assistant, its MCP server and the server’s child', () => {
      const a = descendants(1).find((p) => p.argv[1] === cliPath);
      const srv = a && descendants(a.pid).find((p) => p.argv.includes(script));
      const kid = srv && descendants(srv.pid).find((p) => p.argv[0] === 'sleep');
      return a && srv && kid ? { a, srv, kid } : undefined;
    });
    [assistant, server, sleeper] = [found.a, found.srv, found.kid].map((p) => ({ pid: p.pid, starttime: p.starttime }));
    s.cs.recordDescendants();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/aimcp-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    for (const p of [assistant, server, sleeper]) if (p && alive(p)) process.kill(p.pid, 'SIGKILL');
    await stopSession(s);
  });

  it('shows the orphan of a killed assistant as the configured "tickets" MCP server, leaked', async function () {
    assert.ok(assistant && server && alive(assistant));
    process.kill(assistant.pid, 'SIGKILL');
    await waitFor('the assistant gone', () => !alive(assistant!));
    const label = await waitFor('the leaked tickets server in the AI Processes view', async () =>
      (await treeRowLabels(page, 'AI Processes')).find((x) => x.includes(`root pid ${server!.pid},`) && x.includes(', leaked,')),
    );
    assert.match(label, new RegExp(`^MCP tickets, root pid ${server.pid}, leaked, session unknown, .*, 2 processes$`));
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/aimcp-view.png` });
  });

  it('stops exactly that server through the preview', async function () {
    assert.ok(server && sleeper);
    const row = page.locator(`.monaco-list-row[aria-label^="MCP tickets, root pid ${server.pid},"]`);
    await row.hover();
    await row.locator('.action-label[aria-label="Stop…"]').click();
    const box = page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await box.innerText();
    assert.match(text, /Stop 2 AI Processes\?/);
    const [listed] = text.split('Not included:');
    for (const p of [server, sleeper]) assert.ok(listed.includes(`(pid ${p.pid})`), `${p.pid} listed:\n${text}`);
    assert.match(listed, /MCP tickets/);
    await page.screenshot({ path: `${RESULTS}/aimcp-preview.png` });
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Stop 2 AI Processes' }).click();
    await waitFor('the server and its child gone', () => !alive(server!) && !alive(sleeper!), 20_000);
    await page.locator('.notification-toast', { hasText: 'Stopped 2 AI processes' }).waitFor({ state: 'visible', timeout: 20_000 });
  });
});
