// Policies e2e (notify mode): with csops.policies.detachedTerminals.olderThanHours = 0, a shell whose window was
// closed is announced by the one policy runner of the server (the remaining window, which holds the leader lock);
// Review… opens the normal Kill preview; nothing dies on its own.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { startTimeOf } from '../support/codeServer';
import { Session, createTerminal, startSession, stopSession, waitActivated } from '../support/session';
import { RESULTS, openWorkbench, runCommand } from '../support/workbench';

describe('Policies: detached terminals (notify) in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let a: { pid: number; starttime: number };

  before(async function () {
    s = await startSession('policies', {
      userSettings: { 'csops.policies.detachedTerminals.olderThanHours': 0, 'csops.policies.intervalMinutes': 1 },
    });
    await runCommand(s.page, 'code-server Ops: Show Sidebar');
    const pid = await createTerminal(s);
    a = { pid, starttime: startTimeOf(pid)! };
    await s.page.close();
    const wsB = path.join(s.home, 'ws-b');
    fs.mkdirSync(wsB, { recursive: true });
    page = s.page = await openWorkbench(s.browser, s.cs.url, wsB);
    await waitActivated(page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/policies-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    await stopSession(s);
  });

  it('one runner announces the detached shell; Review… opens the preview; nothing is killed by the policy', async function () {
    this.timeout(240_000);
    const toast = page.locator('.notification-toast', { hasText: 'Policy: 1 detached shell(s) at least 0 h old could be stopped.' });
    await toast.waitFor({ state: 'visible', timeout: 180_000 });
    const lock = JSON.parse(
      fs.readFileSync(path.join(s!.home, 'user-data/User/globalStorage/csops.code-server-ops/windows/policy-leader.json'), 'utf8'),
    ) as { pid: number; starttime: number };
    assert.strictEqual(startTimeOf(lock.pid), lock.starttime, 'the lock holder is a live process (this window’s extension host)');
    assert.strictEqual(startTimeOf(a.pid), a.starttime, 'notify mode: the shell is still alive');
    await toast.locator('.monaco-button', { hasText: 'Review…' }).click();
    const box = page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await box.innerText();
    assert.match(text, /Kill 1 Terminal\?/);
    assert.ok(text.includes(`pid ${a.pid})`), text);
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Cancel' }).first().click();
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(startTimeOf(a.pid), a.starttime, 'Cancel: the shell is still alive');
  });
});
