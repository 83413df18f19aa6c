// The corpus of real command lines (test/fixtures/ai-corpus.json, each with its public source): every shape through
// the real matchers, in the classifier's order (a configured MCP server first, then the pattern table), with the
// recognition rate printed. 100 % recognition and no false positive are asserted.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_PATTERN_TABLE, buildConfiguredIndex, matchArgv, matchConfigured } from '../../src/features/ai/patterns';
import { sessionFromArgv } from '../../src/probes/ai/sessions';
import { FIXTURES } from './procFixtures';

interface Shape {
  argv: string[];
  exe?: string;
  expect: { tool: string; helper?: boolean; session?: string } | null;
  source: string;
  config?: { key: string; command: string; args: string[] };
}

const corpus = JSON.parse(fs.readFileSync(path.join(FIXTURES, '..', 'ai-corpus.json'), 'utf8')) as { shapes: Shape[] };

function recognise(s: Shape): { tool: string; helper: boolean; key?: string } | undefined {
  if (s.config) {
    const index = buildConfiguredIndex([{ ...s.config, assistant: 'Claude Code', file: '/home/u/proj/.mcp.json' }]);
    const c = matchConfigured(s.argv, index);
    if (c) return { tool: 'MCP server', helper: false, key: c.keys[0] };
  }
  const m = matchArgv(s.argv, DEFAULT_PATTERN_TABLE, s.exe);
  return m && { tool: m.tool, helper: m.helper === true };
}

describe('AI corpus of real command lines', () => {
  const positives = corpus.shapes.filter((s) => s.expect);
  const negatives = corpus.shapes.filter((s) => !s.expect);

  it('has at least 80 shapes across every tool of the table and at least 15 negatives, each with a source', () => {
    assert.ok(positives.length >= 80, `${positives.length} positive shapes`);
    assert.ok(negatives.length >= 15, `${negatives.length} negatives`);
    for (const s of corpus.shapes) assert.ok(s.source.length > 5, `source of ${s.argv.join(' ')}`);
    const tools = new Set(positives.map((s) => s.expect!.tool));
    for (const p of DEFAULT_PATTERN_TABLE.patterns) assert.ok(tools.has(p.pattern.tool), `no shape of ${p.pattern.tool}`);
  });

  it('recognises every shape with the right tool, helper flag, config key and session id; no false positive', () => {
    const missed: string[] = [];
    const falsePositives: string[] = [];
    let right = 0;
    for (const s of corpus.shapes) {
      const got = recognise(s);
      const what = `${s.argv.join(' ').slice(0, 110)} (${s.source})`;
      if (!s.expect) {
        if (got) falsePositives.push(`${what} → ${got.tool}`);
        continue;
      }
      const session = sessionFromArgv(s.argv)?.id;
      const ok =
        got?.tool === s.expect.tool &&
        got.helper === (s.expect.helper ?? false) &&
        (!s.config || got.key === s.config.key) &&
        (s.expect.session === undefined || session === s.expect.session);
      if (ok) right++;
      else missed.push(`${what} → ${got ? `${got.tool}${got.helper ? ' (helper)' : ''}${got.key ? ` "${got.key}"` : ''}` : 'nothing'}`);
    }
    const rate = ((100 * right) / positives.length).toFixed(1);
    console.log(
      `      corpus: ${right}/${positives.length} recognised (${rate} %), ${falsePositives.length}/${negatives.length} false positives`,
    );
    assert.deepStrictEqual(missed, []);
    assert.deepStrictEqual(falsePositives, []);
  });
});
