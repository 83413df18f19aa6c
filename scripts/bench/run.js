// `npm run bench` — the numbers behind the "Performance proof" issue.
//
//   node scripts/bench/run.js [--quick] [--sizes 200,1000,3000] [--reps N] [--idle-seconds N]
//
// Per fleet size it starts its OWN processes (one detached `sh` that forks N `sleep 600`, in a session and process
// group of its own), then measures, in the same run:
//   • our scanner exactly as the extension calls it (scanProcesses({ procRoot: '/proc' }) from out/src),
//   • a C reference doing the same reads (scripts/bench/procread.c, compiled here with `cc -O2`),
//   • `ps -eo pid,ppid,rss,lstart,args`, and pidusage(pids[]) (in a child process),
// then folder sizing against `du -s -B1`, the refresh cost when nothing changed, the idle cost of the status-bar and
// memory samplers, and the bundle / VSIX sizes. Results: bench-results/latest.json and bench-results/latest.md.
//
// Safety: the fleet is killed ONLY by pid, each pid re-checked against the start time (stat field 22) recorded when it
// was spawned — never by name, never by group, never kill(-1) — on success, on error, on SIGINT/SIGTERM/SIGHUP and
// at exit. Other processes on the machine are only ever read.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');
const vm = require('vm');
const { spawn, spawnSync } = require('child_process');
const { monitorEventLoopDelay } = require('perf_hooks');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'out', 'src');
const CACHE = path.join(ROOT, '.cache', 'bench');
const RESULTS = path.join(ROOT, 'bench-results');

// ---------------------------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { quick: false, sizes: undefined, reps: undefined, idleSeconds: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a.startsWith('--sizes')) o.sizes = value().split(',').map((s) => Number(s.trim()));
    else if (a.startsWith('--reps')) o.reps = Number(value());
    else if (a.startsWith('--idle-seconds')) o.idleSeconds = Number(value());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/bench/run.js [--quick] [--sizes 200,1000,3000] [--reps N] [--idle-seconds N]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.sizes && o.sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 20000)) throw new Error('--sizes: integers 1..20000');
  o.sizes = o.sizes ?? (o.quick ? [200, 1000] : [200, 1000, 3000]);
  o.reps = o.reps ?? (o.quick ? 5 : 10);
  o.idleSeconds = o.idleSeconds ?? (o.quick ? 20 : 60);
  o.psReps = Math.max(3, Math.ceil(o.reps / 2));
  o.sizeReps = o.quick ? 3 : 5;
  o.tree = { folders: 200, filesPerFolder: 100 }; // 20,000 files
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
const min = (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity);
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
const f1 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
const kb = (bytes) => bytes / 1024;
const log = (...a) => console.log('[bench]', ...a);

/** /proc/PID/stat fields the fleet bookkeeping needs; undefined when the pid does not exist. */
function readStat(pid) {
  let t;
  try {
    t = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const close = t.lastIndexOf(')');
  const f = t.slice(close + 2).split(' '); // f[0] is field 3 (state)
  return {
    comm: t.slice(t.indexOf('(') + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    starttime: Number(f[19]), // field 22
  };
}

/** The same process (pid AND start time) still exists (a zombie not yet reaped counts as existing). */
const sameProcess = (pid, starttime) => readStat(pid)?.starttime === starttime;
/** The same process exists and is not a zombie (a killed child its parent has not reaped yet). */
const liveProcess = (pid, starttime) => {
  const s = readStat(pid);
  return s !== undefined && s.starttime === starttime && s.state !== 'Z';
};

// ---------------------------------------------------------------------------------------------------------------
// The fleet: N `sleep 600` under one detached sh. Every pid is recorded with its start time when spawned.

const fleets = [];
const tempDirs = [];

async function spawnFleet(n) {
  const script = `i=0; while [ "$i" -lt ${n} ]; do sleep 600 & echo "$!"; i=$((i+1)); done; echo ready; wait`;
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const st = child.pid ? readStat(child.pid) : undefined;
  const fleet = { n, shPid: child.pid, shStart: st?.starttime, child, members: new Map(), exited: false, strays: [] };
  fleets.push(fleet);
  child.on('exit', () => (fleet.exited = true));
  if (!st || st.session !== child.pid) throw new Error(`fleet shell ${child.pid} did not start in its own session`);
  await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`fleet of ${n}: not ready after 180 s`)), 180_000);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (/^\d+$/.test(line)) {
          const pid = Number(line);
          const s = readStat(pid);
          // Ours: in the shell's session and group, started after the shell.
          if (s && s.session === fleet.shPid && s.pgrp === fleet.shPid && s.starttime >= fleet.shStart) fleet.members.set(pid, s.starttime);
          else fleet.strays.push(pid);
        }
      }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`fleet shell exited early (${code ?? sig})`));
    });
  });
  // Wait until every child has exec'd `sleep` (a child between fork and exec is still "sh" and changes under us).
  const deadline = Date.now() + 60_000;
  for (;;) {
    let pending = 0;
    for (const [pid, start] of fleet.members) {
      const s = readStat(pid);
      if (s && s.starttime === start && s.comm !== 'sleep') pending++;
    }
    if (pending === 0) break;
    if (Date.now() > deadline) throw new Error(`fleet of ${n}: ${pending} children never exec'd sleep`);
    await sleep(50);
  }
  fleet.ready = true;
  if (fleet.members.size !== n) log(`warning: fleet of ${n}: ${fleet.members.size} recorded (${fleet.strays.length} not verifiable)`);
  return fleet;
}

/** Every process of the fleet still present: recorded members, plus members of its session spawned after the shell
 *  whose pid line was not read yet — the latter only while the session id provably still belongs to us. */
function fleetTargets(fleet) {
  const targets = new Map();
  for (const [pid, start] of fleet.members) if (sameProcess(pid, start)) targets.set(pid, start);
  // While our shell (same pid AND start time; alive, or a zombie not yet reaped) holds its pid, that pid cannot be
  // reused, so nobody else can have created a session with that id: a sweep by session is exact.
  const shPresent = fleet.shStart !== undefined && sameProcess(fleet.shPid, fleet.shStart);
  if (shPresent) {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (pid === fleet.shPid || targets.has(pid)) continue;
      const s = readStat(pid);
      if (s && s.session === fleet.shPid && s.pgrp === fleet.shPid && s.starttime >= fleet.shStart) targets.set(pid, s.starttime);
    }
  }
  return { targets };
}

const liveTargets = (fleet) => [...fleetTargets(fleet).targets].filter(([pid, start]) => liveProcess(pid, start));

