// Shared by the benchmark modules: paths, timing, statistics and number formatting.
'use strict';
const path = require('path');

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

module.exports = { ROOT, OUT, CACHE, RESULTS, sleep, sleepSync, cpuUs, median, max, min, r1, r2, f1, f2, kb, log, errorMessage };
