// Child of scripts/bench/idle.js: the idle cost of what the extension host runs with every view hidden and metrics off,
// or (mode `empty`) of an empty Node process, for comparison. The children run at the same time, so the machine's load
// hits them alike. Usage:
//   node --expose-gc idle-child.js samplers|unfocused|before|timers|empty WINDOWS SECONDS SETTLE_SECONDS STORAGE_DIR
// Prints one JSON line: per window the CPU ms per minute, the context switches of all its threads per minute (every
// wake-up of the process is one: timers, libuv thread-pool work, the kmsg pipe) and the GCs; per job its calls and CPU.
//
// `samplers` wires what the host wires by default with the window focused and active — someone looks at it
// (src/core/index.ts,
// src/features/memory/feature.ts and sampling.ts, src/features/policies/runner.ts), each job timed with
// process.cpuUsage() around it (until its promise settles):
// - one shared Ticker (core.ticker) with
//   - `heartbeat` (WindowPresence: touchEntry() of this window's registry entry — written whole once at the start —
//     scheduled by core's Heartbeat: every REGISTRY_HEARTBEAT_MS = 60 s while looked at; core starts it first),
//   - `statusBar` (MemoryStatusBar.update, every statusBar.sampleSeconds = 30 s: SelfSampler.sample(), the monitor's
//     trend / recent OOM / restart loops and the pure rendering of statusBarView.ts with the properties that changed
//     counted as `itemSets` — the vscode part, the MarkdownString and sending the item, cannot run here),
//   - `monitor` (MemoryMonitor.sample(), every memory.sampleSeconds = 30 s; it persists every 5 minutes),
//   both scheduled by FocusSampling;
// `unfocused` (the target: a window nobody looks at — not focused, or focused without input for a minute, the state
// of a box left open): the same with WindowAttention.looking false — the heartbeat every IDLE_HEARTBEAT_MS = 120 s
// (the entry written whole with heartbeatMs 120 s first, as WindowPresence does), no status-bar job, the monitor
// every 120 s riding along with the heartbeat, its reading rendered by the status bar (`statusBarFromMonitor`);
//   - the kernel-log fallback tick (10 s) only when /dev/kmsg is not followed and the Memory view is visible (none here);
// - the /dev/kmsg follower (a reader child blocked in read(): no polling here) when /dev/kmsg can be read;
// - no policy runner timer: with no policy enabled (the default) the runner does not tick.
// `before` (only when CSOPS_IDLE_BEFORE_OUT names the out/src of a build of commit f2ffff2, before #19's idle round):
// that build's code wired as the host wired it then — the heartbeat on its own 30 s setInterval, the policy runner's
// ≤ 60 s setTimeout (readHistory + releaseLead) and the status bar asking the monitor three times — for an A/B
// comparison in the same run.
// `timers`: the same Ticker and periods as `unfocused` (the target) with empty jobs — what waking up alone costs.
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

/**
 * Starts what the host runs while idle; returns counters and a stop function.
 * @param {boolean} before the build in CSOPS_IDLE_BEFORE_OUT, wired as then @param {boolean} looking
 */
