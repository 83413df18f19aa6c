// Child of scripts/bench/run.js: measures pidusage(pids[]) in a fresh process, so pidusage's module state (it keeps
// one open fd per pid in its history and never closes them on clear()) dies with this process.
// Usage: node pidusage-child.js PIDS_JSON_FILE WARM_REPS — prints one JSON line.
'use strict';
const fs = require('fs');

/** @type {typeof import('pidusage')} (types: scripts/types/modules.d.ts) */
let pidusage;
try {
  pidusage = require('pidusage');
} catch (e) {
  const err = /** @type {NodeJS.ErrnoException} */ (e);
  console.log(JSON.stringify({ error: `pidusage not installed (${err.code || err.message})` }));
  process.exit(0);
}

const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** @param {number[]} pids */
async function timed(pids) {
  const c0 = cpuUs();
  const t0 = performance.now();
  const stats = await pidusage(pids);
  const wallMs = performance.now() - t0;
  const cpu = cpuUs() - c0;
  const ok = Object.values(stats).filter((s) => s && typeof s.memory === 'number').length;
  return { wallMs, cpuUs: cpu, ok, asked: pids.length };
}

async function main() {
  /** @type {number[]} */
  const pids = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const warmReps = Number(process.argv[3] || 3);
  // One call for our own pid first: pidusage's one-time setup (two `getconf` child processes, JIT) is not per-pid cost.
  await pidusage(process.pid);
  const cold = await timed(pids); // first call per pid: open + read, then (no history yet) a second read
  const warm = [];
  for (let i = 0; i < warmReps; i++) warm.push(await timed(pids)); // later calls: one pread on the fd it kept open
  console.log(JSON.stringify({ cold, warm }));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
  process.exit(0);
});
