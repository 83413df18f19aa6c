import * as assert from 'assert';
import { MAX_GLOB_LENGTH, MAX_SUBJECT_LENGTH, compileGlob } from '../../src/probes/glob';

/** The pathological glob of the issue: backtracking regexes take exponential time on a subject without `#`. */
const EVIL = `${'**?'.repeat(10)}#`;

describe('glob matcher', () => {
  it('matches * within a segment, ** across, **/ also at the root, ? one character', () => {
    const t = (g: string, s: string): boolean => compileGlob(g).test(s);
    assert.ok(t('mcp-server-*', 'mcp-server-fetch'));
    assert.ok(!t('mcp-server-*', 'a/mcp-server-fetch'));
    assert.ok(t('**/cli.js', 'cli.js'));
    assert.ok(t('**/cli.js', '/a/b/cli.js'));
    assert.ok(!t('**/cli.js', '/a/b/xcli.js'));
    assert.ok(t('@*/mcp', '@playwright/mcp'));
    assert.ok(!t('a.b', 'aXb'), 'dots are literal');
    assert.ok(t('v?', 'v1'));
    assert.ok(!t('v?', 'v/'));
    assert.ok(t('**/@github/copilot/**', '/usr/lib/node_modules/@github/copilot/index.js'));
    assert.ok(!t('codex', 'codex2'), 'anchored at the end');
    assert.ok(!t('codex', 'xcodex'), 'anchored at the start');
    assert.ok(t('a(b)[c]+$^{}|\\', 'a(b)[c]+$^{}|\\'), 'regex metacharacters are literal');
  });

  it(`the issue's pattern ('**?' x 10 + '#') on a 4 KiB subject takes at most (n+1)(m+1) steps`, () => {
    const g = compileGlob(EVIL);
    const cases: [string, boolean][] = [
      ['a'.repeat(64), false],
      ['a'.repeat(MAX_SUBJECT_LENGTH), false],
      [`${'a/'.repeat(2000)}#`, false],
      [`${'a/'.repeat(2000)}a#`, true],
      [`${'a'.repeat(100)}#`, true],
      [`${'/'.repeat(100)}a#`, false],
    ];
    for (const [subject, expected] of cases) {
      const { matched, steps } = g.run(subject);
      assert.ok(steps <= (subject.length + 1) * (g.size + 1), `${steps} steps for ${subject.length} characters`);
      assert.strictEqual(matched, expected, subject.slice(-20));
    }
  });

  it('never matches a subject longer than the cap (and spends nothing on it)', () => {
    assert.deepStrictEqual(compileGlob('**').run('a'.repeat(MAX_SUBJECT_LENGTH + 1)), { matched: false, steps: 0 });
    assert.strictEqual(compileGlob('**').test('a'.repeat(MAX_SUBJECT_LENGTH)), true);
    assert.ok(MAX_GLOB_LENGTH >= 100);
  });

  it('can be reused: one compiled glob gives the same answers in any order', () => {
    const g = compileGlob('**/x-*');
    assert.deepStrictEqual(
      ['/a/x-1', 'x-', '/a/y', 'x-/a', '/x-2'].map((s) => g.test(s)),
      [true, true, false, false, true],
    );
    assert.deepStrictEqual(
      ['/x-2', 'x-/a', '/a/y', 'x-', '/a/x-1'].map((s) => g.test(s)),
      [true, false, false, true, true],
    );
  });
});
