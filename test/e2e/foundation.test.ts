// Foundation e2e: real code-server 4.139.1 with the VSIX installed, driven through headless Chromium.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { validateDiagnostics } from '../../src/features/diagnostics/report';
import { RESULTS, runCommand, treeRowLabels, waitFor } from '../support/workbench';
import { freePort } from '../support/codeServer';
import { Session, createTerminal, isShellOfPtyHost, serverProcesses, startSession, stopSession, typeInTerminal } from '../support/session';

function vmRssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/** pid from an aria-label like "bash, shell pid 123, attached (this window), …". */
const pidOf = (label: string): number | undefined => {
  const m = /shell pid (\d+)/.exec(label);
  return m ? Number(m[1]) : undefined;
};

describe('Foundation in a real code-server', function () {
  let s: Session | undefined;

  let metricsPort = 0;

  before(async function () {
    metricsPort = await freePort();
    s = await startSession('foundation', {
      userSettings: { 'csops.metrics.enabled': true, 'csops.metrics.port': metricsPort, 'csops.metrics.minScanSeconds': 1 },
    });
  });

  after(async function () {
    if (s && this.currentTest?.state === 'failed')
      await s.page.screenshot({ path: `${RESULTS}/foundation-failure.png` }).catch(() => undefined);
    await stopSession(s);
  });

  it('shows the extension host RSS in the status bar, within 10 % of VmRSS', async function () {
    const { page } = s!;
    const item = page.locator('.statusbar-item', { hasText: 'ExtHost' });
    await item.first().waitFor({ state: 'visible', timeout: 60_000 });
    const extHosts = serverProcesses(s!).filter((p) => p.argv.includes('--type=extensionHost'));
    assert.strictEqual(extHosts.length, 1, 'one window → one extension host');
    const pid = extHosts[0].pid;
    // The item samples every second; compare a fresh reading of the text with VmRSS read right after it.
    let last = '';
    await waitFor(
      'status bar RSS within 10 % of VmRSS',
      async () => {
        const text = (await item.first().innerText()).trim();
        const m = /ExtHost ([\d.]+) (MB|GB)/.exec(text);
        assert.ok(m, `unexpected status bar text: ${text}`);
        const shown = Number(m[1]) * (m[2] === 'GB' ? 1024 : 1);
        const real = vmRssMb(pid);
        last = `shown ${shown} MB, VmRSS ${real.toFixed(1)} MB`;
        return Math.abs(shown - real) / real <= 0.1;
      },
      15_000,
    ).catch((e) => assert.fail(`${String(e)} (${last})`));
  });

  it('lists every shell of the pty host with its real pid and foreground command', async function () {
    const session = s!;
    await runCommand(session.page, 'code-server Ops: Show Sidebar');
    const first = await createTerminal(session);
    const second = await createTerminal(session);
    await typeInTerminal(session, 'sleep 4321');
    const sleeper = await waitFor('sleep 4321 under the second shell', () =>
      serverProcesses(session).find((p) => p.ppid === second && p.argv[0] === 'sleep' && p.argv[1] === '4321'),
    );
    session.cs.recordDescendants();

    const labels = await waitFor('both shells in the Terminals tree, the second running sleep', async () => {
      const rows = await treeRowLabels(session.page, 'Terminals');
      const pids = rows.map(pidOf);
      return pids.includes(first) && rows.some((r) => r.startsWith('sleep 4321, shell pid ' + second)) ? rows : undefined;
    });
    const shellRows = labels.filter((l) => pidOf(l) !== undefined);
    // Cross-check with /proc: exactly the pty host's shells, no more.
    const ptyHost = serverProcesses(session).find((p) => p.argv.includes('--type=ptyHost'))!;
    const realShells = serverProcesses(session)
      .filter((p) => p.ppid === ptyHost.pid && isShellOfPtyHost(p))
      .map((p) => p.pid)
      .sort((a, b) => a - b);
    assert.deepStrictEqual(
      shellRows.map((l) => pidOf(l)!).sort((a, b) => a - b),
      realShells,
      `tree rows ${JSON.stringify(shellRows)} vs pty host children ${JSON.stringify(serverProcesses(session).filter((p) => p.ppid === ptyHost.pid))}`,
    );
    assert.ok(realShells.includes(first) && realShells.includes(second), `${first} and ${second} in ${realShells}`);
    for (const l of shellRows) assert.match(l, /attached \(this window\)/);
    assert.match(
      labels.find((l) => pidOf(l) === first)!,
      /^bash, /,
    );
    assert.ok(sleeper.pid > 0);

    await session.page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/foundation-sidebar.png` });
    await session.page.locator('.part.statusbar').screenshot({ path: `${RESULTS}/foundation-statusbar.png` });
    await session.page.screenshot({ path: `${RESULTS}/foundation-workbench.png` });
  });

  it('serves Prometheus metrics on 127.0.0.1 that match the views and /proc', async function () {
    const session = s!;
    const text = await waitFor('metrics', async () => {
      const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return r.status === 200 ? r.text() : undefined;
    });
    const value = (re: RegExp): number => {
      const m = re.exec(text);
      assert.ok(m, `${re} in\n${text.slice(0, 2000)}`);
      return Number(m[1]);
    };
    const extHost = serverProcesses(session).find((p) => p.argv.includes('--type=extensionHost'))!;
    const rssMb = value(/^csops_ext_host_rss_bytes (\d+)$/m) / 1024 / 1024;
    assert.ok(
      Math.abs(rssMb - vmRssMb(extHost.pid)) / vmRssMb(extHost.pid) <= 0.1,
      `metrics ${rssMb} MB vs VmRSS ${vmRssMb(extHost.pid)} MB`,
    );
    const rows = (await treeRowLabels(session.page, 'Terminals')).filter((l) => pidOf(l) !== undefined);
    assert.strictEqual(value(/^csops_terminals_total (\d+)$/m), rows.length, 'shells as in the Terminals view');
    assert.strictEqual(value(/^csops_terminals_orphan_total (\d+)$/m), rows.filter((l) => l.includes(', detached,')).length);
    assert.match(text, new RegExp(`^csops_window_ext_host_rss_bytes\\{pid="${extHost.pid}",self="true"\\} \\d+$`, 'm'));
    assert.match(text, /^# TYPE csops_scan_duration_seconds histogram$/m);
  });

  it('exports diagnostics through the save dialog, redacted, valid against the schema', async function () {
    const session = s!;
    const { page } = session;
    const target = path.join(session.home, 'diagnostics.json');
    await runCommand(page, 'code-server Ops: Export Diagnostics…');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Redact' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter'); // "Redact" is the first choice
    // code-server's save dialog is a quick input holding a path: replace it with ours and accept.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await waitFor('the save dialog', async () => (await input.inputValue()).endsWith('.json'));
    const offered = await input.inputValue();
    assert.ok(!offered.startsWith(session.folder), `the default is outside the workspace (it would get committed): ${offered}`);
    await input.fill(target);
    await waitFor('the path typed into the save dialog', async () => (await input.inputValue()) === target);
    await new Promise((r) => setTimeout(r, 500)); // the dialog lists the folder as you type: let it settle
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
    const report = await waitFor(
      'the diagnostics file',
      () => (fs.existsSync(target) ? JSON.parse(fs.readFileSync(target, 'utf8')) : undefined),
      20_000,
    );
    const valid = validateDiagnostics(report);
    assert.ok(valid.ok, valid.ok ? '' : valid.error);
    assert.strictEqual(fs.statSync(target).mode & 0o777, 0o600, 'written private');
    assert.strictEqual(report.redacted, true);
    assert.strictEqual(report.versions.appName, 'code-server');
    const shells = serverProcesses(session).filter((p) => p.argv.some((a) => a.includes('shellIntegration-bash')));
    assert.deepStrictEqual(
      (report.terminals.shells as { pid: number }[]).map((x) => x.pid).sort((a, b) => a - b),
      shells.map((p) => p.pid).sort((a, b) => a - b),
    );
    for (const sh of report.terminals.shells as { argv: string[] }[]) assert.ok(sh.argv.length <= 1, 'arguments dropped');
  });
});
