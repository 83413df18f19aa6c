// Runs the unit suite (mocha, no VS Code) and then the e2e suite (real code-server + headless Chromium),
// and ends with one summary line "N passed, N failed". Usage: node scripts/test.js [--unit] [--e2e] [--grep RE]
const fs = require('fs');
const path = require('path');
const { Mocha } = require('mocha');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const only = args.filter((a) => a === '--unit' || a === '--e2e').map((a) => a.slice(2));
const grepIdx = args.indexOf('--grep');
const grep = grepIdx >= 0 ? args[grepIdx + 1] : undefined;
const suites = [
  { name: 'unit', dir: 'out/test/unit', timeout: 10_000 },
  { name: 'e2e', dir: 'out/test/e2e', timeout: 240_000 },
].filter((s) => only.length === 0 || only.includes(s.name));

function files(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(abs, f))
    .sort();
}

async function run() {
  let passed = 0;
  let failed = 0;
  let pending = 0;
  for (const suite of suites) {
    const list = files(suite.dir);
    if (list.length === 0) {
      console.error(`no ${suite.name} tests found in ${suite.dir} (did tsc run?)`);
      failed++;
      continue;
    }
    console.log(`\n=== ${suite.name} tests (${list.length} files) ===`);
    const mocha = new Mocha({ timeout: suite.timeout, reporter: 'spec', grep, color: !process.env.CI });
    for (const f of list) mocha.addFile(f);
    await mocha.loadFilesAsync();
    const stats = await new Promise((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats));
    });
    passed += stats.passes;
    failed += stats.failures;
    pending += stats.pending;
    mocha.dispose();
  }
  console.log(`\n${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
