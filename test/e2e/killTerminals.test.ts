// Safe mutations e2e: detached shells (their window closed) are killed through the modal preview, exactly those pids,
// verified in /proc; Cancel changes nothing; a child that outlives its shell is reported and killed on request.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { startTimeOf } from '../support/codeServer';
import { Session, createTerminal, serverProcesses, startSession, stopSession, typeInTerminal, waitActivated } from '../support/session';
import { RESULTS, openWorkbench, runCommand, treeRowLabels, waitFor } from '../support/workbench';

interface Proc {
  pid: number;
  starttime: number;
}

const alive = (p: Proc): boolean => startTimeOf(p.pid) === p.starttime;
const proc = (pid: number): Proc => ({ pid, starttime: startTimeOf(pid)! });

async function rowLabel(page: Page, pid: number): Promise<string | undefined> {
  return (await treeRowLabels(page, 'Terminals')).find((l) => l.includes(`shell pid ${pid},`));
}

async function dialog(page: Page): Promise<string> {
  const box = page.locator('.monaco-dialog-box');
  await box.waitFor({ state: 'visible', timeout: 20_000 });
  return box.innerText();
}

async function pressDialogButton(page: Page, label: string): Promise<void> {
  await page.locator('.monaco-dialog-box .monaco-button', { hasText: label }).first().click();
  await page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Runs "Kill Detached Terminals Older Than…" from the view title with a custom age of 0 h. */
async function bulkKillAllDetached(page: Page): Promise<void> {
  // The view's title actions appear on its pane header (on hover / focus).
  const header = page.locator('.pane-header', { has: page.locator('h3.title', { hasText: /^Terminals$/ }) });
  await header.hover();
  await header.locator('.action-label[aria-label="Kill Detached Terminals Older Than…"]').click();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Custom…' }).click();
  await waitFor(
    'the hours input box',
    async () =>
      (await input.getAttribute('aria-label'))?.includes('Minimum age') ||
      (await page.locator('.quick-input-widget', { hasText: 'Minimum age in hours' }).count()) > 0,
  );
  await input.fill('0');
  await page.keyboard.press('Enter');
}

function auditLines(s: Session): { action: string; outcome: string; targets: { pid: number; result: string }[] }[] {
  const file = path.join(s.home, 'user-data/User/globalStorage/csops.code-server-ops/audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('Kill terminals through the preview in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let a: Proc; // detached, runs `nohup sleep 5555 &` and a foreground `sleep 6666`
  let b: Proc; // detached, idle
  let c: Proc; // attached to the current window
  let nohupSleep: Proc;

  before(async function () {
    s = await startSession('kill');
    // Window 1 (folder ws-a): two shells, then close the tab: the shells stay under the pty host without a window.
    await runCommand(s.page, 'code-server Ops: Show Sidebar');
    a = proc(await createTerminal(s));
    await typeInTerminal(s, 'nohup sleep 5555 >/dev/null 2>&1 &');
    await typeInTerminal(s, 'sleep 6666');
    nohupSleep = proc(
      (await waitFor('nohup sleep 5555', () => serverProcesses(s!).find((p) => p.ppid === a.pid && p.argv.join(' ') === 'sleep 5555'))).pid,
    );
    await waitFor('sleep 6666', () => serverProcesses(s!).find((p) => p.ppid === a.pid && p.argv.join(' ') === 'sleep 6666'));
    b = proc(await createTerminal(s));
    s.cs.recordDescendants();
    await s.page.close();
    // Window 2 (folder ws-b) with one terminal of its own.
    const wsB = path.join(s.home, 'ws-b');
    fs.mkdirSync(wsB, { recursive: true });
    page = s.page = await openWorkbench(s.browser, s.cs.url, wsB);
    await waitActivated(page);
    await runCommand(page, 'code-server Ops: Show Sidebar');
    c = proc(await createTerminal(s));
    await waitFor('A and B detached, C attached in the tree', async () => {
      const [la, lb, lc] = await Promise.all([rowLabel(page, a.pid), rowLabel(page, b.pid), rowLabel(page, c.pid)]);
      return la?.includes('detached') && lb?.includes('detached') && lc?.includes('attached (this window)');
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/kill-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    await stopSession(s);
  });

  it('Cancel in the preview changes nothing', async function () {
    await bulkKillAllDetached(page);
    const text = await dialog(page);
    assert.match(text, /Kill 2 Terminals\?/);
    assert.ok(text.includes(`pid ${a.pid})`) && text.includes(`pid ${b.pid})`), text);
    const [targets, left = ''] = text.split('Not included:');
    assert.ok(!targets.includes(`pid ${c.pid})`), `the attached shell must not be a target:\n${text}`);
    assert.ok(left.includes(`pid ${c.pid}) — attached (this window)`), `the preview names the attached shell as not included:\n${text}`);
    await page.screenshot({ path: `${RESULTS}/kill-preview.png` });
    await pressDialogButton(page, 'Cancel');
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(alive(a) && alive(b) && alive(c) && alive(nohupSleep), 'every process is still alive');
    assert.deepStrictEqual(auditLines(s!), [], 'nothing was recorded');
  });

  it('Kill… on one detached row kills exactly that shell, and reports the child that kept running', async function () {
    const row = page.locator(`.monaco-list-row[aria-label*="shell pid ${a.pid},"]`);
    await row.hover();
    await row.locator('.action-label[aria-label="Kill Terminal…"]').click();
    const text = await dialog(page);
    assert.match(text, /Kill 1 Terminal\?/);
    assert.ok(text.includes(`sleep 6666 (pid ${a.pid})`), text);
    assert.ok(!text.includes(`pid ${b.pid})`) && !text.includes(`pid ${c.pid})`), text);
    await pressDialogButton(page, 'Kill 1 Terminal');
    await waitFor('shell A gone', () => !alive(a), 15_000);
    const toast = page.locator('.notification-toast', { hasText: 'kept running' });
    await toast.waitFor({ state: 'visible', timeout: 20_000 });
    const message = await toast.innerText();
    assert.match(message, /Killed 1 terminal, freed \d+ (KB|MB)/);
    assert.ok(message.includes(`(pid ${nohupSleep.pid})`), message);
    assert.ok(alive(b) && alive(c), 'B and C untouched');
    assert.ok(alive(nohupSleep), 'the nohup child is not killed without a preview');
    await page.screenshot({ path: `${RESULTS}/kill-result.png` });

    await toast.locator('.monaco-button', { hasText: 'Kill Leftovers…' }).click();
    const text2 = await dialog(page);
    assert.match(text2, /Kill 1 Process\?/);
    assert.ok(text2.includes(`(pid ${nohupSleep.pid})`), text2);
    await pressDialogButton(page, 'Kill 1 Process');
    await waitFor('the nohup sleep gone', () => !alive(nohupSleep), 15_000);
    assert.ok(alive(b) && alive(c), 'B and C untouched');

    const audit = auditLines(s!);
    assert.deepStrictEqual(
      audit.map((l) => l.action),
      ['kill-terminals', 'kill-processes'],
    );
    assert.deepStrictEqual(
      audit[0].targets.map((t) => t.pid),
      [a.pid],
    );
    assert.match(audit[0].targets[0].result, /exited after SIGHUP|killed with SIGKILL/);
    assert.deepStrictEqual(
      audit[1].targets.map((t) => t.pid),
      [nohupSleep.pid],
    );
  });

  it('Kill Detached Terminals Older Than… kills every detached shell and keeps the attached one', async function () {
    await bulkKillAllDetached(page);
    const text = await dialog(page);
    assert.match(text, /Kill 1 Terminal\?/);
    const [targets, left = ''] = text.split('Not included:');
    assert.ok(targets.includes(`pid ${b.pid})`) && !targets.includes(`pid ${c.pid})`) && !text.includes(`pid ${a.pid})`), text);
    assert.ok(left.includes(`pid ${c.pid}) — attached (this window)`), `the attached shell is named as not included:\n${text}`);
    await pressDialogButton(page, 'Kill 1 Terminal');
    await waitFor('shell B gone', () => !alive(b), 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(alive(c), 'the attached shell C is alive');
    await waitFor('the tree shows only C', async () => {
      const labels = (await treeRowLabels(page, 'Terminals')).filter((l) => l.includes('shell pid'));
      return labels.length === 1 && labels[0].includes(`shell pid ${c.pid},`);
    });
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/kill-after.png` });
    assert.deepStrictEqual(
      auditLines(s!).map((l) => l.action),
      ['kill-terminals', 'kill-processes', 'kill-detached-terminals'],
    );
  });
});
