// The /proc scan measurements, per fleet size: our scanner as the extension calls it, the C reference, `ps`,
// pidusage, event-loop delay and slicing, and where the scanner's CPU goes (with bench-local alternative loops).
'use strict';
const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const vm = require('vm');
const { spawnSync } = require('child_process');
const { monitorEventLoopDelay, PerformanceObserver, constants: perfConstants } = require('perf_hooks');
const { ROOT, sleep, cpuUs, median, max, min, f1, f2, log } = require('./util');
const { spawnFleet, killFleet, fleetRoom } = require('./fleet');
const { measureChild } = require('./native');

v8.setFlagsFromString('--expose-gc');
/** @type {() => void} */
const gc = vm.runInNewContext('gc');

/** @typedef {import('./ours').Ours} Ours */
/** @typedef {import('./options').Options} Options */
/** @typedef {import('./native').Compiled} Compiled */
/** @typedef {import('../../src/probes/scanner').ScanOptions} ScanOptions */

/**
 * One scan's figures.
 * @typedef {{ wallMs: number, cpuUs: number, count: number, skipped: number, cpuPerProcUs: number }} ScanRun
 * @typedef {ScanRun & { maxDelayMs: number, gcMaxMs: number, gcKind: string }} TimedScanRun
 */

/** GC pauses as they are reported: start, duration (ms, performance.now() time) and kind. @type {[number, number, string][]} */
const gcPauses = [];
/** @type {Record<number, string>} */
const GC_KINDS = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = /** @type {{ detail?: { kind?: number } }} */ (e).detail?.kind ?? -1;
    gcPauses.push([e.startTime, e.duration, GC_KINDS[kind] ?? `kind ${kind}`]);
  }
  if (gcPauses.length > 10000) gcPauses.splice(0, gcPauses.length - 10000);
}).observe({ entryTypes: ['gc'] });
/** The longest GC pause that started in [t0, t1]: its ms and kind (0 ms: none). @param {number} t0 @param {number} t1 */
function longestGc(t0, t1) {
  let best = { gcMaxMs: 0, gcKind: '' };
  for (const [start, ms, kind] of gcPauses) if (start >= t0 && start <= t1 && ms > best.gcMaxMs) best = { gcMaxMs: ms, gcKind: kind };
  return best;
}

/** One scan exactly as the extension does it, with wall, own CPU and the max event-loop delay around it.
 *  @param {Ours} ours @param {ScanOptions} [extra] */
async function timedScan(ours, extra = {}) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(5); // the histogram records from its second timer tick on: a block before that would go unseen
  const c0 = cpuUs();
  const t0 = performance.now();
  const snap = await ours.scanner.scanProcesses({ procRoot: '/proc', ...extra });
  const wallMs = performance.now() - t0;
  const cpu = cpuUs() - c0;
  await sleep(2); // let the delay timer fire once after the last slice (and the GC observer report)
  h.disable();
  const count = snap.processes.size + snap.skipped.length;
  /** @type {TimedScanRun} */
  const run = {
    wallMs,
    cpuUs: cpu,
    count,
    skipped: snap.skipped.length,
    cpuPerProcUs: cpu / count,
    maxDelayMs: h.max / 1e6,
    ...longestGc(t0, t0 + wallMs),
  };
  return { snap, run };
}

/**
 * One timed pass of procread.c, as it prints it.
 * @typedef {{ count: number, skipped: number, wall_us: number, user_us: number, sys_us: number, checksum: number }} CPass
 * @typedef {{ full: CPass[], readdir: CPass[], uidStat: CPass[], statFile: CPass[], cmdlineFile: CPass[] }} CResult
 */

