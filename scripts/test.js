// Runs the unit suite (mocha, no VS Code) and then the e2e suite (real code-server + headless Chromium),
// and ends with one summary line "N passed, N failed".
// Usage: node scripts/test.js [--unit] [--e2e] [--grep RE] [--coverage] [--stats FILE]
//   --coverage  runs the unit suite in a child process under c8 (coverage of the pure modules — probes, models, plans, safety — printed)
//   --stats     writes {passes, failures, pending} of this run to FILE (used by --coverage)
const fs = require('fs');
const path = require('path');
// mocha 12's CommonJS entry exports `{ Mocha, … }`; @types/mocha 10 still describes `export = Mocha`.
const { Mocha } = /** @type {{ Mocha: typeof import('mocha') }} */ (/** @type {unknown} */ (require('mocha')));

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const only = args.filter((a) => a === '--unit' || a === '--e2e').map((a) => a.slice(2));
const grepIdx = args.indexOf('--grep');
const grep = grepIdx >= 0 ? args[grepIdx + 1] : undefined;
const statsIdx = args.indexOf('--stats');
const statsFile = statsIdx >= 0 ? args[statsIdx + 1] : undefined;
const coverage = args.includes('--coverage');
const suites = [
  { name: 'unit', dir: 'out/test/unit', timeout: 10_000 },
  { name: 'e2e', dir: 'out/test/e2e', timeout: 240_000 },
].filter((s) => only.length === 0 || only.includes(s.name));

/** @param {string} dir @returns {string[]} */
function files(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(abs, f))
    .sort();
}

/** The unit suite in a child process under c8 (configured by .c8rc.json), counted through --stats. */
function unitUnderCoverage() {
  const statsPath = path.join(root, 'out', 'unit-stats.json');
  fs.rmSync(statsPath, { force: true });
  const c8 = require.resolve('c8/bin/c8.js');
  const childArgs = [c8, process.execPath, __filename, '--unit', '--stats', statsPath, ...(grep ? ['--grep', grep] : [])];
  const r = require('child_process').spawnSync(process.execPath, childArgs, { cwd: root, stdio: 'inherit' });
  if (!fs.existsSync(statsPath)) return { passes: 0, failures: 1, pending: 0 };
  const stats = JSON.parse(fs.readFileSync(statsPath, 'utf8'));
  if (r.status !== 0 && stats.failures === 0) stats.failures = 1;
  return stats;
}

async function run() {
  let passed = 0;
  let failed = 0;
  let pending = 0;
  for (const suite of suites) {
    if (coverage && suite.name === 'unit') {
      const stats = unitUnderCoverage();
      passed += stats.passes;
      failed += stats.failures;
      pending += stats.pending;
      continue;
    }
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
  if (statsFile) fs.writeFileSync(statsFile, JSON.stringify({ passes: passed, failures: failed, pending }));
  console.log(`\n${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
