// Properties of the MCP configuration readers and matcher: open input (any file text, any argv) never throws, and a
// configured command line is always recognised as itself.
import * as assert from 'assert';
import * as fc from 'fast-check';
import { buildConfiguredIndex, matchConfigured } from '../../../src/features/ai/patterns';
import { McpConfigFormat, parseMcpConfig } from '../../../src/probes/ai/mcpConfig';
import { nastyString, noThrow, prop } from './harness';

const FORMATS: McpConfigFormat[] = ['claude', 'mcpServers', 'vscode', 'codex', 'continue'];
const word = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,15}$/);

describe('properties: MCP configuration', () => {
  prop('parseMcpConfig never throws and returns only string commands and args', 300, () =>
    fc.property(fc.constantFrom(...FORMATS), fc.oneof(nastyString(200), fc.json()), (format, text) => {
      const r = noThrow(() => parseMcpConfig({ file: 'f', assistant: 'A', format }, text), 'parseMcpConfig');
      for (const s of r.servers) assert.ok(typeof s.command === 'string' && s.args.every((a) => typeof a === 'string'));
    }),
  );

  prop('matchConfigured never throws on any argv', 300, () =>
    fc.property(fc.array(nastyString(), { maxLength: 6 }), fc.array(nastyString(), { maxLength: 6 }), (conf, argv) => {
      const index = buildConfiguredIndex(
        conf.length ? [{ key: 'k', command: conf[0], args: conf.slice(1), assistant: 'A', file: 'f' }] : [],
      );
      noThrow(() => matchConfigured(argv, index), 'matchConfigured');
    }),
  );

  prop('a configured command line is recognised as itself', 300, () =>
    fc.property(word, fc.array(word, { maxLength: 5 }), (command, args) => {
      const index = buildConfiguredIndex([{ key: 'k', command, args, assistant: 'A', file: 'f' }]);
      assert.deepStrictEqual(matchConfigured([command, ...args], index)?.keys, ['k']);
    }),
  );
});