function killVerified(pid, starttime) {
  const s = readStat(pid);
  if (!s || s.starttime !== starttime) return false; // gone, or the pid now belongs to someone else
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Processes of the fleet (recorded pid + start time, shell included) that still exist, zombies included. */
function fleetAlive(fleet) {
  let n = 0;
  for (const [pid, start] of fleet.members) if (sameProcess(pid, start)) n++;
  if (fleet.shStart !== undefined && sameProcess(fleet.shPid, fleet.shStart)) n++;
  return n;
}

/** Processes of the fleet still running (not zombies). */
function fleetLive(fleet) {
  let n = liveTargets(fleet).length;
  if (fleet.shStart !== undefined && liveProcess(fleet.shPid, fleet.shStart)) n++;
  return n;
}

/** Kills one fleet: children first (the shell's `wait` reaps them), then the shell. `waitFn` drives the generator,
 *  sleeping the yielded milliseconds. With `reap`, also waits until every zombie is reaped (the async path, where
 *  Node reaps the shell); the synchronous exit path cannot reap the shell, so it waits only for the killing. */
function killFleetWith(fleet, waitFn, reap) {
  const run = function* () {
    const killShell = () => fleet.shStart !== undefined && killVerified(fleet.shPid, fleet.shStart);
    // Interrupted while the shell is still forking: stop the source first. Its children are then swept right away
    // (no yield in between, so Node cannot reap the shell yet and the session id stays provably ours).
    if (!fleet.ready) killShell();
    for (let round = 0; round < 3; round++) {
      const live = liveTargets(fleet);
      if (live.length === 0) break;
      for (const [pid, start] of live) killVerified(pid, start);
      for (let i = 0; i < 100 && liveTargets(fleet).length > 0; i++) yield 50;
    }
    killShell();
    for (let i = 0; i < 200 && (reap ? fleetAlive(fleet) : fleetLive(fleet)) > 0; i++) yield 50;
  };
  return waitFn(run());
}

async function killFleet(fleet) {
  await killFleetWith(
    fleet,
    async (it) => {
      for (let s = it.next(); !s.done; s = it.next()) await sleep(s.value);
    },
    true,
  );
  fleet.left = fleetAlive(fleet);
  fleet.cleaned = fleet.left === 0;
  return fleet.left;
}

function killFleetSync(fleet) {
  killFleetWith(
    fleet,
    (it) => {
      for (let s = it.next(); !s.done; s = it.next()) sleepSync(s.value);
    },
    false,
  );
  fleet.left = fleetLive(fleet);
  fleet.zombies = fleetAlive(fleet) - fleet.left;
  fleet.cleaned = fleet.left === 0;
}

let cleanedUp = false;
function cleanupSync(why) {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const f of fleets) {
    if (f.cleaned) continue;
    try {
      killFleetSync(f);
      if (why) console.error(`[bench] ${why}: fleet of ${f.n} killed (${f.left} still running; ${f.zombies} killed, awaiting reaping by their parent)`);
    } catch (e) {
      console.error(`[bench] cleanup of fleet ${f.shPid} failed: ${e.message}`);
    }
  }
  for (const d of tempDirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    cleanupSync(`interrupted by ${sig}`);
    process.exit(code);
  });
}
process.on('uncaughtException', (e) => {
  console.error('[bench] uncaught:', e);
  cleanupSync('error');
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  console.error('[bench] unhandled rejection:', e);
  cleanupSync('error');
  process.exit(1);
});
process.on('exit', () => cleanupSync());

// ---------------------------------------------------------------------------------------------------------------
// Native helpers: the C reference and the child-rusage wrapper

function compile(name) {
  const src = path.join(__dirname, `${name}.c`);
  const bin = path.join(CACHE, name);
  fs.mkdirSync(CACHE, { recursive: true });
  const r = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (r.error) return { error: r.error.code === 'ENOENT' ? 'no C compiler (`cc`) on PATH' : r.error.message };
  if (r.status !== 0) return { error: `cc failed: ${r.stderr.trim()}` };
  return { bin };
}

let work; // temp dir for this run (rusage outputs, the sizing tree, the sampler's storage)
let rusageBin;
let seq = 0;

/** Runs argv and measures the CHILD's own CPU: wait4() rusage via scripts/bench/rusage.c, else bash `times`. */
function measureChild(argv) {
  const outFile = path.join(work, `child-${seq++}.out`);
  if (rusageBin) {
    const r = spawnSync(rusageBin, [outFile, ...argv], { encoding: 'latin1', maxBuffer: 512 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw r.error;
    const ru = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    fs.unlinkSync(outFile);
    return { stdout: r.stdout, status: ru.status, wallMs: ru.wall_us / 1000, cpuUs: ru.user_us + ru.sys_us };
  }
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `${quoted} > "$1"; s=$?; times; exit $s`, 'bash', outFile], { encoding: 'latin1' });
  const wallMs = performance.now() - t0;
  const lines = r.stdout.trim().split('\n');
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
  rusageBin ? 'wait4() rusage of the child (scripts/bench/rusage.c), µs' : 'bash `times` (children user+sys), 1 ms resolution';

// ---------------------------------------------------------------------------------------------------------------
// Scanner measurements

function loadOurs() {
  const need = ['probes/scanner.js', 'probes/procFs.js', 'probes/procParsers.js', 'probes/folderSize.js', 'probes/selfMemory.js',
    'probes/extensionsDir.js', 'memory/monitor.js', 'probes/cgroup.js'];
  for (const f of need) {
    if (!fs.existsSync(path.join(OUT, f))) throw new Error(`out/src/${f} missing: run \`npx tsc -p .\` first`);
  }
  return {
    scanner: require(path.join(OUT, 'probes/scanner.js')),
    procFs: require(path.join(OUT, 'probes/procFs.js')),
    parsers: require(path.join(OUT, 'probes/procParsers.js')),
    folderSize: require(path.join(OUT, 'probes/folderSize.js')),
    selfMemory: require(path.join(OUT, 'probes/selfMemory.js')),
    extensionsDir: require(path.join(OUT, 'probes/extensionsDir.js')),
    monitor: require(path.join(OUT, 'memory/monitor.js')),
    cgroup: require(path.join(OUT, 'probes/cgroup.js')),
  };
}

/** One scan exactly as the extension does it, with wall, own CPU and the max event-loop delay around it. */
async function timedScan(ours, extra = {}) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(5); // the histogram records from its second timer tick on: a block before that would go unseen
  const c0 = cpuUs();
  const t0 = performance.now();
  const snap = await ours.scanner.scanProcesses({ procRoot: '/proc', ...extra });
  const wallMs = performance.now() - t0;
  const cpu = cpuUs() - c0;
  await sleep(2); // let the delay timer fire once after the last slice
  h.disable();
  const count = snap.processes.size + snap.skipped.length;
  return { snap, wallMs, cpuUs: cpu, count, skipped: snap.skipped.length, cpuPerProcUs: cpu / count, maxDelayMs: h.max / 1e6 };
}

