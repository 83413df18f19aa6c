// Folder sizing over a generated extensions folder as the Extensions and Disk views size it (BackgroundSizer:
// sizeFolders, one GNU du child for all the folders; CPU = ours + that child's), the Node walk (folderSize, the fallback
// where du is unusable) on its own, both against `du -s -B1` run alone; the refresh when nothing changed (every folder
// a SizeCache hit).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { cpuUs, median, max, f1, f2, log, OUT, runJsonChild, withLoopDelay } = require('./util');
const { compile, measureChild } = require('./native');

/** @returns {typeof import('../../src/probes/duSize')} */
const loadDuSize = () => require(path.join(OUT, 'probes/duSize.js'));

/** CPU (µs) of the children this process has waited for: /proc/self/stat cutime + cstime, in clock ticks (10 ms). */
function waitedChildrenCpuUs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 1e4;
}

/**
 * The du the extension runs, with its own CPU measured exactly: a /bin/sh script that execs the rusage wrapper
 * (scripts/bench/rusage.c: fork, exec du, wait4) writing `$CSOPS_BENCH_RUSAGE.<pid>`; the script's own start-up is
 * in the wall time, not in the CPU. Without a C compiler: `du` itself, its CPU from cutime/cstime (10 ms ticks).
 * @param {string} work
 */
function measuredDu(work) {
  const ru = compile('rusage');
  if (!ru.bin) return { du: 'du', method: `/proc/self/stat cutime + cstime of the du child (10 ms ticks; ${ru.error})` };
  const script = path.join(work, 'du-measured');
  fs.writeFileSync(script, `#!/bin/sh\nexec '${ru.bin}' "$CSOPS_BENCH_RUSAGE.$$" du "$@"\n`, { mode: 0o755 });
  return { du: script, method: 'wait4() rusage of the du child (scripts/bench/rusage.c), µs', rusage: true };
}

/** @typedef {import('./ours').Ours} Ours */
/** @typedef {import('./options').Options} Options */

/** @param {string} dir @param {number} folders @param {number} filesPerFolder */
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

/**
 * The floors under folderSize, to say where its gap to du comes from. All walk the same folders with the same sum
 * (st_blocks × 512, symlinks not followed, a multiply-linked inode once):
 * - nodeSync: the plainest synchronous loop on Node's fs API (lstatSync + readdirSync of full paths, no yields, no
 *   cancellation): what folderSize's own loop (the walk) costs on top of Node is walk − nodeSync;
 * - nodeRelative: the same loop with cwd-relative names after process.chdir() into each folder — the one-component
 *   lookup du gets from fstatat(dirfd). Only measurable here: the extension cannot chdir (the cwd is shared by every
 *   extension and thread of the extension host), so nodeSync − nodeRelative is the kernel's path walk, out of reach;
 * - C (scripts/bench/sizewalk.c): `full` makes the same lstat/opendir calls as Node, `at` the fstatat/openat ones du
 *   makes (cFull − cAt: the same path walk, in C), so nodeRelative − cAt is Node's per-call cost.
 * @param {string[]} roots @param {boolean} relative
 */
function nodeSyncSize(roots, relative) {
  const home = process.cwd();
  /** @type {Set<string>} */
  const seen = new Set();
  let bytes = 0;
  /** @param {string} p path to lstat (full, or relative to the cwd) @param {string} full */
  const visit = (p, full) => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    const dir = st.isDirectory();
    if (!dir && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    bytes += st.blocks * 512;
    if (!dir) return;
    const names = fs.readdirSync(p);
    if (relative) process.chdir(p);
    for (const n of names) visit(relative ? n : `${full}/${n}`, `${full}/${n}`);
    if (relative) process.chdir('..');
  };
  try {
    for (const r of roots) visit(r, r);
  } finally {
    process.chdir(home);
  }
  return bytes;
}

/**
 * How long spawn() holds the event loop, by the spawning process's RSS: libuv forks (the kernel copies the page tables
 * of all the parent's memory) and waits for the child's exec. Measured in a child Node process grown to each RSS with
 * touched buffers, as an extension host is bigger than this bench process. The median of 7 spawns at each size, and
 * the process's very first spawn (`firstMs`, at its start-up size: first spawns cost more).
 * @returns {{ rssMb: number, spawnMs: number, firstMs?: number }[]}
 */
