// Disk view e2e: the server's HOME is the test's temp home (nothing of the real home is read). Seeded, aged 30 days:
// an old server build, a server build a child process of this test holds a file open in, two past log folders, a
// workspaceStorage entry of a deleted folder and one of a remote folder, the globalStorage of an uninstalled
// extension and a downloaded VSIX. The view classifies and sizes them (vs du -s); "Reclaim All…" lists exactly the
// reclaimable ones plus a "Not included" section; deletes the caches and quarantines the user data (verified on
// disk); Undo restores the quarantined ones byte for byte; the live build, current logs and live storage are untouched.
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { CodeServer, startTimeOf } from '../support/codeServer';
import { Session, startSession, stopSession } from '../support/session';
import { RESULTS, runCommand, treeRowLabels, waitFor } from '../support/workbench';
import { duBytes, treeHash } from '../support/files';

const BUILD_OLD = '0123456789abcdef0123456789abcdef01234567';
const BUILD_BUSY = 'fedcba9876543210fedcba9876543210fedcba98';
const LOG_A = '20250101T101010';
const LOG_B = '20250102T111111';
const WS_GONE = 'e2e0000000000000000000000000dead';
const WS_REMOTE = 'e2e000000000000000000000000remote';
const WS_LIVE = 'e2e00000000000000000000000000live';
const GS_GONE = 'zzz.uninstalled-ext';
const VSIX_FILE = 'acc.gone-1.0.0';

const age = (p: string): void => fs.utimesSync(p, new Date(Date.now() - 30 * 86_400_000), new Date(Date.now() - 30 * 86_400_000));

function shownBytes(label: string): number {
  const m = /, ([\d.]+) (B|KB|MB|GB), /.exec(label);
  assert.ok(m, `no size in "${label}"`);
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] as 'B']!;
}

function seedDir(dir: string, files: Record<string, number>): void {
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), Buffer.alloc(bytes, rel.length));
  }
}

async function dialogText(page: Page): Promise<string> {
  const box = page.locator('.monaco-dialog-box');
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  return box.innerText();
}

