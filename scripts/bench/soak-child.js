// Child of scripts/bench/soak.js (run with --expose-gc): N consecutive refreshes as the extension makes them while every
// view is visible — an incremental scan through ScanService (the same cache, topology classified once per scan), the
// Terminals model and the AI model built from it, and every 10th a full re-validation scan (request()) — with the latest
// scan and models kept alive, as the views keep them. The heap after a forced GC is read before the first refresh
// (after a warm-up), every 100 refreshes and after the last; footprint = heap retained by our loaded modules plus the
// latest scan and models, over an empty Node (an approximation of the extension's own heap: no vscode, no tree items,
// no webview). Usage: node --expose-gc soak-child.js REFRESHES. Prints one JSON line.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const OUT = path.resolve(__dirname, '..', '..', 'out', 'src');
const refreshes = Number(process.argv[2] || 1000);
const gc = /** @type {() => void} */ (globalThis.gc);
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

async function main() {
  if (typeof gc !== 'function') throw new Error('run with --expose-gc');
  const emptyHeap = heap();
  const { ScanService } = require(path.join(OUT, 'core/scan.js'));
  const { terminalsModelOf, registryReader } = require(path.join(OUT, 'features/terminals/model.js'));
  const { aiModelOfSnapshot } = require(path.join(OUT, 'features/ai/model.js'));
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-soak-'));
  let scans = 0;
  const service = new ScanService(
    () => '/proc',
    () => scans++,
  );
  const readers = { liveWindows: registryReader(registry), ownTerminalPids: async () => new Set() };
  /** @type {Record<string, unknown>} the latest scan and models, kept alive as the views keep them */
  const latest = {};
  let processes = 0;
  /** @param {number} i */
  const refresh = async (i) => {
    const scan = i % 10 === 9 ? await service.request() : await service.fresh(0);
    latest.scan = scan;
    latest.terminals = await terminalsModelOf(scan, readers);
    latest.ai = aiModelOfSnapshot(scan.snapshot, process.pid, undefined, scan.topology);
    processes = scan.snapshot.processes.size;
  };
  try {
    for (let i = 0; i < 20; i++) await refresh(i); // warm-up: JIT, caches filled
    const startHeap = heap();
    /** @type {{ refresh: number, heapBytes: number }[]} */
    const checkpoints = [{ refresh: 0, heapBytes: startHeap }];
    const t0 = performance.now();
    for (let i = 0; i < refreshes; i++) {
      await refresh(i);
      if ((i + 1) % 100 === 0 || i + 1 === refreshes) checkpoints.push({ refresh: i + 1, heapBytes: heap() });
    }
    const endHeap = checkpoints[checkpoints.length - 1].heapBytes;
    console.log(
      JSON.stringify({
        refreshes,
        processes,
        scans,
        wallMs: performance.now() - t0,
        emptyHeapBytes: emptyHeap,
        startHeapBytes: startHeap,
        endHeapBytes: endHeap,
        growthBytes: endHeap - startHeap,
        footprintBytes: startHeap - emptyHeap,
        cacheSize: service.cache.size,
        checkpoints,
      }),
    );
  } finally {
    fs.rmSync(registry, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
});
