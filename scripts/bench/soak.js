// Footprint / no leak (issue #19 goal 7): a fleet of FLEET processes of our own (fleet.js: spawned in their own session,
// killed only by verified pid), then REFRESHES consecutive refreshes with every view's model built (soak-child.js, in a
// fresh Node with --expose-gc). Targets: the heap after GC ends within 2 MB of where it started; the footprint (heap
// retained by our modules + the latest scan and models, over an empty Node) ≤ 15 MB — an approximation of the
// extension's own heap, which the real host measurement (activation.js: host heap at activation) does not isolate.
// Standalone: node scripts/bench/soak.js [--fleet N] [--refreshes N] (after `npx tsc -p .`).
'use strict';
const { runJsonChild, f1, log } = require('./util');
const { spawnFleet, killFleet, installCleanupHandlers } = require('./fleet');

/** @param {number} refreshes */
function runSoakChild(refreshes) {
  return runJsonChild('soak child', 'soak-child.js', [String(refreshes)], ['--expose-gc']);
}

/** @param {{ fleet: number, refreshes: number }} o @returns {Promise<Record<string, any>>} */
async function benchSoak(o) {
  log(`soak: fleet of ${o.fleet}, ${o.refreshes} refreshes (scan + Terminals + AI models) in a fresh Node…`);
  const fleet = await spawnFleet(o.fleet);
  try {
    const r = await runSoakChild(o.refreshes);
    log(
      `soak: heap after GC ${f1(r.startHeapBytes / 1048576)} → ${f1(r.endHeapBytes / 1048576)} MB ` +
        `(${r.growthBytes >= 0 ? '+' : ''}${f1(r.growthBytes / 1024)} KB over ${r.refreshes} refreshes of ${r.processes} processes, ` +
        `${f1(r.wallMs / 1000)} s); footprint ${f1(r.footprintBytes / 1048576)} MB`,
    );
    return { fleet: o.fleet, ...r };
  } finally {
    await killFleet(fleet);
  }
}

if (require.main === module) {
  installCleanupHandlers();
  const argv = process.argv.slice(2);
  /** @param {string} name @param {number} dflt */
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  benchSoak({ fleet: opt('--fleet', 3000), refreshes: opt('--refreshes', 1000) })
    .then((r) => {
      console.log(JSON.stringify(r));
      console.log(`${Math.abs(r.growthBytes) <= 2 * 1048576 ? 'PASS' : 'MISS'}  heap after GC within 2 MB: ${f1(r.growthBytes / 1024)} KB`);
      console.log(`${r.footprintBytes <= 15 * 1048576 ? 'PASS' : 'MISS'}  footprint ≤ 15 MB: ${f1(r.footprintBytes / 1048576)} MB`);
    })
    .catch((e) => {
      console.error('[bench] soak failed:', e);
      process.exitCode = 1;
    });
}

module.exports = { benchSoak };