describe('Disk view in a real code-server', function () {
  let s: Session | undefined;
  let page: Page;
  let holder: { child: ChildProcess; pid: number; start: number } | undefined;
  let userData = '';
  const p: Record<string, string> = {};
  const hashes: Record<string, Record<string, string>> = {};
  let liveWs = '';
  let liveLogs: string[] = [];
  let untouched: Record<string, Record<string, string>> = {};

  before(async function () {
    s = await startSession('disk', { serverEnv: { HOME: 'home' } });
    page = s.page;
    userData = CodeServer.paths(s.home).userData;
    const home = s.home;
    // The live counterparts: this session's log folder(s), written by the server, and a workspace storage entry of
    // the open folder ws-a (in code-server the workbench keeps its own state in the browser, so it is seeded).
    liveWs = WS_LIVE;
    liveLogs = fs.readdirSync(path.join(userData, 'logs'));
    assert.ok(liveLogs.length > 0, 'the server writes a log folder');

    p.buildOld = path.join(home, '.vscode-server', 'bin', BUILD_OLD);
    p.buildBusy = path.join(home, '.vscode-server', 'bin', BUILD_BUSY);
    p.logA = path.join(userData, 'logs', LOG_A);
    p.logB = path.join(userData, 'logs', LOG_B);
    p.wsGone = path.join(userData, 'User', 'workspaceStorage', WS_GONE);
    p.wsRemote = path.join(userData, 'User', 'workspaceStorage', WS_REMOTE);
    p.gsGone = path.join(userData, 'User', 'globalStorage', GS_GONE);
    p.vsix = path.join(userData, 'CachedExtensionVSIXs', VSIX_FILE);
    seedDir(p.buildOld, { node: 200_000, 'out/main.js': 60_000 });
    seedDir(p.buildBusy, { node: 150_000, 'out/main.js': 10_000 });
    seedDir(p.logA, { 'remoteagent.log': 40_000, 'exthost1/output.log': 12_345 });
    seedDir(p.logB, { 'remoteagent.log': 70_000 });
    const gone = path.join(home, 'deleted-folder');
    fs.mkdirSync(gone);
    seedDir(p.wsGone, { 'state.vscdb': 90_000 });
    fs.writeFileSync(path.join(p.wsGone, 'workspace.json'), JSON.stringify({ folder: `file://${gone}` }));
    fs.rmdirSync(gone);
    p.wsLive = path.join(userData, 'User', 'workspaceStorage', WS_LIVE);
    seedDir(p.wsLive, { 'state.vscdb': 20_000 });
    fs.writeFileSync(path.join(p.wsLive, 'workspace.json'), JSON.stringify({ folder: `file://${s.folder}` }));
    seedDir(p.wsRemote, { 'state.vscdb': 30_000 });
    fs.writeFileSync(path.join(p.wsRemote, 'workspace.json'), JSON.stringify({ folder: 'vscode-remote://ssh-remote+box/home/me/proj' }));
    seedDir(p.gsGone, { 'cache/index.bin': 110_000 });
    fs.mkdirSync(path.dirname(p.vsix), { recursive: true });
    fs.writeFileSync(p.vsix, Buffer.alloc(80_000, 3));
    // A real process of this test holding a file open inside BUILD_BUSY: that build is in use.
    const fd = fs.openSync(path.join(p.buildBusy, 'out/main.js'), 'r');
    const child = spawn('sleep', ['900'], { stdio: [fd, 'ignore', 'ignore'] });
    fs.closeSync(fd);
    const pid = child.pid!;
    holder = { child, pid, start: await waitFor('the holder process', () => startTimeOf(pid)) };
    for (const k of Object.keys(p)) age(p[k]);
    for (const k of ['logA', 'logB', 'wsGone', 'gsGone']) hashes[k] = treeHash(p[k]);
    untouched = {
      buildBusy: treeHash(p.buildBusy),
      wsRemote: treeHash(p.wsRemote),
      liveWs: treeHash(p.wsLive),
    };
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await page?.screenshot({ path: `${RESULTS}/disk-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    // Only the process this test spawned, by pid, after re-checking its start time.
    if (holder && startTimeOf(holder.pid) === holder.start) holder.child.kill('SIGKILL');
    await stopSession(s);
  });

  it('classifies and sizes every seeded entry, and says why the others are kept', async function () {
    await runCommand(page, 'code-server Ops: Focus on Disk View');
    // The other panes of the container collapse so that every row of the Disk view is rendered.
    for (const name of ['Terminals', 'AI Processes', 'Extensions', 'Memory']) {
      const header = page.locator('.pane-header', { has: page.locator('h3.title', { hasText: new RegExp(`^${name}$`) }) });
      if ((await header.getAttribute('aria-expanded').catch(() => null)) === 'true') await header.click();
    }
    await runCommand(page, 'code-server Ops: Refresh Disk');
    const names = [BUILD_OLD, BUILD_BUSY, LOG_A, LOG_B, WS_GONE, WS_REMOTE, GS_GONE, VSIX_FILE];
    const labels = await waitFor(
      'the seeded entries, sized, in the Disk view',
      async () => {
        const rows = await treeRowLabels(page, 'Disk');
        const ok = names.every((n) => rows.some((r) => r.startsWith(`${n}, `) && !r.startsWith(`${n}, …`)));
        return ok ? rows : undefined;
      },
      60_000,
    );
    const row = (name: string): string => labels.find((l) => l.startsWith(`${name}, `))!;
    assert.match(row(BUILD_OLD), /, deleted \(a cache\)$/);
    assert.match(row(VSIX_FILE), /, deleted \(a cache\)$/);
    for (const n of [LOG_A, LOG_B, WS_GONE, GS_GONE]) assert.match(row(n), /, moved to the quarantine \(undoable\)$/);
    assert.match(row(BUILD_BUSY), /, kept: .*(in use|open|process)/i);
    assert.match(row(WS_REMOTE), /, kept: belongs to vscode-remote: a remote or virtual folder/);
    assert.match(row(liveWs), /, kept: the state of .*ws-a, which exists$/);
    for (const l of liveLogs) assert.match(row(l), /, kept: /);
    const sized: Record<string, string> = { buildOld: BUILD_OLD, buildBusy: BUILD_BUSY, logA: LOG_A, logB: LOG_B };
    Object.assign(sized, { wsGone: WS_GONE, wsRemote: WS_REMOTE, gsGone: GS_GONE, vsix: VSIX_FILE });
    for (const [k, name] of Object.entries(sized)) {
      const du = duBytes(p[k]);
      const shown = shownBytes(row(name));
      assert.ok(Math.abs(shown - du) <= Math.max(0.1 * du, 1024), `${name}: shown ${row(name)}, du ${du}`);
    }
    assert.ok(
      labels.some((l) => /reclaimable in 6 items/.test(l)),
      labels.join('\n'),
    );
    const description = await page.locator('.pane-header', { has: page.locator('h3.title', { hasText: /^Disk$/ }) }).innerText();
    assert.match(description, / free of /, 'the free space is in the view description');
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/disk-view.png` });
  });

  it('Reclaim All… deletes the caches, quarantines the user data, and Undo restores it byte for byte', async function () {
    await runCommand(page, 'code-server Ops: Reclaim All…');
    const text = await dialogText(page);
    assert.match(text, /Reclaim 6 Items\?/);
    for (const n of [BUILD_OLD, LOG_A, LOG_B, WS_GONE, GS_GONE, VSIX_FILE]) assert.ok(text.includes(n), `${n} listed:\n${text}`);
    const [listed, notIncluded] = text.split('Not included');
    assert.ok(notIncluded !== undefined, `a Not included section:\n${text}`);
    for (const n of [BUILD_BUSY, WS_REMOTE, liveWs, ...liveLogs]) assert.ok(!listed.includes(n), `${n} not targeted:\n${text}`);
    assert.ok(notIncluded.includes('Server builds'), `the busy build is in Not included:\n${text}`);
    assert.ok(notIncluded.includes('Workspace storage'), `the kept workspace storage is in Not included:\n${text}`);
    assert.match(text, /deleted \(a cache\)/);
    assert.match(text, /moved to the quarantine \(undoable\)/);
    await page.screenshot({ path: `${RESULTS}/disk-preview.png` });
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Reclaim 6 Items' }).click();

    const toast = page.locator('.notification-toast', { hasText: 'Reclaimed 6 items' });
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    for (const k of ['buildOld', 'vsix', 'logA', 'logB', 'wsGone', 'gsGone']) assert.ok(!fs.existsSync(p[k]), `${k} gone from its place`);
    const quarantined = (parent: string): string[] => {
      const q = path.join(parent, '.csops-quarantine');
      return fs.existsSync(q) ? fs.readdirSync(q).flatMap((b) => fs.readdirSync(path.join(q, b, 'items'))) : [];
    };
    assert.deepStrictEqual(quarantined(path.join(userData, 'logs')).sort(), [LOG_A, LOG_B]);
    assert.deepStrictEqual(quarantined(path.join(userData, 'User', 'workspaceStorage')), [WS_GONE]);
    assert.deepStrictEqual(quarantined(path.join(userData, 'User', 'globalStorage')), [GS_GONE]);
    assert.ok(!fs.existsSync(path.join(s!.home, '.vscode-server', 'bin', '.csops-quarantine')), 'caches are deleted, not quarantined');
    assert.deepStrictEqual(treeHash(p.buildBusy), untouched.buildBusy, 'the busy build is untouched');
    assert.deepStrictEqual(treeHash(p.wsRemote), untouched.wsRemote, 'the remote workspace storage is untouched');
    for (const l of liveLogs) assert.ok(fs.existsSync(path.join(userData, 'logs', l)), `current log folder ${l} kept`);
    assert.deepStrictEqual(treeHash(p.wsLive), untouched.liveWs, 'the live workspace storage is untouched');

    await toast.locator('.monaco-button', { hasText: 'Undo' }).click();
    const undoText = await dialogText(page);
    assert.match(undoText, /Restore 4 Items\?/);
    for (const n of [LOG_A, LOG_B, WS_GONE, GS_GONE]) assert.ok(undoText.includes(n), `${n} in the Undo preview:\n${undoText}`);
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Restore 4 Items' }).click();
    await waitFor(
      'the quarantined items back in place',
      () => ['logA', 'logB', 'wsGone', 'gsGone'].every((k) => fs.existsSync(p[k])),
      20_000,
    );
    for (const k of ['logA', 'logB', 'wsGone', 'gsGone']) assert.deepStrictEqual(treeHash(p[k]), hashes[k], `${k} restored byte for byte`);
    assert.ok(!fs.existsSync(p.buildOld) && !fs.existsSync(p.vsix), 'deleted caches stay deleted');

    // The audit entry of the Undo is appended after the files are back: poll for it (bounded), never read just once.
    const auditFile = path.join(userData, 'User/globalStorage/csops.code-server-ops/audit.jsonl');
    const diskActions = (): string[] =>
      fs.existsSync(auditFile)
        ? fs
            .readFileSync(auditFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => (JSON.parse(l) as { action: string }).action) // a line being written throws: polled again
            .filter((a) => a.includes('disk'))
        : [];
    const actions = await waitFor(
      'the audit entry of the Undo',
      () => {
        const a = diskActions();
        return a.includes('undo-reclaim-disk') && a;
      },
      20_000,
    );
    assert.deepStrictEqual(actions, ['reclaim-all-disk', 'undo-reclaim-disk']);
  });
});
