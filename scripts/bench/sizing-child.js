// Child of scripts/bench/sizing.js: the sizing of a small extension host — a fresh Node process (~50 MB RSS, under
// sizeFolders' RSS limit, so it starts du by itself: nothing is forced) sizes the same folders REPS times, each with
// the event-loop delay around it, as BackgroundSizer does. The bench process itself is larger (~75 MB when it sizes),
// so forking it would cost more than a small host's fork. Usage:
//   node sizing-child.js PATHS_JSON REPS
// Prints one JSON line: this process's RSS, the RSS limit, and per run the method sizeFolders chose, wall ms, own CPU
// ms (the du child's CPU is not in it), the max event-loop delay, and the bytes.
'use strict';
const fs = require('fs');
const path = require('path');
const { withLoopDelay } = require('./util');

const [pathsFile, repsArg] = process.argv.slice(2);
const OUT = path.resolve(__dirname, '..', '..', 'out', 'src');

async function main() {
  /** @type {string[]} */
  const paths = JSON.parse(fs.readFileSync(pathsFile, 'utf8'));
  const { sizeFolders, duRssLimit } = require(path.join(OUT, 'probes/duSize.js'));
  // An extension host has started children before ours (VS Code's git extension runs git at start-up): one spawn
  // first, so the runs measure a later spawn, not the process's first (child_process set-up; the spawn row has both).
  await new Promise((resolve) => require('child_process').spawn('du', ['--version'], { stdio: 'ignore' }).on('close', resolve));
  require('crypto'); // loaded in any extension host
  const rssMb = Math.round(process.memoryUsage.rss() / 1048576);
  const runs = [];
  for (let i = 0; i < Number(repsArg || 5); i++) {
    let bytes = 0;
    const m = await withLoopDelay(() =>
      sizeFolders(paths, { isCancelled: () => false, onSize: (/** @type {string} */ _p, /** @type {number} */ n) => (bytes += n) }),
    );
    const r = m.result;
    const { wallMs, maxDelayMs } = m;
    runs.push({ method: r.method, wallMs, ownCpuMs: m.cpuUs / 1000, maxDelayMs, bytes });
  }
  console.log(JSON.stringify({ rssMb, duRssLimitMb: duRssLimit() / 1048576, runs }));
}

main().catch((e) => console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) })));
