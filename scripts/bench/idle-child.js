// Child of scripts/bench/idle.js: the idle cost of the samplers as the extension host runs them with every view hidden
// and metrics off, or (mode `empty`) of an empty Node process, for comparison. Both children run at the same time, so
// the machine's load hits them alike. Usage:
//   node --expose-gc idle-child.js samplers|timers|empty WINDOWS SECONDS SETTLE_SECONDS STORAGE_DIR
// (`timers`: the same Ticker and periods with empty jobs — what waking up alone costs.)
// Prints one JSON line: CPU ms per minute in each window.
//
// `samplers` wires what MemoryFeature wires (src/features/memory/feature.ts): one shared Ticker with the status-bar
// sample (SelfSampler, every 5 s), MemoryMonitor.sample() (every 15 s; it persists every 5 minutes — PERSIST_EVERY_MS) and the kernel-log
// fallback tick (10 s; it does nothing while the Memory view is hidden), and the /dev/kmsg follower (a reader child
// blocked in read(): no polling here) when /dev/kmsg can be read.
'use strict';
const fs = require('fs');
const path = require('path');

const [mode, windowsArg, secondsArg, settleArg, storageDir] = process.argv.slice(2);
const windows = Number(windowsArg || 3);
const seconds = Number(secondsArg || 60);
const settleSeconds = Number(settleArg || 15);
/** @param {number} ms @returns {Promise<void>} */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Starts what the host runs while idle; returns counters and a stop function. */
function startSamplers() {
  const OUT = path.resolve(__dirname, '..', '..', 'out', 'src');
  const { SelfSampler } = require(path.join(OUT, 'probes/selfMemory.js'));
  const { MemoryMonitor } = require(path.join(OUT, 'features/memory/monitor.js'));
  const { Ticker } = require(path.join(OUT, 'core/ticker.js'));
  const { KmsgFollower } = require(path.join(OUT, 'probes/kmsg.js'));
  const { DEFAULTS } = require(path.join(OUT, 'core/settingsRead.js'));
  fs.mkdirSync(storageDir, { recursive: true });
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  const starttime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const monitor = new MemoryMonitor({
    procRoot: '/proc',
    storageDir,
    windowKey: 'bench',
    self: { pid: process.pid, starttime, startedAtMs: Date.now() - process.uptime() * 1000 },
    historyMinutes: 60,
    latestScan: () => undefined, // no view visible: no process scan
    log: () => {},
  });
  const sampler = new SelfSampler('/proc');
  const ticker = new Ticker();
  const counts = { self: 0, monitor: 0, fallback: 0 };
  /** @type {{ following: boolean, reason?: string } | undefined} */
  let kmsg;
  const follower = new KmsgFollower({
    procRoot: '/proc',
    onEvent: () => {},
    onStatus: (/** @type {{ following: boolean, reason?: string }} */ s) => (kmsg = s),
  });
  kmsg = follower.start();
  const viewVisible = false;
  // the periods of the default settings, as MemoryFeature and StatusBarItem register them
  ticker.every(DEFAULTS.statusBarSampleSeconds * 1000, () => (counts.self++, sampler.sample()));
  ticker.every(DEFAULTS.memorySampleSeconds * 1000, () => (counts.monitor++, monitor.sample()));
  // the kernel-log fallback tick exists only while /dev/kmsg is not followed (MemoryFeature.scheduleFallback)
  if (!kmsg?.following)
    ticker.every(10000, () => {
      if (viewVisible) counts.fallback++; // and polls only while the Memory view is visible
    });
  // An extension host that has run a while: every function the window calls has run (and been compiled) before.
  for (let i = 0; i < 4; i++) monitor.sample();
  void monitor.persist(); // compiled before the windows, as in a host that has run a while
  for (let i = 0; i < 50; i++) sampler.sample();
  return {
    counts,
    ticker,
    kmsg: () => kmsg ?? follower.status,
    cgroupLocations: () => monitor.cgroupLocator.reads,
    stop: () => {
      ticker.dispose();
      follower.stop();
    },
  };
}

/** The same Ticker and periods as startSamplers(), with empty jobs. */
function startTimers() {
  const OUT = path.resolve(__dirname, '..', '..', 'out', 'src');
  const { Ticker } = require(path.join(OUT, 'core', 'ticker.js'));
  const { DEFAULTS } = require(path.join(OUT, 'core', 'settingsRead.js'));
  const ticker = new Ticker();
  const following = fs.existsSync('/dev/kmsg') && canRead('/dev/kmsg'); // as startSamplers: no fallback tick then
  const periods = [DEFAULTS.statusBarSampleSeconds * 1000, DEFAULTS.memorySampleSeconds * 1000, ...(following ? [] : [10000])];
  for (const ms of periods) ticker.every(ms, () => {});
  return ticker;
}

/** @param {string} f */
function canRead(f) {
  try {
    fs.closeSync(fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const s = mode === 'samplers' ? startSamplers() : undefined;
  const timers = mode === 'timers' ? startTimers() : undefined;
  global.gc?.();
  await sleep(settleSeconds * 1000); // V8's memory reducer runs a few GCs some seconds after start-up allocation stops
  /** @type {number[]} */
  const perMin = [];
  const wake0 = s?.ticker.wakeUps ?? 0;
  const calls0 = s ? { ...s.counts } : undefined;
  for (let w = 0; w < windows; w++) {
    const c0 = cpuUs();
    const t0 = Date.now();
    await sleep(seconds * 1000);
    perMin.push(((cpuUs() - c0) / 1000) * (60000 / (Date.now() - t0)));
  }
  const kmsgAtEnd = s ? { ...s.kmsg() } : undefined; // before stop(), which ends the reader
  s?.stop();
  timers?.dispose();
  console.log(
    JSON.stringify({
      mode,
      windows,
      seconds,
      settleSeconds,
      cpuMsPerMin: perMin,
      ...(s && calls0
        ? {
            wakeUpsPerMin: ((s.ticker.wakeUps - wake0) * 60) / (windows * seconds),
            selfCalls: s.counts.self - calls0.self,
            monitorCalls: s.counts.monitor - calls0.monitor,
            fallbackPolls: s.counts.fallback - calls0.fallback,
            cgroupLocations: s.cgroupLocations(),
            kmsg: kmsgAtEnd,
            historyPersisted: fs.existsSync(path.join(storageDir, 'memory-history.json')),
          }
        : {}),
    }),
  );
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
});
