// Builds the VSIX with @vscode/vsce into code-server-ops.vsix (production bundle, no source maps).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { writeVsixReadme } = require('./vsixReadme');
const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [path.join(root, 'scripts/bundle.js'), '--production'], { cwd: root, stdio: 'inherit' });
fs.rmSync(path.join(root, 'dist/extension.js.map'), { force: true });
const out = path.join(root, 'code-server-ops.vsix');
const vsce = require.resolve('@vscode/vsce/vsce');
const readme = writeVsixReadme(root, path.join(root, 'out', 'vsix', 'README.md'));
const vsceArgs = [
  'package',
  '--no-dependencies',
  '--skip-license',
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
  '--readme-path',
  path.relative(root, readme),
  '-o',
  out,
];
execFileSync(process.execPath, [vsce, ...vsceArgs], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`package: ${path.relative(process.cwd(), out)} ${(fs.statSync(out).size / 1024).toFixed(1)} KB`);
