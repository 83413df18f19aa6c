// Bundles the extension into one file with esbuild (vscode stays external).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

// The chart library for the Memory webview, served from media/vendor (no CDN).
const vendor = path.join(__dirname, '..', 'media', 'vendor');
fs.mkdirSync(vendor, { recursive: true });
for (const f of ['uPlot.iife.min.js', 'uPlot.min.css']) {
  fs.copyFileSync(require.resolve(`uplot/dist/${f}`), path.join(vendor, f));
}
const production = process.argv.includes('--production') || process.env.NODE_ENV === 'production';
// Libraries used only on demand (prom-client when metrics are served, yaml / smol-toml when an MCP config of that format
// is read) go into files of their own under dist/vendor: the main bundle, parsed at every activation, only refers to them.
const VENDOR = ['prom-client', 'yaml', 'smol-toml'];
/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node16', minify: true, metafile: true, logLevel: 'warning' };
/** @param {string} dir where dist/vendor is seen from the output file ('./vendor' from dist/, '../vendor' from dist/chunks/) */
const vendorPlugin = (dir = './vendor') =>
  /** @type {import('esbuild').Plugin} */ ({
    name: 'vendor',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${VENDOR.join('|')})$`) }, (a) => ({ path: `${dir}/${a.path}.js`, external: true }));
    },
  });
// Every `import * as vscode from 'vscode'` (or `* as fs from 'fs'`, …) would otherwise copy the whole module object
// (esbuild's __toESM: ~150 properties for vscode, ~100 for fs) once per importing module while the bundle evaluates — 42
// copies of vscode, 25 of fs, 21 of path at the last count. One re-exporting module per external copies it once and
// every importer shares that namespace. (require() calls stay plain requires.)
const ONCE = new Set(['vscode', ...require('module').builtinModules.flatMap((m) => [m, `node:${m}`])]);
/** @type {import('esbuild').Plugin} */
const externalOncePlugin = {
  name: 'external-once',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (a) => {
      if (!ONCE.has(a.path)) return undefined;
      if (a.namespace === 'external-once' || a.kind !== 'import-statement') return { path: a.path, external: true };
      return { path: a.path, namespace: 'external-once' };
    });
    b.onLoad({ filter: /.*/, namespace: 'external-once' }, (a) => ({ contents: `export * from ${JSON.stringify(a.path)};`, loader: 'js' }));
  },
};
// Code that only a command or a served endpoint runs goes into chunks of its own under dist/chunks, loaded on first use
// by a plain `require('./x')` in the source (which tsc and the unit tests load as usual). A chunk holds only the
// modules no other part of the main bundle imports; every module of src/ it shares with the main bundle (the core,
// probes, …) is the main bundle's own instance, handed to the chunk when it loads — one copy of each class and of each
// module's state (plan ids, caches), never two. (A library from node_modules a chunk uses is bundled into it: handing
// over a whole library's namespace would keep all of it in the main bundle; zod keeps no state the two copies share.)
const ROOT = path.join(__dirname, '..');
/** Chunk name → its entry (the module the main bundle requires). */
const CHUNKS = {
  'metrics-server': 'src/features/metrics/server.ts',
  diagnostics: 'src/features/diagnostics/export.ts',
  'profile-run': 'src/features/profile/run.ts',
  snapshot: 'src/features/profile/snapshot.ts',
  'memory-webview': 'src/features/memory/view.ts',
  'processes-commands': 'src/features/processes/commands.ts',
  'disk-commands': 'src/features/disk/commands.ts',
  'terminals-commands': 'src/features/terminals/commands.ts',
  'ai-commands': 'src/features/ai/commands.ts',
  'extensions-commands': 'src/features/extensions/commands.ts',
  sizing: 'src/probes/duSize.ts',
};
/** Modules without module state that two chunks may each hold a copy of. */
const PURE_SHARED = new Set(['src/features/profile/model.ts']);
const chunkOfEntry = new Map(Object.entries(CHUNKS).map(([name, f]) => [path.join(ROOT, f), name]));
/** @param {string} p */
const rel = (p) => path.relative(ROOT, p);
const INNER = { csopsInner: true };
const SRC = path.join(ROOT, 'src') + path.sep;

/**
 * In the main bundle: `require()` / `import()` of a chunk's entry loads dist/chunks/<name>.js, handing it the shared
 * modules it needs (`loaders`: chunk → their paths; absent in the first pass, which only finds the main bundle's inputs).
 * @param {Map<string, string[]> | undefined} loaders @returns {import('esbuild').Plugin}
 */
const chunkLoaderPlugin = (loaders) => ({
  name: 'chunk-loader',
  setup(b) {
    b.onResolve({ filter: /^\./ }, async (a) => {
      if (a.namespace === 'chunk-loader') return { path: a.path, external: true };
      if (a.pluginData?.csopsInner || (a.kind !== 'require-call' && a.kind !== 'dynamic-import')) return undefined;
      const r = await b.resolve(a.path, { resolveDir: a.resolveDir, kind: a.kind, importer: a.importer, pluginData: INNER });
      const name = chunkOfEntry.get(r.path);
      if (!name) return undefined;
      return loaders ? { path: name, namespace: 'chunk-loader' } : { path: `./chunks/${name}.js`, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'chunk-loader' }, (a) => {
      const shared = (loaders?.get(a.path) ?? []).map((p) => `${JSON.stringify(rel(p))}: require(${JSON.stringify(p)})`);
      const contents = `module.exports = require(${JSON.stringify(`./chunks/${a.path}.js`)})({ ${shared.join(', ')} });`;
      return { contents, loader: 'js', resolveDir: ROOT };
    });
  },
});

/**
 * A chunk: its entry wrapped in a function of the shared modules; an import of a module the main bundle holds
 * (`mainInputs`) reads it from what that function was given. `shared` collects those modules' paths.
 * @param {string} entry @param {Set<string>} mainInputs @param {Set<string>} shared @returns {import('esbuild').Plugin}
 */
const chunkPlugin = (entry, mainInputs, shared) => ({
  name: 'chunk',
  setup(b) {
    b.onResolve({ filter: /^csops-chunk-(entry|holder)$/ }, (a) => ({ path: a.path, namespace: 'chunk' }));
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.pluginData?.csopsInner || a.namespace !== 'file' || a.kind === 'entry-point') return undefined;
      const r = await b.resolve(a.path, { resolveDir: a.resolveDir, kind: a.kind, importer: a.importer, pluginData: INNER });
      if (r.errors.length || r.external || r.namespace !== 'file' || !r.path.startsWith(SRC) || !mainInputs.has(rel(r.path)))
        return undefined;
      shared.add(r.path);
      return { path: rel(r.path), namespace: 'chunk-shared' };
    });
    b.onLoad({ filter: /.*/, namespace: 'chunk-shared' }, (a) => ({
      contents: `module.exports = require('csops-chunk-holder').get(${JSON.stringify(a.path)});`,
      loader: 'js',
      resolveDir: ROOT,
    }));
    b.onLoad({ filter: /^csops-chunk-holder$/, namespace: 'chunk' }, () => ({
      contents:
        'let s; exports.set = (x) => { s = x; }; exports.get = (k) => { if (!s || !(k in s)) ' +
        'throw new Error(`code-server Ops: the main bundle did not hand this chunk ${k}`); return s[k]; };',
      loader: 'js',
    }));
    b.onLoad({ filter: /^csops-chunk-entry$/, namespace: 'chunk' }, () => ({
      contents: `const h = require('csops-chunk-holder'); module.exports = (shared) => { h.set(shared); return require(${JSON.stringify(entry)}); };`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
});

/** @param {import('esbuild').BuildResult} r */
const size = (r) => Object.entries(r.metafile?.outputs ?? {}).find(([f]) => f.endsWith('.js'))?.[1].bytes ?? 0;
/** @param {import('esbuild').BuildResult} r */
const kb = (r) => `${(size(r) / 1024).toFixed(1)} KB`;

async function main() {
  for (const d of ['vendor', 'chunks']) fs.rmSync(path.join(ROOT, 'dist', d), { recursive: true, force: true });
  /** @type {import('esbuild').BuildOptions} */
  const mainOptions = {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    // The clocks src/core/activation.ts reads: the bundle's top-level evaluation, first line to last.
    banner: { js: 'globalThis.__csopsBundleStart=[performance.now(),process.threadCpuUsage?.()];' },
    footer: { js: 'globalThis.__csopsBundleEnd=[performance.now(),process.threadCpuUsage?.()];' },
    sourcemap: production ? false : 'linked',
  };
  // Pass 1: which modules the main bundle holds without the chunks.
  const probe = await esbuild.build({
    ...mainOptions,
    write: false,
    plugins: [vendorPlugin(), externalOncePlugin, chunkLoaderPlugin(undefined)],
  });
  const mainInputs = new Set(Object.keys(probe.metafile?.inputs ?? {}));
  /** @type {Map<string, string[]>} */
  const loaders = new Map();
  const chunks = await Promise.all(
    Object.entries(CHUNKS).map(async ([name, entry]) => {
      /** @type {Set<string>} */
      const shared = new Set();
      const r = await esbuild.build({
        ...common,
        entryPoints: ['csops-chunk-entry'],
        outfile: `dist/chunks/${name}.js`,
        external: ['vscode'],
        plugins: [chunkPlugin(path.join(ROOT, entry), mainInputs, shared), vendorPlugin('../vendor'), externalOncePlugin],
        sourcemap: production ? false : 'linked',
      });
      loaders.set(name, [...shared].sort());
      const own = Object.keys(r.metafile?.inputs ?? {}).filter((f) => f.startsWith('src/'));
      return { text: `${name} ${kb(r)}`, name, own };
    }),
  );
  // A module of src/ in two chunks would run as two instances (two copies of its state): refuse to build, unless it
  // is listed in PURE_SHARED (no module state at all: a copy in each chunk costs only its size).
  /** @type {Map<string, string>} */
  const ownerOf = new Map();
  for (const c of chunks)
    for (const f of c.own) {
      const other = ownerOf.get(f);
      if (other && !PURE_SHARED.has(f))
        throw new Error(`${f} is in chunks ${other} and ${c.name}: import it from the main bundle, or make one chunk`);
      ownerOf.set(f, c.name);
    }
  const rs = await Promise.all([
    esbuild.build({ ...mainOptions, plugins: [vendorPlugin(), externalOncePlugin, chunkLoaderPlugin(loaders)] }),
    ...VENDOR.map((name) =>
      esbuild.build({
        ...common,
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: ROOT, loader: 'js' },
        outfile: `dist/vendor/${name}.js`,
      }),
    ),
  ]);
  const vendors = rs.slice(1).map((r, i) => `${VENDOR[i]} ${kb(r)}`);
  console.log(`bundle: dist/extension.js ${kb(rs[0])}; chunks: ${chunks.map((c) => c.text).join(', ')}; on demand: ${vendors.join(', ')}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
