// A focused run of the scan figures only (not part of `npm run bench`): per fleet size, interleaved rounds of a cold
// scan, the C reference and an incremental refresh, each scan with the event-loop delay and the garbage collections
// inside it (the longest pause; how many and how many ms a scan, on average), plus the longest synchronous stretch (a
// setImmediate probe timestamps every loop turn during a separate scan, with the main thread's CPU in that stretch:
// wall ≫ CPU is the OS running another process).
// `--compare DIR` also measures the scanner compiled in DIR (e.g. a copy of main's out/src/probes) in the same rounds,
// interleaved, for a before/after on one loaded machine. For working on the scanner without the 9-minute bench:
//   npx tsc -p . && node scripts/bench/scan-focus.js [--sizes 200,1000,3000,10000] [--reps 7] [--compare DIR] [--alloc]
// `--alloc` also measures, per fleet, the bytes a scan allocates a process (cold and refresh) and what a snapshot
// retains a process, in a child Node whose young generation is large enough that no collection runs inside a scan.
// It spawns and kills its fleets by verified pid (fleet.js), like the full bench.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { PerformanceObserver, monitorEventLoopDelay } = require('perf_hooks');
const v8 = require('v8');
const { OUT, sleep, cpuUs, median, max, f1, f2, log } = require('./util');

/** @param {number[]} a */
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const { spawnFleet, killFleet, fleetRoom, installCleanupHandlers } = require('./fleet');
const { compile } = require('./native');
const { loadOurs } = require('./ours');

/** @typedef {typeof import('../../src/probes/scanner')} Scanner */
/** @typedef {import('../../src/probes/scanner').Snapshot} Snapshot */

/** @param {string} name @param {string} dflt */
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('--sizes', '200,1000,3000,10000').split(',').map(Number);
const reps = Number(arg('--reps', '7'));
const compareDir = arg('--compare', '');
const alloc = process.argv.includes('--alloc');

/** GC pauses as they end: [start, end] in performance.now() time. @type {[number, number][]} */
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });
/** Longest GC pause that started in [t0, t1]. @param {number} t0 @param {number} t1 */
const gcMax = (t0, t1) => max([0, ...gcsIn(t0, t1)]);
/** Durations of the GC pauses that started in [t0, t1]. @param {number} t0 @param {number} t1 */
const gcsIn = (t0, t1) => gcs.filter(([s]) => s >= t0 && s <= t1).map(([s, e]) => e - s);

/** @param {() => Promise<Snapshot>} scan */
async function delayed(scan) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(5);
  const c0 = cpuUs();
  const t0 = performance.now();
  const snap = await scan();
  const t1 = performance.now();
  const cpu = cpuUs() - c0;
  await sleep(2);
  h.disable();
  const count = snap.processes.size + snap.skipped.length;
  const inside = gcsIn(t0, t1);
  return {
    count,
    cpuPerProcUs: cpu / count,
    maxDelayMs: h.max / 1e6,
    gcMaxMs: gcMax(t0, t1),
    gcs: inside.length,
    gcMs: inside.reduce((a, b) => a + b, 0),
  };
}

const pc = /** @type {NodeJS.Process & { threadCpuUsage?: () => NodeJS.CpuUsage }} */ (process);
/** CPU of the main thread alone (Node ≥ 23.9), else of the whole process. */
const threadUs = pc.threadCpuUsage
  ? () => {
      const c = /** @type {() => NodeJS.CpuUsage} */ (pc.threadCpuUsage)();
      return c.user + c.system;
    }
  : cpuUs;

/** Longest wall stretch between two turns of the loop during one scan, and the longest main-thread CPU of one (a
 *  setImmediate chain: it spins the loop, so no CPU figure of the scan is taken here). @param {() => Promise<unknown>} scan */
