// `prestart` / `pretest`: makes the README's two commands work on a fresh clone with nothing else run first.
//   1. installs the npm dependencies (`npm ci`) when node_modules is missing or older than package-lock.json;
//   2. provisions Node 24 + code-server into .cache/ (scripts/provision.sh, idempotent and fast when cached).
// Uses only Node's own modules, so it runs before any dependency is installed. A failure prints one line saying what
// to do, never a stack trace.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

/** @param {string} file */
function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** True when `npm ci` has to run: no installed tree, or the lock file changed after the last install. */
function depsStale() {
  const installed = mtimeMs(path.join(root, 'node_modules', '.package-lock.json'));
  const lock = mtimeMs(path.join(root, 'package-lock.json'));
  return installed === undefined || (lock !== undefined && lock > installed);
}

/** @param {string} what @param {string} cmd @param {string[]} args */
function run(what, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}`;
    console.error(`[prepare] ${what} failed (${why}); see the lines above, fix, and run the command again.`);
    process.exit(1);
  }
}

if (depsStale()) {
  console.error('[prepare] installing npm dependencies (npm ci)');
  run('npm ci', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
}
if (!process.env.CSOPS_SKIP_PROVISION) run('provisioning (scripts/provision.sh)', 'bash', [path.join(root, 'scripts', 'provision.sh')]);
