// The extension's own modules, compiled by `npx tsc -p .` into out/src — the code the benchmark measures.
'use strict';
const fs = require('fs');
const path = require('path');
const { OUT } = require('./util');

/**
 * Typed from the TypeScript sources (out/src is compiled from them).
 * @typedef {object} Ours
 * @property {typeof import('../../src/probes/scanner')} scanner
 * @property {typeof import('../../src/probes/procFs')} procFs
 * @property {typeof import('../../src/probes/procParsers')} parsers
 * @property {typeof import('../../src/probes/folderSize')} folderSize
 * @property {typeof import('../../src/probes/selfMemory')} selfMemory
 * @property {typeof import('../../src/probes/extensionsDir')} extensionsDir
 * @property {typeof import('../../src/features/memory/monitor')} monitor
 * @property {typeof import('../../src/probes/cgroup')} cgroup
 */

/** @returns {Ours} */
function loadOurs() {
  const need = [
    'probes/scanner.js',
    'probes/procFs.js',
    'probes/procParsers.js',
    'probes/folderSize.js',
    'probes/selfMemory.js',
    'probes/extensionsDir.js',
    'features/memory/monitor.js',
    'probes/cgroup.js',
  ];
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
    monitor: require(path.join(OUT, 'features/memory/monitor.js')),
    cgroup: require(path.join(OUT, 'probes/cgroup.js')),
  };
}

module.exports = { loadOurs };
