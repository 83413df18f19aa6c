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
esbuild
  .build({
    entryPoints: ['src/extension.ts'],
    bundle: true,
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node16',
    external: ['vscode'],
    minify: true,
    // The clocks src/core/activation.ts reads: the bundle's top-level evaluation, first line to last.
    banner: { js: 'globalThis.__csopsBundleStart=[performance.now(),process.threadCpuUsage?.()];' },
    footer: { js: 'globalThis.__csopsBundleEnd=[performance.now(),process.threadCpuUsage?.()];' },
    sourcemap: production ? false : 'linked',
    metafile: true,
    logLevel: 'warning',
  })
  .then((r) => {
    const bytes = Object.values(r.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
    console.log(`bundle: dist/extension.js ${(bytes / 1024).toFixed(1)} KB`);
  })
  .catch(() => process.exit(1));
