// The benchmark's own processes: N `sleep 600` under one detached sh (a session and process group of its own).
// Every pid is recorded with its start time (stat field 22) when it is spawned.
//
// Safety: the fleet is killed ONLY by pid, each pid re-checked against the recorded start time right before the
// signal — never by name, never by group, never kill(-1) — on success, on error, on SIGINT/SIGTERM/SIGHUP and at
// exit. Other processes on the machine are only ever read.
'use strict';
const fs = require('fs');
const { spawn } = require('child_process');
const { sleep, sleepSync, log, errorMessage } = require('./util');

/**
 * /proc/PID/stat fields the fleet bookkeeping needs.
 * @typedef {{ comm: string, state: string, ppid: number, pgrp: number, session: number, starttime: number }} Stat
 */

/**
 * @typedef {object} Fleet
 * @property {number} n fleet size asked for
 * @property {number | undefined} shPid the detached shell (undefined if spawn failed)
 * @property {number | undefined} shStart the shell's start time, read right after spawn
 * @property {import('child_process').ChildProcess} child
 * @property {Map<number, number>} members recorded children: pid → start time
 * @property {boolean} exited the shell has exited (Node reaped it)
 * @property {number[]} strays pids the shell printed that could not be verified as ours (never killed)
 * @property {boolean} [ready] every recorded child has exec'd `sleep`
 * @property {number} [left] processes still present after the kill
 * @property {number} [zombies] killed, not yet reaped by their parent (synchronous path only)
 * @property {boolean} [cleaned] killed and verified gone
 */

/** Every fleet of this run, for the cleanup paths. @type {Fleet[]} */
const fleets = [];
/** Temporary directories removed at exit. @type {string[]} */
const tempDirs = [];

/** /proc/PID/stat fields the fleet bookkeeping needs; undefined when the pid does not exist.
 *  @param {number} pid @returns {Stat | undefined} */
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

/** The same process (pid AND start time) still exists (a zombie not yet reaped counts as existing).
 *  @param {number} pid @param {number} starttime */
const sameProcess = (pid, starttime) => readStat(pid)?.starttime === starttime;
/** The same process exists and is not a zombie (a killed child its parent has not reaped yet).
 *  @param {number} pid @param {number} starttime */
const liveProcess = (pid, starttime) => {
  const s = readStat(pid);
  return s !== undefined && s.starttime === starttime && s.state !== 'Z';
};

/**
 * Why a fleet of n more processes cannot be spawned here (undefined: it can): pid_max against the tasks (threads
 * included) already running, the process limit of this user (not enforced for root), and memory (~400 KB private per
 * `sleep`, kept under half of MemAvailable).
 * @param {number} n @returns {string | undefined}
 */
function fleetRoom(n) {
  const read = (/** @type {string} */ f) => {
    try {
      return fs.readFileSync(f, 'latin1');
    } catch {
      return '';
    }
  };
  const pidMax = Number(read('/proc/sys/kernel/pid_max').trim()) || 32768;
  let tasks = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      tasks += fs.readdirSync(`/proc/${d}/task`).length;
    } catch {
      // exited
    }
  }
  if (tasks + n + 1000 > pidMax) return `pid_max is ${pidMax} and ${tasks} tasks run already: no room for ${n} more (raise kernel.pid_max)`;
  const nproc = /^Max processes\s+(\d+|unlimited)/m.exec(read('/proc/self/limits'))?.[1];
  if (process.getuid?.() !== 0 && nproc && nproc !== 'unlimited' && Number(nproc) < tasks + n + 100)
    return `the process limit (ulimit -u) is ${nproc}: too low for ${n} more (raise it)`;
  const availKb = Number(/^MemAvailable:\s+(\d+)/m.exec(read('/proc/meminfo'))?.[1] ?? 0);
  if (availKb && n * 400 > availKb / 2)
    return `${Math.round(availKb / 1024)} MB available: ${n} processes (~400 KB each) would take over half`;
  return undefined;
}

/** @param {number} n @returns {Promise<Fleet>} */
async function spawnFleet(n) {
  const script = `i=0; while [ "$i" -lt ${n} ]; do sleep 600 & echo "$!"; i=$((i+1)); done; echo ready; wait`;
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const st = child.pid ? readStat(child.pid) : undefined;
  /** @type {Fleet} */
  const fleet = { n, shPid: child.pid, shStart: st?.starttime, child, members: new Map(), exited: false, strays: [] };
  fleets.push(fleet);
  child.on('exit', () => (fleet.exited = true));
  if (!st || st.session !== child.pid) throw new Error(`fleet shell ${child.pid} did not start in its own session`);
  const shPid = st.session;
  const shStart = st.starttime;
  await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`fleet of ${n}: not ready after 180 s`)), 180_000);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (/** @type {string} */ d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line === 'ready') {
          clearTimeout(timer);
          resolve(undefined);
        } else if (/^\d+$/.test(line)) {
          const pid = Number(line);
          const s = readStat(pid);
          // Ours: in the shell's session and group, started after the shell.
          if (s && s.session === shPid && s.pgrp === shPid && s.starttime >= shStart) fleet.members.set(pid, s.starttime);
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
 *  whose pid line was not read yet — the latter only while the session id provably still belongs to us.
 *  @param {Fleet} fleet @returns {Map<number, number>} pid → start time */
function fleetTargets(fleet) {
  /** @type {Map<number, number>} */
  const targets = new Map();
  for (const [pid, start] of fleet.members) if (sameProcess(pid, start)) targets.set(pid, start);
  // While our shell (same pid AND start time; alive, or a zombie not yet reaped) holds its pid, that pid cannot be
  // reused, so nobody else can have created a session with that id: a sweep by session is exact.
  const { shPid, shStart } = fleet;
  if (shPid !== undefined && shStart !== undefined && sameProcess(shPid, shStart)) {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (pid === shPid || targets.has(pid)) continue;
      const s = readStat(pid);
      if (s && s.session === shPid && s.pgrp === shPid && s.starttime >= shStart) targets.set(pid, s.starttime);
    }
  }
  return targets;
}

