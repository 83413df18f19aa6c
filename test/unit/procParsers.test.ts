import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  Parsed,
  StatRecord,
  parseBootTime,
  parseCmdline,
  parseStat,
  parseStatmResident,
  parseStatusKb,
} from '../../src/probes/procParsers';
import { BTIME, fixtureRoot } from './procFixtures';

/** The value of a successful parse; fails the test with the parser's error otherwise. */
function value<T>(r: Parsed<T>): T {
  if (!r.ok) assert.fail(`expected a value, got error "${r.error}"`);
  return r.value;
}

/** The error of a failed parse; fails the test if it parsed. */
function error<T>(r: Parsed<T>): string {
  if (r.ok) assert.fail(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

/** A kernel-format stat line; `after` replaces fields 3… (state onwards). */
const statLine = (pid: string, comm: string, after: string[]): string => `${pid} (${comm}) ${after.join(' ')}\n`;

// fields 3..24 of a sleeping shell: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
// utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss
const SHELL_FIELDS = 'S 10922 10946 10946 34816 11122 4194560 1200 0 3 0 3 1 0 0 20 0 1 0 499900 16384000 1000'.split(' ');
const withField = (field: number, text: string): string[] => SHELL_FIELDS.map((f, i) => (i === field - 3 ? text : f));

describe('parseStat', () => {
  it('reads the fields of a real stat line (codeserver fixture, the busy shell)', () => {
    const text = fs.readFileSync(path.join(fixtureRoot('codeserver'), '10946', 'stat'), 'latin1');
    assert.deepStrictEqual(value(parseStat(text)), {
      pid: 10946,
      comm: 'bash',
      state: 'S',
      ppid: 10922,
      pgrp: 10946,
      session: 10946,
      tpgid: 11122,
      utime: 3,
      stime: 1,
      starttime: 499900,
      rssPages: 1000,
    } satisfies StatRecord);
  });

  it('takes comm up to the last ")" so spaces and parentheses survive', () => {
    const s = value(parseStat(statLine('100', '(my) proc (x)', SHELL_FIELDS)));
    assert.strictEqual(s.comm, '(my) proc (x)');
    assert.strictEqual(s.pid, 100);
    assert.strictEqual(s.ppid, 10922);
  });

  it('keeps a comm that contains ") S 1 2" or a newline', () => {
    assert.strictEqual(value(parseStat(statLine('7', 'a) S 1 2', SHELL_FIELDS))).comm, 'a) S 1 2');
    assert.strictEqual(value(parseStat(statLine('7', 'two\nlines', SHELL_FIELDS))).comm, 'two\nlines');
    assert.strictEqual(value(parseStat(statLine('7', '', SHELL_FIELDS))).comm, '');
  });

  it('accepts tpgid -1 (no controlling terminal) and 0', () => {
    assert.strictEqual(value(parseStat(statLine('7', 'x', withField(8, '-1')))).tpgid, -1);
    assert.strictEqual(value(parseStat(statLine('7', 'x', withField(8, '0')))).tpgid, 0);
  });

  it('rejects negative values where the kernel never writes them', () => {
    assert.match(error(parseStat(statLine('7', 'x', withField(8, '-2')))), /tpgid/);
    assert.match(error(parseStat(statLine('7', 'x', withField(4, '-1')))), /ppid/);
    assert.match(error(parseStat(statLine('7', 'x', withField(24, '-5')))), /rss/);
  });

  it('rejects numbers that are not safe integers', () => {
    assert.match(error(parseStat(statLine('7', 'x', withField(24, '9007199254740993')))), /rss/);
    assert.match(error(parseStat(statLine('7', 'x', withField(22, '99999999999999999999')))), /times/);
    assert.match(error(parseStat(statLine('99999999999999999999', 'x', SHELL_FIELDS))), /bad pid/);
    assert.match(error(parseStat(statLine('7', 'x', withField(14, '1e3')))), /times/);
  });

  it('rejects a line cut short (a truncated read)', () => {
    assert.match(error(parseStat(statLine('7', 'x', SHELL_FIELDS.slice(0, 10)))), /truncated/);
    assert.match(error(parseStat(statLine('7', 'x', SHELL_FIELDS.slice(0, 21)))), /truncated/);
    assert.match(error(parseStat(statLine('7', 'x', SHELL_FIELDS.slice(0, 4)))), /tpgid/);
    assert.match(error(parseStat('7 (x)')), /state/);
  });

  it('rejects a line without "(comm)"', () => {
    assert.match(error(parseStat('7 x S 1 7 7 0 -1')), /comm/);
    assert.match(error(parseStat(`7 (x ${SHELL_FIELDS.join(' ')}`)), /comm/); // no ')'
    assert.match(error(parseStat(`7 x) ${SHELL_FIELDS.join(' ')}`)), /comm/); // ')' but no '('
    assert.match(error(parseStat(`(x) ${SHELL_FIELDS.join(' ')}`)), /comm/); // no pid before it
  });

  it('rejects garbage, a bad pid and a bad state', () => {
    assert.strictEqual(parseStat('').ok, false);
    assert.strictEqual(parseStat('hello world').ok, false);
    assert.strictEqual(parseStat('\0\0\0').ok, false);
    assert.match(error(parseStat(statLine('0', 'x', SHELL_FIELDS))), /bad pid/);
    assert.match(error(parseStat(statLine('12a', 'x', SHELL_FIELDS))), /bad pid/);
    assert.match(error(parseStat(statLine('7', 'x', withField(3, 'SS')))), /state/);
    assert.match(error(parseStat(statLine('7', 'x', withField(3, '1')))), /state/);
  });
});

describe('parseCmdline', () => {
  it('splits NUL-separated argv with the trailing NUL', () => {
    assert.deepStrictEqual(parseCmdline('sleep\x001000\0'), ['sleep', '1000']);
  });

  it('splits argv without a trailing NUL the same way', () => {
    assert.deepStrictEqual(parseCmdline('sleep\x001000'), ['sleep', '1000']);
    assert.deepStrictEqual(parseCmdline('nginx: master process'), ['nginx: master process']);
  });

  it('returns [] for the empty cmdline of kernel threads and zombies', () => {
    assert.deepStrictEqual(parseCmdline(''), []);
  });

  it('keeps empty arguments and newlines inside arguments, drops trailing NUL padding', () => {
    assert.deepStrictEqual(parseCmdline('a\0\0b\0'), ['a', '', 'b']);
    assert.deepStrictEqual(parseCmdline('\0'), []);
    assert.deepStrictEqual(parseCmdline('nginx: worker process\0\0\0\0'), ['nginx: worker process']);
    assert.deepStrictEqual(parseCmdline('printf\0line one\nline two\0'), ['printf', 'line one\nline two']);
  });
});

describe('parseBootTime', () => {
  it('reads btime from a fixture /proc/stat', () => {
    const text = fs.readFileSync(path.join(fixtureRoot('codeserver'), 'stat'), 'latin1');
    assert.strictEqual(value(parseBootTime(text)), BTIME);
  });

  it('fails without a valid btime line', () => {
    assert.strictEqual(parseBootTime('cpu 1 2 3\nctxt 5\n').ok, false);
    assert.strictEqual(parseBootTime('btime 0\n').ok, false);
    assert.strictEqual(parseBootTime('btime -5\n').ok, false);
    assert.strictEqual(parseBootTime('xbtime 1795400000\n').ok, false);
  });
});

describe('parseStatmResident and parseStatusKb', () => {
  it('takes the resident field of statm', () => {
    assert.strictEqual(value(parseStatmResident('79292 19823 3072 1 0 40000 0\n')), 19823);
    assert.strictEqual(parseStatmResident('79292\n').ok, false);
    assert.strictEqual(parseStatmResident('').ok, false);
  });

  it('reads a kB line of status in bytes, and only the named key', () => {
    const status = 'Name:\tnode\nVmHWM:\t  200000 kB\nVmRSS:\t  161676 kB\nThreads:\t13\n';
    assert.strictEqual(value(parseStatusKb(status, 'VmRSS')), 161676 * 1024);
    assert.strictEqual(value(parseStatusKb(status, 'VmHWM')), 200000 * 1024);
    assert.strictEqual(parseStatusKb(status, 'VmSwap').ok, false);
    assert.strictEqual(parseStatusKb(status, 'Threads').ok, false); // not a kB line
  });
});
