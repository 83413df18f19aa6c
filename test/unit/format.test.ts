import * as assert from 'assert';
import { commandLabel, formatBytes, formatDuration, fullCommand, shortenHome } from '../../src/probes/format';

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Checks fn against a table of [input, expected output]. */
function table<I>(fn: (input: I) => string, cases: [I, string][]): void {
  for (const [input, expected] of cases) assert.strictEqual(fn(input), expected, `input ${JSON.stringify(input)}`);
}

describe('formatBytes', () => {
  it('shows whole KB below a megabyte, at least 1 KB, and 0 B for nothing', () => {
    table(formatBytes, [
      [0, '0 B'],
      [1, '1 KB'],
      [512, '1 KB'],
      [1536, '2 KB'],
      [400 * KB, '400 KB'],
      [1023 * KB, '1 MB'],
    ]);
  });

  it('shows whole MB below a gigabyte', () => {
    table(formatBytes, [
      [MB, '1 MB'],
      [1.5 * MB, '2 MB'],
      [161676 * KB, '158 MB'],
      [1023 * MB, '1023 MB'],
    ]);
  });

  it('shows GB with one decimal below 10 GB, whole above', () => {
    table(formatBytes, [
      [GB, '1.0 GB'],
      [1.5 * GB, '1.5 GB'],
      [9.5 * GB, '9.5 GB'],
      [10 * GB, '10 GB'],
      [12.4 * GB, '12 GB'],
    ]);
  });

  it('shows "?" for negative and non-finite numbers', () => {
    table(formatBytes, [
      [-1, '?'],
      [NaN, '?'],
      [Infinity, '?'],
    ]);
  });
});

describe('formatDuration', () => {
  it('shows seconds, minutes, hours and days, at most two units', () => {
    table(formatDuration, [
      [0, '0 s'],
      [999, '0 s'],
      [45 * SEC, '45 s'],
      [MIN - 1, '59 s'],
      [MIN, '1 min'],
      [12 * MIN + 30 * SEC, '12 min'],
      [HOUR, '1 h'],
      [4 * HOUR + 10 * MIN + 59 * SEC, '4 h 10 min'],
      [DAY, '1 d'],
      [3 * DAY + 2 * HOUR + 59 * MIN, '3 d 2 h'],
      [3 * DAY + 5 * MIN, '3 d'],
    ]);
  });

  it('shows "?" for negative and non-finite durations', () => {
    table(formatDuration, [
      [-1, '?'],
      [NaN, '?'],
      [Infinity, '?'],
    ]);
  });
});

describe('shortenHome', () => {
  const home = '/home/coder';
  it('replaces the home folder prefix with ~', () => {
    table(
      (p: string) => shortenHome(p, home),
      [
        [home, '~'],
        [`${home}/ws`, '~/ws'],
        [`${home}/ws/a b`, '~/ws/a b'],
      ],
    );
  });

  it('leaves other paths alone, including look-alike prefixes', () => {
    table(
      (p: string) => shortenHome(p, home),
      [
        ['/home/coderx/ws', '/home/coderx/ws'],
        ['/home', '/home'],
        ['/tmp/home/coder', '/tmp/home/coder'],
      ],
    );
  });

  it('does nothing for an empty or root home', () => {
    assert.strictEqual(shortenHome('/root/x', ''), '/root/x');
    assert.strictEqual(shortenHome('/root/x', '/'), '/root/x');
  });
});

describe('commandLabel', () => {
  const label = (argv: string[]) => commandLabel(argv, 'bash');

  it('shows the program name without its folder or login-shell dash, then the arguments', () => {
    table(label, [
      [['/usr/bin/bash'], 'bash'],
      [['-bash'], 'bash'],
      [['sleep', '1000'], 'sleep 1000'],
      [['/usr/bin/node', 'server.js'], 'node server.js'],
    ]);
  });

  it('makes newlines, tabs and NULs visible on one line', () => {
    table(label, [
      [['printf', 'line one\nline two'], 'printf line one⏎line two'],
      [['x', 'a\tb\0c\r\n'], 'x a⏎b⏎c⏎⏎'],
    ]);
  });

  it('falls back to [comm] for an empty argv or an empty name', () => {
    table(label, [
      [[], '[bash]'],
      [[''], '[bash]'],
      [['/usr/bin/', ' '], '[bash]'],
    ]);
  });

  it('cuts long commands to max characters with an ellipsis', () => {
    const long = commandLabel(['java', '-cp', 'x'.repeat(100)], 'java');
    assert.strictEqual(long.length, 60);
    assert.ok(long.startsWith('java -cp xxx') && long.endsWith('x…'), long);
    const exact = ['a'.repeat(60)];
    assert.strictEqual(commandLabel(exact, 'a'), exact[0]);
    assert.strictEqual(commandLabel(['sleep', '1000'], 'sleep', 8), 'sleep 1…');
  });
});

describe('fullCommand', () => {
  it('joins plain arguments with spaces', () => {
    table(fullCommand, [
      [['ls', '-la', '/tmp'], 'ls -la /tmp'],
      [[], ''],
    ]);
  });

  it('quotes arguments with spaces or quotes, and empty ones', () => {
    table(fullCommand, [
      [['echo', 'a b'], 'echo "a b"'],
      [['echo', "it's"], 'echo "it\'s"'],
      [['say', 'he said "hi"'], 'say "he said \\"hi\\""'],
      [['printf', ''], 'printf ""'],
    ]);
  });

  it('escapes control characters', () => {
    table(fullCommand, [
      [['a\nb'], '"a\\nb"'],
      [['x', '\0\x1b[31m\x7f'], 'x \\x00\\x1b[31m\\x7f'],
      [['x', 'a\tb'], 'x "a\\x09b"'],
    ]);
  });

  // src bug (see the report): the escape is made before JSON.stringify quotes the argument, so its backslash is doubled.
  it('escapes a control character once inside a quoted argument [src bug: escaped twice]', () => {
    assert.strictEqual(fullCommand(['printf', 'line one\nline two']), 'printf "line one\\nline two"');
  });
});