function runProcread(bin, reps, parts, oneRead) {
  const r = spawnSync(bin, ['--reps', String(reps), ...(parts ? ['--parts'] : []), ...(oneRead ? ['--one-read'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`procread failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const cPass = (p) => ({ count: p.count + p.skipped, wallMs: p.wall_us / 1000, cpuUs: p.user_us + p.sys_us, cpuPerProcUs: (p.user_us + p.sys_us) / (p.count + p.skipped) });

/** Longest synchronous stretch of one scan: the same scan with a yield that timestamps every slice (wall and
 *  process CPU, so a slice stretched by the OS scheduling another process shows as wall ≫ CPU). */
async function sliceProfile(ours) {
  const slices = [];
  let last = performance.now();
  let lastCpu = cpuUs();
  const end = () => slices.push({ wallMs: performance.now() - last, cpuMs: (cpuUs() - lastCpu) / 1000 });
  const yieldToLoop = () => {
    end();
    return new Promise((resolve) =>
      setImmediate(() => {
        last = performance.now();
        lastCpu = cpuUs();
        resolve();
      }),
    );
  };
  await ours.scanner.scanProcesses({ procRoot: '/proc', yieldToLoop });
  end();
  const longest = slices.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
  return { slices: slices.length, longestMs: longest.wallMs, longestCpuMs: longest.cpuMs, maxCpuMs: max(slices.map((x) => x.cpuMs)), medianMs: median(slices.map((x) => x.wallMs)) };
}

/** The parts of a scan, each over all pids, with the same NodeProcFs and parsers the scanner uses. */
function scanParts(ours) {
  const pfs = new ours.procFs.NodeProcFs();
  const P = ours.parsers;
  const pids = pfs.readdir('/proc').filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const statTexts = [];
  const cmdTexts = [];
  for (const pid of pids) {
    try {
      statTexts.push(pfs.readText(`/proc/${pid}/stat`));
      cmdTexts.push(pfs.readText(`/proc/${pid}/cmdline`));
    } catch {
      // vanished
    }
  }
  const each = (f) => () => {
    for (const pid of pids) {
      try {
        f(pid);
      } catch {
        // vanished
      }
    }
  };
  const parts = {
    readdir: () => pfs.readdir('/proc').filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b),
    uidStat: each((pid) => pfs.uidOf(`/proc/${pid}`)),
    statFile: each((pid) => pfs.readText(`/proc/${pid}/stat`)),
    cmdlineFile: each((pid) => pfs.readText(`/proc/${pid}/cmdline`)),
    parseStat: () => {
      for (const t of statTexts) P.parseStat(t);
    },
    parseCmdline: () => {
      for (const t of cmdTexts) P.parseCmdline(t).map(ours.procFs.utf8);
    },
  };
  return { pids, parts };
}

// ---- Alternative scan loops, NOT what src does: measured to back the suggestions in docs/benchmark.md. ----
// They produce the same records as scanner.ts (same fields), differing only in the marked places.

let altBuf = Buffer.allocUnsafe(16 * 1024);
function altReadText(file, oneRead, wantUid) {
  const fd = fs.openSync(file, 'r');
  try {
    let len = 0;
    for (;;) {
      if (len === altBuf.length) {
        const bigger = Buffer.allocUnsafe(altBuf.length * 2);
        altBuf.copy(bigger, 0, 0, len);
        altBuf = bigger;
      }
      const n = fs.readSync(fd, altBuf, len, altBuf.length - len, null);
      if (n === 0) break;
      len += n;
      if (oneRead && len < altBuf.length) break; // [one read] a short read from /proc is the end of the file
    }
    const text = altBuf.toString('latin1', 0, len);
    return wantUid ? { text, uid: fs.fstatSync(fd).uid } : text; // [fstat] owner of /proc/PID/stat = owner of /proc/PID
  } finally {
    fs.closeSync(fd);
  }
}

/** [fast parse] parseStat without split(/\s+/) and per-field regexes: one indexOf walk over the fields after comm. */
function altParseStat(text) {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const f = [];
  for (let i = close + 2, field = 3; i < text.length && field <= 24; field++) {
    let j = text.indexOf(' ', i);
    if (j < 0) j = text.length;
    f[field] = text.slice(i, j);
    i = j + 1;
  }
  const n = (k) => {
    const v = Number(f[k]);
    return f[k] !== '' && Number.isSafeInteger(v) ? v : undefined;
  };
  const r = { pid: Number(text.slice(0, open - 1)), comm: text.slice(open + 1, close), state: f[3], ppid: n(4), pgrp: n(5), session: n(6), tpgid: n(8), utime: n(14), stime: n(15), starttime: n(22), rssPages: n(24) };
  return r.rssPages === undefined || r.starttime === undefined ? undefined : r;
}

function altScan(ours, v) {
  const P = ours.parsers;
  const utf8 = ours.procFs.utf8;
  const pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const processes = new Map();
  for (const pid of pids) {
    const dir = `/proc/${pid}`;
    let statText;
    let cmdline;
    let uid;
    try {
      if (v.fstat) {
        const r = altReadText(`${dir}/stat`, v.oneRead, true);
        statText = r.text;
        uid = r.uid;
      } else {
        uid = fs.statSync(dir).uid;
        statText = altReadText(`${dir}/stat`, v.oneRead, false);
      }
      cmdline = altReadText(`${dir}/cmdline`, v.oneRead, false);
    } catch {
      continue;
    }
    let s;
    if (v.fastParse) s = altParseStat(statText);
    else {
      const p = P.parseStat(statText);
      s = p.ok ? p.value : undefined;
    }
    if (!s || s.pid !== pid) continue;
    processes.set(pid, {
      pid, ppid: s.ppid, comm: utf8(s.comm), state: s.state, pgrp: s.pgrp, session: s.session, tpgid: s.tpgid, starttime: s.starttime,
      startedAtMs: Math.round((s.starttime * 1000) / 100), cpuTicks: s.utime + s.stime, rssBytes: s.rssPages * 4096, uid, argv: P.parseCmdline(cmdline).map(utf8),
    });
  }
  return processes.size;
}

/** Where the CPU goes: in each round, every part of a scan, the whole scanner with and without its yields, the
 *  alternative loops, and the C reference's parts (as shipped and with one read per file) — interleaved, so drift
 *  from other load on the machine hits all of them alike. Median CPU µs per process. */
async function breakdown(ours, reps, cref) {
  const { pids, parts } = scanParts(ours);
  const variants = {
    scanner: async () => (await ours.scanner.scanProcesses({ procRoot: '/proc' })).processes.size,
    scannerNoYield: async () => (await ours.scanner.scanProcesses({ procRoot: '/proc', yieldToLoop: async () => {} })).processes.size,
    oneRead: async () => altScan(ours, { oneRead: true }),
    oneReadFstat: async () => altScan(ours, { oneRead: true, fstat: true }),
    oneReadFstatFastParse: async () => altScan(ours, { oneRead: true, fstat: true, fastParse: true }),
  };
  const partRuns = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
  const variantRuns = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const cRuns = { readdir: [], uidStat: [], statFile: [], cmdlineFile: [], full: [], fullOneRead: [] };
  const perProc = (p) => (p.user_us + p.sys_us) / (p.count + p.skipped);
  for (const fn of Object.values(parts)) fn(); // warm-up
  for (const fn of Object.values(variants)) for (let i = 0; i < 2; i++) await fn();
  for (let r = 0; r < reps; r++) {
    for (const [k, fn] of Object.entries(parts)) {
      const c0 = cpuUs();
      fn();
      partRuns[k].push((cpuUs() - c0) / pids.length);
    }
    for (const [k, fn] of Object.entries(variants)) {
      const c0 = cpuUs();
      const n = await fn();
      variantRuns[k].push((cpuUs() - c0) / n);
    }
    if (cref.bin) {
      const c = runProcread(cref.bin, 1, true);
      const base = perProc(c.readdir[0]);
      cRuns.readdir.push(base);
      cRuns.uidStat.push(perProc(c.uidStat[0]) - base);
      cRuns.statFile.push(perProc(c.statFile[0]) - base);
      cRuns.cmdlineFile.push(perProc(c.cmdlineFile[0]) - base);
      cRuns.full.push(perProc(c.full[0]));
      cRuns.fullOneRead.push(perProc(runProcread(cref.bin, 1, false, true).full[0]));
    }
  }
  const med = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, median(v)]));
  return {
    processes: pids.length,
    reps,
    usPerProc: med(partRuns),
    variantsUsPerProc: med(variantRuns),
    ...(cref.bin ? { cUsPerProc: med(cRuns) } : {}),
  };
}

async function benchFleet(n, o, ours, cref) {
  log(`fleet of ${n}: spawning…`);
  const t0 = performance.now();
  const fleet = await spawnFleet(n);
  log(`fleet of ${n}: ${fleet.members.size} sleeps (sh ${fleet.shPid}) in ${(performance.now() - t0).toFixed(0)} ms`);
  const res = { fleetSize: n, fleetRecorded: fleet.members.size };
  try {
    await sleep(300);
    // Warm-up
    for (let i = 0; i < 3; i++) await timedScan(ours);
    if (cref.bin) runProcread(cref.bin, 1, false);
    gc();
    const mem0 = process.memoryUsage();
    let rssPeak = mem0.rss;
    const firsts = [];
    const scans = [];
    const cRuns = [];
    let latest; // the extension keeps the latest snapshot, so do we
    // Rounds, so that ours and C see the same machine state: (1) a scan after a short pause, with the event-loop
    // delay histogram around it; (2) right after it, a second scan — the CPU figure compared with C, whose timed pass
    // also directly follows its own warm-up pass; (3) the C reference.
    for (let r = 0; r < o.reps; r++) {
      const first = await timedScan(ours);
      delete first.snap;
      firsts.push(first);
      const c0 = cpuUs();
      const w0 = performance.now();
      latest = await ours.scanner.scanProcesses({ procRoot: '/proc' });
      const cpu = cpuUs() - c0;
      const count = latest.processes.size + latest.skipped.length;
      scans.push({ wallMs: performance.now() - w0, cpuUs: cpu, count, skipped: latest.skipped.length, cpuPerProcUs: cpu / count });
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (cref.bin) cRuns.push(cPass(runProcread(cref.bin, 1, false).full[0]));
    }
    gc();
    const mem1 = process.memoryUsage();
    res.processesScanned = median(scans.map((s) => s.count));
    res.ours = {
      reps: scans,
      wallMs: median(scans.map((s) => s.wallMs)),
      cpuPerProcUs: median(scans.map((s) => s.cpuPerProcUs)),
      cpuPerProcUsMin: min(scans.map((s) => s.cpuPerProcUs)),
      firstScans: firsts,
      firstWallMs: median(firsts.map((s) => s.wallMs)),
      firstCpuPerProcUs: median(firsts.map((s) => s.cpuPerProcUs)),
      maxDelayMs: max(firsts.map((s) => s.maxDelayMs)),
      medianMaxDelayMs: median(firsts.map((s) => s.maxDelayMs)),
      heapGrowthBytes: mem1.heapUsed - mem0.heapUsed,
      rssGrowthBytes: mem1.rss - mem0.rss,
      rssPeakGrowthBytes: rssPeak - mem0.rss,
      latestSnapshotProcesses: latest.processes.size,
    };
    const profiles = [];
    for (let i = 0; i < 3; i++) profiles.push(await sliceProfile(ours));
    res.ours.slices = profiles.reduce((a, b) => (b.longestMs > a.longestMs ? b : a));
    // The same scanner with other slicing, through its options (no src change): a smaller sliceSize, and a time
    // budget emulated with yieldToLoop (asked every 16 pids, it yields only once 4 ms have passed).
    const budgetYield = () => {
      let last = performance.now();
      return () => {
        if (performance.now() - last < 4) return Promise.resolve();
        return new Promise((resolve) =>
          setImmediate(() => {
            last = performance.now();
            resolve();
          }),
        );
      };
    };
    res.smallerSlices = {};
    for (const [name, opts] of [['50', () => ({ sliceSize: 50 })], ['budget4ms', () => ({ sliceSize: 16, yieldToLoop: budgetYield() })]]) {
      const runs = [];
      for (let r = 0; r < o.reps; r++) {
        const x = await timedScan(ours, opts());
        delete x.snap;
        runs.push(x);
      }
      res.smallerSlices[name] = { maxDelayMs: max(runs.map((x) => x.maxDelayMs)), medianMaxDelayMs: median(runs.map((x) => x.maxDelayMs)), cpuPerProcUs: median(runs.map((x) => x.cpuPerProcUs)) };
    }
    // A refresh when nothing changed: the second of two back-to-back scans (the scanner has no cache).
    res.refreshScan = { first: { wallMs: res.ours.firstWallMs, cpuUs: median(firsts.map((s) => s.cpuUs)) }, second: { wallMs: res.ours.wallMs, cpuUs: median(scans.map((s) => s.cpuUs)) }, count: res.processesScanned };
    if (cref.bin) {
      res.c = {
        reps: cRuns,
        wallMs: median(cRuns.map((c) => c.wallMs)),
        cpuPerProcUs: median(cRuns.map((c) => c.cpuPerProcUs)),
        cpuPerProcUsMin: min(cRuns.map((c) => c.cpuPerProcUs)),
      };
      res.ratio = res.ours.cpuPerProcUs / res.c.cpuPerProcUs;
    }
    // ps
    measureChild(['ps', '-eo', 'pid,ppid,rss,lstart,args']);
    const psRuns = [];
    for (let r = 0; r < o.psReps; r++) {
      const m = measureChild(['ps', '-eo', 'pid,ppid,rss,lstart,args']);
      const count = m.stdout.split('\n').filter((l) => l.trim()).length - 1;
      psRuns.push({ wallMs: m.wallMs, cpuUs: m.cpuUs, count, cpuPerProcUs: m.cpuUs / count });
    }
    res.ps = { reps: psRuns, wallMs: median(psRuns.map((p) => p.wallMs)), cpuPerProcUs: median(psRuns.map((p) => p.cpuPerProcUs)) };
    // pidusage (in a child process; see pidusage-child.js)
    const pidsFile = path.join(work, 'pids.json');
    const pids = fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x)).map(Number);
    fs.writeFileSync(pidsFile, JSON.stringify(pids));
    const pu = spawnSync(process.execPath, [path.join(__dirname, 'pidusage-child.js'), pidsFile, '3'], { cwd: ROOT, encoding: 'utf8' });
    const puRes = JSON.parse(pu.stdout.trim().split('\n').pop() || '{"error":"no output"}');
    if (puRes.error) res.pidusage = { error: puRes.error };
    else {
      const per = (x) => ({ ...x, cpuPerProcUs: x.cpuUs / x.asked });
      const warm = puRes.warm.map(per);
      res.pidusage = {
        cold: per(puRes.cold),
        warm,
        warmWallMs: median(warm.map((w) => w.wallMs)),
        warmCpuPerProcUs: median(warm.map((w) => w.cpuPerProcUs)),
      };
    }
    // Breakdown (CPU per process of each part, ours vs C) and the alternatives
    res.breakdown = await breakdown(ours, Math.max(5, o.reps), cref);
    log(
      `fleet of ${n}: ${res.processesScanned} processes — ours ${f1(res.ours.cpuPerProcUs)} µs/proc, C ${f1(res.c?.cpuPerProcUs)} µs/proc ` +
        `(×${f2(res.ratio)}), ps ${f1(res.ps.cpuPerProcUs)} µs/proc, max loop delay ${f1(res.ours.maxDelayMs)} ms`,
    );
  } finally {
    const left = await killFleet(fleet);
    res.fleetLeftAfterCleanup = left;
    log(`fleet of ${n}: killed by verified pid; ${left} of ${fleet.members.size + 1} still present`);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------------------------
// Folder sizing

function makeExtensionsTree(dir, folders, filesPerFolder) {
  fs.mkdirSync(dir, { recursive: true });
  const entries = [];
  let files = 0;
  let dirs = 0;
  const body = Buffer.alloc(4096, 'x');
  for (let i = 0; i < folders; i++) {
    const name = `bench.ext${i}-1.0.${i % 7}`;
    const root = path.join(dir, name);
    const sub = [path.join(root, 'out'), path.join(root, 'node_modules', 'dep', 'lib')];
    for (const s of sub) fs.mkdirSync(s, { recursive: true });
    dirs += 5;
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: `ext${i}`, publisher: 'bench', version: `1.0.${i % 7}` }));
    files++;
    for (let k = 1; k < filesPerFolder; k++) {
      const where = k % 2 ? sub[0] : sub[1];
      fs.writeFileSync(path.join(where, `f${k}.js`), body.subarray(0, 64 + ((k * 37 + i * 11) % 3000)));
      files++;
    }
    entries.push({ identifier: { id: `bench.ext${i}` }, version: `1.0.${i % 7}`, relativeLocation: name });
  }
  fs.writeFileSync(path.join(dir, 'extensions.json'), JSON.stringify(entries));
  return { files, dirs };
}

/** Alternative sizing loop, NOT what src does (measured to back a suggestion): lstatSync/readdirSync on the main
 *  thread in slices of `slice` entries with a setImmediate between slices — no promises, no thread pool. */
function altFolderSizeSync(root, seen, budget) {
  return new Promise((resolve) => {
    const out = { bytes: 0, apparentBytes: 0, entries: 0, errors: 0 };
    const stack = [root];
    const step = () => {
      // `budget` is shared by consecutive calls: a small folder finishing inside a slice must not reset it
      // (its promise resolves as a microtask, which does not give the event loop a turn).
      for (; stack.length > 0 && budget.left > 0; budget.left--) {
        const p = stack.pop();
        let st;
        try {
          st = fs.lstatSync(p);
        } catch {
          out.errors++;
          continue;
        }
        out.entries++;
        if (st.nlink > 1 && !st.isDirectory()) {
          const key = `${st.dev}:${st.ino}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        out.bytes += st.blocks * 512;
        out.apparentBytes += st.size;
        if (st.isDirectory()) {
          try {
            for (const name of fs.readdirSync(p)) stack.push(`${p}/${name}`);
          } catch {
            out.errors++;
          }
        }
      }
      if (stack.length > 0) {
        budget.left = budget.slice;
        setImmediate(step);
      } else resolve(out);
    };
    step();
  });
}

