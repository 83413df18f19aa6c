// Child of scripts/bench/idle.js: the idle cost of what the extension host runs with every view hidden and metrics off,
// or (mode `empty`) of an empty Node process, for comparison. The children run at the same time, so the machine's load
// hits them alike. Usage:
//   node --expose-gc idle-child.js samplers|before|timers|empty WINDOWS SECONDS SETTLE_SECONDS STORAGE_DIR
// Prints one JSON line: per window the CPU ms per minute, the context switches of all its threads per minute (every
// wake-up of the process is one: timers, libuv thread-pool work, the kmsg pipe) and the GCs; per job its calls and CPU.
//
// `samplers` wires what the host wires by default (src/core/index.ts, src/features/memory/feature.ts,
// src/features/policies/runner.ts), each job timed with process.cpuUsage() around it (until its promise settles):
// - one shared Ticker (core.ticker) with
//   - `statusBar` (MemoryStatusBar.update, every statusBar.sampleSeconds = 30 s: SelfSampler.sample() and the
//     monitor's trend / recent OOM / restart loops for the text and tooltip — the vscode part, building the
//     MarkdownString and sending the item to the workbench, cannot run here and is not counted),
//   - `monitor` (MemoryMonitor.sample(), every memory.sampleSeconds = 30 s; it persists every 5 minutes),
//   - `heartbeat` (WindowPresence: writeEntry() of this window's registry entry, every REGISTRY_HEARTBEAT_MS),
//   - the kernel-log fallback tick (10 s) only when /dev/kmsg is not followed (it polls only while the view is visible);
// - the /dev/kmsg follower (a reader child blocked in read(): no polling here) when /dev/kmsg can be read;
// - no policy runner timer: with no policy enabled (the default) the runner does not tick.
// `before` (only when CSOPS_IDLE_BEFORE_OUT names the out/src of a build of commit f2ffff2, before #19's idle round):
// that build's code wired as the host wired it then — the heartbeat on its own 30 s setInterval, the policy runner's
// ≤ 60 s setTimeout (readHistory + releaseLead) and the status bar asking the monitor three times — for an A/B
// comparison in the same run.
// `timers`: the same Ticker and periods as `samplers` with empty jobs — what waking up alone costs.
'use strict';
const fs = require('fs');
const path = require('path');
const { PerformanceObserver } = require('perf_hooks');

const [mode, windowsArg, secondsArg, settleArg, storageDir] = process.argv.slice(2);
const windows = Number(windowsArg || 3);
const seconds = Number(secondsArg || 60);
const settleSeconds = Number(settleArg || 15);
const OUT = (mode === 'before' && process.env.CSOPS_IDLE_BEFORE_OUT) || path.resolve(__dirname, '..', '..', 'out', 'src');
/** @param {string} m */
const load = (m) => require(path.join(OUT, m));
/** @param {number} ms @returns {Promise<void>} */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Context switches (voluntary + involuntary) of every thread of this process: each wake-up of a thread is one. */
function contextSwitches() {
  let n = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const status = fs.readFileSync(`/proc/self/task/${tid}/status`, 'latin1');
      for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) n += Number(m[1]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return n;
}

/** @typedef {{ calls: number, cpuUs: number, maxUs: number }} JobCost */
/** @type {Record<string, JobCost>} */
const jobs = {};
let counting = false;
/**
 * Wraps a job: counts its calls and the CPU it takes (an async job until its promise settles — nothing else runs in
 * an idle process meanwhile) while the windows run.
 * @template {() => unknown} F @param {string} name @param {F} fn @returns {() => void}
 */
function timed(name, fn) {
  const cost = (jobs[name] = { calls: 0, cpuUs: 0, maxUs: 0 });
  return () => {
    const c0 = cpuUs();
    const done = () => {
      if (!counting) return;
      const us = cpuUs() - c0;
      cost.calls++;
      cost.cpuUs += us;
      cost.maxUs = Math.max(cost.maxUs, us);
    };
    const r = fn();
    if (r instanceof Promise) r.then(done, done);
    else done();
  };
}

