// Activation time in a real code-server extension host (issue #19 goal 6): the packaged VSIX installed in a temp
// code-server, one window loaded LOADS times (the first load, then page reloads: each one a new extension host), and
// the figures the extension logs per activation read from its output-channel log file ("activation: …" lines from
// src/core/activation.ts): activate() (createCore to the first microtask after activate() returns), bundle evaluation
// (first line of dist/extension.js to createCore), and the bundle's read + parse (a cold re-compile 2 s later, only
// with CSOPS_MEASURE_PARSE=1, which this bench sets). Total = parse + evaluation + activate(); target ≤ 50 ms (median).
// Needs code-server-ops.vsix (`npm run package`) and `npx tsc -p .` (it reuses out/test/support).
// Standalone: node scripts/bench/activation.js [--loads N]
'use strict';
const fs = require('fs');
const path = require('path');
const { ROOT, median, min, max, f2, log } = require('./util');

/** @param {string} dir @returns {string[]} every file below dir */
function filesUnder(dir) {
  /** @type {string[]} */
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** The "activation:" lines of every code-server Ops log below the user-data dir, in file order. @param {string} logs */
function activationLines(logs) {
  if (!fs.existsSync(logs)) return [];
  return filesUnder(logs)
    .filter((f) => path.basename(f).includes('code-server Ops'))
    .sort()
    .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'))
    .filter((l) => l.includes('activation: '));
}

const SPAN = String.raw`([\d.]+) ms(?: \(CPU ([\d.]+) ms\))?`;
const LOAD = new RegExp(
  `activate\\(\\) ${SPAN}, bundle evaluation ${SPAN}; VS Code between them ([\\d.]+) ms; host heap used ([\\d.]+) MB`,
);
const PARSE = new RegExp(`bundle read \\+ parse ${SPAN} \\((\\d+) bytes\\)`);

/**
 * @typedef {{ activateMs: number, activateCpuMs?: number, evalMs: number, evalCpuMs?: number, vscodeWaitMs: number,
 *   heapMb: number, parseMs?: number, parseCpuMs?: number, bundleBytes?: number }} Load
 * @param {string[]} lines @returns {Load[]}
 */
function parseLoads(lines) {
  /** @param {string | undefined} x */
  const num = (x) => (x === undefined ? undefined : Number(x));
  /** @type {Load[]} */
  const loads = [];
  for (const l of lines) {
    const a = LOAD.exec(l);
    if (a)
      loads.push({
        activateMs: Number(a[1]),
        activateCpuMs: num(a[2]),
        evalMs: Number(a[3]),
        evalCpuMs: num(a[4]),
        vscodeWaitMs: Number(a[5]),
        heapMb: Number(a[6]),
      });
    const p = PARSE.exec(l);
    if (p && loads.length)
      Object.assign(loads[loads.length - 1], { parseMs: Number(p[1]), parseCpuMs: num(p[2]), bundleBytes: Number(p[3]) });
  }
  return loads;
}

/** @param {{ loads: number }} o */
async function benchActivation(o) {
  const vsix = path.join(ROOT, 'code-server-ops.vsix');
  const support = path.join(ROOT, 'out', 'test', 'support', 'session.js');
  if (!fs.existsSync(vsix) || !fs.existsSync(support))
    return { skipped: 'needs code-server-ops.vsix (`npm run package`) and out/test/support (`npx tsc -p .`)' };
  /** @type {typeof import('../../test/support/session')} */
  const { startSession, stopSession, waitActivated } = require(support);
  /** @type {typeof import('../../test/support/codeServer')} */
  const { CodeServer } = require(path.join(ROOT, 'out', 'test', 'support', 'codeServer.js'));
  log(`activation: ${o.loads} window loads in a real code-server (packaged VSIX)…`);
  const s = await startSession('activation', { serverEnv: { CSOPS_MEASURE_PARSE: '1' } });
  try {
    const logs = path.join(CodeServer.paths(s.home).userData, 'logs');
    /** @param {number} n */
    const waitLoads = async (n) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const loads = parseLoads(activationLines(logs));
        if (loads.length >= n && loads[n - 1].parseMs !== undefined) return loads;
        if (Date.now() > deadline) throw new Error(`no activation line for window load ${n} in ${logs}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await waitLoads(1);
    for (let i = 2; i <= o.loads; i++) {
      await s.page.reload();
      await waitActivated(s.page);
      await waitLoads(i);
    }
    const loads = (await waitLoads(o.loads)).slice(0, o.loads).map((x) => ({
      ...x,
      totalMs: (x.parseMs ?? 0) + x.evalMs + x.activateMs,
      totalCpuMs: (x.parseCpuMs ?? NaN) + (x.evalCpuMs ?? NaN) + (x.activateCpuMs ?? NaN),
    }));
    /** @param {(x: (typeof loads)[number]) => number | undefined} f */
    const med = (f) => median(loads.map((x) => f(x) ?? NaN));
    const r = {
      loads,
      medianTotalMs: med((x) => x.totalMs),
      medianTotalCpuMs: med((x) => x.totalCpuMs),
      medianActivateMs: med((x) => x.activateMs),
      medianActivateCpuMs: med((x) => x.activateCpuMs),
      medianEvalMs: med((x) => x.evalMs),
      medianEvalCpuMs: med((x) => x.evalCpuMs),
      medianParseMs: med((x) => x.parseMs),
      medianParseCpuMs: med((x) => x.parseCpuMs),
      medianVscodeWaitMs: med((x) => x.vscodeWaitMs),
      spreadTotalMs: [min(loads.map((x) => x.totalMs)), max(loads.map((x) => x.totalMs))],
      bundleBytes: loads[0].bundleBytes,
    };
    log(
      `activation: median ${f2(r.medianTotalMs)} ms wall = parse ${f2(r.medianParseMs)} + evaluation ${f2(r.medianEvalMs)} + ` +
        `activate() ${f2(r.medianActivateMs)}; main-thread CPU ${f2(r.medianTotalCpuMs)} ms = ${f2(r.medianParseCpuMs)} + ` +
        `${f2(r.medianEvalCpuMs)} + ${f2(r.medianActivateCpuMs)} (wall range ${f2(r.spreadTotalMs[0])}–${f2(r.spreadTotalMs[1])} ms ` +
        `over ${o.loads} loads; VS Code's own wait between evaluation and activate() ${f2(r.medianVscodeWaitMs)} ms, not counted)`,
    );
    return r;
  } finally {
    await stopSession(s);
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--loads');
  benchActivation({ loads: i >= 0 ? Number(argv[i + 1]) : 5 })
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      if (!('skipped' in r)) console.log(`${r.medianTotalMs <= 50 ? 'PASS' : 'MISS'}  activation ≤ 50 ms: ${f2(r.medianTotalMs)} ms`);
    })
    .catch((e) => {
      console.error('[bench] activation failed:', e);
      process.exitCode = 1;
    });
}

module.exports = { benchActivation, parseLoads };
