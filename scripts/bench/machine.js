// The machine the numbers were taken on, and the sizes of the built artefacts.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT, r1, r2 } = require('./util');

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
    /** @type {number | undefined} */
    baselineProcesses: undefined,
    /** @type {(number | null)[] | undefined} */
    loadavgAtEnd: undefined,
  };
}

/** Rebuilds dist/extension.js (scripts/bundle.js) and reports its size and that of an existing VSIX. */
function benchBundle() {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.js')], { cwd: ROOT, encoding: 'utf8' });
  /** @type {{ bundleOk: boolean, bundleLog: string, extensionJsBytes?: number, vsixBytes?: number, vsixMtime?: string }} */
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

module.exports = { machine, benchBundle };
