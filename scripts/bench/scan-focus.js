// A focused run of the scan figures only (not part of `npm run bench`): per fleet size, interleaved rounds of a cold
// scan, the C reference and an incremental refresh, each scan with the event-loop delay around it, plus the longest
// synchronous stretch (a setImmediate probe timestamps every loop turn during a separate scan). For working on the
// scanner without the full 9-minute bench:
//   npx tsc -p . && node scripts/bench/scan-focus.js [--sizes 200,1000,3000,10000] [--reps 7]
// It spawns and kills its fleets by verified pid (fleet.js), like the full bench.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { monitorEventLoopDelay } = require('perf_hooks');
const { sleep, cpuUs, median, max, f1, f2, log } = require('./util');
const { spawnFleet, killFleet, fleetRoom, installCleanupHandlers } = require('./fleet');
const { compile } = require('./native');
const { loadOurs } = require('./ours');

const arg = (/** @type {string} */ name, /** @type {string} */ dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('--sizes', '200,1000,3000,10000').split(',').map(Number);
const reps = Number(arg('--reps', '7'));

/** @param {() => Promise<unknown>} scan */
async function delayed(scan) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(5);
  const c0 = cpuUs();
  const snap = /** @type {import('../../src/probes/scanner').Snapshot} */ (await scan());
  const cpu = cpuUs() - c0;
  await sleep(2);
  h.disable();
  const count = snap.processes.size + snap.skipped.length;
  return { count, cpuPerProcUs: cpu / count, maxDelayMs: h.max / 1e6 };
}

/** Longest wall stretch between two turns of the loop during one scan (a setImmediate chain; it spins the loop, so
 *  CPU figures are not taken here). @param {() => Promise<unknown>} scan */
async function longestStretch(scan) {
  // main-thread CPU (Node ≥ 23.9) tells a long stretch of our own work from the OS running another process meanwhile
  const pc = /** @type {NodeJS.Process & { threadCpuUsage?: () => NodeJS.CpuUsage }} */ (process);
  const threadUs = pc.threadCpuUsage
    ? () => {
        const c = /** @type {() => NodeJS.CpuUsage} */ (pc.threadCpuUsage)();
        return c.user + c.system;
      }
    : cpuUs;
  let done = false;
  let last = performance.now();
  let lastCpu = threadUs();
  let longest = 0;
  let longestCpu = 0;
  const tick = () => {
    const now = performance.now();
    const cpu = threadUs();
    longest = Math.max(longest, now - last);
    longestCpu = Math.max(longestCpu, (cpu - lastCpu) / 1000);
    last = now;
    lastCpu = cpu;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  await scan();
  done = true;
  await sleep(1);
  return { wall: longest, cpu: longestCpu };
}

/** @param {string} bin */
function cFull(bin) {
  const r = spawnSync(bin, ['--reps', '1'], { encoding: 'utf8' });
  const p = JSON.parse(r.stdout).full[0];
  return (p.user_us + p.sys_us) / (p.count + p.skipped);
}

async function main() {
  installCleanupHandlers();
  const ours = loadOurs();
  const cref = compile('procread');
  if (!cref.bin) throw new Error(cref.error);
  log(`node ${process.version}, ${path.basename(process.execPath)}; sizes ${sizes.join(', ')}; ${reps} rounds`);
  /** @type {Record<string, any>[]} */
  const rows = [];
  for (const n of sizes) {
    const noRoom = fleetRoom(n);
    if (noRoom) {
      log(`fleet of ${n}: skipped — ${noRoom}`);
      continue;
    }
    const fleet = await spawnFleet(n);
    try {
      await sleep(300);
      const cold = () => ours.scanner.scanProcesses({ procRoot: '/proc' });
      const cache = new ours.scanner.ScanCache();
      const refresh = () => ours.scanner.scanProcesses({ procRoot: '/proc', cache });
      for (let i = 0; i < 3; i++) await cold();
      await refresh();
      await refresh();
      cFull(cref.bin);
      /** @type {Record<string, number[]>} */
      const r = {
        coldCpu: [],
        coldDelay: [],
        cCpu: [],
        refCpu: [],
        refDelay: [],
        coldStretch: [],
        refStretch: [],
        coldStretchCpu: [],
        refStretchCpu: [],
      };
      let count = 0;
      for (let i = 0; i < reps; i++) {
        const c = await delayed(cold);
        count = c.count;
        r.coldCpu.push(c.cpuPerProcUs);
        r.coldDelay.push(c.maxDelayMs);
        r.cCpu.push(cFull(cref.bin));
        const f = await delayed(refresh);
        r.refCpu.push(f.cpuPerProcUs);
        r.refDelay.push(f.maxDelayMs);
        const cs = await longestStretch(cold);
        const rs = await longestStretch(refresh);
        r.coldStretch.push(cs.wall);
        r.refStretch.push(rs.wall);
        r.coldStretchCpu.push(cs.cpu);
        r.refStretchCpu.push(rs.cpu);
      }
      const row = {
        n,
        count,
        cold: median(r.coldCpu),
        c: median(r.cCpu),
        ratio: median(r.coldCpu) / median(r.cCpu),
        refresh: median(r.refCpu),
        kept: `${cache.keptFiles}/${cache.maxKeptFiles}`,
        coldDelayMax: max(r.coldDelay),
        coldDelayMed: median(r.coldDelay),
        refDelayMax: max(r.refDelay),
        refDelayMed: median(r.refDelay),
        coldStretchMax: max(r.coldStretch),
        refStretchMax: max(r.refStretch),
        coldStretchCpuMax: max(r.coldStretchCpu),
        refStretchCpuMax: max(r.refStretchCpu),
      };
      cache.clear();
      rows.push(row);
      log(
        `${n} (${count} procs): cold ${f2(row.cold)} µs/proc, C ${f2(row.c)} (×${f2(row.ratio)}), refresh ${f2(row.refresh)} ` +
          `(kept ${row.kept}); loop delay cold max/med ${f1(row.coldDelayMax)}/${f1(row.coldDelayMed)} ms, refresh ` +
          `${f1(row.refDelayMax)}/${f1(row.refDelayMed)} ms; longest stretch wall / thread CPU: cold ${f2(row.coldStretchMax)} / ${f2(row.coldStretchCpuMax)} ms, ` +
          `refresh ${f2(row.refStretchMax)} / ${f2(row.refStretchCpuMax)} ms`,
      );
    } finally {
      await killFleet(fleet);
    }
  }
  const at = (/** @type {number} */ n) => rows.find((x) => x.n === n);
  const k1 = at(1000);
  const k10 = at(10000);
  if (k1 && k10) log(`scale 10k / 1k: cold ×${f2(k10.cold / k1.cold)}, refresh ×${f2(k10.refresh / k1.refresh)}`);
  console.log(JSON.stringify(rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
