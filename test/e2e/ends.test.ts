// Recent ends e2e: fake-but-real assistants (a node script at node_modules/@anthropic-ai/claude-code/cli.js with an
// MCP-like child, as in aiProcesses.test.ts). The test kills the MCP child of an assistant that restarts it (its own
// spawned tree, by pid after re-checking the start time) → listed as unexpected_exit; three times → the restart-loop
// call-out; a leaked assistant stopped through "Stop Leaked and Duplicate AI Processes…" → listed as signal.
import { memoryFrame } from '../support/profileTable';
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Frame, Page } from 'playwright-core';
import { descendants, startTimeOf } from '../support/codeServer';
import { Session, createTerminal, startSession, stopSession, typeInTerminal } from '../support/session';
import { RESULTS, runCommand, treeRowLabels, waitFor } from '../support/workbench';

const S1 = '44444444-5555-4666-8777-888888888888';
const S2 = '55555555-6666-4777-8888-999999999999';

// With --respawn it starts its MCP child again 200 ms after that child dies (as assistants restart their MCP servers).
const CLI = `const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const id = process.argv[process.argv.indexOf('--resume') + 1];
const dir = path.join(__dirname, '..', '..', '..', 'home', '.claude', 'projects', 'ws');
fs.mkdirSync(dir, { recursive: true });
const fd = fs.openSync(path.join(dir, id + '.jsonl'), 'a');
const mcp = path.join(__dirname, '..', '..', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const respawn = process.argv.includes('--respawn');
function start() {
  const child = spawn(process.execPath, [mcp, process.cwd()], { stdio: 'ignore' });
  if (respawn) child.on('exit', () => setTimeout(start, 200));
}
start();
setInterval(() => fs.writeSync(fd, '{}\\n'), 60000);
`;
const MCP = 'setInterval(() => {}, 60000);\n';

interface Proc {
  pid: number;
  starttime: number;
}
const alive = (p: Proc): boolean => startTimeOf(p.pid) === p.starttime;
const childrenOf = (pid: number): Proc[] => descendants(pid).map((p) => ({ pid: p.pid, starttime: p.starttime }));

