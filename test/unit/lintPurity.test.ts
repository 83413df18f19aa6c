// The "pure modules never import vscode" rule is enforced by ESLint: linting a pure module that imports vscode fails,
// the same text in a VS Code-facing module (a tree) passes that rule.
import * as assert from 'assert';
import * as path from 'path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../../..');
const text = "import * as vscode from 'vscode';\nexport const x = vscode.version;\n";

async function restrictedImportErrors(file: string): Promise<number> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
}

describe('lint: pure modules stay free of vscode', function () {
  this.timeout(60_000);
  for (const file of ['src/probes/scanner.ts', 'src/features/terminals/model.ts', 'src/features/ai/plan.ts', 'src/core/safety.ts']) {
    it(`rejects a vscode import in ${file}`, async () => {
      assert.strictEqual(await restrictedImportErrors(file), 1);
    });
  }
  it('allows it in a view (src/features/terminals/tree.ts)', async () => {
    assert.strictEqual(await restrictedImportErrors('src/features/terminals/tree.ts'), 0);
  });
});
