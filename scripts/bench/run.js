// `npm run bench` — the numbers behind the "Performance proof" issue.
//
//   node scripts/bench/run.js [--quick] [--sizes 200,1000,3000] [--reps N] [--idle-seconds N]
//
// Per fleet size it starts its OWN processes (one detached `sh` that forks N `sleep 600`, in a session and process
// group of its own), then measures, in the same run:
//   • our scanner exactly as the extension calls it (scanProcesses({ procRoot: '/proc' }) from out/src),
//   • a C reference doing the same reads (scripts/bench/procread.c, compiled here with `cc -O2`),
//   • `ps -eo pid,ppid,rss,lstart,args`, and pidusage(pids[]) (in a child process),
// folder sizing against `du -s -B1` (first, while this process is as small as an extension host), the refresh cost
// when nothing changed, the idle cost of the status-bar and memory samplers, and the bundle / VSIX sizes. Results: bench-results/latest.json and bench-results/latest.md.
//
// Safety: the fleet is killed ONLY by pid, each pid re-checked against the start time (stat field 22) recorded when it
// was spawned — never by name, never by group, never kill(-1) — on success, on error, on SIGINT/SIGTERM/SIGHUP and
// at exit. Other processes on the machine are only ever read.
//
// Modules: options.js (command line), fleet.js (spawn, kill by verified pid, cleanup handlers), native.js (the C
// helpers, child CPU), ours.js (the extension's compiled modules), scan.js (/proc scan per fleet), sizing.js (folder
// sizing), idle.js (idle samplers), profile.js (overhead of a 10 s profile on the profiled host; profile-intervals.js,
// standalone, the same per component and interval), activation.js (activation time in a real code-server), soak.js
// (heap growth over many refreshes, footprint), machine.js (machine,
// bundle and VSIX sizes), report.js (targets, Markdown).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT, RESULTS, r2, log } = require('./util');
const { parseArgs } = require('./options');
const { fleets, tempDirs, readStat, spawnFleet, killFleet, fleetAlive, installCleanupHandlers } = require('./fleet');
const { compile, initChildMeasurement, childCpuMethod } = require('./native');
const { loadOurs } = require('./ours');
const { benchFleet } = require('./scan');
const { benchDataDir, benchSizing } = require('./sizing');
const { benchIdle } = require('./idle');
const { benchProfile } = require('./profile');
const { benchActivation } = require('./activation');
const { benchSoak } = require('./soak');
const { machine, benchBundle } = require('./machine');
const { evaluate, markdown } = require('./report');

// The extension runs in code-server's own Node (24, provisioned into .cache/ by scripts/provision.sh), so the bench
// measures with that Node when it is there: re-run this script under it (children use process.execPath).
const hostNode = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, '.cache', 'env.json'), 'utf8')).node;
  } catch {
    return undefined;
  }
})();
if (hostNode && fs.existsSync(hostNode) && path.resolve(hostNode) !== process.execPath && !process.env.CSOPS_BENCH_ANY_NODE) {
  const r = spawnSync(hostNode, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

installCleanupHandlers();

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const date = new Date().toISOString();
  const m = machine();
  m.baselineProcesses = fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length;
  // What was measured: the commit, and whether src/ differs from it (out/ is compiled from the working tree).
  /** @param {...string} a */
  const git = (...a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  const code = {
    commit: head.status === 0 ? head.stdout.trim() : undefined,
    srcChanged: head.status === 0 ? git('status', '--porcelain', '--', 'src').stdout.trim().length > 0 : undefined,
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-bench-')); // rusage outputs, the sizing tree, the sampler's storage
  tempDirs.push(work);
  try {
    const ours = loadOurs();
    const cref = compile('procread');
    if (cref.error) log(`C reference SKIPPED: ${cref.error}`);
    const ru = compile('rusage');
    initChildMeasurement(work, ru.bin);
    if (ru.error) log(`child CPU falls back to bash \`times\`: ${ru.error}`);
    const cReference = cref.bin === undefined ? { skipped: cref.error } : { binary: path.relative(ROOT, cref.bin) };
    log(`machine: ${m.cores} cores, ${m.model}, load ${m.loadavgAtStart.join(' ')}`);

    // Sizing first, while this process is as small as an extension host (~70 MB RSS): sizeFolders starts du only in a
    // process small enough to fork within the loop's budget — after the 10,000 fleet this one is ~270 MB and walks.
    const sizing = await benchSizing(o, ours, work);
    const dataDir = await benchDataDir(ours, path.join(ROOT, '.cache', 'code-server', 'node_modules', 'code-server'));
    const scanner = [];
    /** @type {{ fleetSize: number, skipped: string }[]} */
    const scannerSkipped = [];
    for (const n of o.sizes) {
      const r = await benchFleet(n, o, ours, cref, work);
      if (r.skipped) scannerSkipped.push({ fleetSize: n, skipped: r.skipped });
      else scanner.push(r);
    }
    const idle = await benchIdle(o, work);
    const profile = await benchProfile({ rounds: o.quick ? 2 : 3, seconds: 10 });
    const activation = await benchActivation({ loads: o.quick ? 3 : 5 }).catch((e) => ({ skipped: `failed: ${String(e)}` }));
    const soak = await benchSoak(o.quick ? { fleet: 1000, refreshes: 100 } : { fleet: 3000, refreshes: 1000 });
    const bundle = benchBundle();
    m.loadavgAtEnd = os.loadavg().map(r2);
    /** @type {import('./report').Results} */
    const results = {
      date,
      options: { ...o },
      machine: m,
      code,
      cReference,
      childCpuMethod: childCpuMethod(),
      scanner,
      scannerSkipped,
      sizing,
      dataDir,
      idle,
      profile,
      activation,
      soak,
      bundle,
      targets: [],
      durationS: 0,
      fleetCleanup: [],
    };
    results.targets = evaluate(results);
    results.durationS = Math.round((Date.now() - started) / 1000);
    results.fleetCleanup = scanner.map((x) => ({
      fleet: x.fleetSize,
      recorded: x.fleetRecorded,
      leftAfterCleanup: x.fleetLeftAfterCleanup,
    }));

    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    const md = markdown(results);
    fs.writeFileSync(path.join(RESULTS, 'latest.md'), md);
    console.log('\n' + md);
    for (const t of results.targets) console.log(`${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.measured}`);
    console.log(`\nwritten: bench-results/latest.json, bench-results/latest.md (${results.durationS} s)`);
  } finally {
    for (const f of fleets) if (!f.cleaned) await killFleet(f);
    const left = fleets.reduce((s, f) => s + fleetAlive(f), 0);
    if (left) console.error(`[bench] WARNING: ${left} fleet processes still present`);
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error('[bench] failed:', e && e.stack ? e.stack : e);
    process.exitCode = 1;
  });
}

// For ad-hoc investigations (node -e "const b = require('./scripts/bench/run.js'); …"): the fleet helpers.
module.exports = { spawnFleet, killFleet, fleetAlive, readStat };
