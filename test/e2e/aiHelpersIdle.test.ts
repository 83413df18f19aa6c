// AI helpers and idle sessions e2e: fake-but-real Claude Code sessions (node running …/@anthropic-ai/claude-code/
// cli.js) started from two terminals of the window, each with a helper child whose argv was overwritten by
// `process.title = 'claude daemon'`. With csops.ai.idleMinutes at 0.1 (6 s), the quiet background session is idle,
// the busy one is not, and the foreground one is never included; "Stop Idle AI Sessions…" stops exactly the idle
// session's tree through the preview (verified in /proc).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { descendants, startTimeOf } from '../support/codeServer';
import { Session, createTerminal, startSession, stopSession, typeInTerminal } from '../support/session';
import { RESULTS, runCommand, treeRowLabels, waitFor } from '../support/workbench';

const FG = 'aaaaaaaa-1111-4111-8111-111111111111'; // quiet, the foreground job of terminal 1
const IDLE = 'bbbbbbbb-2222-4222-8222-222222222222'; // quiet, in the background of terminal 2
const BUSY = 'cccccccc-3333-4333-8333-333333333333'; // busy, in the background of terminal 2

const CLI = `// A stand-in for Claude Code: same install path and flags, a helper child, no network.
const path = require('path');
const { spawn } = require('child_process');
spawn(process.execPath, [path.join(__dirname, 'helper.js')], { stdio: 'ignore' });
if (process.argv.includes('--busy')) {
  // about 30 % of one core: well above the idle threshold (2 %)
  setInterval(() => { const end = Date.now() + 150; while (Date.now() < end); }, 500);
} else {
  setInterval(() => {}, 60000);
}
`;
// setproctitle over argv, as Claude Code's background workers do: /proc/PID/cmdline becomes the title alone
const HELPER = `process.title = 'claude daemon';\nsetInterval(() => {}, 60000);\n`;

interface Proc {
  pid: number;
  starttime: number;
}
const alive = (p: Proc): boolean => startTimeOf(p.pid) === p.starttime;

