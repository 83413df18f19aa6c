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
/** @type {import('esbuild').Plugin} */
const vendorPlugin = {
  name: 'vendor',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${VENDOR.join('|')})$`) }, (a) => ({ path: `./vendor/${a.path}.js`, external: true }));
  },
};
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
fs.rmSync(path.join(__dirname, '..', 'dist', 'vendor'), { recursive: true, force: true });
Promise.all([
  esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [vendorPlugin, externalOncePlugin],
    // The clocks src/core/activation.ts reads: the bundle's top-level evaluation, first line to last.
    banner: { js: 'globalThis.__csopsBundleStart=[performance.now(),process.threadCpuUsage?.()];' },
    footer: { js: 'globalThis.__csopsBundleEnd=[performance.now(),process.threadCpuUsage?.()];' },
    sourcemap: production ? false : 'linked',
  }),
  ...VENDOR.map((name) =>
    esbuild.build({
      ...common,
      stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: path.join(__dirname, '..'), loader: 'js' },
      outfile: `dist/vendor/${name}.js`,
    }),
  ),
])
  .then((rs) => {
    /** @param {import('esbuild').BuildResult} r */
    const size = (r) => Object.entries(r.metafile?.outputs ?? {}).find(([f]) => f.endsWith('.js'))?.[1].bytes ?? 0;
    const vendor = rs.slice(1).map((r, i) => `${VENDOR[i]} ${(size(r) / 1024).toFixed(1)} KB`);
    console.log(`bundle: dist/extension.js ${(size(rs[0]) / 1024).toFixed(1)} KB; on demand: ${vendor.join(', ')}`);
  })
  .catch(() => process.exit(1));
