// Extensions view e2e: a real VSIX installed at two versions, an unreferenced folder and a leftover install temp
// folder; the view classifies and sizes them; "Clean Up All Reclaimable…" moves exactly those into the quarantine
// (verified on disk); Undo restores them byte for byte; the editor keeps working. A second code-server of the same
// user (its own extensions folder, a connected window, as a developer's `npm start` next to the suite) runs
// throughout: its extension host cannot load this server's folders, so it protects none of them.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { CodeServer, descendants, tempHome } from '../support/codeServer';
import { makeSampleVsix } from '../support/sampleVsix';
import { Session, startSession, stopSession, waitActivated } from '../support/session';
import { RESULTS, openWorkbench, runCommand, treeRowLabels, waitFor } from '../support/workbench';
import { duBytes, treeHash } from '../support/files';

const OLD = 'acc.sample-1.0.0';
const NEW = 'acc.sample-1.1.0';
const UNREF = 'zzz.unref-2.0.0';
const TEMP = '.0c0ffee0-1234-4abc-8def-0123456789ab';

const twoHoursAgo = (p: string): void => fs.utimesSync(p, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));

async function dialogText(page: Page): Promise<string> {
  const box = page.locator('.monaco-dialog-box');
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  return box.innerText();
}

function shownBytes(label: string): number {
  const m = /, ([\d.]+) (B|KB|MB|GB),/.exec(label);
  assert.ok(m, `no size in "${label}"`);
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] as 'B']!;
}