async function benchSizing(o, ours) {
  const extDir = path.join(work, 'extensions');
  const t0 = performance.now();
  const made = makeExtensionsTree(extDir, o.tree.folders, o.tree.filesPerFolder);
  log(`sizing: made ${made.files} files in ${o.tree.folders} folders (${(performance.now() - t0).toFixed(0)} ms)`);
  const report = await ours.extensionsDir.readExtensionsDir(extDir);
  const folders = report.folders;
  const { folderSize, SizeCache } = ours.folderSize;

  // Exactly what ExtensionsView.size() does: folder by folder, one shared `seen`, results into the SizeCache.
  const sizeAll = async (cache) => {
    const seen = new Set();
    let bytes = 0;
    for (const f of folders) {
      const s = await folderSize(f.path, { seen, isCancelled: () => false });
      bytes += s.bytes;
      cache?.set(f.path, f.mtimeMs, f.ino, s);
    }
    return bytes;
  };
  const duArgs = ['du', '-s', '-B1', ...folders.map((f) => f.path)];
  const duBytes = (stdout) => stdout.split('\n').filter(Boolean).reduce((s, l) => s + Number(l.split('\t')[0]), 0);
  const sizeAllSync = async () => {
    const seen = new Set();
    let bytes = 0;
    const budget = { slice: 500, left: 500 };
    for (const f of folders) bytes += (await altFolderSizeSync(f.path, seen, budget)).bytes;
    return bytes;
  };
  const timed = async (fn) => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    await sleep(5);
    const c0 = cpuUs();
    const w0 = performance.now();
    const bytes = await fn();
    const wallMs = performance.now() - w0;
    const cpu = cpuUs() - c0;
    await sleep(2);
    h.disable();
    return { wallMs, cpuMs: cpu / 1000, bytes, maxDelayMs: h.max / 1e6 };
  };
  // warm-up all three (dentry/inode caches, JIT)
  await sizeAll();
  await sizeAllSync();
  measureChild(duArgs);
  const oursRuns = [];
  const duRuns = [];
  const altRuns = [];
  let cache;
  for (let r = 0; r < o.sizeReps; r++) {
    altRuns.push(await timed(sizeAllSync));
    const fresh = new SizeCache();
    oursRuns.push(await timed(() => sizeAll(fresh)));
    cache = fresh;
    const d = measureChild(duArgs);
    duRuns.push({ wallMs: d.wallMs, cpuMs: d.cpuUs / 1000, bytes: duBytes(d.stdout) });
  }
  // Refresh when nothing changed: ExtensionsView.refresh() re-reads the folder, every size is a SizeCache hit.
  const refreshRuns = [];
  for (let r = 0; r < o.sizeReps; r++) {
    const c0 = cpuUs();
    const w0 = performance.now();
    const again = await ours.extensionsDir.readExtensionsDir(extDir);
    let hits = 0;
    for (const f of again.folders) if (cache.get(f.path, f.mtimeMs, f.ino)) hits++;
    refreshRuns.push({ wallMs: performance.now() - w0, cpuMs: (cpuUs() - c0) / 1000, hits, folders: again.folders.length });
  }
  // Why that refresh costs what it costs: readExtensionsDir awaits one fs.promises.lstat per folder.
  const lstatCost = { promises: [], sync: [] };
  for (let r = 0; r < o.sizeReps; r++) {
    let c0 = cpuUs();
    for (const f of folders) await fs.promises.lstat(f.path);
    lstatCost.promises.push((cpuUs() - c0) / folders.length);
    c0 = cpuUs();
    for (const f of folders) fs.lstatSync(f.path);
    lstatCost.sync.push((cpuUs() - c0) / folders.length);
  }
  const res = {
    lstatPerFolderUs: { promises: median(lstatCost.promises), sync: median(lstatCost.sync) },
    tree: { folders: folders.length, files: made.files, dirs: made.dirs + 1 },
    altSyncSlices: { reps: altRuns, wallMs: median(altRuns.map((x) => x.wallMs)), cpuMs: median(altRuns.map((x) => x.cpuMs)), maxDelayMs: max(altRuns.map((x) => x.maxDelayMs)), bytesMatch: altRuns.every((x) => x.bytes === duRuns[0].bytes) },
    ours: { reps: oursRuns, wallMs: median(oursRuns.map((x) => x.wallMs)), cpuMs: median(oursRuns.map((x) => x.cpuMs)), maxDelayMs: max(oursRuns.map((x) => x.maxDelayMs)) },
    du: { reps: duRuns, wallMs: median(duRuns.map((x) => x.wallMs)), cpuMs: median(duRuns.map((x) => x.cpuMs)) },
    refreshCached: { reps: refreshRuns, wallMs: median(refreshRuns.map((x) => x.wallMs)), cpuMs: median(refreshRuns.map((x) => x.cpuMs)), hits: refreshRuns[0].hits },
    bytesMatch: oursRuns.every((x) => x.bytes === duRuns[0].bytes),
    bytes: oursRuns[0].bytes,
    duBytes: duRuns[0].bytes,
  };
  res.cpuRatio = res.ours.cpuMs / res.du.cpuMs;
  res.wallRatio = res.ours.wallMs / res.du.wallMs;
  fs.rmSync(extDir, { recursive: true, force: true });
  log(`sizing: ours ${f1(res.ours.wallMs)} ms wall / ${f1(res.ours.cpuMs)} ms CPU (max loop delay ${f1(res.ours.maxDelayMs)} ms), du ${f1(res.du.wallMs)} / ${f1(res.du.cpuMs)} (CPU ×${f2(res.cpuRatio)}); bytes match: ${res.bytesMatch}`);
  return res;
}

