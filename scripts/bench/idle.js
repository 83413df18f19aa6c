// Idle cost of the samplers (status bar, memory monitor, kernel-log fallback, /dev/kmsg follower) with every view
// hidden, against an empty Node process: two fresh children (idle-child.js) run the same windows side by side.
'use strict';
const path = require('path');
const { runJsonChild, median, min, max, f2, log } = require('./util');

/** @typedef {import('./options').Options} Options */

/** @param {string[]} args @returns {Promise<Record<string, any>>} */
const child = (args) => runJsonChild('idle child', 'idle-child.js', args, ['--expose-gc']);

/** @param {Options} o @param {string} work */
async function benchIdle(o, work) {
  const settle = 15;
  const windows = 3;
  log(
    `idle: samplers, the same timers with empty jobs, and an empty Node process, side by side — settle ${settle} s, then ${windows} windows of ${o.idleSeconds} s…`,
  );
  const common = [String(windows), String(o.idleSeconds), String(settle), path.join(work, 'storage')];
  const [samplers, timers, empty] = await Promise.all([
    child(['samplers', ...common]),
    child(['timers', ...common]),
    child(['empty', ...common]),
  ]);
  /** @type {number[]} */
  const wakeUps = timers.cpuMsPerMin.map((/** @type {number} */ x, /** @type {number} */ i) => x - empty.cpuMsPerMin[i]);
  /** @type {number[]} */
  const above = samplers.cpuMsPerMin.map((/** @type {number} */ x, /** @type {number} */ i) => x - empty.cpuMsPerMin[i]);
  const res = {
    windows,
    seconds: o.idleSeconds,
    settleSeconds: settle,
    samplers,
    timers,
    empty,
    wakeUpsOnlyMsPerMin: median(wakeUps),
    aboveEmptyMsPerMin: above,
    samplerCpuMsPerMin: median(above),
    spreadMsPerMin: [min(above), max(above)],
  };
  log(
    `idle: ${f2(res.samplerCpuMsPerMin)} ms CPU/min above an empty Node process (median of ${windows} windows; ` +
      `spread ${f2(res.spreadMsPerMin[0])}…${f2(res.spreadMsPerMin[1])}; ${f2(samplers.wakeUpsPerMin)} wake-ups/min, which ` +
      `alone cost ${f2(res.wakeUpsOnlyMsPerMin)})`,
  );
  return res;
}

module.exports = { benchIdle };
