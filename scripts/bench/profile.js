// Overhead of "Profile Extension Host…" on the profiled host: the same extension-like workload in a fresh Node child,
// plain and profiled (10 s CPU profile + sampling heap profile + attribution, as the command does), alternating, and the
// CPU per unit of work compared as a ratio (median profiled ÷ median plain). Target: < 1.05.
// Standalone: node scripts/bench/profile.js [--rounds N] [--seconds S] (after `npx tsc -p .`).
'use strict';
const path = require('path');
const { spawn } = require('child_process');
const { ROOT, median, f2, log } = require('./util');

/** @param {'plain' | 'profiled'} mode @param {number} seconds @returns {Promise<Record<string, any>>} */
async function runChild(mode, seconds) {
  const child = spawn(process.execPath, [path.join(__dirname, 'profile-child.js'), mode, String(seconds)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (/** @type {string} */ d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  const res = JSON.parse(out.trim().split('\n').pop() || '{"error":"no output"}');
  if (res.error) throw new Error(`profile child: ${res.error}`);
  return res;
}

/** @param {{ rounds: number, seconds: number }} o */
async function benchProfile(o) {
  log(`profile overhead: ${o.rounds} × (plain ${o.seconds} s, profiled ${o.seconds} s) in fresh Node children…`);
  /** @type {Record<string, any>[]} */
  const plain = [];
  /** @type {Record<string, any>[]} */
  const profiled = [];
  for (let i = 0; i < o.rounds; i++) {
    // alternate the order so a drift in machine load does not favour one mode
    const order = i % 2 === 0 ? ['plain', 'profiled'] : ['profiled', 'plain'];
    for (const m of order) (m === 'plain' ? plain : profiled).push(await runChild(/** @type {'plain' | 'profiled'} */ (m), o.seconds));
  }
  const plainUs = median(plain.map((r) => r.cpuUsPerUnit));
  const profiledUs = median(profiled.map((r) => r.cpuUsPerUnit));
  const ratio = profiledUs / plainUs;
  log(`profile overhead: CPU per unit ×${f2(ratio)} (${f2(profiledUs)} vs ${f2(plainUs)} µs; ${profiled[0]?.samples} samples per profile)`);
  return { rounds: o.rounds, seconds: o.seconds, plainCpuUsPerUnit: plainUs, profiledCpuUsPerUnit: profiledUs, ratio, plain, profiled };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  /** @param {string} name @param {number} dflt */
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  benchProfile({ rounds: opt('--rounds', 3), seconds: opt('--seconds', 10) })
    .then((r) => {
      const { plain, profiled, ...summary } = r;
      console.log(JSON.stringify({ ...summary, plain: plain.map((x) => x.cpuUsPerUnit), profiled: profiled.map((x) => x.cpuUsPerUnit) }));
      console.log(`${r.ratio < 1.05 ? 'PASS' : 'MISS'}  a 10 s profile adds < 5 % CPU per unit of work: ×${f2(r.ratio)}`);
    })
    .catch((e) => {
      console.error('[bench] profile failed:', e);
      process.exitCode = 1;
    });
}

module.exports = { benchProfile };
