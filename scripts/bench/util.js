// Shared by the benchmark modules: paths, timing, statistics and number formatting.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const { monitorEventLoopDelay } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'out', 'src');
// Compiled C helpers; CSOPS_CACHE moves the cache as for `npm start` (default: .cache in the repository).
const CACHE = path.join(process.env.CSOPS_CACHE || path.join(ROOT, '.cache'), 'bench');
const RESULTS = path.join(ROOT, 'bench-results');

/** @param {number} ms @returns {Promise<void>} */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Blocks the thread (the synchronous exit path cannot await). @param {number} ms */
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** CPU time of this whole process (user + system, all threads), µs. */
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
/** @param {readonly number[]} xs */
const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** @param {readonly number[]} xs */
const max = (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
/** @param {readonly number[]} xs */
const min = (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity);
/** @param {number} x */
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
/** @param {number} x */
const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
/** @param {number | null | undefined} x */
const f1 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
/** @param {number | null | undefined} x */
const f2 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
/** @param {number} bytes */
const kb = (bytes) => bytes / 1024;
/** @param {...unknown} a */
const log = (...a) => console.log('[bench]', ...a);
/** @param {unknown} e */
const errorMessage = (e) => (e instanceof Error ? e.message : String(e));

/**
 * Runs fn with the event-loop delay recorded around it (enabled 5 ms before: the histogram records from its second
 * tick on; disabled 2 ms after, so the timer fires once after fn's last stretch): fn's result, its wall ms, this
 * process's CPU µs (children not counted) and the max delay in ms.
 * @template T @param {() => Promise<T>} fn
 * @returns {Promise<{ result: T, wallMs: number, cpuUs: number, maxDelayMs: number }>}
 */
async function withLoopDelay(fn) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(5);
  const c0 = cpuUs();
  const w0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - w0;
  const cpu = cpuUs() - c0;
  await sleep(2);
  h.disable();
  return { result, wallMs, cpuUs: cpu, maxDelayMs: h.max / 1e6 };
}

/**
 * Runs `node [...nodeArgs] scripts/bench/<script> ...args` (cwd: the repository) and returns the JSON object of its last
 * stdout line; a child that prints `{"error": …}` (or nothing) makes it throw, named by `what`.
 * @param {string} what @param {string} script @param {string[]} args @param {string[]} [nodeArgs]
 * @returns {Promise<Record<string, any>>}
 */
async function runJsonChild(what, script, args, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(__dirname, script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (/** @type {string} */ d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  /** @type {Record<string, any>} */
  const res = JSON.parse(out.trim().split('\n').pop() || '{"error":"no output"}');
  if (res.error) throw new Error(`${what}: ${res.error}`);
  return res;
}

module.exports = {
  ROOT,
  OUT,
  CACHE,
  RESULTS,
  runJsonChild,
  withLoopDelay,
  sleep,
  sleepSync,
  cpuUs,
  median,
  max,
  min,
  r1,
  r2,
  f1,
  f2,
  kb,
  log,
  errorMessage,
};
