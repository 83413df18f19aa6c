import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

// package.json's %key% references resolve in package.nls.json (and no key there is unused), and l10n/bundle.l10n.json
// holds exactly the messages of the vscode.l10n.t calls in src/ (scripts/l10n.js regenerates it).
describe('l10n', () => {
  it('package.nls.json and l10n/bundle.l10n.json are in sync with package.json and src', function () {
    this.timeout(30_000);
    const root = path.resolve(__dirname, '../../..');
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'l10n.js'), '--check'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr || r.stdout);
  });
});
