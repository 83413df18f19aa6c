// The targets of the "Performance proof" issue checked against the results, and the Markdown report
// (bench-results/latest.md).
'use strict';
const { f1, f2, kb, max } = require('./util');

/**
 * @typedef {{ target: string, measured: string, pass: boolean | null }} Target
 * One fleet size's measurements (scan.js builds it field by field; see latest.json for the shape).
 * @typedef {Record<string, any>} FleetResult
 */

/**
 * Everything one run measured, as written to bench-results/latest.json (in this key order).
 * @typedef {object} Results
 * @property {string} date
 * @property {import('./options').Options} options
 * @property {ReturnType<typeof import('./machine').machine>} machine
 * @property {{ commit: string | undefined, srcChanged: boolean | undefined }} code
 * @property {{ skipped: string, binary?: undefined } | { skipped?: undefined, binary: string }} cReference
 * @property {string} childCpuMethod
 * @property {FleetResult[]} scanner
 * @property {{ fleetSize: number, skipped: string }[]} [scannerSkipped] fleets that could not be spawned here, with why
 * @property {Awaited<ReturnType<typeof import('./sizing').benchSizing>>} sizing
 * @property {Awaited<ReturnType<typeof import('./sizing').benchDataDir>>} [dataDir] sizing a real code-server tree
 * @property {Record<string, any>} idle what idle-child.js printed
 * @property {Awaited<ReturnType<typeof import('./profile').benchProfile>>} [profile] overhead of a 10 s profile
 * @property {Record<string, any>} [activation] activation.js: window loads in a real code-server, or { skipped }
 * @property {Record<string, any>} [soak] soak.js: heap after GC over many refreshes, footprint
 * @property {ReturnType<typeof import('./machine').benchBundle>} bundle
 * @property {Target[]} targets
 * @property {number} durationS
 * @property {{ fleet: number, recorded: number, leftAfterCleanup: number }[]} fleetCleanup
 */

