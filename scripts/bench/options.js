// Command line of `node scripts/bench/run.js`.
'use strict';

const USAGE = 'usage: node scripts/bench/run.js [--quick] [--sizes 200,1000,3000,10000] [--reps N] [--idle-seconds N]';

/**
 * @typedef {object} Options
 * @property {boolean} quick
 * @property {number[]} sizes fleet sizes, one fleet each
 * @property {number} reps rounds of each scanner measurement
 * @property {number} idleSeconds length of the idle sampler window
 * @property {number} psReps
 * @property {number} sizeReps rounds of the folder-sizing measurement
 * @property {{ folders: number, filesPerFolder: number }} tree the generated extensions folder
 */

/** @param {string[]} argv @returns {Options} */
function parseArgs(argv) {
  /** @type {{ quick: boolean, sizes?: number[], reps?: number, idleSeconds?: number }} */
  const o = { quick: false, sizes: undefined, reps: undefined, idleSeconds: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a.startsWith('--sizes'))
      o.sizes = value()
        .split(',')
        .map((s) => Number(s.trim()));
    else if (a.startsWith('--reps')) o.reps = Number(value());
    else if (a.startsWith('--idle-seconds')) o.idleSeconds = Number(value());
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.sizes && o.sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 20000)) throw new Error('--sizes: integers 1..20000');
  // Zero or NaN rounds would leave no scan to take the medians of (and crash after the fleet is up).
  if (o.reps !== undefined && (!Number.isInteger(o.reps) || o.reps < 1)) throw new Error('--reps: an integer ≥ 1');
  if (o.idleSeconds !== undefined && !(o.idleSeconds > 0)) throw new Error('--idle-seconds: a number > 0');
  const reps = o.reps ?? (o.quick ? 5 : 10);
  return {
    quick: o.quick,
    sizes: o.sizes ?? (o.quick ? [200, 1000] : [200, 1000, 3000, 10000]),
    reps,
    idleSeconds: o.idleSeconds ?? (o.quick ? 20 : 60),
    psReps: Math.max(3, Math.ceil(reps / 2)),
    sizeReps: o.quick ? 3 : 5,
    tree: { folders: 200, filesPerFolder: 100 }, // 20,000 files
  };
}

module.exports = { parseArgs };
