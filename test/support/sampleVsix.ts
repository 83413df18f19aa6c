// Builds a tiny real VSIX (a declarative extension: no code) at a given version, with @vscode/vsce.
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
  const out = path.join(workDir, `${publisher}.${name}-${version}.vsix`);
  execFileSync(
    process.execPath,
    [require.resolve('@vscode/vsce/vsce'), 'package', '--skip-license', '--allow-missing-repository', '-o', out],
    {
      cwd: src,
      stdio: 'pipe',
    },
  );
  return out;
}