/** @param {string} bin @param {number} reps @param {boolean} parts @param {boolean} [oneRead] @returns {CResult} */
function runProcread(bin, reps, parts, oneRead) {
  const args = ['--reps', String(reps), ...(parts ? ['--parts'] : []), ...(oneRead ? ['--one-read'] : [])];
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`procread failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
/** @param {CPass} p */
const cPass = (p) => ({
  count: p.count + p.skipped,
  wallMs: p.wall_us / 1000,
  cpuUs: p.user_us + p.sys_us,
  cpuPerProcUs: (p.user_us + p.sys_us) / (p.count + p.skipped),
});

/** Longest synchronous stretch of one scan: the same scan with a yield that timestamps every slice (wall and
 *  process CPU, so a slice stretched by the OS scheduling another process shows as wall ≫ CPU).
 *  @param {Ours} ours */
async function sliceProfile(ours) {
  /** @type {{ wallMs: number, cpuMs: number }[]} */
  const slices = [];
  let last = performance.now();
  let lastCpu = cpuUs();
  const end = () => slices.push({ wallMs: performance.now() - last, cpuMs: (cpuUs() - lastCpu) / 1000 });
  /** @returns {Promise<void>} */
  const yieldToLoop = () => {
    end();
    return new Promise((resolve) =>
      setImmediate(() => {
        last = performance.now();
        lastCpu = cpuUs();
        resolve();
      }),
    );
  };
  await ours.scanner.scanProcesses({ procRoot: '/proc', yieldToLoop });
  end();
  const longest = slices.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
  return {
    slices: slices.length,
    longestMs: longest.wallMs,
    longestCpuMs: longest.cpuMs,
    maxCpuMs: max(slices.map((x) => x.cpuMs)),
    medianMs: median(slices.map((x) => x.wallMs)),
  };
}

/** The parts of a scan, each over all pids, with the same NodeProcFs and parsers the scanner uses.
 *  @param {Ours} ours */
function scanParts(ours) {
  const pfs = new ours.procFs.NodeProcFs();
  const P = ours.parsers;
  const pids = pfs
    .readdir('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  /** @type {string[]} */
  const statTexts = [];
  /** @type {string[]} */
  const cmdTexts = [];
  for (const pid of pids) {
    try {
      statTexts.push(pfs.readText(`/proc/${pid}/stat`));
      cmdTexts.push(pfs.readText(`/proc/${pid}/cmdline`));
    } catch {
      // vanished
    }
  }
  /** @param {(pid: number) => unknown} f */
  const each = (f) => () => {
    for (const pid of pids) {
      try {
        f(pid);
      } catch {
        // vanished
      }
    }
  };
  /** @type {Record<string, () => unknown>} */
  const parts = {
    readdir: () => {
      // as the scanner lists it: a directory stream, numeric names kept
      const dir = pfs.openDir('/proc');
      const out = [];
      for (let name = dir.next(); name !== undefined; name = dir.next()) if (/^\d+$/.test(name)) out.push(Number(name));
      dir.close();
      return out;
    },
    uidStat: each((pid) => pfs.uidOf(`/proc/${pid}`)),
    statFile: each((pid) => pfs.readText(`/proc/${pid}/stat`)),
    cmdlineFile: each((pid) => pfs.readText(`/proc/${pid}/cmdline`)),
    parseStat: () => {
      for (const t of statTexts) P.parseStat(t);
    },
    parseCmdline: () => {
      for (const t of cmdTexts) P.parseCmdline(t).map(ours.procFs.utf8);
    },
  };
  return { pids, parts };
}

// ---- Alternative scan loops, NOT what src does: measured to back the suggestions in docs/benchmark.md. ----
// They produce the same records as scanner.ts (same fields), differing only in the marked places.

let altBuf = Buffer.allocUnsafe(16 * 1024);
/** Reads an open /proc file into the shared buffer. @param {number} fd @param {boolean} oneRead */
function altReadFd(fd, oneRead) {
  let len = 0;
  for (;;) {
    if (len === altBuf.length) {
      const bigger = Buffer.allocUnsafe(altBuf.length * 2);
      altBuf.copy(bigger, 0, 0, len);
      altBuf = bigger;
    }
    const n = fs.readSync(fd, altBuf, len, altBuf.length - len, null);
    if (n === 0) break;
    len += n;
    if (oneRead && len < altBuf.length) break; // [one read] a short read from /proc is the end of the file
  }
  return altBuf.toString('latin1', 0, len);
}
/** @param {string} file @param {boolean} oneRead */
function altReadText(file, oneRead) {
  const fd = fs.openSync(file, 'r');
  try {
    return altReadFd(fd, oneRead);
  } finally {
    fs.closeSync(fd);
  }
}
/** [fstat] owner of /proc/PID/stat = owner of /proc/PID. @param {string} file @param {boolean} oneRead */
function altReadTextAndUid(file, oneRead) {
  const fd = fs.openSync(file, 'r');
  try {
    const text = altReadFd(fd, oneRead);
    return { text, uid: fs.fstatSync(fd).uid };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The stat fields a record needs.
 * @typedef {{ pid: number, comm: string, state: string, ppid: number, pgrp: number, session: number, tpgid: number,
 *   utime: number, stime: number, starttime: number, rssPages: number }} AltStat
 */

/** [fast parse] parseStat without split(/\s+/) and per-field regexes: one indexOf walk over the fields after comm.
 *  @param {string} text @returns {AltStat | undefined} */
function altParseStat(text) {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  /** @type {string[]} */
  const f = [];
  for (let i = close + 2, field = 3; i < text.length && field <= 24; field++) {
    let j = text.indexOf(' ', i);
    if (j < 0) j = text.length;
    f[field] = text.slice(i, j);
    i = j + 1;
  }
  /** @param {number} k */
  const n = (k) => {
    const v = Number(f[k]);
    return f[k] !== '' && Number.isSafeInteger(v) ? v : undefined;
  };
  const ppid = n(4);
  const pgrp = n(5);
  const session = n(6);
  const tpgid = n(8);
  const utime = n(14);
  const stime = n(15);
  const starttime = n(22);
  const rssPages = n(24);
  if (rssPages === undefined || starttime === undefined) return undefined;
  // The scanner's parseStat rejects a record whose numeric fields do not parse; so does this one.
  if (ppid === undefined || pgrp === undefined || session === undefined || tpgid === undefined) return undefined;
  if (utime === undefined || stime === undefined) return undefined;
  const pid = Number(text.slice(0, open - 1));
  return { pid, comm: text.slice(open + 1, close), state: f[3], ppid, pgrp, session, tpgid, utime, stime, starttime, rssPages };
}

/** @param {Ours} ours @param {{ oneRead?: boolean, fstat?: boolean, fastParse?: boolean }} v */
function altScan(ours, v) {
  const P = ours.parsers;
  const utf8 = ours.procFs.utf8;
  const oneRead = v.oneRead === true;
  const pids = fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  const processes = new Map();
  for (const pid of pids) {
    const dir = `/proc/${pid}`;
    let statText;
    let cmdline;
    let uid;
    try {
      if (v.fstat) {
        const r = altReadTextAndUid(`${dir}/stat`, oneRead);
        statText = r.text;
        uid = r.uid;
      } else {
        uid = fs.statSync(dir).uid;
        statText = altReadText(`${dir}/stat`, oneRead);
      }
      cmdline = altReadText(`${dir}/cmdline`, oneRead);
    } catch {
      continue;
    }
    /** @type {AltStat | undefined} */
    let s;
    if (v.fastParse) s = altParseStat(statText);
    else {
      const p = P.parseStat(statText);
      s = p.ok ? p.value : undefined;
    }
    if (!s || s.pid !== pid) continue;
    processes.set(pid, {
      pid,
      ppid: s.ppid,
      comm: utf8(s.comm),
      state: s.state,
      pgrp: s.pgrp,
      session: s.session,
      tpgid: s.tpgid,
      starttime: s.starttime,
      startedAtMs: Math.round((s.starttime * 1000) / 100),
      cpuTicks: s.utime + s.stime,
      rssBytes: s.rssPages * 4096,
      uid,
      argv: P.parseCmdline(cmdline).map(utf8),
    });
  }
  return processes.size;
}

/** Where the CPU goes: in each round, every part of a scan, the whole scanner with and without its yields, the
 *  alternative loops, and the C reference's parts (as shipped and with one read per file) — interleaved, so drift
 *  from other load on the machine hits all of them alike. Median CPU µs per process.
 *  @param {Ours} ours @param {number} reps @param {Compiled} cref */
async function breakdown(ours, reps, cref) {
  const { pids, parts } = scanParts(ours);
  /** @type {Record<string, () => Promise<number>>} */
  const variants = {
    scanner: async () => (await ours.scanner.scanProcesses({ procRoot: '/proc' })).processes.size,
    scannerNoYield: async () => (await ours.scanner.scanProcesses({ procRoot: '/proc', yieldToLoop: async () => {} })).processes.size,
    oneRead: async () => altScan(ours, { oneRead: true }),
    oneReadFstat: async () => altScan(ours, { oneRead: true, fstat: true }),
    oneReadFstatFastParse: async () => altScan(ours, { oneRead: true, fstat: true, fastParse: true }),
  };
  /** @type {Record<string, number[]>} */
  const partRuns = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
  /** @type {Record<string, number[]>} */
  const variantRuns = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  /** @type {Record<string, number[]>} */
  const cRuns = { readdir: [], uidStat: [], statFile: [], cmdlineFile: [], full: [], fullOneRead: [] };
  /** @param {CPass} p */
  const perProc = (p) => (p.user_us + p.sys_us) / (p.count + p.skipped);
  for (const fn of Object.values(parts)) fn(); // warm-up
  for (const fn of Object.values(variants)) for (let i = 0; i < 2; i++) await fn();
  for (let r = 0; r < reps; r++) {
    for (const [k, fn] of Object.entries(parts)) {
      const c0 = cpuUs();
      fn();
      partRuns[k].push((cpuUs() - c0) / pids.length);
    }
    for (const [k, fn] of Object.entries(variants)) {
      const c0 = cpuUs();
      const n = await fn();
      variantRuns[k].push((cpuUs() - c0) / n);
    }
    if (cref.bin) {
      const c = runProcread(cref.bin, 1, true);
      const base = perProc(c.readdir[0]);
      cRuns.readdir.push(base);
      cRuns.uidStat.push(perProc(c.uidStat[0]) - base);
      cRuns.statFile.push(perProc(c.statFile[0]) - base);
      cRuns.cmdlineFile.push(perProc(c.cmdlineFile[0]) - base);
      cRuns.full.push(perProc(c.full[0]));
      cRuns.fullOneRead.push(perProc(runProcread(cref.bin, 1, false, true).full[0]));
    }
  }
  /** @param {Record<string, number[]>} o @returns {Record<string, number>} */
  const med = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, median(v)]));
  return {
    processes: pids.length,
    reps,
    usPerProc: med(partRuns),
    variantsUsPerProc: med(variantRuns),
    ...(cref.bin ? { cUsPerProc: med(cRuns) } : {}),
  };
}

/** Kernel memory charged to this process's cgroup (v2 memory.stat `kernel`, v1 memory.kmem.usage_in_bytes), if readable.
 *  @param {Ours} ours @returns {number | undefined} */
function kernelMemoryBytes(ours) {
  const cg = ours.cgroup.readCgroupMemory({ procRoot: '/proc' });
  if (!cg.ok) return undefined;
  try {
    if (cg.value.version === 2) {
      const m = /^kernel (\d+)$/m.exec(fs.readFileSync(`${cg.value.dir}/memory.stat`, 'latin1'));
      return m ? Number(m[1]) : undefined;
    }
    return Number(fs.readFileSync(`${cg.value.dir}/memory.kmem.usage_in_bytes`, 'latin1').trim());
  } catch {
    return undefined;
  }
}

/** A yieldToLoop emulating a time budget: asked every `sliceSize` pids, it yields only once 4 ms have passed. */
const budgetYield = () => {
  let last = performance.now();
  /** @returns {Promise<void>} */
  return () => {
    if (performance.now() - last < 4) return Promise.resolve();
    return new Promise((resolve) =>
      setImmediate(() => {
        last = performance.now();
        resolve();
      }),
    );
  };
};

/** pidusage(allPids) in a fresh Node child (see pidusage-child.js). @param {string} work */
function benchPidusage(work) {
  const pidsFile = path.join(work, 'pids.json');
  const pids = fs
    .readdirSync('/proc')
    .filter((x) => /^\d+$/.test(x))
    .map(Number);
  fs.writeFileSync(pidsFile, JSON.stringify(pids));
  const pu = spawnSync(process.execPath, [path.join(__dirname, 'pidusage-child.js'), pidsFile, '3'], { cwd: ROOT, encoding: 'utf8' });
  /** @typedef {{ wallMs: number, cpuUs: number, ok: number, asked: number }} PidusageRun */
  /** @type {{ error: string } | { error?: undefined, cold: PidusageRun, warm: PidusageRun[] }} */
  const puRes = JSON.parse((pu.stdout ?? '').trim().split('\n').pop() || '{"error":"no output"}');
  if (puRes.error !== undefined) return { error: puRes.error };
  /** @param {PidusageRun} x */
  const per = (x) => ({ ...x, cpuPerProcUs: x.cpuUs / x.asked });
  const warm = puRes.warm.map(per);
  return {
    cold: per(puRes.cold),
    warm,
    warmWallMs: median(warm.map((w) => w.wallMs)),
    warmCpuPerProcUs: median(warm.map((w) => w.cpuPerProcUs)),
  };
}

/** Everything measured at one fleet size. The fleet is killed (by verified pid) before this returns or throws.
 *  @param {number} n @param {Options} o @param {Ours} ours @param {Compiled} cref @param {string} work */
async function benchFleet(n, o, ours, cref, work) {
  const noRoom = fleetRoom(n);
  if (noRoom) {
    log(`fleet of ${n}: SKIPPED — ${noRoom}`);
    return { fleetSize: n, skipped: noRoom };
  }
  log(`fleet of ${n}: spawning…`);
  const t0 = performance.now();
  const fleet = await spawnFleet(n);
  log(`fleet of ${n}: ${fleet.members.size} sleeps (sh ${fleet.shPid}) in ${(performance.now() - t0).toFixed(0)} ms`);
  /** @type {Record<string, any>} */
  const res = { fleetSize: n, fleetRecorded: fleet.members.size };
  try {
    await sleep(300);
    // Warm-up
    for (let i = 0; i < 3; i++) await timedScan(ours);
    if (cref.bin) runProcread(cref.bin, 1, false);
    gc();
    const mem0 = process.memoryUsage();
    let rssPeak = mem0.rss;
    /** @type {TimedScanRun[]} */
    const firsts = [];
    /** @type {ScanRun[]} */
    const scans = [];
    /** @type {ReturnType<typeof cPass>[]} */
    const cRuns = [];
    /** @type {import('../../src/probes/scanner').Snapshot | undefined} */
    let latest; // the extension keeps the latest snapshot, so do we
    // The incremental refresh as ScanService.fresh() runs it: one ScanCache, filled by a cold scan before the rounds.
    const cache = new ours.scanner.ScanCache();
    // What the cache costs: the heap it retains, and the kernel memory of its kept stat files (the cgroup's count).
    gc();
    const kmem0 = kernelMemoryBytes(ours);
    const cacheHeap0 = process.memoryUsage().heapUsed;
    await ours.scanner.scanProcesses({ procRoot: '/proc', cache });
    await ours.scanner.scanProcesses({ procRoot: '/proc', cache });
    gc();
    const kmem1 = kernelMemoryBytes(ours);
    const cacheHeapBytes = process.memoryUsage().heapUsed - cacheHeap0; // cache + the last snapshot, kept below
    const keptFiles = cache.keptFiles;
    const hits0 = { ...cache.stats };
    /** @type {TimedScanRun[]} */
    const steady = [];
    // Rounds, so that ours and C see the same machine state: (1) a scan after a short pause, with the event-loop
    // delay histogram around it; (2) right after it, a second scan — the CPU figure compared with C, whose timed pass
    // also directly follows its own warm-up pass; (3) the C reference.
    for (let r = 0; r < o.reps; r++) {
      firsts.push((await timedScan(ours)).run);
      const c0 = cpuUs();
      const w0 = performance.now();
      latest = await ours.scanner.scanProcesses({ procRoot: '/proc' });
      const cpu = cpuUs() - c0;
      const count = latest.processes.size + latest.skipped.length;
      scans.push({ wallMs: performance.now() - w0, cpuUs: cpu, count, skipped: latest.skipped.length, cpuPerProcUs: cpu / count });
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (cref.bin) cRuns.push(cPass(runProcread(cref.bin, 1, false).full[0]));
      // (4) a steady-state refresh (the cache as a poll leaves it), with the event-loop delay around it
      steady.push((await timedScan(ours, { cache })).run);
    }
    const hitRate = (cache.stats.hits - hits0.hits) / (cache.stats.hits - hits0.hits + cache.stats.misses - hits0.misses);
    const unchangedRate = (cache.stats.unchanged - hits0.unchanged) / (cache.stats.hits - hits0.hits);
    gc();
    const mem1 = process.memoryUsage();
    // Memory retained by one scan's result: the heap after a GC with one more snapshot held, minus without it.
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const held = await ours.scanner.scanProcesses({ procRoot: '/proc' });
    gc();
    const retainedBytes = process.memoryUsage().heapUsed - heapBefore;
    res.retained = { bytes: retainedBytes, processes: held.processes.size, bytesPerProcess: retainedBytes / held.processes.size };
    res.processesScanned = median(scans.map((s) => s.count));
    res.ours = {
      reps: scans,
      wallMs: median(scans.map((s) => s.wallMs)),
      cpuPerProcUs: median(scans.map((s) => s.cpuPerProcUs)),
      cpuPerProcUsMin: min(scans.map((s) => s.cpuPerProcUs)),
      firstScans: firsts,
      firstWallMs: median(firsts.map((s) => s.wallMs)),
      firstCpuPerProcUs: median(firsts.map((s) => s.cpuPerProcUs)),
      maxDelayMs: max(firsts.map((s) => s.maxDelayMs)),
      medianMaxDelayMs: median(firsts.map((s) => s.maxDelayMs)),
      heapGrowthBytes: mem1.heapUsed - mem0.heapUsed,
      rssGrowthBytes: mem1.rss - mem0.rss,
      rssPeakGrowthBytes: rssPeak - mem0.rss,
      latestSnapshotProcesses: latest?.processes.size,
    };
    const profiles = [];
    for (let i = 0; i < 3; i++) profiles.push(await sliceProfile(ours));
    res.ours.slices = profiles.reduce((a, b) => (b.longestMs > a.longestMs ? b : a));
    // The same scanner with other slicing, through its options (no src change): a smaller sliceSize, and a time
    // budget emulated with yieldToLoop (asked every 16 pids, it yields only once 4 ms have passed).
    res.smallerSlices = {};
    /** @type {[string, () => ScanOptions][]} */
    const slicings = [
      ['50', () => ({ sliceSize: 50 })],
      ['budget4ms', () => ({ sliceSize: 16, yieldToLoop: budgetYield() })],
    ];
    for (const [name, opts] of slicings) {
      /** @type {TimedScanRun[]} */
      const runs = [];
      for (let r = 0; r < o.reps; r++) runs.push((await timedScan(ours, opts())).run);
      res.smallerSlices[name] = {
        maxDelayMs: max(runs.map((x) => x.maxDelayMs)),
        medianMaxDelayMs: median(runs.map((x) => x.maxDelayMs)),
        cpuPerProcUs: median(runs.map((x) => x.cpuPerProcUs)),
      };
    }
    // A refresh when nothing changed: the second of two back-to-back scans (the scanner has no cache).
    res.refreshScan = {
      first: { wallMs: res.ours.firstWallMs, cpuUs: median(firsts.map((s) => s.cpuUs)) },
      second: { wallMs: res.ours.wallMs, cpuUs: median(scans.map((s) => s.cpuUs)) },
      count: res.processesScanned,
    };
    res.incremental = {
      reps: steady,
      wallMs: median(steady.map((x) => x.wallMs)),
      cpuPerProcUs: median(steady.map((x) => x.cpuPerProcUs)),
      maxDelayMs: max(steady.map((x) => x.maxDelayMs)),
      cacheHitRate: hitRate,
      unchangedRate,
      rotation: cache.rotation,
      keptFiles,
      maxKeptFiles: cache.maxKeptFiles,
      cacheHeapBytes,
      keptFilesKernelBytes: kmem0 !== undefined && kmem1 !== undefined ? kmem1 - kmem0 : undefined,
    };
    cache.clear();
    if (cref.bin) {
      res.c = {
        reps: cRuns,
        wallMs: median(cRuns.map((c) => c.wallMs)),
        cpuPerProcUs: median(cRuns.map((c) => c.cpuPerProcUs)),
        cpuPerProcUsMin: min(cRuns.map((c) => c.cpuPerProcUs)),
      };
      res.ratio = res.ours.cpuPerProcUs / res.c.cpuPerProcUs;
      res.incrementalRatio = res.incremental.cpuPerProcUs / res.c.cpuPerProcUs;
    }
    // ps
    measureChild(['ps', '-eo', 'pid,ppid,rss,lstart,args']);
    const psRuns = [];
    for (let r = 0; r < o.psReps; r++) {
      const m = measureChild(['ps', '-eo', 'pid,ppid,rss,lstart,args']);
      const count = m.stdout.split('\n').filter((l) => l.trim()).length - 1;
      psRuns.push({ wallMs: m.wallMs, cpuUs: m.cpuUs, count, cpuPerProcUs: m.cpuUs / count });
    }
    res.ps = { reps: psRuns, wallMs: median(psRuns.map((p) => p.wallMs)), cpuPerProcUs: median(psRuns.map((p) => p.cpuPerProcUs)) };
    res.pidusage = benchPidusage(work);
    // Breakdown (CPU per process of each part, ours vs C) and the alternatives
    res.breakdown = await breakdown(ours, Math.max(5, o.reps), cref);
    log(
      `fleet of ${n}: ${res.processesScanned} processes — ` +
        `ours ${f1(res.ours.cpuPerProcUs)} µs/proc, C ${f1(res.c?.cpuPerProcUs)} µs/proc ` +
        `(×${f2(res.ratio)}), refresh ${f1(res.incremental.cpuPerProcUs)} µs/proc (×${f2(res.incrementalRatio)}), ps ${f1(res.ps.cpuPerProcUs)} µs/proc, max loop delay ${f1(res.ours.maxDelayMs)} ms`,
    );
  } finally {
    const left = await killFleet(fleet);
    res.fleetLeftAfterCleanup = left;
    log(`fleet of ${n}: killed by verified pid; ${left} of ${fleet.members.size + 1} still present`);
  }
  return res;
}

module.exports = { benchFleet };