// ---------------------------------------------------------------------------------------------------------------
// Idle cost of the samplers

async function benchIdle(o) {
  const settle = 15;
  log(`idle: fresh Node child — settle ${settle} s, baseline ${o.idleSeconds / 2} s, empty timers ${o.idleSeconds} s, samplers ${o.idleSeconds} s (SelfSampler.sample() every 5 s, MemoryMonitor.sample() every 15 s), baseline ${o.idleSeconds / 2} s…`);
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'idle-child.js'), String(o.idleSeconds), String(settle), path.join(work, 'storage')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  const res = JSON.parse(out.trim().split('\n').pop() || '{"error":"no output"}');
  if (res.error) throw new Error(`idle child: ${res.error}`);
  log(`idle: ${f2(res.samplerCpuMsPerMin)} ms CPU/min (baseline ${f2(res.baselineCpuMsPerMin)}, with samplers ${f2(res.withSamplersCpuMsPerMin)}, inside the calls ${f2(res.inCallCpuMsPerMin)})`);
  return res;
}

// ---------------------------------------------------------------------------------------------------------------
// Bundle and VSIX

function benchBundle() {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.js')], { cwd: ROOT, encoding: 'utf8' });
  const res = { bundleOk: r.status === 0, bundleLog: (r.stdout + r.stderr).trim() };
  const ext = path.join(ROOT, 'dist', 'extension.js');
  if (fs.existsSync(ext)) res.extensionJsBytes = fs.statSync(ext).size;
  const vsix = path.join(ROOT, 'code-server-ops.vsix');
  if (fs.existsSync(vsix)) {
    const st = fs.statSync(vsix);
    res.vsixBytes = st.size;
    res.vsixMtime = st.mtime.toISOString();
  }
  return res;
}

