// Native helpers: the C reference (procread.c) and the child-rusage wrapper (rusage.c), compiled with `cc -O2`, and
// measuring the CPU of a child process.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { CACHE } = require('./util');

/** @typedef {{ bin: string, error?: undefined } | { bin?: undefined, error: string }} Compiled */

/** Compiles scripts/bench/NAME.c into .cache/bench/NAME. @param {string} name @returns {Compiled} */
function compile(name) {
  const src = path.join(__dirname, `${name}.c`);
  const bin = path.join(CACHE, name);
  fs.mkdirSync(CACHE, { recursive: true });
  const r = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (r.error) {
    const noCc = /** @type {NodeJS.ErrnoException} */ (r.error).code === 'ENOENT';
    return { error: noCc ? 'no C compiler (`cc`) on PATH' : r.error.message };
  }
  if (r.status !== 0) return { error: `cc failed: ${r.stderr.trim()}` };
  return { bin };
}

/** Where child outputs go, and the rusage wrapper if it compiled. */
const state = {
  /** @type {string | undefined} */ work: undefined,
  /** @type {string | undefined} */ rusageBin: undefined,
  seq: 0,
};

/** @param {string} work temp dir of this run @param {string | undefined} rusageBin */
function initChildMeasurement(work, rusageBin) {
  state.work = work;
  state.rusageBin = rusageBin;
}

/** @typedef {{ stdout: string, status: number | null, wallMs: number, cpuUs: number }} ChildRun */

/** Runs argv and measures the CHILD's own CPU: wait4() rusage via scripts/bench/rusage.c, else bash `times`.
 *  @param {string[]} argv @returns {ChildRun} */
function measureChild(argv) {
  if (state.work === undefined) throw new Error('measureChild: initChildMeasurement() was not called');
  const outFile = path.join(state.work, `child-${state.seq++}.out`);
  if (state.rusageBin) {
    /** @type {import('child_process').SpawnSyncOptionsWithStringEncoding} */
    const opts = { encoding: 'latin1', maxBuffer: 512 << 20, stdio: ['ignore', 'pipe', 'pipe'] };
    const r = spawnSync(state.rusageBin, [outFile, ...argv], opts);
    if (r.error) throw r.error;
    /** @type {{ status: number, wall_us: number, user_us: number, sys_us: number }} */
    const ru = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    fs.unlinkSync(outFile);
    return { stdout: r.stdout, status: ru.status, wallMs: ru.wall_us / 1000, cpuUs: ru.user_us + ru.sys_us };
  }
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `${quoted} > "$1"; s=$?; times; exit $s`, 'bash', outFile], { encoding: 'latin1' });
  const wallMs = performance.now() - t0;
  const lines = r.stdout.trim().split('\n');
  /** @param {string} t */
  const parse = (t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? (Number(m[1]) * 60 + Number(m[2])) * 1e6 : NaN;
  };
  const [u, s] = (lines[1] || '').split(/\s+/).map(parse);
  const stdout = fs.readFileSync(outFile, 'latin1');
  fs.unlinkSync(outFile);
  return { stdout, status: r.status, wallMs, cpuUs: u + s };
}

const childCpuMethod = () =>
  state.rusageBin ? 'wait4() rusage of the child (scripts/bench/rusage.c), µs' : 'bash `times` (children user+sys), 1 ms resolution';

module.exports = { compile, initChildMeasurement, measureChild, childCpuMethod };
