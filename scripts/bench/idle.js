// Idle cost of what the extension host runs with every view hidden and metrics off (status bar, memory monitor, window
// heartbeat, kernel-log fallback, /dev/kmsg follower), against an empty Node process: fresh children (idle-child.js)
// run the same windows side by side — the current wiring with nobody looking at the window (not focused, or focused
// without input for a minute: the target row) and looked at (focused and active, informational), the wiring before
// #19's idle round (only with CSOPS_IDLE_BEFORE_OUT), the target's timers with empty jobs, and an empty Node process —
// so the machine's load hits them alike. With a 120 s heartbeat while nobody looks, a window of 60 s holds one beat or
// none: windows of 60 s or more are rounded up to a multiple of 120 s (figures stay per minute).
'use strict';
const path = require('path');
const { runJsonChild, median, min, max, f2, log } = require('./util');

/** @typedef {import('./options').Options} Options */

/** @param {string[]} args @returns {Promise<Record<string, any>>} */
const child = (args) => runJsonChild('idle child', 'idle-child.js', args, ['--expose-gc']);

/** Per window: a - b. @param {number[]} a @param {number[]} b */
const minus = (a, b) => a.map((x, i) => x - b[i]);

/** @param {Options} o @param {string} work */
async function benchIdle(o, work) {
  const windows = 3;
  const beatS = 120; // IDLE_HEARTBEAT_MS / 1000 (src/probes/windowRegistry.ts)
  const seconds = o.idleSeconds >= 60 ? Math.ceil(o.idleSeconds / beatS) * beatS : o.idleSeconds;
  // V8's memory reducer runs a few GCs in every child but the empty one after start-up (measured with 120 s windows
  // after 15 s: two in each of the first two windows, none in the third) — an extension host that has run a while is
  // past them: with windows of 120 s, settle past the first 255 s so the median is not a start-up GC's window
  const settle = seconds >= beatS ? 255 : 15;
  // The A/B child runs only with an older build to compare against (see idle-child.js `before`).
  const ab = !!process.env.CSOPS_IDLE_BEFORE_OUT;
  log(
    `idle: the host's samplers (nobody looking at the window, and looked at)${ab ? ' (and those of the build in CSOPS_IDLE_BEFORE_OUT)' : ''}, ` +
      `the same timers with empty ` +
      `jobs, and an empty Node process, side by side — settle ${settle} s, then ${windows} windows of ${seconds} s…`,
  );
  const common = (/** @type {string} */ name) => [String(windows), String(seconds), String(settle), path.join(work, name)];
  const [samplers, unfocused, timers, empty, before] = await Promise.all([
    child(['samplers', ...common('storage')]),
    child(['unfocused', ...common('storage-unfocused')]),
    child(['timers', ...common('storage-timers')]),
    child(['empty', ...common('storage-empty')]),
    ...(ab ? [child(['before', ...common('storage-before')])] : []),
  ]);
  const wakeUps = minus(timers.cpuMsPerMin, empty.cpuMsPerMin);
  const above = minus(samplers.cpuMsPerMin, empty.cpuMsPerMin);
  const unfocusedAbove = minus(unfocused.cpuMsPerMin, empty.cpuMsPerMin);
  const beforeAbove = before ? minus(before.cpuMsPerMin, empty.cpuMsPerMin) : [];
  const beforeSpread = [min(beforeAbove), max(beforeAbove)];
  const res = {
    windows,
    seconds,
    settleSeconds: settle,
    samplers,
    unfocused,
    before,
    timers,
    empty,
    wakeUpsOnlyMsPerMin: median(wakeUps),
    aboveEmptyMsPerMin: above,
    samplerCpuMsPerMin: median(above),
    spreadMsPerMin: [min(above), max(above)],
    /** Nobody looking at the window (the target): per window, median, spread, context switches above empty. */
    unfocusedAboveEmptyMsPerMin: unfocusedAbove,
    unfocusedMsPerMin: median(unfocusedAbove),
    unfocusedSpreadMsPerMin: [min(unfocusedAbove), max(unfocusedAbove)],
    unfocusedSwitchesAboveEmptyPerMin: median(minus(unfocused.switchesPerMin, empty.switchesPerMin)),
    ...(before
      ? {
          beforeAboveEmptyMsPerMin: median(beforeAbove),
          beforeSpreadMsPerMin: beforeSpread,
          beforeSwitchesAboveEmptyPerMin: median(minus(before.switchesPerMin, empty.switchesPerMin)),
        }
      : {}),
    /** Context switches of all threads per minute above the empty process (median of the windows). */
    switchesAboveEmptyPerMin: median(minus(samplers.switchesPerMin, empty.switchesPerMin)),
  };
  const jobText = (/** @type {Record<string, any>} */ c) =>
    Object.entries(c.jobs ?? {})
      .map(([k, j]) => `${k} ${j.calls}× ${f2(j.cpuMsPerMin)} ms/min`)
      .join(', ');
  log(
    `idle, nobody looking at the window (target): ${f2(res.unfocusedMsPerMin)} ms CPU/min above an empty Node process ` +
      `(median of ${windows} windows of ${seconds} s; spread ${f2(res.unfocusedSpreadMsPerMin[0])}…` +
      `${f2(res.unfocusedSpreadMsPerMin[1])}; ${f2(unfocused.wakeUpsPerMin)} ticker wake-ups/min, ` +
      `${f2(res.unfocusedSwitchesAboveEmptyPerMin)} context switches/min above empty; the wake-ups alone cost ` +
      `${f2(res.wakeUpsOnlyMsPerMin)}); jobs: ${jobText(unfocused)}; ${f2(unfocused.itemSetsPerMin)} status-bar property sets/min`,
  );
  log(
    `idle, window looked at (focused and active): ${f2(res.samplerCpuMsPerMin)} ms CPU/min above empty (spread ` +
      `${f2(res.spreadMsPerMin[0])}…${f2(res.spreadMsPerMin[1])}; ${f2(samplers.wakeUpsPerMin)} ticker wake-ups/min, ` +
      `${f2(res.switchesAboveEmptyPerMin)} context switches/min above empty); jobs: ${jobText(samplers)}; ` +
      `${f2(samplers.itemSetsPerMin)} status-bar property sets/min`,
  );
  if (before)
    log(
      `idle before this round: ${f2(res.beforeAboveEmptyMsPerMin)} ms/min above empty (spread ${f2(beforeSpread[0])}…` +
        `${f2(beforeSpread[1])}; ${f2(res.beforeSwitchesAboveEmptyPerMin)} context switches/min above empty); jobs: ${jobText(before)}`,
    );
  return res;
}

module.exports = { benchIdle };
