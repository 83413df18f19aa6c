// Profile Extension Host e2e: a real test extension (built here with vsce) burns CPU and keeps ~80-100 MB of objects
// allocated during the window live; "Profile Extension Host…" in a real code-server must put it first in the Memory
// view's table for CPU and for live allocation, and list our own extension as a small row.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { CodeServer } from '../support/codeServer';
import { memoryFrame, profileRows } from '../support/profileTable';
import { makeCodeVsix } from '../support/sampleVsix';
import { Session, startSession, stopSession } from '../support/session';
import { RESULTS, runCommand, waitFor } from '../support/workbench';
import { looksLikeHeapSnapshot } from '../../src/features/profile/snapshotPlan';

const BURNER = `
const kept = [];
function chunk() {
  // ~1 MB of small live objects per call; the newest 100 chunks stay alive.
  const objs = [];
  for (let i = 0; i < 8000; i++) objs.push({ i, s: 'burner'.repeat(16) + i });
  kept.push(objs);
  if (kept.length > 100) kept.shift();
}
function burn(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  return x;
}
let timer;
exports.activate = function () { timer = setInterval(() => { burn(25); chunk(); }, 50); };
exports.deactivate = function () { clearInterval(timer); };
`;

function makeBurnerVsix(workDir: string): string {
  return makeCodeVsix(workDir, {
    publisher: 'acc',
    name: 'burner',
    description: 'e2e fixture for code-server Ops: burns CPU and keeps objects live',
    files: { 'extension.js': BURNER },
  });
}

describe('Profile Extension Host in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;

  before(async function () {
    s = await startSession('profile', {
      userSettings: { 'csops.profile.seconds': 5 },
      beforeStart: (home, env) => CodeServer.installExtension(env, home, makeBurnerVsix(home)),
    });
    page = s.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/profile-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    await stopSession(s);
  });

  it('puts the burning test extension first for CPU and for live allocation, and our own row is small', async function () {
    await runCommand(page, 'code-server Ops: Focus on Memory View');
    const frame = await memoryFrame(page);
    assert.match(await frame.locator('#profile-note').innerText(), /No profile yet/);
    await frame.locator('#profile').click();
    await page
      .locator('.notifications-toasts', { hasText: 'Profiling this extension host' })
      .waitFor({ state: 'visible', timeout: 20_000 });
    const rows = await waitFor(
      'a profile table',
      async () => {
        const r = await profileRows(frame);
        return r.length > 0 ? r : undefined;
      },
      60_000,
    );
    const busy = rows.filter((r) => r.kind !== 'idle');
    assert.strictEqual(busy[0].name, 'acc.burner', JSON.stringify(rows, null, 1));
    // `burn`, or the timer callback it is called from when TurboFan inlined it (the profile then names the caller)
    assert.match(busy[0].top, /^(burn|\(anonymous\)) \(extension\.js:\d+\)/);
    const byLive = [...rows].sort((a, b) => b.liveMb - a.liveMb);
    assert.strictEqual(byLive[0].name, 'acc.burner', JSON.stringify(rows, null, 1));
    // The heap sampler runs over the last 20 % of the window (2 s of 10 s): the burner's ~1 MB chunks made then are live.
    assert.ok(byLive[0].liveMb > 1, `live MB ${byLive[0].liveMb}`);
    assert.match(await frame.locator('#profile-note').innerText(), /made in the last \d+\.\d s of the window and live at its end/);
    const own = rows.find((r) => r.name.startsWith('csops.code-server-ops'));
    const total = rows.reduce((sum, r) => sum + r.cpuMs, 0);
    if (own) assert.ok(own.cpuMs / total < 0.05, `own share ${own.cpuMs} of ${total} ms`);
    assert.ok(
      rows.some((r) => r.kind === 'vscode' || r.kind === 'node' || r.kind === 'gc'),
      'the other buckets are there',
    );
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/profile-table.png` });
  });

  it('keeps the results: a second profile adds a choice between the two', async function () {
    await runCommand(page, 'code-server Ops: Profile Extension Host…');
    const frame = await memoryFrame(page);
    await waitFor('two kept profiles', async () => (await frame.locator('#profile-pick option').count()) === 2, 60_000);
    assert.ok(await frame.locator('#profile-pick').isVisible());
  });
  it('Write Heap Snapshot… previews the pause, size and free space, then writes a private file that parses as a heap snapshot', async function () {
    const storage = path.join(s!.home, 'user-data/User/globalStorage/csops.code-server-ops');
    await runCommand(page, 'code-server Ops: Write Heap Snapshot…');
    const box = page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await box.innerText();
    assert.match(text, /Write 1 Heap Snapshot\?/);
    assert.match(text, /heap-snapshots\/Heap-\d{8}T\d{6}Z-pid\d+\.heapsnapshot \(≈ \d+ MB, from \d+ MB of used heap\)/, text);
    assert.match(text, /pauses for (about \d+ s|under 1 s)/, text);
    assert.match(text, /are free there, which suffices/, text);
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Write 1 Heap Snapshot' }).click();
    const entry = await waitFor(
      'the audit line of the heap snapshot',
      async () => {
        const file = path.join(storage, 'audit.jsonl');
        if (!fs.existsSync(file)) return undefined;
        return fs
          .readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { action: string; outcome: string; targets: { path: string; result: string }[] })
          .find((e) => e.action === 'write-heap-snapshot');
      },
      120_000,
    );
    assert.strictEqual(entry.outcome, 'done');
    assert.match(entry.targets[0].result, /^written \(\d+ bytes, \d+ ms\)$/, JSON.stringify(entry));
    const file = entry.targets[0].path;
    assert.strictEqual(path.dirname(file), path.join(storage, 'heap-snapshots'));
    const st = fs.statSync(file);
    // the preview's estimate against what was written: the free-space check relies on it not understating much
    const estMb = Number(/\(≈ (\d+) MB, from (\d+) MB of used heap\)/.exec(text)![1]);
    const [, bytes, ms] = /^written \((\d+) bytes, (\d+) ms\)$/.exec(entry.targets[0].result)!.map(Number);
    console.log(
      `      heap snapshot: estimated ${estMb} MB, ${/pauses for ([^w]+) while/.exec(text)?.[1]}; wrote ${bytes} bytes in ${ms} ms`,
    );
    assert.ok(bytes <= 2 * estMb * 1024 * 1024 + 16 * 1024 * 1024, `wrote ${bytes} bytes, estimated ${estMb} MB`);
    assert.strictEqual(st.mode & 0o777, 0o600);
    assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4096);
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    assert.ok(looksLikeHeapSnapshot(head.toString('utf8')), head.toString('utf8', 0, 200));
    if (st.size < 256 * 1024 * 1024) {
      const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
      assert.ok(snap.snapshot.meta.node_fields.includes('self_size'));
      assert.ok(snap.snapshot.node_count > 1000, String(snap.snapshot.node_count));
    }
    await page.locator('.notifications-toasts', { hasText: 'Chrome DevTools' }).waitFor({ state: 'visible', timeout: 20_000 });
  });
});
