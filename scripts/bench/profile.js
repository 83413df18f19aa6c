// Overhead of "Profile Extension Host…" on the profiled host: the same extension-like workload in a fresh Node child,
// plain and profiled (10 s CPU profile + sampling heap profile + attribution, as the command does), alternating, and the
// CPU per unit of work compared as a ratio (median profiled ÷ median plain). Target: < 1.05. Two workloads
// (profile-child.js): alloc, a worst case for the heap sampler, and compute, no allocation. The ratio is given for the
// whole command (window + stopping the profilers + attribution) and for the window alone.
// Standalone: node scripts/bench/profile.js [--rounds N] [--seconds S] (after `npx tsc -p .`).
'use strict';
const path = require('path');
const { runJsonChild, OUT, median, min, max, f2, log } = require('./util');

/**
 * @param {'plain' | 'profiled'} mode @param {number} seconds @param {'alloc' | 'compute'} workload
 * @param {string[]} [intervals] CPU interval µs and heap interval bytes (default: the extension's defaults)
 */
function runChild(mode, seconds, workload, intervals = []) {
  return runJsonChild('profile child', 'profile-child.js', [mode, String(seconds), workload, ...intervals]);
}

/** @param {{ rounds: number, seconds: number }} o @param {'alloc' | 'compute'} workload */
async function benchWorkload(o, workload) {
  /** @type {Record<string, any>[]} */
  const plain = [];
  /** @type {Record<string, any>[]} */
  const profiled = [];
  for (let i = 0; i < o.rounds; i++) {
    // alternate the order so a drift in machine load does not favour one mode
    for (const m of i % 2 === 0 ? ['plain', 'profiled'] : ['profiled', 'plain'])
      (m === 'plain' ? plain : profiled).push(await runChild(m === 'plain' ? 'plain' : 'profiled', o.seconds, workload));
  }
  const plainUs = median(plain.map((r) => r.cpuUsPerUnit));
  const profiledUs = median(profiled.map((r) => r.cpuUsPerUnit));
  const windowUs = median(profiled.map((r) => r.windowCpuUsPerUnit));
  const r = {
    workload,
    plainCpuUsPerUnit: plainUs,
    profiledCpuUsPerUnit: profiledUs,
    ratio: profiledUs / plainUs,
    // range of the per-round ratios (profiled ÷ the plain run of the same round): the noise of this loaded machine
    spread: [
      min(profiled.map((x, i) => x.cpuUsPerUnit / plain[i].cpuUsPerUnit)),
      max(profiled.map((x, i) => x.cpuUsPerUnit / plain[i].cpuUsPerUnit)),
    ],
    windowRatio: windowUs / plainUs,
    samples: median(profiled.map((x) => x.samples)),
    plain: plain.map((x) => x.cpuUsPerUnit),
    profiled: profiled.map((x) => x.cpuUsPerUnit),
  };
  log(
    `profile overhead (${workload}): CPU per unit ×${f2(r.ratio)} for the command, ×${f2(r.windowRatio)} during the window ` +
      `(${f2(profiledUs)} vs ${f2(plainUs)} µs; per-round ×${f2(r.spread[0])}–×${f2(r.spread[1])}; ${r.samples} samples per profile)`,
  );
  return r;
}

/** @param {{ rounds: number, seconds: number }} o */
async function benchProfile(o) {
  log(`profile overhead: 2 workloads × ${o.rounds} × (plain ${o.seconds} s, profiled ${o.seconds} s) in fresh Node children…`);
  const workloads = [await benchWorkload(o, 'alloc'), await benchWorkload(o, 'compute')];
  const { DEFAULT_CPU_INTERVAL_US, DEFAULT_HEAP_INTERVAL_BYTES, DEFAULT_HEAP_PERCENT } = require(
    path.join(OUT, 'features/profile/profiler.js'),
  );
  return {
    rounds: o.rounds,
    seconds: o.seconds,
    cpuIntervalUs: DEFAULT_CPU_INTERVAL_US,
    heapIntervalBytes: DEFAULT_HEAP_INTERVAL_BYTES,
    heapPercent: DEFAULT_HEAP_PERCENT,
    workloads,
    ratio: Math.max(...workloads.map((w) => w.ratio)),
  };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  /** @param {string} name @param {number} dflt */
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  benchProfile({ rounds: opt('--rounds', 3), seconds: opt('--seconds', 10) })
    .then((r) => {
      console.log(JSON.stringify(r));
      for (const w of r.workloads)
        console.log(`${w.ratio < 1.05 ? 'PASS' : 'MISS'}  a 10 s profile adds < 5 % CPU per unit of work (${w.workload}): ×${f2(w.ratio)}`);
    })
    .catch((e) => {
      console.error('[bench] profile failed:', e);
      process.exitCode = 1;
    });
}

module.exports = { benchProfile, runChild };
