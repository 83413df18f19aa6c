// Where the overhead of "Profile Extension Host…" comes from: the CPU profiler and the sampling heap profiler measured
// separately at several intervals, and together, on the two workloads of profile-child.js, against plain runs of the
// same workload. Every repetition runs every configuration once, in a rotated order (a drift in machine load spreads
// over all of them); the ratio is median(configuration) ÷ median(plain) of CPU per unit of work, and the spread is the
// range of the per-repetition ratios (each configuration against the plain run of the same repetition).
// This is the study behind the defaults in src/features/profile/profiler.ts; `npm run bench` measures only the defaults
// (profile.js). Standalone: node scripts/bench/profile-intervals.js [--rounds N] [--seconds S] (after `npx tsc -p .`).
'use strict';
const fs = require('fs');
const path = require('path');
const { RESULTS, median, min, max, f2, log } = require('./util');
const { runChild } = require('./profile');

/** @typedef {{ name: string, cpuUs: number, heapBytes: number, heapPercent?: number }} Config */
/** Each profiler alone over the whole window (heapPercent 100), then combinations; the last row is the defaults. */
/** @type {Config[]} */
const CONFIGS = [
  { name: 'cpu 1 ms', cpuUs: 1000, heapBytes: 0 },
  { name: 'cpu 2 ms', cpuUs: 2000, heapBytes: 0 },
  { name: 'cpu 5 ms', cpuUs: 5000, heapBytes: 0 },
  { name: 'heap 32 KiB, whole window', cpuUs: 0, heapBytes: 32 * 1024, heapPercent: 100 },
  { name: 'heap 512 KiB, whole window', cpuUs: 0, heapBytes: 512 * 1024, heapPercent: 100 },
  { name: 'heap 64 MiB (no samples), whole window', cpuUs: 0, heapBytes: 64 * 1024 * 1024, heapPercent: 100 },
  { name: 'cpu 1 ms + heap 32 KiB, whole window (before)', cpuUs: 1000, heapBytes: 32 * 1024, heapPercent: 100 },
  { name: 'cpu 2 ms + heap 1 MiB, whole window', cpuUs: 2000, heapBytes: 1024 * 1024, heapPercent: 100 },
  { name: 'cpu 2 ms + heap 32 KiB, last 40 %', cpuUs: 2000, heapBytes: 32 * 1024, heapPercent: 40 },
  { name: 'cpu 2 ms + heap 32 KiB, last 20 % (defaults)', cpuUs: 2000, heapBytes: 32 * 1024, heapPercent: 20 },
];

/** @param {{ rounds: number, seconds: number, only?: number[] }} o */
async function benchIntervals(o) {
  const configs = o.only ? CONFIGS.filter((_, i) => o.only?.includes(i)) : CONFIGS;
  const workloads = /** @type {const} */ (['alloc', 'compute']);
  /** @type {Record<string, Record<string, { cpuUsPerUnit: number, windowCpuUsPerUnit: number, samples: number }[]>>} */
  const runs = {};
  for (const w of workloads) {
    runs[w] = { plain: [] };
    for (const c of configs) runs[w][c.name] = [];
  }
  const all = [{ name: 'plain', cpuUs: -1, heapBytes: -1 }, ...configs];
  log(`profile intervals: ${o.rounds} rounds × 2 workloads × ${all.length} configurations × ${o.seconds} s…`);
  for (let i = 0; i < o.rounds; i++) {
    for (const w of workloads) {
      const k = (i * 3) % all.length;
      for (const c of [...all.slice(k), ...all.slice(0, k)]) {
        const r =
          c.name === 'plain'
            ? await runChild('plain', o.seconds, w)
            : await runChild('profiled', o.seconds, w, [String(c.cpuUs), String(c.heapBytes), String(c.heapPercent ?? '')]);
        runs[w][c.name].push({ cpuUsPerUnit: r.cpuUsPerUnit, windowCpuUsPerUnit: r.windowCpuUsPerUnit, samples: r.samples });
      }
    }
    log(`profile intervals: round ${i + 1}/${o.rounds} done`);
  }
  /** @type {Record<string, any>[]} */
  const rows = [];
  for (const w of workloads) {
    const plain = runs[w].plain.map((x) => x.cpuUsPerUnit);
    for (const c of configs) {
      const xs = runs[w][c.name].map((x) => x.cpuUsPerUnit);
      const paired = xs.map((x, i) => x / plain[i]);
      rows.push({
        workload: w,
        config: c.name,
        cpuIntervalUs: c.cpuUs,
        heapIntervalBytes: c.heapBytes,
        heapPercent: c.heapPercent,
        ratio: median(xs) / median(plain),
        windowRatio: median(runs[w][c.name].map((x) => x.windowCpuUsPerUnit)) / median(plain),
        spread: [min(paired), max(paired)],
        samples: median(runs[w][c.name].map((x) => x.samples)),
        plainCpuUsPerUnit: plain,
        cpuUsPerUnit: xs,
      });
    }
  }
  return { rounds: o.rounds, seconds: o.seconds, rows };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  /** @param {string} name @param {number} dflt */
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const only = argv.indexOf('--only'); // e.g. --only 1,5,9: indexes into CONFIGS
  benchIntervals({
    rounds: opt('--rounds', 3),
    seconds: opt('--seconds', 10),
    only: only >= 0 ? argv[only + 1].split(',').map(Number) : undefined,
  })
    .then((r) => {
      fs.mkdirSync(RESULTS, { recursive: true });
      fs.writeFileSync(path.join(RESULTS, 'profile-intervals.json'), JSON.stringify(r, null, 2) + '\n');
      console.log(
        `| workload | configuration | CPU per unit vs plain, whole command (median of ${r.rounds}) | per-round range | window only | CPU samples |`,
      );
      console.log('|---|---|---:|---:|---:|---:|');
      for (const x of r.rows)
        console.log(
          `| ${x.workload} | ${x.config} | ×${f2(x.ratio)} | ×${f2(x.spread[0])}–×${f2(x.spread[1])} | ×${f2(x.windowRatio)} | ${x.samples} |`,
        );
      console.log('written: bench-results/profile-intervals.json');
    })
    .catch((e) => {
      console.error('[bench] profile intervals failed:', e);
      process.exitCode = 1;
    });
}

module.exports = { benchIntervals, CONFIGS };