function startSamplers(before, looking) {
  const { SelfSampler } = load('probes/selfMemory.js');
  const { MemoryMonitor } = load('features/memory/monitor.js');
  const { restartLoops } = load('features/memory/ends.js');
  const { Ticker } = load('core/ticker.js');
  const { KmsgFollower } = load('probes/kmsg.js');
  const { DEFAULTS } = load('core/settingsRead.js');
  const { writeEntry, touchEntry } = load('probes/windowRegistry.js');
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
  const windowsDir = path.join(storageDir, 'windows');
  /** @type {number | undefined} the period a whole write says (core's Heartbeat, once it exists) */
  let heartbeatMs;
  const writeWhole = () => writeEntry(windowsDir, { ...entry, updatedAtMs: Date.now(), ...(heartbeatMs ? { heartbeatMs } : {}) });
  // WindowPresence: the entry is written whole once (and on changes, none here); a heartbeat then only touches it
  // (builds before touchEntry rewrote it every time)
  const heartbeat = touchEntry
    ? () => {
        try {
          touchEntry(windowsDir, entry.pid, entry.starttime, Date.now());
        } catch {
          return writeWhole();
        }
      }
    : writeWhole;
  /** @type {NodeJS.Timeout[]} */
  const own = [];
  /** Item properties the status bar set (each sends the whole item to the workbench), while the windows run. */
  let itemSets = 0;
  /** @type {() => unknown} */
  let statusBar;
  /** @type {(() => unknown) | undefined} */
  let statusBarFromMonitor;
  /** @type {{ startMonitor(): void } | undefined} */
  let sampling;
  if (before) {
    // MemoryStatusBar.update() then: the sample, then the monitor asked three times (update() and twice in tooltip()).
    statusBar = () => {
      const s = sampler.sample();
      let text = '';
      for (let i = 0; i < 3; i++) {
        const t = monitor.trend();
        const oom = monitor.recentOom(3_600_000);
        const loops = restartLoops(monitor.ends, Date.now());
        text = `${s.rssBytes} ${s.cpuPercent.toFixed(1)} ${t.slopeMbPerMin ?? ''} ${oom?.text ?? ''} ${loops.length}`;
      }
      return text;
    };
    ticker.every(DEFAULTS.statusBarSampleSeconds * 1000, timed('statusBar', statusBar));
    ticker.every(
      DEFAULTS.memorySampleSeconds * 1000,
      timed('monitor', () => monitor.sample()),
    );
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
  } else {
    const { FocusSampling } = load('features/memory/sampling.js');
    const { ShownItem, itemState } = load('features/memory/statusBarView.js');
    const shown = new ShownItem();
    const strings = {
      text: (/** @type {string} */ rss) => `$(pulse) ExtHost ${rss}`,
      label: (/** @type {string} */ rss, /** @type {string} */ level) => `Extension host memory ${rss}, ${level}`,
      profile: 'Profile Extension Host…',
    };
    // MemoryStatusBar.render(): what MemoryFeature's memory() closure asks the monitor, the pure rendering, the diff.
    const render = (/** @type {{ rssBytes: number }} */ s) => {
      const memory = {
        slopeMbPerMin: monitor.trend().slopeMbPerMin,
        recentOom: monitor.recentOom(3_600_000)?.text,
        loops: restartLoops(monitor.ends, Date.now()).map((/** @type {{ label: string }} */ l) => l.label),
      };
      const state = itemState(
        { pid: process.pid, sample: s, warningMb: 1024, criticalMb: 2048, memory, profileCommand: 'csops.profileExtensionHost' },
        strings,
      );
      const changed = shown.changes(state);
      if (counting) itemSets += changed.length;
      return changed;
    };
    statusBar = () => render(sampler.sample());
    statusBarFromMonitor = () => monitor.lastSelf && render(monitor.lastSelf);
    const attention = { looking, onDidChange: () => ({ dispose() {} }) };
    // core's, started first: WindowPresence writes the entry whole with the heartbeat's period, then reports it written
    const { Heartbeat } = load('core/heartbeat.js');
    /** @type {{ entryPeriodMs: number, written(ms: number): void } | undefined} */
    let hb;
    const rewrite = () => {
      if (!hb) return;
      const ms = (heartbeatMs = hb.entryPeriodMs);
      void writeWhole().then(() => hb?.written(ms));
    };
    hb = new Heartbeat({ ticker, attention, beat: timed('heartbeat', heartbeat), rewrite });
    rewrite();
    const monitorJob = timed('monitor', () => monitor.sample());
    const fed = timed('statusBarFromMonitor', statusBarFromMonitor);
    sampling = new FocusSampling({
      ticker,
      attention,
      settings: () => DEFAULTS,
      statusBar: timed('statusBar', statusBar),
      monitor: monitorJob,
      statusBarFromMonitor: fed,
    });
  }
  // the kernel-log fallback tick exists only while /dev/kmsg is not followed and the Memory view is visible
  // (MemoryFeature.updateFallback)
  if (!kmsg?.following && viewVisible)
    ticker.every(10000, () => {
      if (viewVisible) fallbackPolls++; // and polls only while the Memory view is visible
    });
  // An extension host that has run a while: every function the window calls has run (and been compiled) before.
  for (let i = 0; i < 4; i++) (monitor.sample(), statusBar(), statusBarFromMonitor?.());
  void monitor.persist(); // compiled before the windows, as in a host that has run a while
  if (before) void writeWhole();
  sampling?.startMonitor(); // after the history loaded (MemoryFeature: m.start().then(startMonitor))
  return {
    ticker,
    fallbackPolls: () => fallbackPolls,
    itemSets: () => itemSets,
    kmsg: () => kmsg ?? follower.status,
    cgroupLocations: () => monitor.cgroupLocator.reads,
    stop: () => {
      ticker.dispose();
      for (const t of own) clearTimeout(t);
      follower.stop();
    },
  };
}

/** The same Ticker and periods as startSamplers(false, false) — the target, nobody looking — with empty jobs. */
function startTimers() {
  const { Ticker } = load('core/ticker.js');
  const { DEFAULTS } = load('core/settingsRead.js');
  const { IDLE_HEARTBEAT_MS } = load('probes/windowRegistry.js');
  const { samplingPeriods } = load('features/memory/sampling.js');
  const ticker = new Ticker();
  // as startSamplers: no kernel-log fallback tick with the Memory view hidden, /dev/kmsg followed or not; no status-bar
  // job while nobody looks; the memory sampler riding along with the heartbeat
  ticker.every(IDLE_HEARTBEAT_MS, () => {});
  ticker.every(samplingPeriods(DEFAULTS, false).monitorMs, () => {}, { rideAlong: true });
  return ticker;
}

async function main() {
  const s = ['samplers', 'unfocused', 'before'].includes(mode) ? startSamplers(mode === 'before', mode !== 'unfocused') : undefined;
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
            ...(mode === 'before' ? {} : { itemSetsPerMin: s.itemSets() / minutes }),
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
