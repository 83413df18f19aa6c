// Runs the mocha suite of test/host inside code-server's real extension host, offline: the workbench's smoke-test
// driver loads the extension from this repository (extensionDevelopmentPath) and calls the suite's run()
// (extensionTestsPath), then reports the result through codeAutomationExit. (@vscode/test-electron does the same
// on a desktop but downloads VS Code; see scripts/test-electron.js for that optional online path.)
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import { Browser } from 'playwright-core';
import { CodeServer, ROOT, provision, tempHome } from '../support/codeServer';
import { launchChromium } from '../support/workbench';

describe('mocha suite inside the real extension host', function () {
  let cs: CodeServer | undefined;
  let browser: Browser | undefined;
  let home = '';

  after(async function () {
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('passes (activation, contributions, settings, terminals of this window, registry)', async function () {
    const env = provision();
    home = tempHome('csops-host-');
    const folder = path.join(home, 'ws');
    cs = await CodeServer.start({
      env,
      home,
      folder,
      args: ['--disable-workspace-trust', '--vscode-option', 'enable-smoke-test-driver'],
      userSettings: { 'chat.disableAIFeatures': true },
    });
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${cs!.port}${p}`;
    const registryDir = path.join(CodeServer.paths(home).userData, 'User/globalStorage/csops.code-server-ops/windows');
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(path.join(ROOT, 'out/test/host/index.js'))],
      ['extensionEnvironment', JSON.stringify({ CSOPS_REGISTRY_DIR: registryDir })],
      ['skipWelcome', 'true'],
    ];
    browser = await launchChromium();
    const page = await browser.newPage();
    const logs: string[] = [];
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      logs.push(format(...(Array.isArray(args) ? args : [args])));
    });
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([
      exit,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no result in 120 s')), 120_000)),
    ]);
    const suiteOutput = logs.filter((l) => /✔|passing|failing|\d+\) |host suite|Error/.test(l));
    console.log(suiteOutput.map((l) => `      [host] ${l}`).join('\n'));
    assert.strictEqual(code, 0, `the host suite failed:\n${logs.slice(-60).join('\n')}`);
    assert.ok(
      suiteOutput.some((l) => /host suite: 0 failure/.test(l)),
      'the suite ran and reported',
    );
  });
});
