// Optional online path: runs the same test/host mocha suite with @vscode/test-electron in a downloaded desktop
// VS Code. It needs internet access (the download), so it is not part of `npm test`; offline, the suite runs
// inside code-server's extension host instead (test/e2e/hostSuite.test.ts).
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  let runTests;
  try {
    ({ runTests } = require('@vscode/test-electron'));
  } catch {
    console.error('@vscode/test-electron is not installed (it is an optional dependency).');
    process.exit(1);
  }
  const root = path.resolve(__dirname, '..');
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-electron-'));
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out/test/host/index.js'),
      launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userData],
      extensionTestsEnv: { CSOPS_REGISTRY_DIR: path.join(userData, 'User/globalStorage/csops.code-server-ops/windows') },
    });
  } catch (e) {
    console.error(`test-electron failed (offline? it downloads VS Code): ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

main();