describe('Extensions view and reversible clean-up in a real code-server', function () {
  let s: Session | undefined;
  let extDir = '';
  let page: Page;
  const hashes: Record<string, Record<string, string>> = {};

  let other: { cs?: CodeServer; home: string } | undefined;

  before(async function () {
    s = await startSession('ext', {
      beforeStart: (home, env) => CodeServer.installExtension(env, home, makeSampleVsix(home, 'acc', 'sample', '1.0.0')),
    });
    page = s.page;
    extDir = CodeServer.paths(s.home).extensions;
    // The other code-server (without code-server Ops: in no window registry) and its window, connected before the
    // extension lists below change (so its host is one "started before the last change of the lists").
    const t0 = Date.now();
    other = { home: tempHome('csops-e2e-ext-other-') };
    const folder = path.join(other.home, 'ws-b');
    other.cs = await CodeServer.start({ env: s.env, home: other.home, folder, args: ['--disable-workspace-trust'] });
    await openWorkbench(s.browser, other.cs.url, folder);
    const otherCs = other.cs;
    await waitFor('the other window extension host', () => descendants(otherCs.pid).some((p) => p.argv.includes('--type=extensionHost')));
    console.log(`      (the other code-server and its window: ${Date.now() - t0} ms)`);
    // After the first client connected (code-server's own start-up clean-up has run): a newer version, an
    // unreferenced folder and a leftover temp folder appear, all "old" (2 h).
    CodeServer.installExtension(s.env, s.home, makeSampleVsix(s.home, 'acc', 'sample', '1.1.0'));
    // A half-removed extension (no package.json left): a folder with a valid manifest would be picked up by the
    // running server's extension watcher and added to extensions.json.
    fs.mkdirSync(path.join(extDir, UNREF, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(extDir, UNREF, 'dist', 'blob.bin'), Buffer.alloc(300_000, 7));
    fs.mkdirSync(path.join(extDir, TEMP));
    fs.writeFileSync(path.join(extDir, TEMP, 'partial.vsix'), Buffer.alloc(50_000, 1));
    // The window still runs 1.0.0 (loaded extensions are protected); a reload switches it to 1.1.0.
    await runCommand(page, 'Developer: Reload Window');
    await waitActivated(page);
    for (const name of [OLD, UNREF, TEMP]) {
      assert.ok(fs.existsSync(path.join(extDir, name)), `${name} exists before the test`);
      twoHoursAgo(path.join(extDir, name));
      hashes[name] = treeHash(path.join(extDir, name));
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/extensions-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    await stopSession(s); // closes the browser, with the other window
    await other?.cs?.stop();
    if (other) fs.rmSync(other.home, { recursive: true, force: true });
  });

  it('classifies and sizes every folder', async function () {
    await runCommand(page, 'code-server Ops: Focus on Extensions View');
    await runCommand(page, 'code-server Ops: Refresh Extensions');
    const labels = await waitFor('the three leftovers, sized, in the Extensions view', async () => {
      const rows = await treeRowLabels(page, 'Extensions');
      const ok = [OLD, UNREF, TEMP].every((n) => rows.some((r) => r.startsWith(`${n}, `) && !r.includes('size pending')));
      return ok ? rows : undefined;
    });
    const row = (name: string): string => labels.find((l) => l.startsWith(`${name}, `))!;
    assert.match(row(OLD), /^acc\.sample-1\.0\.0, (older version|obsolete), .*reclaimable$/);
    assert.match(row(UNREF), /, unreferenced, .*reclaimable$/);
    assert.match(row(TEMP), /, leftover temp folder, .*reclaimable$/);
    for (const name of [OLD, UNREF, TEMP]) {
      const du = duBytes(path.join(extDir, name));
      assert.ok(Math.abs(shownBytes(row(name)) - du) <= Math.max(0.1 * du, 1024), `${name}: shown ${row(name)}, du ${du}`);
    }
    assert.ok(
      labels.some((l) => /^Reclaimable: .* in 3 folders/.test(l)),
      labels.join('\n'),
    );
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/extensions-view.png` });
  });

  it('Clean Up All Reclaimable… moves exactly those folders into the quarantine, and Undo restores them', async function () {
    await runCommand(page, 'code-server Ops: Clean Up All Reclaimable…');
    const text = await dialogText(page);
    assert.match(text, /Clean Up 3 Folders\?/);
    for (const name of [OLD, UNREF, TEMP]) assert.ok(text.includes(name), `${name} listed:\n${text}`);
    assert.ok(!text.includes(NEW) && !text.includes('csops.code-server-ops'), `installed folders not listed:\n${text}`);
    await page.screenshot({ path: `${RESULTS}/extensions-preview.png` });
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Clean Up 3 Folders' }).click();

    const toast = page.locator('.notification-toast', { hasText: 'Cleaned up 3 folders' });
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    for (const name of [OLD, UNREF, TEMP]) assert.ok(!fs.existsSync(path.join(extDir, name)), `${name} moved away`);
    const batches = fs.readdirSync(path.join(extDir, '.csops-quarantine'));
    assert.strictEqual(batches.length, 1);
    const items = path.join(extDir, '.csops-quarantine', batches[0], 'items');
    assert.deepStrictEqual(fs.readdirSync(items).sort(), [OLD, TEMP, UNREF].sort());
    assert.ok(
      fs.existsSync(path.join(extDir, NEW)) && fs.readdirSync(extDir).some((n) => n.startsWith('csops.code-server-ops-')),
      'installed folders kept',
    );

    await toast.locator('.monaco-button', { hasText: 'Undo' }).click();
    // Undo goes through the same preview as every mutation: the folders it moves back, then confirm.
    const undoText = await dialogText(page);
    assert.match(undoText, /Restore 3 Folders\?/);
    for (const name of [OLD, UNREF, TEMP]) assert.ok(undoText.includes(name), `${name} listed in the Undo preview:\n${undoText}`);
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Restore 3 Folders' }).click();
    await waitFor('the folders back in place', () => [OLD, UNREF, TEMP].every((n) => fs.existsSync(path.join(extDir, n))), 20_000);
    for (const name of [OLD, UNREF, TEMP])
      assert.deepStrictEqual(treeHash(path.join(extDir, name)), hashes[name], `${name} restored byte for byte`);
    await waitFor('the emptied batch removed', () => !fs.existsSync(path.join(extDir, '.csops-quarantine', batches[0])), 10_000);

    // The editor keeps working: our views still render and the status bar still samples.
    await runCommand(page, 'code-server Ops: Refresh Extensions');
    await waitFor('the view shows the restored folders again', async () =>
      (await treeRowLabels(page, 'Extensions')).some((l) => l.startsWith(`${UNREF}, `)),
    );
    await page.locator('.statusbar-item', { hasText: 'ExtHost' }).first().waitFor({ state: 'visible' });
    const audit = fs
      .readFileSync(path.join(s!.home, 'user-data/User/globalStorage/csops.code-server-ops/audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string });
    assert.deepStrictEqual(
      audit.map((a) => a.action),
      ['clean-all-extensions', 'undo-clean-extensions'],
    );
  });
});