describe('AI helpers and idle sessions in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let cliPath = '';
  const spawned: Proc[] = [];

  const sessionOf = (id: string): Proc | undefined => {
    const p = descendants(1).find((x) => x.argv.includes(cliPath) && x.argv.includes(id));
    return p && { pid: p.pid, starttime: p.starttime };
  };
  const treeOf = (root: Proc): Proc[] => [root, ...descendants(root.pid).map((p) => ({ pid: p.pid, starttime: p.starttime }))];
  const helperOf = (root: Proc): Proc | undefined => {
    const h = descendants(root.pid).find((p) => p.argv[0] === 'claude daemon');
    return h && { pid: h.pid, starttime: h.starttime };
  };

  before(async function () {
    s = await startSession('ai-idle', { userSettings: { 'csops.ai.idleMinutes': 0.1 } });
    page = s.page;
    cliPath = path.join(s.home, 'fake-ai/node_modules/@anthropic-ai/claude-code/cli.js');
    fs.mkdirSync(path.dirname(cliPath), { recursive: true });
    fs.writeFileSync(cliPath, CLI);
    fs.writeFileSync(path.join(path.dirname(cliPath), 'helper.js'), HELPER);
    const node = process.execPath;
    await runCommand(page, 'code-server Ops: Focus on AI Processes View');
    await createTerminal(s);
    await typeInTerminal(s, `${node} ${cliPath} --resume ${FG}`);
    await createTerminal(s);
    await typeInTerminal(s, `${node} ${cliPath} --resume ${IDLE} & ${node} ${cliPath} --resume ${BUSY} --busy &`);
    const roots = await waitFor('three sessions, each with its titled helper', () => {
      const all = [FG, IDLE, BUSY].map(sessionOf);
      return all.every((r) => r && helperOf(r)) ? (all as Proc[]) : undefined;
    });
    for (const r of roots) spawned.push(...treeOf(r));
    s.cs.recordDescendants();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/ai-idle-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    for (const p of spawned) if (alive(p)) process.kill(p.pid, 'SIGKILL');
    await stopSession(s);
  });

  it('shows the retitled child as a helper of Claude Code under its session, never a duplicate', async function () {
    const helpers = [FG, IDLE, BUSY].map((id) => helperOf(sessionOf(id)!)!);
    const seen = new Map<number, string>();
    const labels = await waitFor('the helpers in the AI Processes view', async () => {
      // the view is short: rows scrolled out of it are not rendered, so labels are collected as they show
      for (const x of await treeRowLabels(page, 'AI Processes'))
        for (const h of helpers) if (x.includes(`root pid ${h.pid},`)) seen.set(h.pid, x);
      if (seen.size === helpers.length) return [...seen.values()];
      // the helper rows sit under their session's row: expand the sessions until they show
      const pane = page.locator('.pane:has(.pane-header[aria-label^="AI Processes"])');
      const collapsed = pane.locator('.monaco-list-row[aria-expanded="false"][aria-label^="Claude Code, root pid"]');
      for (let i = await collapsed.count(); i > 0; i--) await collapsed.first().click();
      // End moves the focus (and the scroll) to the last row, without toggling any row
      await pane.locator('.monaco-list').first().focus();
      await page.keyboard.press('End');
      return undefined;
    });
    for (const l of labels) {
      assert.match(l, /^Claude Code \(daemon\), helper of Claude Code, root pid \d+, active/);
      assert.ok(!l.includes('duplicate'), l);
    }
  });

  it('marks the quiet background session idle, and not the busy one', async function () {
    const idle = sessionOf(IDLE)!;
    const busy = sessionOf(BUSY)!;
    const rows = await waitFor(
      'the quiet session idle',
      async () => {
        const all = await treeRowLabels(page, 'AI Processes');
        const row = (p: Proc): string | undefined => all.find((x) => x.includes(`root pid ${p.pid},`));
        return row(idle)?.includes(', idle ') ? row : undefined;
      },
      30_000,
    );
    assert.match(rows(idle)!, new RegExp(`^Claude Code, root pid ${idle.pid}, active, idle \\d+ s, session ${IDLE}`));
    assert.ok(!rows(busy)!.includes(', idle '), rows(busy));
  });

  it('"Stop Idle AI Sessions…" stops only the idle tree, and names the foreground and busy ones as not included', async function () {
    const [fg, idle, busy] = [FG, IDLE, BUSY].map((id) => sessionOf(id)!);
    const gone = treeOf(idle);
    const kept = [...treeOf(fg), ...treeOf(busy)];
    assert.ok(gone.length >= 2, 'the idle session and its helper');
    await runCommand(page, 'code-server Ops: Stop Idle AI Sessions…');
    const box = page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await box.innerText();
    const [listed, notIncluded = ''] = text.split('Not included:');
    for (const p of gone) assert.ok(listed.includes(`(pid ${p.pid})`), `${p.pid} listed:\n${text}`);
    for (const p of kept) assert.ok(!listed.includes(`(pid ${p.pid})`), `${p.pid} not listed:\n${text}`);
    assert.match(notIncluded, new RegExp(`\\(pid ${fg.pid}\\) — the foreground job of terminal shell \\d+ of this window`));
    assert.match(notIncluded, new RegExp(`\\(pid ${busy.pid}\\) — not idle`));
    await page.screenshot({ path: `${RESULTS}/ai-idle-preview.png` });
    const n = gone.length;
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: `Stop ${n} AI Processes` }).click();
    await waitFor('the idle tree gone', () => gone.every((p) => !alive(p)), 20_000);
    assert.ok(kept.every(alive), 'the foreground and the busy sessions (and their helpers) are untouched');
    await page.locator('.notification-toast', { hasText: `Stopped ${n} AI processes` }).waitFor({ state: 'visible', timeout: 20_000 });
  });
});
