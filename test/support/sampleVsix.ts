// Builds tiny real VSIXs with @vscode/vsce: a declarative one (no code) at a given version, or one with code.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export function makeSampleVsix(workDir: string, publisher: string, name: string, version: string): string {
  const src = path.join(workDir, `${name}-${version}-src`);
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify({
      name,
      publisher,
      version,
      displayName: `Sample ${version}`,
      description: 'e2e fixture for code-server Ops',
      engines: { vscode: '^1.74.0' },
      license: 'MIT',
      contributes: { configuration: { title: 'sample', properties: { [`${name}.flag`]: { type: 'boolean', default: false } } } },
    }),
  );
  fs.writeFileSync(path.join(src, 'README.md'), `# sample ${version}\n\n${'padding '.repeat(2000)}\n`);
  return packageVsix(src, path.join(workDir, `${publisher}.${name}-${version}.vsix`));
}

/** Packages the extension folder `src` into `out` with @vscode/vsce; returns `out`. */
export function packageVsix(src: string, out: string): string {
  execFileSync(
    process.execPath,
    [require.resolve('@vscode/vsce/vsce'), 'package', '--skip-license', '--allow-missing-repository', '-o', out],
    { cwd: src, stdio: 'pipe' },
  );
  return out;
}

/** A tiny real VSIX with code: `files` (extension.js and any others) activated on startup, version 1.0.0. */
export function makeCodeVsix(
  workDir: string,
  o: { publisher: string; name: string; description: string; files: Record<string, string> },
): string {
  const src = path.join(workDir, `${o.name}-src`);
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify({
      name: o.name,
      publisher: o.publisher,
      version: '1.0.0',
      description: o.description,
      engines: { vscode: '^1.74.0' },
      license: 'MIT',
      main: './extension.js',
      activationEvents: ['onStartupFinished'],
    }),
  );
  for (const [f, text] of Object.entries(o.files)) fs.writeFileSync(path.join(src, f), text);
  fs.writeFileSync(path.join(src, 'README.md'), `# ${o.name}\n`);
  return packageVsix(src, path.join(workDir, `${o.publisher}.${o.name}-1.0.0.vsix`));
}
