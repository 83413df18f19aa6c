// Memory view e2e: the webview chart renders with data points, its summary matches /proc, the restart goes through
// the modal and a new extension host appears, the history lists the restart; screenshots in light and dark themes.
import { memoryFrame } from '../support/profileTable';
import * as assert from 'assert';
import * as fs from 'fs';
import { Page } from 'playwright-core';
import { Session, serverProcesses, startSession, stopSession, waitActivated } from '../support/session';
import { RESULTS, runCommand, waitFor } from '../support/workbench';

const extHostPids = (s: Session): number[] =>
  serverProcesses(s)
    .filter((p) => p.argv.includes('--type=extensionHost'))
    .map((p) => p.pid);

function vmRssMb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

describe('Memory view in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;

  before(async function () {
    s = await startSession('memory', { userSettings: { 'csops.memory.sampleSeconds': 1, 'workbench.colorTheme': 'Default Light Modern' } });
    page = s.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/memory-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    await stopSession(s);
  });

  it('renders the chart with data points and a summary that matches /proc', async function () {
    await runCommand(page, 'code-server Ops: Focus on Memory View');
    const frame = await memoryFrame(page, '#chart');
    await waitFor('at least 3 data points', async () => Number(await frame.locator('#chart').getAttribute('data-points')) >= 3, 30_000);
    assert.ok((await frame.locator('#chart canvas').count()) >= 1, 'uPlot drew a canvas');
    const [pid] = extHostPids(s!);
    await waitFor('summary RSS within 10 % of VmRSS', async () => {
      const text = await frame.locator('#summary').innerText();
      const m = /Extension host RSS\s+([\d.]+) (MB|GB)/.exec(text);
      if (!m) return false;
      const shown = Number(m[1]) * (m[2] === 'GB' ? 1024 : 1);
      return Math.abs(shown - vmRssMb(pid)) / vmRssMb(pid) <= 0.1;
    });
    assert.match(await frame.locator('#summary').innerText(), /Container \(cgroup\)/);
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/memory-light.png` });
    await runCommand(page, 'Preferences: Toggle between Light/Dark Themes');
    await waitFor('the dark theme', async () => (await page.locator('.monaco-workbench.vs-dark').count()) > 0, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/memory-dark.png` });
  });

  it('restarts the extension host through the preview and records it in the history', async function () {
    const before = extHostPids(s!);
    assert.strictEqual(before.length, 1);
    const frame = await memoryFrame(page, '#chart');
    await frame.locator('#restart').click();
    const box = page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await box.innerText();
    assert.match(text, /Restart the extension host of this window\?/);
    assert.ok(text.includes(`pid ${before[0]}`) && /Terminals keep running/.test(text), text);
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Restart Extension Host' }).click();
    const after = await waitFor(
      'a new extension host',
      () => {
        const now = extHostPids(s!);
        return now.length === 1 && now[0] !== before[0] ? now : undefined;
      },
      60_000,
    );
    await waitActivated(page);
    await runCommand(page, 'code-server Ops: Focus on Memory View');
    const frame2 = await memoryFrame(page, '#chart');
    const rows = await waitFor('both extension hosts in the history', async () => {
      const t = await frame2.locator('#history').innerText();
      return t.includes(String(before[0])) && t.includes(String(after[0])) ? t : undefined;
    });
    assert.match(
      rows.split('\n').find((l) => l.includes(String(before[0])))!,
      /restarted_by_user|clean/,
    );
    await page.screenshot({ path: `${RESULTS}/memory-after-restart.png` });
  });
});