// ---------------------------------------------------------------------------------------------------------------
// Machine, targets, report

function machine() {
  let model = 'unknown';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return {
    cores: os.cpus().length,
    model,
    memoryGiB: r1(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavgAtStart: os.loadavg().map(r2),
  };
}

function evaluate(results) {
  const t = [];
  const scans = results.scanner.filter((s) => s.ratio !== undefined);
  const at3000 = results.scanner.find((s) => s.fleetSize === 3000) ?? scans[scans.length - 1];
  if (at3000 && at3000.ratio !== undefined) {
    t.push({
      target: `scanner CPU/process ≤ 1.3× C reference at 3000 processes${at3000.fleetSize !== 3000 ? ` (measured at fleet ${at3000.fleetSize})` : ''}`,
      measured: `×${f2(at3000.ratio)} (${f1(at3000.ours.cpuPerProcUs)} vs ${f1(at3000.c.cpuPerProcUs)} µs)`,
      pass: at3000.ratio <= 1.3,
    });
  } else t.push({ target: 'scanner CPU/process ≤ 1.3× C reference', measured: 'not measured (no C compiler)', pass: null });
  const worst = max(results.scanner.map((s) => s.ours.maxDelayMs));
  t.push({ target: 'max event-loop delay during a scan ≤ 10 ms', measured: `${f1(worst)} ms (worst of all scans, all sizes)`, pass: worst <= 10 });
  t.push({
    target: 'max event-loop delay while sizing ≤ 10 ms (the same budget, applied to folderSize)',
    measured: `${f1(results.sizing.ours.maxDelayMs)} ms (worst of ${results.sizing.ours.reps.length} sizings of all ${results.sizing.tree.folders} folders)`,
    pass: results.sizing.ours.maxDelayMs <= 10,
  });
  const z = results.sizing;
  t.push({ target: 'folder sizing CPU ≤ 1.5× `du -s`', measured: `×${f2(z.cpuRatio)} (${f1(z.ours.cpuMs)} vs ${f1(z.du.cpuMs)} ms)`, pass: z.cpuRatio <= 1.5 });
  t.push({ target: 'folder sizing wall time ≤ 1.5× `du -s`', measured: `×${f2(z.wallRatio)} (${f1(z.ours.wallMs)} vs ${f1(z.du.wallMs)} ms)`, pass: z.wallRatio <= 1.5 });
  const idle = results.idle;
  t.push({ target: 'idle samplers < 5 ms CPU per minute', measured: `${f2(idle.samplerCpuMsPerMin)} ms/min`, pass: idle.samplerCpuMsPerMin < 5 });
  const b = results.bundle;
  t.push({
    target: 'dist/extension.js ≤ 300 KB',
    measured: b.extensionJsBytes !== undefined ? `${f1(kb(b.extensionJsBytes))} KB` : 'missing',
    pass: b.extensionJsBytes !== undefined ? b.extensionJsBytes <= 300 * 1024 : null,
  });
  t.push({
    target: 'VSIX ≤ 500 KB',
    measured: b.vsixBytes !== undefined ? `${f1(kb(b.vsixBytes))} KB (file from ${b.vsixMtime})` : 'no code-server-ops.vsix (run `npm run package`)',
    pass: b.vsixBytes !== undefined ? b.vsixBytes <= 500 * 1024 : null,
  });
  return t;
}

function markdown(results) {
  const m = results.machine;
  const L = [];
  const ratio = (x) => (Number.isFinite(x) ? `×${f2(x)}` : '–');
  L.push(`# code-server Ops benchmark`);
  L.push('');
  const code = results.code?.commit ? ` · code ${results.code.commit}${results.code.srcChanged ? ' + uncommitted changes in src/' : ''}` : '';
  L.push(`${results.date} · ${results.options.quick ? '`--quick` run' : 'full run'} · fleets ${results.options.sizes.join(', ')} · ${results.durationS} s${code}`);
  L.push('');
  L.push(`Machine: ${m.cores} cores, ${m.model}, ${m.memoryGiB} GiB RAM, ${m.kernel}, Node ${m.node}; ` +
    `load average ${m.loadavgAtStart.join(' / ')} at start, ${m.loadavgAtEnd.join(' / ')} at end; ${m.baselineProcesses} processes before the fleets.`);
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| target | measured | result |');
  L.push('|---|---|---|');
  for (const t of results.targets) L.push(`| ${t.target} | ${t.measured} | ${t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS'} |`);
  L.push('');
  L.push(`## /proc scan (median of ${results.options.reps} rounds after 3 warm-up scans)`);
  L.push('');
  L.push('| fleet | processes | ours wall ms | ours CPU µs/proc | ours CPU µs/proc after a pause | C ref wall ms | C ref CPU µs/proc | ratio ours / C | ps wall ms | ps CPU µs/proc | pidusage wall ms cold / warm | pidusage CPU µs/proc cold / warm | max loop delay ms | longest slice ms wall / CPU | heap Δ KB | RSS Δ KB |');
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of results.scanner) {
    const pu = s.pidusage && !s.pidusage.error ? s.pidusage : undefined;
    L.push(
      `| ${s.fleetSize} | ${s.processesScanned} | ${f1(s.ours.wallMs)} | ${f1(s.ours.cpuPerProcUs)} | ${f1(s.ours.firstCpuPerProcUs)} | ${f1(s.c?.wallMs)} | ${f1(s.c?.cpuPerProcUs)} | ${ratio(s.ratio)} | ` +
        `${f1(s.ps.wallMs)} | ${f1(s.ps.cpuPerProcUs)} | ${pu ? `${f1(pu.cold.wallMs)} / ${f1(pu.warmWallMs)}` : '–'} | ${pu ? `${f1(pu.cold.cpuPerProcUs)} / ${f1(pu.warmCpuPerProcUs)}` : '–'} | ` +
        `${f1(s.ours.maxDelayMs)} | ${f1(s.ours.slices.longestMs)} / ${f1(s.ours.slices.longestCpuMs)} | ${f1(kb(s.ours.heapGrowthBytes))} | ${f1(kb(s.ours.rssGrowthBytes))} |`,
    );
  }
  L.push('');
  L.push('How each column is measured:');
  L.push('');
  L.push("- **ours**: `scanProcesses({ procRoot: '/proc' })` from `out/src/probes/scanner.js`, exactly as the extension calls it. CPU = `process.cpuUsage()` delta (getrusage of the whole Node process, all threads) ÷ pids scanned. Each round runs one scan after a 5 ms pause (*after a pause*; its event-loop delay is recorded) and, right after it, a second scan (*ours CPU*, compared with C).");
  if (results.cReference?.skipped) L.push(`- **C ref**: skipped — ${results.cReference.skipped}.`);
  else L.push('- **C ref**: `scripts/bench/procread.c` (`cc -O2`), run after our scans in every round: stat(2) of /proc/PID, open / read until EOF / close of stat and cmdline into one reused buffer (the same syscalls as `NodeProcFs.readText`), ppid/starttime/rss parsed. CPU = its own getrusage(RUSAGE_SELF) delta around a pass that directly follows a warm-up pass (process start-up excluded, as for ours).');
  L.push(`- **ps**: \`ps -eo pid,ppid,rss,lstart,args\`; CPU = ${childCpuMethod()} — includes ps start-up; the Node side of reading and parsing its output is not counted.`);
  L.push('- **pidusage**: `pidusage(allPids)` in a fresh Node child; CPU = `process.cpuUsage()` delta there (thread pool included). *cold* = the first call for these pids (open + 2 reads each; it keeps every fd open); *warm* = later calls (one pread per kept fd). It reads only /proc/PID/stat — no cmdline, no uid — so it does less than the scanner.');
  L.push('- **max loop delay**: `monitorEventLoopDelay({ resolution: 1 })` enabled 5 ms before each after-a-pause scan and disabled 2 ms after it; worst of all rounds (the value includes the 1 ms timer period and any time the OS gave the CPU to another process). **longest slice**: longest synchronous stretch between two of the scanner\'s yields, wall and process CPU (worst of 3 instrumented scans).');
  L.push('- **heap Δ / RSS Δ**: after a forced GC, after all rounds minus before them (the latest snapshot is kept, as SnapshotService does).');
  L.push('');
  L.push('Event-loop delay against slicing, through the scanner\'s options (the extension uses the defaults):');
  L.push('');
  L.push('| fleet | defaults (as shipped): max / median loop delay ms | CPU µs/proc | sliceSize 50: max / median ms | CPU µs/proc | sliceSize 16 + a yieldToLoop that yields only after 4 ms: max / median ms | CPU µs/proc |');
  L.push('|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of results.scanner) {
    const x = s.smallerSlices?.['50'];
    const y = s.smallerSlices?.budget4ms;
    const cell = (z) => (z ? `${f1(z.maxDelayMs)} / ${f1(z.medianMaxDelayMs)} | ${f1(z.cpuPerProcUs)}` : '– | –');
    L.push(`| ${s.fleetSize} | ${f1(s.ours.maxDelayMs)} / ${f1(s.ours.medianMaxDelayMs)} | ${f1(s.ours.firstCpuPerProcUs)} | ${cell(x)} | ${cell(y)} |`);
  }
  L.push('');
  L.push('In every variant the first slice also holds the readdir, filter and sort of all pids (see the breakdown below), which no option can split.');
  L.push('');
  const big = results.scanner[results.scanner.length - 1];
  if (big?.breakdown) {
    const b = big.breakdown;
    const c = b.cUsPerProc;
    const u = b.usPerProc;
    L.push(`## Where the scanner's CPU goes (fleet ${big.fleetSize}, ${b.processes} processes; CPU µs per process, median of ${b.reps} interleaved rounds)`);
    L.push('');
    L.push('| part | ours (NodeProcFs / procParsers) | C reference | ours − C |');
    L.push('|---|---:|---:|---:|');
    const row = (name, ov, cv) => L.push(`| ${name} | ${f2(ov)} | ${cv === undefined ? '–' : f2(cv)} | ${cv === undefined ? '–' : f2(ov - cv)} |`);
    row('readdir /proc (+ filter + sort)', u.readdir, c?.readdir);
    row('stat(2) of /proc/PID for the uid', u.uidStat, c?.uidStat);
    row('read /proc/PID/stat (open, read, read → 0, close)', u.statFile, c?.statFile);
    row('read /proc/PID/cmdline (same)', u.cmdlineFile, c?.cmdlineFile);
    row('parseStat', u.parseStat, undefined);
    row('parseCmdline + utf8', u.parseCmdline, undefined);
    const sum = Object.values(u).reduce((a, x) => a + x, 0);
    row('sum of the parts', sum, c ? c.readdir + c.uidStat + c.statFile + c.cmdlineFile : undefined);
    const v = b.variantsUsPerProc;
    row('**whole scan** (scanProcesses as shipped)', v.scanner, c?.full);
    row('whole scan, yields replaced by a no-op', v.scannerNoYield, c?.full);
    L.push('');
    if (c) {
      L.push('Alternative scan loops measured in the same rounds (bench-local code, **not** what src does; same records):');
      L.push('');
      L.push('| variant | ours µs/proc | ratio to the C reference | ratio to C also doing one read |');
      L.push('|---|---:|---:|---:|');
      const alt = (name, x) => L.push(`| ${name} | ${f2(x)} | ${ratio(x / c.full)} | ${ratio(x / c.fullOneRead)} |`);
      alt('scanner as shipped', v.scanner);
      alt('[one read] stop at the first short read (2 read(2) per process instead of 4)', v.oneRead);
      alt('[one read] + [fstat] uid from fstat of the open stat fd instead of stat(2) of /proc/PID', v.oneReadFstat);
      alt('[one read] + [fstat] + [fast parse] parseStat with one indexOf walk, no split(/\\s+/), no per-field regex', v.oneReadFstatFastParse);
      L.push('');
      L.push(`C reference with one read per file (\`procread --one-read\`): ${f2(c.fullOneRead)} µs/proc (reading until EOF: ${f2(c.full)}).`);
      L.push('');
    }
  }
  L.push('## Refresh when nothing changed');
  L.push('');
  L.push('| what | wall ms | CPU ms |');
  L.push('|---|---:|---:|');
  for (const s of results.scanner) {
    L.push(`| process scan, ${s.refreshScan.count} processes, after a 5 ms pause (the scanner has no cache: always a full scan) | ${f1(s.refreshScan.first.wallMs)} | ${f2(s.refreshScan.first.cpuUs / 1000)} |`);
    L.push(`| process scan, ${s.refreshScan.count} processes, second of two back-to-back | ${f1(s.refreshScan.second.wallMs)} | ${f2(s.refreshScan.second.cpuUs / 1000)} |`);
  }
  const z = results.sizing;
  L.push(`| Extensions refresh: readExtensionsDir + SizeCache hit for ${z.refreshCached.hits}/${z.tree.folders} folders (no folderSize call) | ${f2(z.refreshCached.wallMs)} | ${f2(z.refreshCached.cpuMs)} |`);
  L.push('');
  L.push(`readExtensionsDir awaits one \`fs.promises.lstat\` per folder: ${f1(z.lstatPerFolderUs.promises)} µs CPU each here, against ${f1(z.lstatPerFolderUs.sync)} µs for \`fs.lstatSync\` on the same folders.`);
  L.push('');
  L.push(`## Folder sizing (${z.tree.folders} extension folders, ${z.tree.files.toLocaleString('en')} files, ${z.tree.dirs} directories; median of ${results.options.sizeReps} interleaved rounds, warm caches)`);
  L.push('');
  L.push('| | wall ms | CPU ms | max loop delay ms | bytes |');
  L.push('|---|---:|---:|---:|---:|');
  L.push(`| **ours**: folderSize() folder by folder, one shared \`seen\` (as ExtensionsView) | ${f1(z.ours.wallMs)} | ${f1(z.ours.cpuMs)} | ${f1(z.ours.maxDelayMs)} | ${z.bytes} |`);
  L.push(`| \`du -s -B1\` over the same ${z.tree.folders} folders (one process) | ${f1(z.du.wallMs)} | ${f1(z.du.cpuMs)} | – | ${z.duBytes} |`);
  L.push(`| ratio ours / du | ${ratio(z.wallRatio)} | ${ratio(z.cpuRatio)} | | ${z.bytesMatch ? 'same' : 'DIFFERENT'} |`);
  L.push(`| bench-local loop (not src): lstatSync/readdirSync, setImmediate every 500 entries, the budget shared across folders (a folder that ends mid-slice does not reset it) | ${f1(z.altSyncSlices.wallMs)} | ${f1(z.altSyncSlices.cpuMs)} | ${f1(z.altSyncSlices.maxDelayMs)} | ${z.altSyncSlices.bytesMatch ? 'same' : 'DIFFERENT'} |`);
  L.push(`| ratio bench-local loop / du | ${ratio(z.altSyncSlices.wallMs / z.du.wallMs)} | ${ratio(z.altSyncSlices.cpuMs / z.du.cpuMs)} | | |`);
  L.push('');
  L.push(`Ours: \`process.cpuUsage()\` (all threads, the libuv thread pool included). du: ${childCpuMethod()}. Max loop delay: \`monitorEventLoopDelay({ resolution: 1 })\` around each sizing of all folders.`);
  L.push('');
  const i = results.idle;
  L.push(`## Idle cost of the samplers (${i.seconds} s at the real intervals, in a fresh Node process after ${i.settleSeconds} s of settling)`);
  L.push('');
  L.push('| | CPU ms per minute |');
  L.push('|---|---:|');
  L.push(`| baseline: the same Node process idle (${i.seconds / 2} s before + ${i.seconds / 2} s after the other windows) | ${f2(i.baselineCpuMsPerMin)} |`);
  L.push(`| timers alone: the same two setIntervals (5 s, 15 s) with empty callbacks, minus baseline | ${f2(i.timersOnlyCpuMsPerMin)} |`);
  L.push(`| SelfSampler.sample() every 5 s (${i.selfCalls} calls) + MemoryMonitor.sample() every 15 s (${i.monitorCalls} calls, one of them persists the history) | ${f2(i.withSamplersCpuMsPerMin)} |`);
  L.push(`| **samplers, minus baseline** | **${f2(i.samplerCpuMsPerMin)}** |`);
  L.push(`| of which inside the sample() calls (median per call: SelfSampler ${f1(i.selfSampleInWindowUs.median)} µs, MemoryMonitor ${f1(i.monitorSampleInWindowUs.median)} µs) | ${f2(i.inCallCpuMsPerMin)} |`);
  if (i.seconds < 60) L.push(`| (a ${i.seconds} s window holds one persisting MemoryMonitor sample: ${f1(60 / i.seconds)}× the real rate of one per minute) | |`);
  L.push(`| cross-check, the same calls back-to-back (JIT- and cache-warm): SelfSampler ${f1(i.hotPath.selfSampleUs)} µs, cgroup + meminfo reads ${f1(i.hotPath.monitorReadsUs)} µs → per minute | ${f2(i.hotPath.estimateMsPerMin)} |`);
  L.push('');
  if (i.afterPauseUs) {
    L.push('The pieces, each called 300 ms after the previous call (median CPU µs of 8 — what a call costs when the caches have gone cold):');
    L.push('');
    L.push('| call | CPU µs |');
    L.push('|---|---:|');
    for (const [k, v] of Object.entries(i.afterPauseUs)) L.push(`| \`${k}\` | ${f1(v)} |`);
    L.push('');
  }
  const b = results.bundle;
  L.push('## Bundle');
  L.push('');
  L.push(`- dist/extension.js (rebuilt by \`node scripts/bundle.js\`${b.bundleOk ? '' : ' — FAILED, size of the existing file'}): ${b.extensionJsBytes !== undefined ? `${b.extensionJsBytes} bytes (${f1(kb(b.extensionJsBytes))} KB)` : 'missing'}`);
  L.push(`- code-server-ops.vsix: ${b.vsixBytes !== undefined ? `${b.vsixBytes} bytes (${f1(kb(b.vsixBytes))} KB), file dated ${b.vsixMtime} (not rebuilt by the bench)` : 'not present (run `npm run package`)'}`);
  L.push('');
  L.push(`Fleet cleanup: ${results.scanner.map((s) => `${s.fleetSize}: ${s.fleetLeftAfterCleanup} left`).join(', ')} (processes with a recorded pid + start time still present after the kill).`);
  L.push('');
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const results = { date: new Date().toISOString(), options: { ...o }, machine: machine() };
  results.machine.baselineProcesses = fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length;
  // What was measured: the commit, and whether src/ differs from it (out/ is compiled from the working tree).
  const git = (...a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  results.code = {
    commit: head.status === 0 ? head.stdout.trim() : undefined,
    srcChanged: head.status === 0 ? git('status', '--porcelain', '--', 'src').stdout.trim().length > 0 : undefined,
  };
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-bench-'));
  tempDirs.push(work);
  try {
    const ours = loadOurs();
    const cref = compile('procread');
    if (cref.error) log(`C reference SKIPPED: ${cref.error}`);
    const ru = compile('rusage');
    rusageBin = ru.bin;
    if (ru.error) log(`child CPU falls back to bash \`times\`: ${ru.error}`);
    results.cReference = cref.error ? { skipped: cref.error } : { binary: path.relative(ROOT, cref.bin) };
    results.childCpuMethod = childCpuMethod();
    log(`machine: ${results.machine.cores} cores, ${results.machine.model}, load ${results.machine.loadavgAtStart.join(' ')}`);

    results.scanner = [];
    for (const n of o.sizes) results.scanner.push(await benchFleet(n, o, ours, cref));
    results.sizing = await benchSizing(o, ours);
    results.idle = await benchIdle(o);
    results.bundle = benchBundle();
    results.machine.loadavgAtEnd = os.loadavg().map(r2);
    results.targets = evaluate(results);
    results.durationS = Math.round((Date.now() - started) / 1000);
    results.fleetCleanup = results.scanner.map((x) => ({ fleet: x.fleetSize, recorded: x.fleetRecorded, leftAfterCleanup: x.fleetLeftAfterCleanup }));

    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    const md = markdown(results);
    fs.writeFileSync(path.join(RESULTS, 'latest.md'), md);
    console.log('\n' + md);
    for (const t of results.targets) console.log(`${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.measured}`);
    console.log(`\nwritten: bench-results/latest.json, bench-results/latest.md (${results.durationS} s)`);
  } finally {
    for (const f of fleets) if (!f.cleaned) await killFleet(f);
    const left = fleets.reduce((s, f) => s + fleetAlive(f), 0);
    if (left) console.error(`[bench] WARNING: ${left} fleet processes still present`);
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error('[bench] failed:', e && e.stack ? e.stack : e);
    process.exitCode = 1;
  });
}

// For ad-hoc investigations (node -e "const b = require('./scripts/bench/run.js'); …"): the fleet helpers.
module.exports = { spawnFleet, killFleet, fleetAlive, readStat };
