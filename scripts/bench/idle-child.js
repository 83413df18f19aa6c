// Child of scripts/bench/run.js: the idle cost of the status-bar sampler and the memory monitor, measured in a
// fresh Node process (so nothing left over from the other benchmarks — background GC, V8's memory reducer — is
// billed to either window). Usage: node --expose-gc idle-child.js SECONDS SETTLE_SECONDS STORAGE_DIR
// Prints one JSON line.
'use strict';
const fs = require('fs');
const path = require('path');

const OUT = path.resolve(__dirname, '..', '..', 'out', 'src');
const { SelfSampler } = require(path.join(OUT, 'probes/selfMemory.js'));
const { MemoryMonitor } = require(path.join(OUT, 'features/memory/monitor.js'));
const { readCgroupMemory, readHostMemory } = require(path.join(OUT, 'probes/cgroup.js'));
const { KmsgFollower, catReader } = require(path.join(OUT, 'probes/kmsg.js'));
const v8 = require('v8');

const seconds = Number(process.argv[2] || 60);
const settleSeconds = Number(process.argv[3] || 15);
const storageDir = process.argv[4];
/** @param {number} ms @returns {Promise<void>} */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

async function main() {
  fs.mkdirSync(storageDir, { recursive: true });
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  const starttime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const monitor = new MemoryMonitor({
    procRoot: '/proc',
    storageDir,
    windowKey: 'bench',
    self: { pid: process.pid, starttime, startedAtMs: Date.now() - process.uptime() * 1000 },
    historyMinutes: 60,
    latestScan: () => undefined, // no view visible: no process scan, as when nobody looks at the sidebar
    log: () => {},
  });
  const sampler = new SelfSampler('/proc');

  // JIT-warm cost per call, for a cross-check of the real-interval measurement.
  /** @param {() => unknown} fn @param {number} n */
  const perCall = (fn, n) => {
    for (let i = 0; i < 50; i++) fn();
    const c0 = cpuUs();
    for (let i = 0; i < n; i++) fn();
    return (cpuUs() - c0) / n;
  };
  const selfSampleUs = perCall(() => sampler.sample(), 500);
  const monitorReadsUs = perCall(() => {
    readCgroupMemory({ procRoot: '/proc' });
    readHostMemory('/proc');
  }, 500);

  // An extension host that has been running a while: every function the window calls has run (and been compiled)
  // before, persist() included (its first call loads fs/promises). Seven samples — the 4th persists — so the
  // window's first monitor sample is the 8th, which persists again: once per minute, as in the extension.
  for (let i = 0; i < 4; i++) monitor.sample();
  await sleep(500);
  for (let i = 0; i < 3; i++) monitor.sample();
  // Settle: V8's memory reducer runs a few GCs some seconds after start-up allocation stops.
  global.gc?.();
  await sleep(settleSeconds * 1000);

  // Windows: baseline A (half), timers alone (the same two intervals with empty callbacks), the samplers, baseline B
  // (half). Baseline halves before and after cancel slow drift.
  /** CPU µs over `ms` milliseconds → ms per minute. @param {number} us @param {number} ms */
  const perMinute = (us, ms) => (us / 1000) * (60000 / ms);
  /** @param {number} ms */
  const idleFor = async (ms) => {
    const c = cpuUs();
    await sleep(ms);
    return cpuUs() - c;
  };
  const windowMs = seconds * 1000 + 50;
  const baseA = await idleFor((seconds * 1000) / 2);
  let baseB = 0;
  /** Baseline A + B (this process idle, no timers), ms CPU per minute. */
  const baseline0 = () => perMinute(baseA + baseB, seconds * 1000);

  let c0 = cpuUs();
  let t0 = Date.now();
  const na = setInterval(() => {}, 5000);
  const nb = setInterval(() => {}, 15000);
  await sleep(windowMs);
  clearInterval(na);
  clearInterval(nb);
  const timersUs = cpuUs() - c0;
  const timersMs = Date.now() - t0;

  /** @type {number[]} */
  const selfUs = [];
  /** @type {number[]} */
  const monitorUs = [];
  c0 = cpuUs();
  t0 = Date.now();
  const a = setInterval(() => {
    const c = cpuUs();
    sampler.sample();
    selfUs.push(cpuUs() - c);
  }, 5000);
  const b = setInterval(() => {
    const c = cpuUs();
    monitor.sample();
    monitorUs.push(cpuUs() - c);
  }, 15000);
  await sleep(windowMs);
  clearInterval(a);
  clearInterval(b);
  await sleep(1000); // the 4th monitor sample starts an async persist(): its I/O belongs to this window
  const samplerUs = cpuUs() - c0;
  const samplerMs = Date.now() - t0;
  baseB = await idleFor((seconds * 1000) / 2);

  // The /dev/kmsg follower (as the extension runs it): a `cat` child blocks in read(); this process only wakes up
  // when the kernel logs a record. Started, given 3 s to read the ring buffer's backlog, then measured for a window
  // as long as the samplers' (this process's CPU, the reader's CPU from /proc, and the pipe's 'data' wake-ups).
  /** @type {import('child_process').ChildProcess | undefined} */
  let reader;
  let wakeups = 0;
  const follower = new KmsgFollower({
    onEvent: () => {},
    spawnReader: (/** @type {string} */ file) => {
      const r = catReader(file);
      r.stdout?.on('data', () => wakeups++);
      reader = r;
      return r;
    },
  });
  const kstatus = follower.start();
  /** @param {number | undefined} pid CPU µs of a process from /proc/PID/stat (utime + stime). */
  const procCpuUs = (pid) => {
    try {
      const st = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
    } catch {
      return NaN;
    }
  };
  await sleep(3000);
  const backlog = { records: follower.status.records, wakeups };
  wakeups = 0;
  const records0 = follower.status.records;
  const readerCpu0 = procCpuUs(reader?.pid);
  c0 = cpuUs();
  t0 = Date.now();
  await sleep(windowMs);
  const kmsgUs = cpuUs() - c0;
  const kmsgMs = Date.now() - t0;
  const readerCpuUs = procCpuUs(reader?.pid) - readerCpu0;
  const kmsg = {
    following: kstatus.following,
    reason: kstatus.reason,
    backlog,
    windowWakeups: wakeups,
    windowRecords: follower.status.records - records0,
    // This process's CPU in the window, raw: compare with the idle windows right before (baseline B) and after.
    cpuMsPerMin: perMinute(kmsgUs, kmsgMs),
    baselineBeforeCpuMsPerMin: perMinute(baseB, (seconds * 1000) / 2),
    readerCpuMsPerMin: perMinute(readerCpuUs, kmsgMs),
    baselineAfterCpuMsPerMin: 0,
  };
  follower.stop();
  const baseC = await idleFor((seconds * 1000) / 2);
  kmsg.baselineAfterCpuMsPerMin = perMinute(baseC, (seconds * 1000) / 2);

  // What the pieces cost when called after an idle pause (not back-to-back): 8 rounds, 300 ms apart.
  const pieces = {
    'SelfSampler.sample()': () => sampler.sample(),
    'readCgroupMemory()': () => readCgroupMemory({ procRoot: '/proc' }),
    'readHostMemory() (/proc/meminfo)': () => readHostMemory('/proc'),
    'process.memoryUsage()': () => process.memoryUsage(),
    'v8.getHeapStatistics()': () => v8.getHeapStatistics(),
    "readFileSync('/proc/self/statm')": () => fs.readFileSync('/proc/self/statm', 'latin1'),
    'process.memoryUsage.rss()': () => process.memoryUsage.rss(),
    'empty function': () => 0,
  };
  /** @type {Record<string, number[]>} */
  const pieceUs = Object.fromEntries(Object.keys(pieces).map((k) => [k, []]));
  for (let r = 0; r < 8; r++) {
    for (const [k, fn] of Object.entries(pieces)) {
      await sleep(300);
      const c = cpuUs();
      fn();
      pieceUs[k].push(cpuUs() - c);
    }
  }

  const baseline = baseline0();
  /** @param {number[]} xs */
  const sum = (xs) => xs.reduce((x, y) => x + y, 0);
  /** @param {number[]} xs */
  const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  console.log(
    JSON.stringify({
      seconds,
      settleSeconds,
      selfCalls: selfUs.length,
      monitorCalls: monitorUs.length,
      baselineCpuMsPerMin: baseline,
      baselineHalvesMs: [baseA / 1000, baseB / 1000],
      timersOnlyCpuMsPerMin: perMinute(timersUs, timersMs) - baseline,
      withSamplersCpuMsPerMin: perMinute(samplerUs, samplerMs),
      samplerCpuMsPerMin: perMinute(samplerUs, samplerMs) - baseline,
      inCallCpuMsPerMin: perMinute(sum(selfUs) + sum(monitorUs), samplerMs),
      selfSampleInWindowUs: { median: med(selfUs), all: selfUs },
      monitorSampleInWindowUs: { median: med(monitorUs), all: monitorUs },
      afterPauseUs: Object.fromEntries(Object.entries(pieceUs).map(([k, v]) => [k, med(v)])),
      hotPath: { selfSampleUs, monitorReadsUs, estimateMsPerMin: (12 * selfSampleUs + 4 * (monitorReadsUs + selfSampleUs)) / 1000 },
      kmsg,
      historyPersisted: fs.existsSync(path.join(storageDir, 'memory-history.json')),
    }),
  );
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
});