/** A registry entry like the one a window writes (40 extensions, no terminal). */
function registryEntry() {
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  const starttime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const extensionPaths = Array.from({ length: 40 }, (_, i) => `/root/.local/share/code-server/extensions/publisher.ext-${i}-1.2.3`);
  return { version: 1, pid: process.pid, starttime, terminalPids: [], folder: 'file:///root/project', extensionPaths, updatedAtMs: 0 };
}

/** Starts what the host runs while idle; returns counters and a stop function. @param {boolean} before */
function startSamplers(before) {
  const { SelfSampler } = load('probes/selfMemory.js');
  const { MemoryMonitor } = load('features/memory/monitor.js');
  const { restartLoops } = load('features/memory/ends.js');
  const { Ticker } = load('core/ticker.js');
  const { KmsgFollower } = load('probes/kmsg.js');
  const { DEFAULTS } = load('core/settingsRead.js');
  const { REGISTRY_HEARTBEAT_MS, writeEntry } = load('probes/windowRegistry.js');
  const { readHistory } = load('features/policies/history.js');
  const { releaseLead } = load('probes/policy/leader.js');
  fs.mkdirSync(storageDir, { recursive: true });
  const entry = registryEntry();
  const monitor = new MemoryMonitor({
    procRoot: '/proc',
    storageDir,
    windowKey: 'bench',
    self: { pid: process.pid, starttime: entry.starttime, startedAtMs: Date.now() - process.uptime() * 1000 },
    historyMinutes: 60,
    latestScan: () => undefined, // no view visible: no process scan
    log: () => {},
  });
  const sampler = new SelfSampler('/proc');
  const ticker = new Ticker();
  let fallbackPolls = 0;
  /** @type {{ following: boolean, reason?: string } | undefined} */
  let kmsg;
  const follower = new KmsgFollower({
    procRoot: '/proc',
    onEvent: () => {},
    onStatus: (/** @type {{ following: boolean, reason?: string }} */ s) => (kmsg = s),
  });
  kmsg = follower.start();
  const viewVisible = false;
  // MemoryStatusBar.update(): the sample, then what MemoryFeature's memory() closure asks the monitor (once per update;
  // three times before: update() and twice in tooltip()).
  const asks = before ? 3 : 1;
  const statusBar = () => {
    const s = sampler.sample();
    let text = '';
    for (let i = 0; i < asks; i++) {
      const t = monitor.trend();
      const oom = monitor.recentOom(3_600_000);
      const loops = restartLoops(monitor.ends, Date.now());
      text = `${s.rssBytes} ${s.cpuPercent.toFixed(1)} ${t.slopeMbPerMin ?? ''} ${oom?.text ?? ''} ${loops.length}`;
    }
    return text;
  };
  const windowsDir = path.join(storageDir, 'windows');
  const heartbeat = () => writeEntry(windowsDir, { ...entry, updatedAtMs: Date.now() });
  /** @type {NodeJS.Timeout[]} */
  const own = [];
  ticker.every(DEFAULTS.statusBarSampleSeconds * 1000, timed('statusBar', statusBar));
  ticker.every(
    DEFAULTS.memorySampleSeconds * 1000,
    timed('monitor', () => monitor.sample()),
  );
  if (before) {
    own.push(setInterval(timed('heartbeat', heartbeat), 30_000));
    // PolicyRunner.tick() with no policy enabled, then tickMs(): the history read twice, the leader lock released.
    const historyFile = path.join(storageDir, 'policy-history.json');
    const policies = timed('policies', () => {
      readHistory(historyFile);
      releaseLead(windowsDir, { pid: process.pid, starttime: entry.starttime });
      readHistory(historyFile);
    });
    const schedule = () => own.push(setTimeout(() => (policies(), schedule()), 60_000));
    schedule();
  } else ticker.every(REGISTRY_HEARTBEAT_MS, timed('heartbeat', heartbeat));
  // the kernel-log fallback tick exists only while /dev/kmsg is not followed (MemoryFeature.scheduleFallback)
  if (!kmsg?.following)
    ticker.every(10000, () => {
      if (viewVisible) fallbackPolls++; // and polls only while the Memory view is visible
    });
  // An extension host that has run a while: every function the window calls has run (and been compiled) before.
  for (let i = 0; i < 4; i++) (monitor.sample(), statusBar());
  void monitor.persist(); // compiled before the windows, as in a host that has run a while
  void heartbeat();
  return {
    ticker,
    fallbackPolls: () => fallbackPolls,
    kmsg: () => kmsg ?? follower.status,
    cgroupLocations: () => monitor.cgroupLocator.reads,
    stop: () => {
      ticker.dispose();
      for (const t of own) clearTimeout(t);
      follower.stop();
    },
  };
}