describe('Recent ends in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let frame: Frame;
  let root = '';
  let cliPath = '';
  const spawned: Proc[] = [];

  /** Every process whose argv runs our fake cli.js with this session. */
  const assistantsWith = (session: string): Proc[] =>
    descendants(1)
      .filter((p) => p.argv.includes(cliPath) && p.argv.includes(session))
      .map((p) => ({ pid: p.pid, starttime: p.starttime }));

  /** The AI Processes view lists this root (its model, with the MCP child, was built and tracked). */
  const listed = (pid: number) =>
    waitFor(`root pid ${pid} in the AI Processes view`, async () =>
      (await treeRowLabels(page, 'AI Processes')).find((x) => x.includes(`root pid ${pid},`)),
    );

  before(async function () {
    s = await startSession('ends', { userSettings: { 'csops.memory.sampleSeconds': 1 } });
    page = s.page;
    root = path.join(s.home, 'fake-ai');
    cliPath = path.join(root, 'node_modules/@anthropic-ai/claude-code/cli.js');
    const mcpPath = path.join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
    fs.mkdirSync(path.dirname(cliPath), { recursive: true });
    fs.mkdirSync(path.dirname(mcpPath), { recursive: true });
    fs.writeFileSync(cliPath, CLI);
    fs.writeFileSync(mcpPath, MCP);
    await runCommand(page, 'code-server Ops: Focus on AI Processes View'); // a visible tree view scans every second
    await runCommand(page, 'code-server Ops: Open Memory Chart'); // the panel shows the ends; the sidebar keeps scanning
    frame = await memoryFrame(page, '#ends');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/ends-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    // Only what this test started (the assistants first, so no MCP child is started again), by pid + start time.
    const roots = [S1, S2].flatMap((id) => assistantsWith(id));
    const all = [...spawned, ...roots, ...roots.flatMap((r) => childrenOf(r.pid))];
    for (const p of all) if (alive(p)) process.kill(p.pid, 'SIGKILL');
    await stopSession(s);
  });

  it('lists an MCP server killed by a signal we did not send as unexpected_exit, and calls out its restart loop', async function () {
    await createTerminal(s!);
    await typeInTerminal(s!, ` ${process.execPath} ${cliPath} --resume ${S1} --respawn`);
    const assistant = await waitFor('the assistant with its MCP child', () => {
      const [a] = assistantsWith(S1);
      return a && childrenOf(a.pid).length === 1 ? a : undefined;
    });
    spawned.push(assistant);
    await listed(assistant.pid);
    const killed: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [child] = childrenOf(assistant.pid);
      // The AI model of a later scan must have seen this child before it dies (a scan per second, plus the model).
      await new Promise((r) => setTimeout(r, 3000));
      assert.strictEqual(startTimeOf(child.pid), child.starttime, 'still the child this test started');
      process.kill(child.pid, 'SIGKILL');
      killed.push(child.pid);
      const row = frame.locator(`#ends tr.end[data-pid="${child.pid}"]`);
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      const text = await row.innerText();
      assert.strictEqual(await row.getAttribute('data-kind'), 'unexpected_exit', text);
      assert.strictEqual(await row.getAttribute('data-tree'), 'ai', text);
      assert.match(text, /Claude Code.* · MCP @modelcontextprotocol\/server-filesystem/, text);
      await waitFor('the MCP child started again', () => {
        const [next] = childrenOf(assistant.pid);
        return next && next.pid !== child.pid ? next : undefined;
      });
    }
    const callout = frame.locator('#loops .loop-callout');
    await callout.first().waitFor({ state: 'visible', timeout: 10_000 });
    const text = await callout.first().innerText();
    assert.match(text, /MCP @modelcontextprotocol\/server-filesystem: restarted 3 times in 10 min \(last: unexpected_exit\)/, text);
    for (const pid of killed)
      assert.match((await frame.locator(`#ends tr.end[data-pid="${pid}"]`).getAttribute('class')) ?? '', /\bloop\b/, `${pid} marked`);
    // One line in the status-bar item's tooltip while the loop lasts (hovered until the hover shows up).
    const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Restart loop:' }).first();
    let tip = '';
    for (let attempt = 0; attempt < 3 && !tip; attempt++) {
      await page.mouse.move(600, 300);
      await page.locator('.statusbar-item', { hasText: 'ExtHost' }).first().hover();
      tip = await hover
        .waitFor({ state: 'visible', timeout: 5000 })
        .then(() => hover.innerText())
        .catch(() => '');
    }
    // appendText writes spaces as &nbsp; (innerText shows them as U+00A0 and spaces): \s+ matches them.
    assert.match(tip, /Restart loop:\s+.*MCP\s+@modelcontextprotocol\/server-filesystem:\s+restarted\s+3\s+times\s+in\s+10\s+min/, tip);
    await page.screenshot({ path: `${RESULTS}/ends-loop.png` });
  });

  it('lists a tree stopped through the Stop… flow as signal', async function () {
    // Leaked: started through a shell that exits at once, so it is reparented.
    spawnSync('sh', ['-c', `cd ${s!.folder} && nohup ${process.execPath} ${cliPath} --resume ${S2} >/dev/null 2>&1 &`], {
      stdio: 'ignore',
    });
    const leaked = await waitFor('the leaked assistant with its MCP child', () => {
      const [a] = assistantsWith(S2);
      return a && childrenOf(a.pid).length === 1 ? a : undefined;
    });
    spawned.push(leaked, ...childrenOf(leaked.pid));
    assert.match((await listed(leaked.pid)) ?? '', /, leaked,/);
    await runCommand(page, 'code-server Ops: Stop Leaked and Duplicate AI Processes…');
    const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Stop \d+ AI Process/ });
    await button.first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await page.locator('.monaco-dialog-box').innerText(), new RegExp(`\\(pid ${leaked.pid}\\)`));
    await button.first().click();
    await waitFor('the leaked tree gone', () => !alive(leaked), 20_000);
    const row = frame.locator(`#ends tr.end[data-pid="${leaked.pid}"]`);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    assert.strictEqual(await row.getAttribute('data-kind'), 'signal', await row.innerText());
    assert.match((await row.getAttribute('title')) ?? '', /stopped from this window \(SIGTERM to pid \d+/);
  });
});