/** @param {Fleet} fleet @returns {[number, number][]} */
const liveTargets = (fleet) => [...fleetTargets(fleet)].filter(([pid, start]) => liveProcess(pid, start));

/** SIGKILL to `pid`, only if it still has the recorded start time. Never anything but a positive pid.
 *  @param {number} pid @param {number} starttime */
function killVerified(pid, starttime) {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false; // 0, -1 and negative pids address groups or everyone
  const s = readStat(pid);
  if (!s || s.starttime !== starttime) return false; // gone, or the pid now belongs to someone else
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** The fleet's shell, if it is still the process we spawned. @param {Fleet} fleet */
function killShell(fleet) {
  return fleet.shPid !== undefined && fleet.shStart !== undefined && killVerified(fleet.shPid, fleet.shStart);
}

/** Processes of the fleet (recorded pid + start time, shell included) that still exist, zombies included.
 *  @param {Fleet} fleet */
function fleetAlive(fleet) {
  let n = 0;
  for (const [pid, start] of fleet.members) if (sameProcess(pid, start)) n++;
  if (fleet.shPid !== undefined && fleet.shStart !== undefined && sameProcess(fleet.shPid, fleet.shStart)) n++;
  return n;
}

/** Processes of the fleet still running (not zombies). @param {Fleet} fleet */
function fleetLive(fleet) {
  let n = liveTargets(fleet).length;
  if (fleet.shPid !== undefined && fleet.shStart !== undefined && liveProcess(fleet.shPid, fleet.shStart)) n++;
  return n;
}

/** Kills one fleet: children first (the shell's `wait` reaps them), then the shell. `waitFn` drives the generator,
 *  sleeping the yielded milliseconds. With `reap`, also waits until every zombie is reaped (the async path, where
 *  Node reaps the shell); the synchronous exit path cannot reap the shell, so it waits only for the killing.
 *  @template R
 *  @param {Fleet} fleet
 *  @param {(it: Generator<number, void, unknown>) => R} waitFn
 *  @param {boolean} reap
 *  @returns {R} */
function killFleetWith(fleet, waitFn, reap) {
  const run = function* () {
    // Interrupted while the shell is still forking: stop the source first. Its children are then swept right away
    // (no yield in between, so Node cannot reap the shell yet and the session id stays provably ours).
    if (!fleet.ready) killShell(fleet);
    for (let round = 0; round < 3; round++) {
      const live = liveTargets(fleet);
      if (live.length === 0) break;
      for (const [pid, start] of live) killVerified(pid, start);
      for (let i = 0; i < 100 && liveTargets(fleet).length > 0; i++) yield 50;
    }
    killShell(fleet);
    for (let i = 0; i < 200 && (reap ? fleetAlive(fleet) : fleetLive(fleet)) > 0; i++) yield 50;
  };
  return waitFn(run());
}

/** @param {Fleet} fleet @returns {Promise<number>} processes of the fleet still present */
async function killFleet(fleet) {
  await killFleetWith(
    fleet,
    async (it) => {
      for (let s = it.next(); !s.done; s = it.next()) await sleep(s.value);
    },
    true,
  );
  const left = fleetAlive(fleet);
  fleet.left = left;
  fleet.cleaned = left === 0;
  return left;
}

/** @param {Fleet} fleet */
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
/** The exit path: kills every fleet not yet cleaned (synchronously) and removes the temporary directories.
 *  @param {string} [why] */
function cleanupSync(why) {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const f of fleets) {
    if (f.cleaned) continue;
    try {
      killFleetSync(f);
      if (why) {
        const detail = `${f.left} still running; ${f.zombies} killed, awaiting reaping by their parent`;
        console.error(`[bench] ${why}: fleet of ${f.n} killed (${detail})`);
      }
    } catch (e) {
      console.error(`[bench] cleanup of fleet ${f.shPid} failed: ${errorMessage(e)}`);
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

/** Cleanup on SIGINT / SIGTERM / SIGHUP, on an uncaught error and at exit. */
function installCleanupHandlers() {
  /** @type {[NodeJS.Signals, number][]} */
  const signals = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ];
  for (const [sig, code] of signals) {
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
}

module.exports = {
  fleetRoom,
  fleets,
  tempDirs,
  readStat,
  spawnFleet,
  killFleet,
  fleetAlive,
  installCleanupHandlers,
};