/** The same Ticker and periods as startSamplers(false), with empty jobs. */
function startTimers() {
  const { Ticker } = load('core/ticker.js');
  const { DEFAULTS } = load('core/settingsRead.js');
  const { REGISTRY_HEARTBEAT_MS } = load('probes/windowRegistry.js');
  const ticker = new Ticker();
  const following = fs.existsSync('/dev/kmsg') && canRead('/dev/kmsg'); // as startSamplers: no fallback tick then
  const periods = [DEFAULTS.statusBarSampleSeconds * 1000, DEFAULTS.memorySampleSeconds * 1000, REGISTRY_HEARTBEAT_MS];
  for (const ms of [...periods, ...(following ? [] : [10000])]) ticker.every(ms, () => {});
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
  const s = mode === 'samplers' || mode === 'before' ? startSamplers(mode === 'before') : undefined;
  const timers = mode === 'timers' ? startTimers() : undefined;
  global.gc?.();
  await sleep(settleSeconds * 1000); // V8's memory reducer runs a few GCs some seconds after start-up allocation stops
  let gcs = 0;
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) (gcs++, (gcMs += e.duration));
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  /** @type {{ cpuMsPerMin: number, switchesPerMin: number, gcs: number, gcMs: number }[]} */
  const perWindow = [];
  const wake0 = s?.ticker.wakeUps ?? timers?.wakeUps ?? 0;
  counting = true;
  for (let w = 0; w < windows; w++) {
    const x0 = contextSwitches();
    const c0 = cpuUs();
    const t0 = Date.now();
    const g0 = [gcs, gcMs];
    await sleep(seconds * 1000);
    const perMin = 60000 / (Date.now() - t0);
    const cpuMsPerMin = ((cpuUs() - c0) / 1000) * perMin;
    perWindow.push({ cpuMsPerMin, switchesPerMin: (contextSwitches() - x0) * perMin, gcs: gcs - g0[0], gcMs: gcMs - g0[1] });
  }
  counting = false;
  gcObserver.disconnect();
  const minutes = (windows * seconds) / 60;
  const kmsgAtEnd = s ? { ...s.kmsg() } : undefined; // before stop(), which ends the reader
  const tickerWakeUps = (s?.ticker.wakeUps ?? timers?.wakeUps ?? 0) - wake0;
  s?.stop();
  timers?.dispose();
  console.log(
    JSON.stringify({
      mode,
      windows,
      seconds,
      settleSeconds,
      cpuMsPerMin: perWindow.map((w) => w.cpuMsPerMin),
      switchesPerMin: perWindow.map((w) => w.switchesPerMin),
      gcs: perWindow.map((w) => w.gcs),
      gcMs: perWindow.map((w) => w.gcMs),
      ...(s || timers ? { wakeUpsPerMin: tickerWakeUps / minutes } : {}),
      ...(s
        ? {
            jobs: Object.fromEntries(
              Object.entries(jobs).map(([k, j]) => [
                k,
                { calls: j.calls, cpuMsPerMin: j.cpuUs / 1000 / minutes, usPerCall: j.calls ? j.cpuUs / j.calls : 0, maxUs: j.maxUs },
              ]),
            ),
            fallbackPolls: s.fallbackPolls(),
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