/** @param {Results} results @returns {Target[]} */
function evaluate(results) {
  /** @type {Target[]} */
  const t = [];
  const scans = results.scanner.filter((s) => s.ratio !== undefined);
  const at3000 = results.scanner.find((s) => s.fleetSize === 3000) ?? scans[scans.length - 1];
  const where = at3000 && at3000.fleetSize !== 3000 ? ` (measured at fleet ${at3000.fleetSize})` : '';
  if (at3000 && at3000.ratio !== undefined) {
    t.push({
      target: 'cold (full) scan CPU/process ≤ 1.2× C reference at 3000 processes' + where,
      measured: `×${f2(at3000.ratio)} (${f1(at3000.ours.cpuPerProcUs)} vs ${f1(at3000.c.cpuPerProcUs)} µs)`,
      pass: at3000.ratio <= 1.2,
    });
    if (at3000.incrementalRatio !== undefined) {
      t.push({
        target: 'steady-state (incremental) refresh CPU/process ≤ 0.6× C full scan at 3000 processes' + where,
        measured:
          `×${f2(at3000.incrementalRatio)} (${f1(at3000.incremental.cpuPerProcUs)} vs ${f1(at3000.c.cpuPerProcUs)} µs; ` +
          `cache hit rate ${f1(100 * at3000.incremental.cacheHitRate)} %)`,
        pass: at3000.incrementalRatio <= 0.6,
      });
    }
  } else t.push({ target: 'scanner CPU/process ≤ 1.2× C reference', measured: 'not measured (no C compiler)', pass: null });
  const s1k = results.scanner.find((s) => s.fleetSize === 1000);
  const s10k = results.scanner.find((s) => s.fleetSize === 10000);
  const skipped10k = results.scannerSkipped?.find((s) => s.fleetSize === 10000);
  if (s1k && s10k) {
    const cold = s10k.ours.cpuPerProcUs / s1k.ours.cpuPerProcUs;
    const inc = s10k.incremental.cpuPerProcUs / s1k.incremental.cpuPerProcUs;
    t.push({
      target: 'scale: CPU/process at 10,000 processes ≤ 1.1× the value at 1,000 (cold and refresh)',
      measured:
        `cold ×${f2(cold)} (${f1(s10k.ours.cpuPerProcUs)} vs ${f1(s1k.ours.cpuPerProcUs)} µs), refresh ×${f2(inc)} ` +
        `(${f1(s10k.incremental.cpuPerProcUs)} vs ${f1(s1k.incremental.cpuPerProcUs)} µs; ${s10k.incremental.keptFiles} of ` +
        `${s10k.processesScanned} stat files kept open, bound ${s10k.incremental.maxKeptFiles})` +
        (s1k.c && s10k.c
          ? `; the C reference reading the same files ×${f2(s10k.c.cpuPerProcUs / s1k.c.cpuPerProcUs)} (${f1(s10k.c.cpuPerProcUs)} ` +
            `vs ${f1(s1k.c.cpuPerProcUs)} µs: the kernel's part), ours relative to it cold ×${f2(s10k.ratio / s1k.ratio)}, ` +
            `refresh ×${f2(s10k.incrementalRatio / s1k.incrementalRatio)}`
          : ''),
      pass: cold <= 1.1 && inc <= 1.1,
    });
  } else if (skipped10k)
    t.push({ target: 'scale: CPU/process at 10,000 ≤ 1.1× at 1,000', measured: `skipped: ${skipped10k.skipped}`, pass: null });
  const big = results.scanner[results.scanner.length - 1];
  if (big?.retained) {
    t.push({
      target: `memory retained by one scan's result (${big.retained.processes} processes; measured, no target)`,
      measured:
        `${f1(kb(big.retained.bytes))} KB (${f1(big.retained.bytesPerProcess)} B/process); the incremental cache with its ` +
        `snapshot ${f1(kb(big.incremental.cacheHeapBytes))} KB heap, ${big.incremental.keptFiles} kept stat files` +
        (big.incremental.keptFilesKernelBytes !== undefined
          ? ` ≈ ${f1(kb(big.incremental.keptFilesKernelBytes))} KB kernel memory (cgroup count)`
          : ''),
      pass: null,
    });
  }
  const worst = max(results.scanner.flatMap((s) => [s.ours.maxDelayMs, s.incremental?.maxDelayMs ?? 0]));
  /** Every timed scan (cold after a pause, and incremental) with its fleet size, the worst first. */
  /** @typedef {{ maxDelayMs: number, gcMaxMs?: number, gcKind?: string, n: number }} TimedRow */
  const timed = results.scanner
    .flatMap((s) =>
      [...(s.ours.firstScans ?? []), ...(s.incremental?.reps ?? [])].map(
        (/** @type {{ maxDelayMs: number, gcMaxMs?: number, gcKind?: string }} */ r) => /** @type {TimedRow} */ ({ ...r, n: s.fleetSize }),
      ),
    )
    .sort((a, b) => b.maxDelayMs - a.maxDelayMs);
  const over = timed.filter((r) => r.maxDelayMs > 5);
  const perSize = results.scanner.map((s) => `${s.fleetSize}: ${f1(max([s.ours.maxDelayMs, s.incremental?.maxDelayMs ?? 0]))}`);
  const cause =
    timed[0]?.gcMaxMs !== undefined
      ? `; the worst (${timed[0].n} processes) had a ${f1(timed[0].gcMaxMs)} ms ${timed[0].gcKind || 'GC'} pause inside; ` +
        `${over.length} of ${timed.length} scans over 5 ms` +
        (over.length
          ? `, ${over.filter((r) => r.maxDelayMs - (r.gcMaxMs ?? 0) <= 5).length} of them within 5 ms without their longest GC pause`
          : '')
      : '';
  t.push({
    target: 'max event-loop delay during a scan (cold or incremental) ≤ 5 ms',
    measured: `${f1(worst)} ms (worst of all scans, all sizes; per size ${perSize.join(', ')} ms${cause})`,
    pass: worst <= 5,
  });
  const z = results.sizing;
  const zw = z.walk;
  t.push({
    target: 'max event-loop delay while sizing ≤ 5 ms (the same budget, applied to sizing: the du child and the walk)',
    measured: z.smallHost
      ? `${f1(z.smallHost.maxDelayMs)} ms with the du child in a small host (a fresh Node, ${z.smallHost.rssMb} MB RSS, sized by ` +
        `${z.smallHost.methods.join(', ')}), ${zw ? f1(zw.maxDelayMs) : '–'} ms with the walk (worst of ` +
        `${z.smallHost.runs.length} / ${zw?.reps?.length ?? '–'} sizings of all ${z.tree.folders} folders); du forced in this ` +
        `larger bench process (past the RSS limit) ${f1(z.ours.maxDelayMs)} ms`
      : `${f1(z.ours.maxDelayMs)} ms with the du child, ${zw ? f1(zw.maxDelayMs) : '–'} ms with the walk ` +
        `(worst of ${z.ours.reps.length} sizings of all ${z.tree.folders} folders each)`,
    pass: (z.smallHost ? z.smallHost.maxDelayMs : z.ours.maxDelayMs) <= 5 && (zw?.maxDelayMs ?? 0) <= 5,
  });
  const dd = results.dataDir;
  if (dd && !('skipped' in dd)) {
    t.push({
      target: 'max event-loop delay while sizing a real code-server tree (the Disk view) ≤ 10 ms',
      measured:
        `${f1(dd.maxDelayMs)} ms with the du child, ${dd.walk ? f1(dd.walk.maxDelayMs) : '–'} ms with the walk ` +
        `(${dd.files} entries, ${(dd.bytes / 1048576).toFixed(0)} MB, ${f1(dd.wallMs)} / ${dd.walk ? f1(dd.walk.wallMs) : '–'} ms)`,
      pass: dd.maxDelayMs <= 10 && (dd.walk?.maxDelayMs ?? 0) <= 10,
    });
  }
  const limitMb = z.duRssLimitMb === undefined ? '' : ` (RSS ≤ ${f1(z.duRssLimitMb)} MB)`;
  t.push({
    target: `folder sizing CPU ≤ 1.3× \`du -s\`, bytes equal — a host small enough to start du${limitMb}: one du child`,
    measured:
      (z.duProblem ? `du NOT USED (${z.duProblem}): ` : '') +
      `×${f2(z.cpuRatio)} (${f1(z.ours.cpuMs)} vs ${f1(z.du.cpuMs)} ms: ${f1(z.ours.ownCpuMs)} ours + ${f1(z.ours.childCpuMs)} ` +
      `the du child), bytes ${z.bytesMatch ? 'equal' : 'DIFFERENT'}` +
      (z.methods ? `; sized by ${z.methods.join(', ')}` : ''),
    pass: z.cpuRatio <= 1.3 && z.bytesMatch,
  });
  if (zw)
    t.push({
      target:
        'folder sizing CPU ≤ 1.3× `du -s`, bytes equal — a larger host (forking it would hold the event loop past 5 ms, ' +
        'next rows) or no GNU du: the Node walk (folderSize)',
      measured:
        `×${f2(zw.cpuRatio)} (${f1(zw.cpuMs)} vs ${f1(z.du.cpuMs)} ms), bytes ${zw.bytesMatch ? 'equal' : 'DIFFERENT'}` +
        (z.floors && !('skipped' in z.floors.nodeSync) ? `; Node's own lstatSync/readdirSync loop ×${f2(z.floors.nodeSync.cpuRatio)}` : ''),
      pass: zw.cpuRatio <= 1.3 && zw.bytesMatch,
    });
  if (z.spawnBlock?.length)
    t.push({
      target: 'starting the du child: how long spawn() holds the event loop (fork of a process that size), informational',
      measured:
        z.spawnBlock.map((x) => `${f1(x.spawnMs)} ms at ${x.rssMb} MB RSS`).join(', ') +
        (z.spawnBlock[0]?.firstMs !== undefined
          ? ` (median of 7; the process's first spawn ${f1(z.spawnBlock[0].firstMs)} ms at ${z.spawnBlock[0].rssMb} MB)`
          : ''),
      pass: null,
    });
  t.push({
    target: 'folder sizing wall time ≤ 1.5× `du -s`',
    measured: `×${f2(z.wallRatio)} (${f1(z.ours.wallMs)} vs ${f1(z.du.wallMs)} ms)` + (zw ? `; the walk ×${f2(zw.wallRatio)}` : ''),
    pass: z.wallRatio <= 1.5,
  });
  for (const w of results.profile?.workloads ?? [])
    t.push({
      target: `a 10 s Profile Extension Host adds < 5 % CPU per unit of work to the profiled host (${w.workload} workload)`,
      measured:
        `×${f2(w.ratio)} for the command, ×${f2(w.windowRatio)} during the window ` +
        `(${f2(w.profiledCpuUsPerUnit)} vs ${f2(w.plainCpuUsPerUnit)} µs CPU/unit, median of ${results.profile?.rounds}, ` +
        `per-round ×${f2(w.spread?.[0])}–×${f2(w.spread?.[1])}; CPU every ${(results.profile?.cpuIntervalUs ?? NaN) / 1000} ms, ` +
        `heap every ${(results.profile?.heapIntervalBytes ?? NaN) / 1024} KiB over the last ${results.profile?.heapPercent} % of the window)`,
      pass: w.ratio < 1.05,
    });
  const a = results.activation;
  if (a && !a.skipped)
    t.push({
      target: `activation ≤ 50 ms in a real code-server extension host (parse + bundle evaluation + activate(), median of ${a.loads.length} window loads)`,
      measured:
        `${f1(a.medianTotalMs)} ms wall (parse ${f1(a.medianParseMs)} + evaluation ${f1(a.medianEvalMs)} + activate() ` +
        `${f1(a.medianActivateMs)}; range ${f1(a.spreadTotalMs[0])}–${f1(a.spreadTotalMs[1])}); main-thread CPU ${f1(a.medianTotalCpuMs)} ms`,
      pass: a.medianTotalMs <= 50,
    });
  else t.push({ target: 'activation ≤ 50 ms in a real code-server extension host', measured: `not measured: ${a?.skipped}`, pass: null });
  const k = results.soak;
  if (k) {
    t.push({
      target: `heap after GC within 2 MB after ${k.refreshes} refreshes (scan + Terminals + AI models) of ${k.processes} processes`,
      measured: `${k.growthBytes >= 0 ? '+' : ''}${f1(k.growthBytes / 1024)} KB (${f1(k.startHeapBytes / 1048576)} → ${f1(k.endHeapBytes / 1048576)} MB)`,
      pass: Math.abs(k.growthBytes) <= 2 * 1048576,
    });
    t.push({
      target: 'footprint ≤ 15 MB (approximation: heap of our modules + latest scan and models over an empty Node; no vscode objects)',
      measured: `${f1(k.footprintBytes / 1048576)} MB`,
      pass: k.footprintBytes <= 15 * 1048576,
    });
  }
  const idle = results.idle;
  t.push({
    target:
      'idle, window not looked at (not focused, or focused without input for a minute; every view hidden, metrics off) ' +
      '≤ 3 ms CPU per minute above an empty Node process (median of 3 windows of 120 s: the 120 s heartbeat)',
    measured:
      `${f2(idle.unfocusedMsPerMin)} ms/min (median of ${idle.windows} windows of ${idle.seconds} s; spread ` +
      `${f2(idle.unfocusedSpreadMsPerMin[0])}…${f2(idle.unfocusedSpreadMsPerMin[1])}; ${f2(idle.unfocused.wakeUpsPerMin)} ` +
      `wake-ups/min; ${f1(idle.unfocusedSwitchesAboveEmptyPerMin)} context switches/min above empty)`,
    pass: idle.seconds >= 120 ? idle.unfocusedMsPerMin <= 3 : null,
  });
  t.push({
    target: 'idle, window looked at (informational: focused and active, status bar and memory sampler every 30 s, heartbeat 60 s)',
    measured:
      `${f2(idle.samplerCpuMsPerMin)} ms/min above empty (spread ${f2(idle.spreadMsPerMin[0])}…` +
      `${f2(idle.spreadMsPerMin[1])}; ${f2(idle.samplers.wakeUpsPerMin)} wake-ups/min; ` +
      `${f1(idle.switchesAboveEmptyPerMin)} context switches/min above empty)`,
    pass: null,
  });
  const b = results.bundle;
  t.push({
    target: 'dist/extension.js ≤ 300 KB',
    measured: b.extensionJsBytes !== undefined ? `${f1(kb(b.extensionJsBytes))} KB` : 'missing',
    pass: b.extensionJsBytes !== undefined ? b.extensionJsBytes <= 300 * 1024 : null,
  });
  t.push({
    target: 'VSIX ≤ 500 KB',
    measured:
      b.vsixBytes !== undefined
        ? `${f1(kb(b.vsixBytes))} KB (file from ${b.vsixMtime})`
        : 'no code-server-ops.vsix (run `npm run package`)',
    pass: b.vsixBytes !== undefined ? b.vsixBytes <= 500 * 1024 : null,
  });
  return t;
}

