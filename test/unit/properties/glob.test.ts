// Property-based tests of the linear-time glob matcher (src/probes/glob.ts): any glob up to the length cap matches any
// subject up to 4 KiB in at most (n+1)·(states+1) NFA steps, and it answers exactly what the former RegExp compiler did.
import * as assert from 'assert';
import * as fc from 'fast-check';
import { MAX_GLOB_LENGTH, MAX_SUBJECT_LENGTH, compileGlob } from '../../../src/probes/glob';
import { prop } from './harness';

/** The former compiler (a backtracking RegExp), as the oracle of the semantics; only ever run on short inputs here. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const globChar = fc.constantFrom('*', '*', '*', '?', '?', '/', 'a', 'b', '#', '.', '(', '\\', 'é', '\n');
const subjectChar = fc.constantFrom('a', 'b', '/', '/', '#', '.', '(', '\\', 'é', '\n', '\u2028', '\r', '*', '?');
const str = (ch: fc.Arbitrary<string>, maxLength: number): fc.Arbitrary<string> => fc.array(ch, { maxLength }).map((a) => a.join(''));

describe('glob matcher properties', () => {
  prop(
    'any glob up to the cap matches any subject up to 4 KiB in at most (n+1)(states+1) steps',
    300,
    () =>
      fc.property(
        fc.oneof(
          str(globChar, MAX_GLOB_LENGTH),
          fc.integer({ min: 1, max: 100 }).map((k) => `${'**?'.repeat(k)}#`.slice(0, MAX_GLOB_LENGTH)),
        ),
        fc.oneof(
          str(subjectChar, 64),
          str(subjectChar, MAX_SUBJECT_LENGTH),
          fc.nat({ max: MAX_SUBJECT_LENGTH }).map((n) => 'a'.repeat(n)),
        ),
        (glob, subject) => {
          const g = compileGlob(glob);
          assert.ok(g.size <= glob.length);
          const { steps } = g.run(subject);
          assert.ok(steps <= (subject.length + 1) * (g.size + 1), `${steps} steps, ${subject.length} characters, ${g.size} states`);
        },
      ),
    { timeoutMs: 60_000 },
  );

  prop('answers what the former RegExp compiler answered', 3000, () =>
    fc.property(str(globChar, 10), str(subjectChar, 12), (glob, subject) => {
      assert.strictEqual(
        compileGlob(glob).test(subject),
        globToRegExp(glob).test(subject),
        `${JSON.stringify(glob)} on ${JSON.stringify(subject)}`,
      );
    }),
  );

  prop('answers what the former RegExp compiler answered on realistic globs and paths', 2000, () =>
    fc.property(
      fc.constantFrom(
        '**/@github/copilot/**',
        '**/cli.js',
        'mcp-server-*',
        '@*/*-mcp',
        'codex-*-unknown-linux-musl',
        '**/.claude/local/claude',
        'v?',
      ),
      fc.array(fc.constantFrom('@github', 'copilot', 'cli.js', 'mcp-server-x', '@a', 'b-mcp', '.claude', 'local', 'claude', 'v1', ''), {
        maxLength: 6,
      }),
      fc.boolean(),
      (glob, segments, rooted) => {
        const subject = `${rooted ? '/' : ''}${segments.join('/')}`;
        assert.strictEqual(compileGlob(glob).test(subject), globToRegExp(glob).test(subject), `${glob} on ${subject}`);
      },
    ),
  );
});