async function longestStretch(scan) {
  let done = false;
  let last = performance.now();
  let lastCpu = threadUs();
  let wall = 0;
  let cpu = 0;
  const tick = () => {
    const now = performance.now();
    const c = threadUs();
    wall = Math.max(wall, now - last);
    cpu = Math.max(cpu, (c - lastCpu) / 1000);
    last = now;
    lastCpu = c;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  await scan();
  done = true;
  await sleep(1);
  return { wall, cpu };
}

/** @param {string} bin */
function cFull(bin) {
  const r = spawnSync(bin, ['--reps', '1'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) {
    // e.g. EAGAIN when other fleets on the machine take the pids: no C figure for this round
    log(`procread failed: ${r.error?.message ?? r.stderr}`);
    return NaN;
  }
  const p = JSON.parse(r.stdout).full[0];
  return (p.user_us + p.sys_us) / (p.count + p.skipped);
}

/**
 * @param {Scanner} scanner
 * @param {number | undefined} maxKeptFiles the variants' share of the kept-file bound: each compiled copy of the scanner
 *   counts its own kept files, so two of them would keep twice the bound open (at 10,000 processes: EMFILE)
 */
function variant(scanner, maxKeptFiles) {
  const cache = new scanner.ScanCache(undefined, maxKeptFiles);
  return {
    scanner,
    cache,
    cold: () => scanner.scanProcesses({ procRoot: '/proc' }),
    refresh: () => scanner.scanProcesses({ procRoot: '/proc', cache }),
    /** @type {Record<string, number[]>} */
    r: {
      cold: [],
      coldDelay: [],
      coldGc: [],
      coldGcs: [],
      coldGcMs: [],
      refresh: [],
      refDelay: [],
      refGc: [],
      refGcs: [],
      refGcMs: [],
      coldWall: [],
      coldCpu: [],
      refWall: [],
      refCpu: [],
    },
  };
}

/** Young-generation bytes in use (new space and its large objects). */
function youngBytes() {
  let n = 0;
  for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name.startsWith('new')) n += sp.space_used_size;
  return n;
}

/**
 * The child of --alloc (run with --expose-gc and 256 MB semi-spaces): per scanner directory, the median over 5 rounds
 * of the bytes a cold scan and a refresh allocate a process, and of what one snapshot retains a process.
 * @param {string[]} dirs
 */
async function allocChild(dirs) {
  const gcNow = /** @type {() => void} */ (global.gc);
  const gcCount = () => gcs.length;
  /** @type {Record<string, any>} */
  const out = {};
  for (const dir of dirs) {
    /** @type {Scanner} */
    const s = require(path.resolve(dir, 'scanner.js'));
    const cache = new s.ScanCache();
    for (let i = 0; i < 3; i++) await s.scanProcesses({ procRoot: '/proc' });
    for (let i = 0; i < 2; i++) await s.scanProcesses({ procRoot: '/proc', cache });
    /** @param {() => Promise<Snapshot>} scan */
    const allocated = async (scan) => {
      gcNow();
      await sleep(2);
      const g0 = gcCount();
      const y0 = youngBytes();
      const snap = await scan();
      const bytes = youngBytes() - y0;
      await sleep(2);
      return { snap, perProcess: bytes / (snap.processes.size + snap.skipped.length), collected: gcCount() > g0 };
    };
    /** @type {number[]} */ const cold = [];
    /** @type {number[]} */ const refresh = [];
    /** @type {number[]} */ const retained = [];
    let collected = 0;
    for (let r = 0; r < 5; r++) {
      /** @type {{ snap?: Snapshot, perProcess: number, collected: boolean }} */
      const c = await allocated(() => s.scanProcesses({ procRoot: '/proc' }));
      const n = c.snap?.processes.size ?? 1;
      gcNow();
      const held = process.memoryUsage().heapUsed;
      c.snap = undefined; // what one snapshot retains: the heap with it, minus without it
      gcNow();
      retained.push((held - process.memoryUsage().heapUsed) / n);
      cold.push(c.perProcess);
      const f = await allocated(() => s.scanProcesses({ procRoot: '/proc', cache }));
      refresh.push(f.perProcess);
      collected += Number(c.collected) + Number(f.collected);
    }
    cache.clear();
    out[dir] = { coldBytes: median(cold), refreshBytes: median(refresh), retainedBytes: median(retained), collected };
  }
  console.log(JSON.stringify(out));
}

/** --alloc: allocChild in a child Node, on the fleet of this process. @param {[string, string][]} dirs name, dir */
function allocated(dirs) {
  const flags = ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256'];
  const r = spawnSync(process.execPath, [...flags, __filename, '--alloc-child', dirs.map(([, d]) => d).join(',')], { encoding: 'utf8' });
  if (r.status !== 0) return log(`--alloc failed: ${r.error?.message ?? r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  for (const [name, d] of dirs) {
    const x = res[d];
    log(
      `${name}: allocated ${x.coldBytes.toFixed(0)} B a process in a cold scan, ${x.refreshBytes.toFixed(0)} in a refresh; ` +
        `a snapshot retains ${x.retainedBytes.toFixed(0)} B a process (${x.collected} of the scans saw a collection: then a lower bound)`,
    );
  }
}

async function main() {
  installCleanupHandlers();
  const ours = loadOurs();
  /** @type {[string, Scanner][]} */
  const scanners = [['src', ours.scanner]];
  if (compareDir) scanners.push(['compare', require(path.resolve(compareDir, 'scanner.js'))]);
  const cref = compile('procread');
  if (!cref.bin) throw new Error(cref.error);
  log(`node ${process.version}; sizes ${sizes.join(', ')}; ${reps} rounds; ${scanners.map(([k]) => k).join(' vs ')}`);
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
      const share = scanners.length > 1 ? Math.floor(new ours.scanner.ScanCache().maxKeptFiles / scanners.length) : undefined;
      const vs = scanners.map(([name, s]) => ({ name, ...variant(s, share) }));
      for (const v of vs) {
        for (let i = 0; i < 3; i++) await v.cold();
        await v.refresh();
        await v.refresh();
      }
      cFull(cref.bin);
      /** @type {number[]} */
      const c = [];
      let count = 0;
      for (let i = 0; i < reps; i++) {
        for (const v of vs) {
          const cold = await delayed(v.cold);
          count = cold.count;
          v.r.cold.push(cold.cpuPerProcUs);
          v.r.coldDelay.push(cold.maxDelayMs);
          v.r.coldGc.push(cold.gcMaxMs);
          v.r.coldGcs.push(cold.gcs);
          v.r.coldGcMs.push(cold.gcMs);
          const ref = await delayed(v.refresh);
          v.r.refresh.push(ref.cpuPerProcUs);
          v.r.refDelay.push(ref.maxDelayMs);
          v.r.refGc.push(ref.gcMaxMs);
          v.r.refGcs.push(ref.gcs);
          v.r.refGcMs.push(ref.gcMs);
          const cs = await longestStretch(v.cold);
          const rs = await longestStretch(v.refresh);
          v.r.coldWall.push(cs.wall);
          v.r.coldCpu.push(cs.cpu);
          v.r.refWall.push(rs.wall);
          v.r.refCpu.push(rs.cpu);
        }
        c.push(cFull(cref.bin));
      }
      for (const v of vs) {
        const r = v.r;
        const row = {
          variant: v.name,
          n,
          count,
          cold: median(r.cold),
          c: median(c),
          ratio: median(r.cold) / median(c),
          refresh: median(r.refresh),
          kept: `${v.cache.keptFiles}/${v.cache.maxKeptFiles}`,
          coldDelayMax: max(r.coldDelay),
          coldDelayMed: median(r.coldDelay),
          coldGcMax: max(r.coldGc),
          coldGcsPerScan: mean(r.coldGcs),
          coldGcMsPerScan: mean(r.coldGcMs),
          refDelayMax: max(r.refDelay),
          refDelayMed: median(r.refDelay),
          refGcMax: max(r.refGc),
          refGcsPerScan: mean(r.refGcs),
          refGcMsPerScan: mean(r.refGcMs),
          coldStretch: `${f1(max(r.coldWall))} / ${f1(max(r.coldCpu))}`,
          refStretch: `${f1(max(r.refWall))} / ${f1(max(r.refCpu))}`,
        };
        v.cache.clear();
        rows.push(row);
        log(
          `${v.name} ${n} (${count}): cold ${f2(row.cold)} µs/proc, C ${f2(row.c)} (×${f2(row.ratio)}), refresh ${f2(row.refresh)} ` +
            `(kept ${row.kept}); loop delay max/med cold ${f1(row.coldDelayMax)}/${f1(row.coldDelayMed)} ms (GC ≤ ${f1(row.coldGcMax)}, ` +
            `${f2(row.coldGcsPerScan)} a scan, ${f2(row.coldGcMsPerScan)} ms), ` +
            `refresh ${f1(row.refDelayMax)}/${f1(row.refDelayMed)} ms (GC ≤ ${f1(row.refGcMax)}, ${f2(row.refGcsPerScan)} a scan, ${f2(row.refGcMsPerScan)} ms); longest stretch wall / CPU ms: ` +
            `cold ${row.coldStretch}, refresh ${row.refStretch}`,
        );
      }
      if (alloc) {
        /** @type {[string, string][]} */
        const dirs = [['src', path.join(OUT, 'probes')]];
        if (compareDir) dirs.push(['compare', path.resolve(compareDir)]);
        allocated(dirs);
      }
    } finally {
      await killFleet(fleet);
    }
  }
  for (const [name] of scanners) {
    const at = (/** @type {number} */ n) => rows.find((x) => x.variant === name && x.n === n);
    const k1 = at(1000);
    const k10 = at(10000);
    if (k1 && k10) log(`${name} scale 10k / 1k: cold ×${f2(k10.cold / k1.cold)}, refresh ×${f2(k10.refresh / k1.refresh)}`);
  }
  console.log(JSON.stringify(rows));
}

const childDirs = arg('--alloc-child', '');
(childDirs ? allocChild(childDirs.split(',')) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