/** @param {Results} results @returns {string} */
function markdown(results) {
  const m = results.machine;
  /** @type {string[]} */
  const L = [];
  /** @param {number} x */
  const ratio = (x) => (Number.isFinite(x) ? `×${f2(x)}` : '–');
  L.push(`# code-server Ops benchmark`);
  L.push('');
  const changed = results.code?.srcChanged ? ' + uncommitted changes in src/' : '';
  const code = results.code?.commit ? ` · code ${results.code.commit}${changed}` : '';
  L.push(
    `${results.date} · ${results.options.quick ? '`--quick` run' : 'full run'} · fleets ${results.options.sizes.join(', ')} · ` +
      `${results.durationS} s${code}`,
  );
  L.push('');
  L.push(
    `Machine: ${m.cores} cores, ${m.model}, ${m.memoryGiB} GiB RAM, ${m.kernel}, Node ${m.node}; ` +
      `load average ${m.loadavgAtStart.join(' / ')} at start, ${(m.loadavgAtEnd ?? []).join(' / ')} at end; ` +
      `${m.baselineProcesses} processes before the fleets.`,
  );
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| target | measured | result |');
  L.push('|---|---|---|');
  for (const t of results.targets) L.push(`| ${t.target} | ${t.measured} | ${t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS'} |`);
  L.push('');
  L.push(`## /proc scan (median of ${results.options.reps} rounds after 3 warm-up scans)`);
  L.push('');
  L.push(
    '| fleet | processes | ours wall ms | ours CPU µs/proc | ours CPU µs/proc after a pause | C ref wall ms | C ref CPU µs/proc | ' +
      'ratio ours / C | ps wall ms | ps CPU µs/proc | pidusage wall ms cold / warm | pidusage CPU µs/proc cold / warm | max loop delay ' +
      'ms | longest slice ms wall / CPU | heap Δ KB | RSS Δ KB |',
  );
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of results.scanner) {
    const pu = s.pidusage && !s.pidusage.error ? s.pidusage : undefined;
    const puWall = pu ? `${f1(pu.cold.wallMs)} / ${f1(pu.warmWallMs)}` : '–';
    const puCpu = pu ? `${f1(pu.cold.cpuPerProcUs)} / ${f1(pu.warmCpuPerProcUs)}` : '–';
    L.push(
      `| ${s.fleetSize} | ${s.processesScanned} | ${f1(s.ours.wallMs)} | ${f1(s.ours.cpuPerProcUs)} | ${f1(s.ours.firstCpuPerProcUs)} | ` +
        `${f1(s.c?.wallMs)} | ${f1(s.c?.cpuPerProcUs)} | ${ratio(s.ratio)} | ` +
        `${f1(s.ps.wallMs)} | ${f1(s.ps.cpuPerProcUs)} | ${puWall} | ${puCpu} | ` +
        `${f1(s.ours.maxDelayMs)} | ${f1(s.ours.slices.longestMs)} / ${f1(s.ours.slices.longestCpuMs)} | ` +
        `${f1(kb(s.ours.heapGrowthBytes))} | ${f1(kb(s.ours.rssGrowthBytes))} |`,
    );
  }
  L.push('');
  L.push('Incremental refresh (ScanCache: uid and argv kept per pid + start time, only stat read for a known process), ');
  L.push('each round right after the C reference, same machine state:');
  L.push('');
  L.push(
    '| fleet | cold CPU µs/proc | refresh CPU µs/proc | C full scan CPU µs/proc | cold / C | refresh / C | cache hit rate | refresh max loop delay ms |',
  );
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of results.scanner) {
    const inc = s.incremental;
    if (!inc) continue;
    L.push(
      `| ${s.fleetSize} | ${f1(s.ours.cpuPerProcUs)} | ${f1(inc.cpuPerProcUs)} | ${f1(s.c?.cpuPerProcUs)} | ${ratio(s.ratio)} | ` +
        `${ratio(s.incrementalRatio)} | ${f1(100 * inc.cacheHitRate)} % | ${f1(inc.maxDelayMs)} |`,
    );
  }
  L.push('');
  L.push('How each column is measured:');
  L.push('');
  L.push(
    "- **ours**: `scanProcesses({ procRoot: '/proc' })` from `out/src/probes/scanner.js`, exactly as the extension calls it. " +
      'CPU = `process.cpuUsage()` delta (getrusage of the whole Node process, all threads) ÷ pids scanned. ' +
      'Each round runs one scan after a 5 ms pause (*after a pause*; its event-loop delay is recorded) and, right after it, ' +
      'a second scan (*ours CPU*, compared with C).',
  );
  if (results.cReference?.skipped) L.push(`- **C ref**: skipped — ${results.cReference.skipped}.`);
  else {
    L.push(
      '- **C ref**: `scripts/bench/procread.c` (`cc -O2`), run after our scans in every round: stat(2) of /proc/PID, ' +
        'open / read until EOF / close of stat and cmdline into one reused buffer (the same syscalls as `NodeProcFs.readText`), ' +
        'ppid/starttime/rss parsed. CPU = its own getrusage(RUSAGE_SELF) delta around a pass that directly follows a warm-up pass ' +
        '(process start-up excluded, as for ours).',
    );
  }
  L.push(
    `- **ps**: \`ps -eo pid,ppid,rss,lstart,args\`; CPU = ${results.childCpuMethod} — includes ps start-up; the Node side of ` +
      `reading and parsing its output is not counted.`,
  );
  L.push(
    '- **pidusage**: `pidusage(allPids)` in a fresh Node child; CPU = `process.cpuUsage()` delta there (thread pool included). ' +
      '*cold* = the first call for these pids (open + 2 reads each; it keeps every fd open); *warm* = later calls (one pread per kept ' +
      'fd). It reads only /proc/PID/stat — no cmdline, no uid — so it does less than the scanner.',
  );
  L.push(
    '- **max loop delay**: `monitorEventLoopDelay({ resolution: 1 })` enabled 5 ms before each after-a-pause scan and disabled 2 ms ' +
      'after it; worst of all rounds (the value includes the 1 ms timer period and any time the OS gave the CPU to another process). ' +
      "**longest slice**: longest synchronous stretch between two of the scanner's yields, wall and process CPU (worst of 3 " +
      'instrumented scans).',
  );
  L.push(
    '- **heap Δ / RSS Δ**: after a forced GC, after all rounds minus before them (the latest snapshot is kept, as SnapshotService ' +
      'does).',
  );
  L.push('');
  L.push("Event-loop delay against slicing, through the scanner's options (the extension uses the defaults):");
  L.push('');
  L.push(
    '| fleet | defaults (as shipped): max / median loop delay ms | CPU µs/proc | sliceSize 50: max / median ms | CPU µs/proc | ' +
      'sliceSize 16 + a yieldToLoop that yields only after 4 ms: max / median ms | CPU µs/proc |',
  );
  L.push('|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of results.scanner) {
    const x = s.smallerSlices?.['50'];
    const y = s.smallerSlices?.budget4ms;
    /** @param {{ maxDelayMs: number, medianMaxDelayMs: number, cpuPerProcUs: number } | undefined} z */
    const cell = (z) => (z ? `${f1(z.maxDelayMs)} / ${f1(z.medianMaxDelayMs)} | ${f1(z.cpuPerProcUs)}` : '– | –');
    L.push(
      `| ${s.fleetSize} | ${f1(s.ours.maxDelayMs)} / ${f1(s.ours.medianMaxDelayMs)} | ${f1(s.ours.firstCpuPerProcUs)} | ${cell(x)} ` +
        `| ${cell(y)} |`,
    );
  }
  L.push('');
  L.push(
    'The proc root is listed through a directory stream (32 names per getdents64) inside the same time budget (checked every ' +
      '64 names, and every 4 processes while reading), so no slice holds the listing of all pids; what a slice can still not ' +
      'split is a garbage-collection pause and the time the OS gives the CPU to another process (`node scripts/bench/scan-focus.js` ' +
      'prints the longest GC pause inside each scan next to its loop delay).',
  );
  L.push('');
  const big = results.scanner[results.scanner.length - 1];
  if (big?.breakdown) {
    const b = big.breakdown;
    const c = b.cUsPerProc;
    const u = b.usPerProc;
    L.push(
      `## Where the scanner's CPU goes (fleet ${big.fleetSize}, ${b.processes} processes; CPU µs per process, median of ${b.reps} ` +
        `interleaved rounds)`,
    );
    L.push('');
    L.push('| part | ours (NodeProcFs / procParsers) | C reference | ours − C |');
    L.push('|---|---:|---:|---:|');
    /** @param {string} name @param {number} ov @param {number | undefined} cv */
    const row = (name, ov, cv) =>
      L.push(`| ${name} | ${f2(ov)} | ${cv === undefined ? '–' : f2(cv)} | ${cv === undefined ? '–' : f2(ov - cv)} |`);
    row('list /proc (directory stream, as the scanner; + filter)', u.readdir, c?.readdir);
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
      /** @param {string} name @param {number} x */
      const alt = (name, x) => L.push(`| ${name} | ${f2(x)} | ${ratio(x / c.full)} | ${ratio(x / c.fullOneRead)} |`);
      alt('scanner as shipped', v.scanner);
      alt('[one read] stop at the first short read (2 read(2) per process instead of 4)', v.oneRead);
      alt('[one read] + [fstat] uid from fstat of the open stat fd instead of stat(2) of /proc/PID', v.oneReadFstat);
      alt(
        '[one read] + [fstat] + [fast parse] parseStat with one indexOf walk, no split(/\\s+/), no per-field regex',
        v.oneReadFstatFastParse,
      );
      L.push('');
      L.push(
        `C reference with one read per file (\`procread --one-read\`): ${f2(c.fullOneRead)} µs/proc (reading until EOF: ` +
          `${f2(c.full)}).`,
      );
      L.push('');
    }
  }
  L.push('## Refresh when nothing changed');
  L.push('');
  L.push('| what | wall ms | CPU ms |');
  L.push('|---|---:|---:|');
  for (const s of results.scanner) {
    L.push(
      `| process scan, ${s.refreshScan.count} processes, after a 5 ms pause (the scanner has no cache: always a full scan) | ` +
        `${f1(s.refreshScan.first.wallMs)} | ${f2(s.refreshScan.first.cpuUs / 1000)} |`,
    );
    L.push(
      `| process scan, ${s.refreshScan.count} processes, second of two back-to-back | ${f1(s.refreshScan.second.wallMs)} | ` +
        `${f2(s.refreshScan.second.cpuUs / 1000)} |`,
    );
  }
  const z = results.sizing;
  L.push(
    `| Extensions refresh: readExtensionsDir + SizeCache hit for ${z.refreshCached.hits}/${z.tree.folders} folders (no folderSize ` +
      `call) | ${f2(z.refreshCached.wallMs)} | ${f2(z.refreshCached.cpuMs)} |`,
  );
  L.push('');
  L.push(
    `readExtensionsDir awaits one \`fs.promises.lstat\` per folder: ${f1(z.lstatPerFolderUs.promises)} µs CPU each here, against ` +
      `${f1(z.lstatPerFolderUs.sync)} µs for \`fs.lstatSync\` on the same folders.`,
  );
  L.push('');
  L.push(
    `## Folder sizing (${z.tree.folders} extension folders, ${z.tree.files.toLocaleString('en')} files, ${z.tree.dirs} directories; ` +
      `median of ${results.options.sizeReps} interleaved rounds, warm caches)`,
  );
  L.push('');
  L.push('| | wall ms | CPU ms | max loop delay ms | bytes |');
  L.push('|---|---:|---:|---:|---:|');
  L.push(
    `| **ours**: sizeFolders() over all folders, one \`du -s -B1 -0\` child (as BackgroundSizer); CPU ours ` +
      `${f1(z.ours.ownCpuMs)} + du child ${f1(z.ours.childCpuMs)}${z.duProblem ? ` — du NOT USED: ${z.duProblem}` : ''} | ` +
      `${f1(z.ours.wallMs)} | ${f1(z.ours.cpuMs)} | ${f1(z.ours.maxDelayMs)} | ${z.bytes} |`,
  );
  if (z.walk)
    L.push(
      `| the fallback: folderSize() folder by folder, one shared \`seen\` (where du is unusable) | ${f1(z.walk.wallMs)} | ` +
        `${f1(z.walk.cpuMs)} (${ratio(z.walk.cpuRatio)} du) | ${f1(z.walk.maxDelayMs)} | ${z.walk.bytesMatch ? 'same' : 'DIFFERENT'} |`,
    );
  L.push(
    `| \`du -s -B1\` over the same ${z.tree.folders} folders (one process) | ${f1(z.du.wallMs)} | ${f1(z.du.cpuMs)} | – | ` +
      `${z.duBytes} |`,
  );
  L.push(`| ratio ours / du | ${ratio(z.wallRatio)} | ${ratio(z.cpuRatio)} | | ${z.bytesMatch ? 'same' : 'DIFFERENT'} |`);
  /** @type {[keyof NonNullable<typeof z.floors>, string][]} */
  const floorRows = [
    ['nodeSync', 'floor: the plainest `lstatSync` + `readdirSync` loop on full paths (no yields, no cancellation)'],
    ['nodeRelative', 'floor: the same loop on cwd-relative names after `process.chdir()` (bench only, see below)'],
    ['cFull', 'floor: C `lstat` + `opendir` of full paths (the calls Node makes)'],
    ['cAt', 'floor: C `fstatat` + `openat` on directory fds (the calls du makes)'],
  ];
  for (const [k, label] of z.floors ? floorRows : []) {
    const v = z.floors?.[k];
    if (!v || 'skipped' in v) L.push(`| ${label} | – | – | – | skipped: ${v?.skipped ?? 'not measured'} |`);
    else L.push(`| ${label} | ${f1(v.wallMs)} | ${f1(v.cpuMs)} (${ratio(v.cpuRatio)} du) | – | ${v.bytesMatch ? 'same' : 'DIFFERENT'} |`);
  }
  L.push('');
  L.push(
    `Ours: \`process.cpuUsage()\` (all threads, the libuv thread pool included) plus the du child's CPU ` +
      `(${z.oursChildCpuMethod ?? 'not measured'}). The walk and the Node floors: \`process.cpuUsage()\`. du and the C floors ` +
      `(\`scripts/bench/sizewalk.c\`, same sum): ${results.childCpuMethod}, start-up included. Max loop delay: ` +
      `\`monitorEventLoopDelay({ resolution: 1 })\` around each sizing of all folders. All interleaved in each round. ` +
      "What the floors separate (why the walk is only the fallback): walk − nodeSync is folderSize's own loop (yields, " +
      'cancellation checks); nodeSync − ' +
      "nodeRelative is the kernel's walk of each full path, which Node cannot avoid (no `fstatat`; the extension cannot " +
      "chdir: the cwd is shared by every extension and thread of the extension host); nodeRelative − cAt is Node's " +
      "per-call cost (the binding, the Stats object, scandir's sorted copy).",
  );
  L.push('');
  const i = results.idle;
  L.push(
    `## Idle cost (every view hidden, metrics off): the samplers against an empty Node process, side by side, ` +
      `${i.windows} windows of ${i.seconds} s after ${i.settleSeconds} s of settling`,
  );
  L.push('');
  const u = i.unfocused;
  L.push(
    '| window | looked at: CPU ms/min | timers only (empty jobs, not looked at) | empty Node ms/min | looked at: above empty | ' +
      'context switches/min (looked at / empty) | GCs (looked at) |' +
      (u ? ' **not looked at (target): above empty** | not looked at: context switches/min |' : ''),
  );
  L.push('|---:|---:|---:|---:|---:|---:|---:|' + (u ? '---:|---:|' : ''));
  i.aboveEmptyMsPerMin.forEach((/** @type {number} */ x, /** @type {number} */ k) =>
    L.push(
      `| ${k + 1} | ${f2(i.samplers.cpuMsPerMin[k])} | ${f2(i.timers?.cpuMsPerMin[k])} | ${f2(i.empty.cpuMsPerMin[k])} | ${f2(x)} | ` +
        `${f1(i.samplers.switchesPerMin?.[k])} / ${f1(i.empty.switchesPerMin?.[k])} | ${i.samplers.gcs?.[k] ?? '–'} (${f1(i.samplers.gcMs?.[k])} ms) |` +
        (u ? ` ${f2(i.unfocusedAboveEmptyMsPerMin[k])} | ${f1(u.switchesPerMin?.[k])} |` : ''),
    ),
  );
  L.push(
    `| **median** (spread) | | wake-ups alone: ${f2(i.wakeUpsOnlyMsPerMin)} above empty | | ` +
      `**${f2(i.samplerCpuMsPerMin)}** (${f2(i.spreadMsPerMin[0])}…${f2(i.spreadMsPerMin[1])}) | ${f1(i.switchesAboveEmptyPerMin)} above empty | |` +
      (u
        ? ` ${f2(i.unfocusedMsPerMin)} (${f2(i.unfocusedSpreadMsPerMin[0])}…${f2(i.unfocusedSpreadMsPerMin[1])}) | ` +
          `${f1(i.unfocusedSwitchesAboveEmptyPerMin)} above empty |`
        : ''),
  );
  L.push('');
  if (u)
    L.push(
      `Window looked at (focused and active, informational): ${f2(i.samplers.wakeUpsPerMin)} wake-ups/min, ` +
        `${f2(i.samplers.itemSetsPerMin)} status-bar property sets/min. Not looked at (the target: not focused, or focused ` +
        `without input for a minute; \`src/core/attention.ts\`, \`src/core/heartbeat.ts\`, \`src/features/memory/sampling.ts\`: ` +
        `the heartbeat every 120 s, no status-bar job, the memory sampler every max(\`csops.memory.sampleSeconds\`, 120 s) ` +
        `rounded up to a multiple of 120 s riding along with the heartbeat, its reading shown by the status bar): ` +
        `${f2(u.wakeUpsPerMin)} wake-ups/min, ${f2(u.itemSetsPerMin)} property sets/min; jobs: ` +
        Object.entries(u.jobs ?? {})
          .map(([n, j]) => `${n} ${j.calls}× ${f2(j.cpuMsPerMin)} ms/min`)
          .join(', ') +
        '.',
      '',
    );
  const k = i.samplers.kmsg;
  const jobs = Object.entries(i.samplers.jobs ?? {});
  if (jobs.length) {
    L.push(
      'Where the CPU goes: each job timed with `process.cpuUsage()` around it (an async job until its promise settles), in the child:',
    );
    L.push('');
    L.push('| job | calls | CPU ms/min | µs per call | max µs |');
    L.push('|---|---:|---:|---:|---:|');
    for (const [name, j] of jobs) L.push(`| ${name} | ${j.calls} | ${f2(j.cpuMsPerMin)} | ${f1(j.usPerCall)} | ${j.maxUs} |`);
    L.push('');
  }
  L.push(
    `One shared timer (\`core.ticker\`), window looked at: ${f2(i.samplers.wakeUpsPerMin)} wake-ups per minute for the status bar ` +
      `(SelfSampler.sample() and the monitor's trend, every 30 s), MemoryMonitor.sample() (every 30 s; the history is ` +
      `saved every 5 minutes) and the window heartbeat (every 60 s, riding along with a sampling tick); no policy timer ` +
      `(no policy enabled); the kernel-log fallback tick only without /dev/kmsg (${i.samplers.fallbackPolls} polls: the ` +
      `Memory view is hidden); the cgroup was located ${i.samplers.cgroupLocations} time(s) (cached 10 min) and its files ` +
      `are kept open. Not in the child: the vscode half of the status bar (the MarkdownString and sending the item to the ` +
      `workbench, now only when a value changed). Context switches: voluntary + involuntary of every thread ` +
      `(/proc/self/task/*/status), each a wake-up of some thread. /dev/kmsg follower: ` +
      `${k?.following ? 'following (a reader child blocked in read(); nothing polls)' : `not following (${k?.reason ?? 'unknown'})`}.`,
  );
  L.push('');
  if (i.before)
    L.push(
      `A/B in the same run (CSOPS_IDLE_BEFORE_OUT, the build before #19's idle round, wired as the host wired it then): ` +
        `${f2(i.beforeAboveEmptyMsPerMin)} ms/min above empty (spread ${f2(i.beforeSpreadMsPerMin[0])}…${f2(i.beforeSpreadMsPerMin[1])}), ` +
        `${f1(i.beforeSwitchesAboveEmptyPerMin)} context switches/min above empty; jobs: ` +
        Object.entries(i.before.jobs ?? {})
          .map(([n, j]) => `${n} ${j.calls}× ${f2(j.cpuMsPerMin)} ms/min`)
          .join(', ') +
        '.',
    );
  if (i.before) L.push('');
  if (i.afterPauseUs) {
    L.push(
      'The pieces, each called 300 ms after the previous call (median CPU µs of 8 — what a call costs when the caches have gone ' +
        'cold):',
    );
    L.push('');
    L.push('| call | CPU µs |');
    L.push('|---|---:|');
    for (const [k, v] of Object.entries(i.afterPauseUs)) L.push(`| \`${k}\` | ${f1(v)} |`);
    L.push('');
  }
  const b = results.bundle;
  L.push('## Bundle');
  L.push('');
  L.push(
    `- dist/extension.js (rebuilt by \`node scripts/bundle.js\`${b.bundleOk ? '' : ' — FAILED, size of the existing file'}): ` +
      `${b.extensionJsBytes !== undefined ? `${b.extensionJsBytes} bytes (${f1(kb(b.extensionJsBytes))} KB)` : 'missing'}`,
  );
  const vsix =
    b.vsixBytes !== undefined
      ? `${b.vsixBytes} bytes (${f1(kb(b.vsixBytes))} KB), file dated ${b.vsixMtime} (not rebuilt by the bench)`
      : 'not present (run `npm run package`)';
  L.push(`- code-server-ops.vsix: ${vsix}`);
  L.push('');
  L.push(
    `Fleet cleanup: ${results.scanner.map((s) => `${s.fleetSize}: ${s.fleetLeftAfterCleanup} left`).join(', ')} (processes with a ` +
      `recorded pid + start time still present after the kill).`,
  );
  L.push('');
  return L.join('\n');
}

module.exports = { evaluate, markdown };
