// Idle cost of the status-bar sampler and the memory monitor, measured in a fresh Node child (idle-child.js).
'use strict';
const path = require('path');
const { spawn } = require('child_process');
const { ROOT, f2, log } = require('./util');

/** @typedef {import('./options').Options} Options */

/** @param {Options} o @param {string} work @returns {Promise<Record<string, any>>} what idle-child.js printed */
async function benchIdle(o, work) {
  const settle = 15;
  const half = o.idleSeconds / 2;
  log(
    `idle: fresh Node child — settle ${settle} s, baseline ${half} s, empty timers ${o.idleSeconds} s, samplers ${o.idleSeconds} s ` +
      `(SelfSampler.sample() every 5 s, MemoryMonitor.sample() every 15 s), baseline ${half} s…`,
  );
  const args = ['--expose-gc', path.join(__dirname, 'idle-child.js'), String(o.idleSeconds), String(settle), path.join(work, 'storage')];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (/** @type {string} */ d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  const res = JSON.parse(out.trim().split('\n').pop() || '{"error":"no output"}');
  if (res.error) throw new Error(`idle child: ${res.error}`);
  log(
    `idle: ${f2(res.samplerCpuMsPerMin)} ms CPU/min (baseline ${f2(res.baselineCpuMsPerMin)}, ` +
      `with samplers ${f2(res.withSamplersCpuMsPerMin)}, inside the calls ${f2(res.inCallCpuMsPerMin)})`,
  );
  const k = res.kmsg;
  log(
    k && k.following
      ? `idle: /dev/kmsg follower ${f2(k.cpuMsPerMin)} ms CPU/min (idle before ${f2(k.baselineBeforeCpuMsPerMin)}, after ` +
          `${f2(k.baselineAfterCpuMsPerMin)}; reader ${f2(k.readerCpuMsPerMin)} ms/min), ` +
          `${k.windowWakeups} wake-up(s) for ${k.windowRecords} kernel record(s) in ${o.idleSeconds} s (backlog at start: ` +
          `${k.backlog.records} records in ${k.backlog.wakeups} reads)`
      : `idle: /dev/kmsg follower not measured: ${k ? k.reason : 'no result'}`,
  );
  return res;
}

module.exports = { benchIdle };
