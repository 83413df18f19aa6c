// Child of scripts/bench/profile.js: runs an extension-like workload (functions a few frames deep that allocate small
// objects and keep some live, yielding every ~2 ms like a well-behaved extension) for a fixed window and prints the work
// done and the CPU this whole process used (all threads: V8's sampling thread too). With `profiled`, the extension's own
// profileSelf (CPU profile + sampling heap profile, out/src/features/profile/profiler.js) runs over the same window, and
// attributing the result (attributeProfiles) is billed to the window as well — what "Profile Extension Host…" costs.
// Workloads: alloc (every unit allocates 200 small objects and keeps the newest 400 000 live: a worst case for the heap
// sampler) and compute (the same calls and arithmetic, no allocation).
// Usage: node profile-child.js plain|profiled SECONDS alloc|compute [CPU_INTERVAL_US HEAP_INTERVAL_BYTES HEAP_PERCENT]. They
// default to the extension's (profiler.ts); an interval 0 turns that profiler off (to measure the other alone); HEAP_PERCENT
// is the share of the window, at its end, during which the heap sampler runs. Prints one JSON line.
'use strict';
const path = require('path');

const OUT = path.resolve(__dirname, '..', '..', 'out', 'src');
const mode = process.argv[2];
const seconds = Number(process.argv[3] || 10);
const workload = process.argv[4] === 'compute' ? 'compute' : 'alloc';
/** @param {string | undefined} x */
const optNum = (x) => (x === undefined || x === '' ? undefined : Number(x));
const samplingIntervalUs = optNum(process.argv[5]);
const heapSamplingIntervalBytes = optNum(process.argv[6]);
const heapSamplePercent = optNum(process.argv[7]);
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** @type {{ i: number, s: string }[][]} */
const kept = [];
/** @param {number} depth @param {number} seed */
function work(depth, seed) {
  if (depth > 0) return work(depth - 1, seed + depth);
  if (workload === 'compute') {
    let y = 0;
    for (let i = 0; i < 200; i++) y += Math.sqrt(seed + i) * ((seed + i) % 97);
    return y;
  }
  const objs = [];
  let x = 0;
  for (let i = 0; i < 200; i++) {
    objs.push({ i, s: 'w' + ((seed + i) % 97) });
    x += Math.sqrt(seed + i);
  }
  kept.push(objs);
  if (kept.length > 2000) kept.shift();
  return x;
}

async function main() {
  // warm up (JIT) outside the window; the attribution module is loaded already in the extension (it is in the bundle)
  for (let i = 0; i < 2000; i++) work(6, i);
  const { attributeProfiles } = require(path.join(OUT, 'features/profile/model.js'));
  const profiling =
    mode === 'profiled'
      ? require(path.join(OUT, 'features/profile/profiler.js')).profileSelf({
          durationMs: seconds * 1000,
          samplingIntervalUs,
          heapSamplingIntervalBytes,
          heapSamplePercent,
        })
      : undefined;
  const cpu0 = cpuUs();
  const t0 = performance.now();
  let units = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const sliceEnd = performance.now() + 2;
    while (performance.now() < sliceEnd) {
      work(6, units);
      units++;
    }
    await new Promise((r) => setImmediate(r));
  }
  const windowCpuMs = (cpuUs() - cpu0) / 1000;
  let samples = 0;
  if (profiling) {
    const window = await profiling;
    const result = attributeProfiles(window, { extensions: [], selfId: 'bench.self' });
    samples = result.samples;
  }
  const cpuMs = (cpuUs() - cpu0) / 1000;
  const wallMs = performance.now() - t0;
  console.log(
    JSON.stringify({
      mode,
      workload,
      seconds,
      units,
      cpuMs,
      windowCpuMs,
      wallMs,
      samples,
      cpuUsPerUnit: (cpuMs * 1000) / units,
      windowCpuUsPerUnit: (windowCpuMs * 1000) / units,
    }),
  );
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
});