function spawnBlock() {
  const code = `
    const { spawn } = require('child_process');
    const keep = [];
    const out = [];
    (async () => {
      for (const mb of [0, 100, 150, 300, 500]) {
        while (process.memoryUsage().rss < mb * 1048576) keep.push(Buffer.alloc(1 << 20, 1));
        const ms = [];
        for (let i = 0; i < 7; i++) {
          const t = performance.now();
          const c = spawn('du', ['--version'], { stdio: 'ignore' });
          ms.push(performance.now() - t);
          await new Promise((r) => c.on('close', r));
        }
        const first = out.length === 0 ? { firstMs: ms[0] } : {};
        ms.sort((a, b) => a - b);
        out.push({ rssMb: Math.round(process.memoryUsage().rss / 1048576), spawnMs: ms[3], ...first });
      }
      console.log(JSON.stringify(out));
    })();`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return [];
  }
}

/** @param {Options} o @param {Ours} ours @param {string} work */
async function benchSizing(o, ours, work) {
  const extDir = path.join(work, 'extensions');
  const t0 = performance.now();
  const made = makeExtensionsTree(extDir, o.tree.folders, o.tree.filesPerFolder);
  log(`sizing: made ${made.files} files in ${o.tree.folders} folders (${(performance.now() - t0).toFixed(0)} ms)`);
  const report = await ours.extensionsDir.readExtensionsDir(extDir);
  const folders = report.folders;
  const { folderSize, SizeCache } = ours.folderSize;
  const { sizeFolders } = loadDuSize();
  const measured = measuredDu(work);
  const byPath = new Map(folders.map((f) => [f.path, f]));
  /** @type {string | undefined} */
  let duProblem;
  /** How sizeFolders sized (du, or the walk above its RSS limit), with this process's RSS. @type {Set<string>} */
  const methods = new Set();

  // What BackgroundSizer.size() does: sizeFolders over all the folders (one du child), each size into the SizeCache
  // as its record arrives. CPU: ours (process.cpuUsage) + the du child's.
  /** @param {InstanceType<typeof SizeCache>} [cache] @returns {Promise<{ bytes: number, childCpuUs: number }>} */
  const sizeAll = async (cache) => {
    const prefix = path.join(work, `du-rusage-${Math.random().toString(36).slice(2)}`);
    process.env.CSOPS_BENCH_RUSAGE = prefix;
    const cutime0 = waitedChildrenCpuUs();
    let bytes = 0;
    // The du path, as in a host under sizeFolders' RSS limit: this bench process (~75 MB when run.js sizes, before the
    // fleets) is told 0 so that du is started; its fork still costs what this process's size costs (a little more than a
    // small host's: the loop-delay row is, if anything, pessimistic). The walk's rounds are the larger hosts' path.
    const r = await sizeFolders(paths, {
      rssBytes: () => 0,
      du: measured.du,
      isCancelled: () => false,
      onSize: (p, n) => {
        bytes += n;
        const f = byPath.get(p);
        if (f) cache?.set(f.path, f.mtimeMs, f.ino, { bytes: n });
      },
    });
    duProblem ??= r.duProblem;
    methods.add(`${r.method} (this process: ${Math.round(process.memoryUsage.rss() / 1048576)} MB RSS, told 0)`);
    let childCpuUs = 0;
    if (measured.rusage) {
      const base = path.basename(prefix);
      for (const n of fs.readdirSync(work).filter((x) => x.startsWith(`${base}.`))) {
        /** @type {{ user_us: number, sys_us: number }} */
        const ru = JSON.parse(fs.readFileSync(path.join(work, n), 'utf8'));
        childCpuUs += ru.user_us + ru.sys_us;
        fs.unlinkSync(path.join(work, n));
      }
    } else childCpuUs = waitedChildrenCpuUs() - cutime0;
    return { bytes, childCpuUs };
  };
  // The fallback where du is unusable: the folderSize walk folder by folder, one shared `seen`, into the SizeCache.
  /** @param {InstanceType<typeof SizeCache>} [cache] */
  const walkAll = async (cache) => {
    /** @type {Set<string>} */
    const seen = new Set();
    let bytes = 0;
    for (const f of folders) {
      const s = await folderSize(f.path, { seen, isCancelled: () => false });
      bytes += s.bytes;
      cache?.set(f.path, f.mtimeMs, f.ino, s);
    }
    return { bytes, childCpuUs: 0 };
  };
  const paths = folders.map((f) => f.path);
  const duArgs = ['du', '-s', '-B1', ...paths];
  /** @param {string} stdout */
  const duBytes = (stdout) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .reduce((s, l) => s + Number(l.split('\t')[0]), 0);
  /** @param {() => Promise<{ bytes: number, childCpuUs: number }>} fn */
  const timed = async (fn) => {
    const { result, wallMs, cpuUs: own, maxDelayMs } = await withLoopDelay(fn);
    const { bytes, childCpuUs } = result;
    return { wallMs, cpuMs: (own + childCpuUs) / 1000, ownCpuMs: own / 1000, childCpuMs: childCpuUs / 1000, bytes, maxDelayMs };
  };
  const walker = compile('sizewalk');
  if (walker.error) log(`sizing: C floors SKIPPED: ${walker.error}`);
  /** @typedef {{ wallMs: number, cpuMs: number, bytes: number }} Run */
  /** @param {() => number} fn @returns {Run} */
  const timedSync = (fn) => {
    const c0 = cpuUs();
    const w0 = performance.now();
    const bytes = fn();
    return { wallMs: performance.now() - w0, cpuMs: (cpuUs() - c0) / 1000, bytes };
  };
  /** @param {'at' | 'full'} mode @returns {Run | undefined} */
  const cWalk = (mode) => {
    if (!walker.bin) return undefined;
    const d = measureChild([walker.bin, mode, ...paths]);
    return { wallMs: d.wallMs, cpuMs: d.cpuUs / 1000, bytes: Number(d.stdout.split(' ')[0]) };
  };
  // warm-up all (dentry/inode caches, JIT)
  await sizeAll();
  await walkAll();
  measureChild(duArgs);
  nodeSyncSize(paths, false);
  nodeSyncSize(paths, true);
  cWalk('at');
  const oursRuns = [];
  const walkRuns = [];
  /** @type {Run[]} */
  const duRuns = [];
  /** @type {{ nodeSync: Run[], nodeRelative: Run[], cFull: Run[], cAt: Run[] }} */
  const floorRuns = { nodeSync: [], nodeRelative: [], cFull: [], cAt: [] };
  let cache = new SizeCache();
  for (let r = 0; r < o.sizeReps; r++) {
    const fresh = new SizeCache();
    oursRuns.push(await timed(() => sizeAll(fresh)));
    cache = fresh;
    walkRuns.push(await timed(() => walkAll()));
    const d = measureChild(duArgs);
    duRuns.push({ wallMs: d.wallMs, cpuMs: d.cpuUs / 1000, bytes: duBytes(d.stdout) });
    floorRuns.nodeSync.push(timedSync(() => nodeSyncSize(paths, false)));
    floorRuns.nodeRelative.push(timedSync(() => nodeSyncSize(paths, true)));
    for (const [k, mode] of /** @type {const} */ ([
      ['cFull', 'full'],
      ['cAt', 'at'],
    ])) {
      const c = cWalk(mode);
      if (c) floorRuns[k].push(c);
    }
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
  /** @type {{ promises: number[], sync: number[] }} */
  const lstatCost = { promises: [], sync: [] };
  for (let r = 0; r < o.sizeReps; r++) {
    let c0 = cpuUs();
    for (const f of folders) await fs.promises.lstat(f.path);
    lstatCost.promises.push((cpuUs() - c0) / folders.length);
    c0 = cpuUs();
    for (const f of folders) fs.lstatSync(f.path);
    lstatCost.sync.push((cpuUs() - c0) / folders.length);
  }
  const oursSummary = {
    reps: oursRuns,
    wallMs: median(oursRuns.map((x) => x.wallMs)),
    cpuMs: median(oursRuns.map((x) => x.cpuMs)),
    ownCpuMs: median(oursRuns.map((x) => x.ownCpuMs)),
    childCpuMs: median(oursRuns.map((x) => x.childCpuMs)),
  };
  const du = { reps: duRuns, wallMs: median(duRuns.map((x) => x.wallMs)), cpuMs: median(duRuns.map((x) => x.cpuMs)) };
  const walkCpuMs = median(walkRuns.map((x) => x.cpuMs));
  const walkWallMs = median(walkRuns.map((x) => x.wallMs));
  const walk = {
    reps: walkRuns,
    wallMs: walkWallMs,
    cpuMs: walkCpuMs,
    maxDelayMs: max(walkRuns.map((x) => x.maxDelayMs)),
    cpuRatio: walkCpuMs / du.cpuMs,
    wallRatio: walkWallMs / du.wallMs,
    bytesMatch: walkRuns.every((x) => x.bytes === duRuns[0].bytes),
  };
  /** @param {Run[]} runs */
  const floor = (runs) => {
    if (!runs.length) return { skipped: walker.error ?? 'not measured' };
    const cpuMs = median(runs.map((x) => x.cpuMs));
    return {
      reps: runs,
      wallMs: median(runs.map((x) => x.wallMs)),
      cpuMs,
      cpuRatio: cpuMs / du.cpuMs,
      bytesMatch: runs.every((x) => x.bytes === duRuns[0].bytes),
    };
  };
  const floors = {
    nodeSync: floor(floorRuns.nodeSync),
    nodeRelative: floor(floorRuns.nodeRelative),
    cFull: floor(floorRuns.cFull),
    cAt: floor(floorRuns.cAt),
  };
  // A small extension host (a fresh Node, under the RSS limit: it picks du itself) sizing the same folders, for the
  // event-loop delay of the du path as such a host sees it (this process's fork costs more: it is larger).
  const pathsFile = path.join(work, 'sizing-paths.json');
  fs.writeFileSync(pathsFile, JSON.stringify(paths));
  /** @type {{ rssMb: number, duRssLimitMb: number, runs: { method: string, wallMs: number, ownCpuMs: number, maxDelayMs: number, bytes: number }[] }} */
  const smallHost = /** @type {any} */ (await runJsonChild('sizing child', 'sizing-child.js', [pathsFile, String(oursRuns.length)]));
  const res = {
    floors,
    smallHost: {
      ...smallHost,
      maxDelayMs: max(smallHost.runs.map((x) => x.maxDelayMs)),
      methods: [...new Set(smallHost.runs.map((x) => x.method))],
      bytesMatch: smallHost.runs.every((x) => x.bytes === duRuns[0].bytes),
    },
    lstatPerFolderUs: { promises: median(lstatCost.promises), sync: median(lstatCost.sync) },
    tree: { folders: folders.length, files: made.files, dirs: made.dirs + 1 },
    ours: { ...oursSummary, maxDelayMs: max(oursRuns.map((x) => x.maxDelayMs)) },
    /** How the du child's CPU was measured; why du was not used (then "ours" is the walk), if it was not. */
    oursChildCpuMethod: measured.method,
    duProblem,
    methods: [...methods],
    duRssLimitMb: loadDuSize().duRssLimit() / 1048576,
    spawnBlock: spawnBlock(),
    walk,
    du,
    refreshCached: {
      reps: refreshRuns,
      wallMs: median(refreshRuns.map((x) => x.wallMs)),
      cpuMs: median(refreshRuns.map((x) => x.cpuMs)),
      hits: refreshRuns[0]?.hits,
    },
    bytesMatch: oursRuns.every((x) => x.bytes === duRuns[0].bytes),
    bytes: oursRuns[0].bytes,
    duBytes: duRuns[0].bytes,
    cpuRatio: oursSummary.cpuMs / du.cpuMs,
    wallRatio: oursSummary.wallMs / du.wallMs,
  };
  fs.rmSync(extDir, { recursive: true, force: true });
  log(`sizing: sizeFolders sized by ${[...methods].join('; ')} (du while the RSS ≤ ${f1(res.duRssLimitMb)} MB)`);
  log(
    `sizing: a small host (fresh Node, ${smallHost.rssMb} MB RSS) sized by ${res.smallHost.methods.join(', ')}: max loop delay ` +
      `${f1(res.smallHost.maxDelayMs)} ms over ${smallHost.runs.length} runs; bytes match: ${res.smallHost.bytesMatch}`,
  );
  if (duProblem) log(`sizing: du NOT USED (${duProblem}): "ours" is the walk`);
  log(`sizing: spawn() holds the event loop ${res.spawnBlock.map((x) => `${f1(x.spawnMs)} ms at ${x.rssMb} MB RSS`).join(', ')}`);
  log(
    `sizing: ours (du child) ${f1(res.ours.wallMs)} ms wall / ${f1(res.ours.cpuMs)} ms CPU (${f1(res.ours.ownCpuMs)} ours + ` +
      `${f1(res.ours.childCpuMs)} du; max loop delay ${f1(res.ours.maxDelayMs)} ms), du alone ${f1(res.du.wallMs)} / ` +
      `${f1(res.du.cpuMs)} (CPU ×${f2(res.cpuRatio)}, wall ×${f2(res.wallRatio)}); bytes match: ${res.bytesMatch}`,
  );
  log(
    `sizing: the walk (fallback) ${f1(walk.wallMs)} ms wall / ${f1(walk.cpuMs)} ms CPU (×${f2(walk.cpuRatio)} du; max loop ` +
      `delay ${f1(walk.maxDelayMs)} ms); bytes match: ${walk.bytesMatch}`,
  );
  log(
    'sizing floors, CPU × du: ' +
      Object.entries(floors)
        .map(([k, v]) => ('skipped' in v ? `${k} skipped` : `${k} ×${f2(v.cpuRatio)}${v.bytesMatch ? '' : ' (BYTES DIFFER)'}`))
        .join(', '),
  );
  return res;
}

/**
 * Sizing a real code-server tree as the Disk view does (sizeFolders over the entries: one du child), and with the walk
 * (one folderSize per entry, one shared `seen`: the fallback), the event-loop delay measured over each whole run: the
 * provisioned code-server install (tens of thousands of files) stands for a server's data dir (issue #18: ≤ 10 ms).
 * Skipped when the tree is missing.
 * @param {Ours} ours @param {string} root
 */
async function benchDataDir(ours, root) {
  if (!fs.existsSync(root)) return { skipped: `${root} is missing (run scripts/provision.sh)` };
  const entries = fs.readdirSync(root).map((n) => path.join(root, n));
  const { folderSize } = ours.folderSize;
  const { sizeFolders } = loadDuSize();
  /** @param {() => Promise<{ bytes: number, files: number }>} fn */
  const delayed = async (fn) => {
    const { result, wallMs, cpuUs: cpu, maxDelayMs } = await withLoopDelay(fn);
    return { ...result, wallMs, cpuMs: cpu / 1000, maxDelayMs };
  };
  for (const e of entries) await folderSize(e, { isCancelled: () => false }); // warm the dentry cache: both runs alike
  const walk = await delayed(async () => {
    /** @type {Set<string>} */
    const seen = new Set();
    let bytes = 0;
    let files = 0;
    for (const e of entries) {
      const size = await folderSize(e, { seen, isCancelled: () => false });
      bytes += size.bytes;
      files += size.entries;
    }
    return { bytes, files };
  });
  const viaDu = await delayed(async () => {
    let bytes = 0;
    await sizeFolders(entries, { isCancelled: () => false, onSize: (_p, n) => (bytes += n), rssBytes: () => 0 });
    return { bytes, files: walk.files };
  });
  const res = {
    root,
    entries: entries.length,
    files: walk.files,
    bytes: viaDu.bytes,
    wallMs: viaDu.wallMs,
    cpuMs: viaDu.cpuMs,
    maxDelayMs: viaDu.maxDelayMs,
    walk: { bytes: walk.bytes, wallMs: walk.wallMs, cpuMs: walk.cpuMs, maxDelayMs: walk.maxDelayMs },
  };
  log(
    `data dir: ${res.files} entries, ${(res.bytes / 1048576).toFixed(0)} MB in ${f1(res.wallMs)} ms (du child); max loop delay ` +
      `${f1(res.maxDelayMs)} ms; the walk ${f1(walk.wallMs)} ms, max loop delay ${f1(walk.maxDelayMs)} ms` +
      (walk.bytes === res.bytes ? '' : ` (walk bytes ${walk.bytes} DIFFER)`),
  );
  return res;
}

module.exports = { benchSizing, benchDataDir };
