// Property-based tests of the /proc parsers (src/probes/procParsers.ts): generated valid records written the way the
// kernel writes them parse back to the same fields; arbitrary, truncated and corrupted input gives a typed error,
// never a throw, never NaN or undefined in a field of an ok value.
import * as assert from 'assert';
import * as fc from 'fast-check';
import {
  StatRecord,
  newStatFields,
  parseBootTime,
  parseCmdline,
  parseCmdlineBytes,
  parseStat,
  parseStatBytes,
  parseStatmResident,
  parseStatusKb,
} from '../../../src/probes/procParsers';
import { utf8 } from '../../../src/probes/procFs';
import { assertTyped, isSafeNat, nastyIntText, nastyString, noThrow, prop } from './harness';

const MAX = Number.MAX_SAFE_INTEGER;
/** Mostly realistic numbers, sometimes up to 2^53 - 1. */
const nat = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 10_000_000 }) }, { weight: 1, arbitrary: fc.maxSafeNat() });
const STAT_FIELDS: (keyof StatRecord)[] = [
  'pid',
  'comm',
  'state',
  'ppid',
  'pgrp',
  'session',
  'tpgid',
  'utime',
  'stime',
  'starttime',
  'rssPages',
];
type NumericField = Exclude<keyof StatRecord, 'comm' | 'state' | 'pid'>;

/** comm: anything the kernel lets a process call itself (prctl PR_SET_NAME takes any bytes but NUL; kworkers are longer). */
const comm = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('bash', 'node', '(my) proc (x)', 'a) S 1 2', ') (', 'kworker/0:0-ev', 'café', '').map((s) => s.slice(0, maxLength)),
    nastyString(maxLength).map((s) => s.replace(/\0/g, '').slice(0, maxLength)),
  );

const statRecord = (commMax = 64): fc.Arbitrary<StatRecord> =>
  fc.record(
    {
      pid: fc.oneof(fc.integer({ min: 1, max: 4_194_304 }), fc.integer({ min: 1, max: MAX })),
      comm: comm(commMax),
      state: fc.constantFrom(...'RSDZTtXxKWPIabcqyz'.split('')),
      ppid: nat,
      pgrp: nat,
      session: nat,
      tpgid: fc.oneof(fc.constant(-1), fc.constant(0), nat),
      utime: nat,
      stime: nat,
      starttime: nat,
      rssPages: nat,
    },
    { noNullPrototype: true },
  );

/** The fields of a stat line we do not parse: any token the kernel could print (signed, 2^64 - 1, …). */
const otherFields = fc.array(
  fc.oneof(fc.integer().map(String), fc.constant('18446744073709551615'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String)),
  { minLength: 52, maxLength: 52 },
);

/** Index (0-based, in the whole line) of each field we read: proc(5) numbers minus one. */
const FIELD_INDEX: Record<Exclude<keyof StatRecord, 'pid' | 'comm'>, number> = {
  state: 2,
  ppid: 3,
  pgrp: 4,
  session: 5,
  tpgid: 7,
  utime: 13,
  stime: 14,
  starttime: 21,
  rssPages: 23,
};
const NUMERIC_FIELDS = Object.keys(FIELD_INDEX).filter((k) => k !== 'state') as NumericField[];

/** The tokens of a /proc/PID/stat line as the kernel writes it (52 fields, see proc(5)); unparsed fields from `other`. */
function statTokens(r: StatRecord, other: readonly string[]): string[] {
  const fields = [...other];
  fields[0] = String(r.pid);
  fields[1] = `(${r.comm})`;
  for (const [key, i] of Object.entries(FIELD_INDEX) as [keyof typeof FIELD_INDEX, number][]) fields[i] = String(r[key]);
  return fields;
}
const statLine = (r: StatRecord, other: readonly string[]): string => statTokens(r, other).join(' ') + '\n';

function assertOkStat(v: StatRecord): void {
  assert.deepStrictEqual(Object.keys(v).sort(), [...STAT_FIELDS].sort());
  assert.strictEqual(typeof v.comm, 'string');
  assert.match(v.state, /^[A-Za-z]$/);
  assert.ok(Number.isSafeInteger(v.pid) && v.pid >= 1, `pid ${v.pid}`);
  assert.ok(Number.isSafeInteger(v.tpgid) && v.tpgid >= -1, `tpgid ${v.tpgid}`);
  for (const key of NUMERIC_FIELDS) if (key !== 'tpgid') assert.ok(Number.isSafeInteger(v[key]) && v[key] >= 0, `${key} ${v[key]}`);
}

/** What a checked integer parser must accept: plain decimal, at most 19 digits, a safe integer, at least min. */
function validInt(text: string, min: number): boolean {
  if (!/^-?\d{1,19}$/.test(text)) return false;
  const n = BigInt(text);
  return n >= BigInt(min) && n <= BigInt(MAX);
}

describe('properties: parseStat', () => {
  prop('a generated record written as a kernel stat line parses back to the same fields', 2000, () =>
    fc.property(statRecord(), otherFields, (r, other) => {
      assert.deepStrictEqual(parseStat(statLine(r, other)), { ok: true, value: r });
    }),
  );

  prop('CR/LF, tabs and extra blanks between fields do not change the fields', 500, () =>
    fc.property(statRecord(), otherFields, fc.constantFrom('\r\n', '\n\n', ' \t', '  ', ''), (r, other, end) => {
      const [pid, comm, ...rest] = statTokens(r, other);
      const line = `${pid} ${comm}\t ${rest.join('  ')}${end}`;
      assert.deepStrictEqual(parseStat(line), { ok: true, value: r });
    }),
  );

  /** A line and a cut point before the first character of its rss field. */
  const cutBeforeRss = fc
    .tuple(statRecord(15), otherFields) // TASK_COMM_LEN: a comm set by a process is at most 15 bytes
    .chain(([r, other]) => {
      const tokens = statTokens(r, other);
      const rssStart = tokens.slice(0, FIELD_INDEX.rssPages).join(' ').length + 1;
      return fc.tuple(fc.constant(tokens.join(' ')), fc.integer({ min: 0, max: rssStart - 1 }));
    });

  prop('a line cut short before the last field we read (rss) is a typed error, never a throw', 2000, () =>
    fc.property(cutBeforeRss, ([line, cut]) => {
      const r = noThrow(() => parseStat(line.slice(0, cut)), 'parseStat');
      assertTyped(r, 'parseStat');
      assert.strictEqual(r.ok, false, `cut at ${cut} of ${JSON.stringify(line)} parsed: ${JSON.stringify(r)}`);
    }),
  );

  const cutAnywhere = fc
    .tuple(statRecord(), otherFields)
    .map(([r, other]) => statLine(r, other))
    .chain((line) => fc.tuple(fc.constant(line), fc.integer({ min: 0, max: line.length })));

  prop('a line cut anywhere is ok (with safe fields) or a typed error', 2000, () =>
    fc.property(cutAnywhere, ([line, cut]) => {
      const r = noThrow(() => parseStat(line.slice(0, cut)), 'parseStat');
      assertTyped(r, 'parseStat');
      if (r.ok) assertOkStat(r.value);
    }),
  );

  prop('a corrupted number in a field we read (huge, negative, float, hex, empty…) is refused unless it is a valid value', 2000, () =>
    fc.property(
      statRecord(),
      otherFields,
      fc.constantFrom(...NUMERIC_FIELDS, 'pid' as const),
      nastyIntText.filter((t) => /^\S+$/.test(t)),
      (r, other, field, text) => {
        const tokens = statTokens(r, other);
        tokens[field === 'pid' ? 0 : FIELD_INDEX[field]] = text;
        const parsed = noThrow(() => parseStat(tokens.join(' ')), 'parseStat');
        assertTyped(parsed, 'parseStat');
        const min = field === 'pid' ? 1 : field === 'tpgid' ? -1 : 0;
        if (validInt(text, min)) {
          assert.ok(parsed.ok, `${field}=${text} was refused: ${JSON.stringify(parsed)}`);
          assert.strictEqual(parsed.value[field], Number(text));
        } else {
          assert.strictEqual(parsed.ok, false, `${field}=${text} was accepted: ${JSON.stringify(parsed)}`);
        }
      },
    ),
  );

  // (a ')' after comm is not a corruption the format can detect: comm ends at the last ')' by definition)
  prop('a bad state field is refused', 500, () =>
    fc.property(
      statRecord(),
      otherFields,
      nastyString(4).filter((s) => /^[^\s)]+$/.test(s) && !/^[A-Za-z]$/.test(s)),
      (r, other, state) => {
        const tokens = statTokens(r, other);
        tokens[FIELD_INDEX.state] = state;
        assert.strictEqual(parseStat(tokens.join(' ')).ok, false);
      },
    ),
  );

  prop('arbitrary text (binary, unicode, parentheses, NUL, newlines) never throws and gives a typed result', 3000, () =>
    fc.property(
      fc.oneof(
        nastyString(200),
        // stat-looking text: digits, blanks and parentheses in any order
        fc
          .array(fc.oneof(fc.nat().map(String), fc.constantFrom('(', ')', ' ', '\n', '-1', 'S', 'x y')), { maxLength: 60 })
          .map((a) => a.join(' ')),
      ),
      (text) => {
        const r = noThrow(() => parseStat(text), 'parseStat');
        assertTyped(r, 'parseStat');
        if (r.ok) assertOkStat(r.value);
      },
    ),
  );
});

describe('properties: parseCmdline', () => {
  /** An argument: any string without NUL (execve cannot pass one). */
  const arg = nastyString(30).map((s) => s.replace(/\0/g, ''));
  const argv = fc.array(arg, { maxLength: 12 });
  const withNonEmptyLast = argv.filter((a) => a.length === 0 || a[a.length - 1] !== '');

  prop('argv written as the kernel does (each argument NUL-terminated) splits back exactly', 2000, () =>
    fc.property(withNonEmptyLast, (a) => {
      assert.deepStrictEqual(parseCmdline(a.map((x) => x + '\0').join('')), a);
    }),
  );

  prop('the NUL padding setproctitle leaves behind, or a missing final NUL, does not change argv', 1000, () =>
    fc.property(withNonEmptyLast, fc.nat({ max: 200 }), (a, pad) => {
      const joined = a.join('\0');
      assert.deepStrictEqual(parseCmdline(joined + '\0'.repeat(pad)), a);
    }),
  );

  prop('arbitrary bytes: the parts, NUL-joined, are the input without its trailing NULs; no part has a NUL', 2000, () =>
    fc.property(fc.oneof(nastyString(100), fc.string({ unit: fc.constantFrom('\0', 'a', ' '), maxLength: 40 })), (raw) => {
      const parts = noThrow(() => parseCmdline(raw), 'parseCmdline');
      assert.ok(Array.isArray(parts));
      for (const p of parts) assert.ok(typeof p === 'string' && !p.includes('\0'));
      assert.strictEqual(parts.join('\0'), raw.replace(/\0+$/, ''));
      if (parts.length > 0) assert.notStrictEqual(parts[parts.length - 1], '');
    }),
  );
});

/** latin1 text (what ProcFs.readText gives: one character per byte). */
const latin1 = (s: string): string => s.replace(/[^\x00-\xff]/g, (c) => String.fromCharCode(c.charCodeAt(0) & 0xff));
/**
 * The bytes of `text` as the scanner sees them: at the start of a reused buffer, followed by what an earlier, longer
 * read left there (`junk`), which the byte parsers must ignore.
 */
function inBuffer(text: string, junk: string): Buffer {
  const buf = Buffer.alloc(text.length + junk.length);
  buf.write(text, 0, 'latin1');
  buf.write(junk, text.length, 'latin1');
  return buf;
}
/** Text left in a reused buffer by an earlier read: digits, blanks and parentheses, or anything. */
/**
 * Fields as a running system prints them: mostly small numbers (the fast paths take every field of 4–24 up to 15 digits),
 * sometimes a huge one (otherFields alone almost never gives a line the fast path takes).
 */
const smallNat = fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 99_999_999 }) }, { weight: 1, arbitrary: nat });
const commonFields = fc.array(
  fc.oneof(
    { weight: 12, arbitrary: fc.nat({ max: 9_999_999 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('-1', '-20', '18446744073709551615', '0') },
  ),
  { minLength: 52, maxLength: 52 },
);
const commonRecord = statRecord().chain((r) =>
  fc
    .record({ pid: fc.integer({ min: 1, max: 4_194_304 }), ppid: smallNat, utime: smallNat, starttime: smallNat, rssPages: smallNat })
    .map((small) => ({ ...r, ...small, pgrp: r.pgrp % 100_000, session: r.session % 100_000, stime: r.stime % 1_000_000 })),
);
const anyRecord = fc.oneof(commonRecord, statRecord());
const anyFields = fc.oneof(commonFields, otherFields);
const junk = fc.oneof(fc.constantFrom('', ' ', ' 1', ') S 1 2 3', '9999999 0 0\n'), nastyString(40).map(latin1));

describe('properties: parseStatBytes is parseStat on the bytes of a line', () => {
  /** parseStatBytes' result in parseStat's shape (comm: the latin1 text of its byte range). */
  function viaBytes(text: string, after: string): ReturnType<typeof parseStat> {
    const out = newStatFields();
    out.commStart = -7; // stale values of a previous line must not show through
    const buf = inBuffer(text, after);
    const error = noThrow(() => parseStatBytes(buf, text.length, out), 'parseStatBytes');
    if (error !== undefined) return { ok: false, error };
    const { commStart, commEnd, ...fields } = out;
    return { ok: true, value: { ...fields, comm: buf.toString('latin1', commStart, commEnd) } };
  }
  const same = (text: string, after: string): void => {
    const expected = parseStat(text);
    const actual = viaBytes(text, after);
    if (expected.ok && actual.ok)
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(actual.value).sort()),
        Object.fromEntries(Object.entries(expected.value).sort()),
      );
    else assert.deepStrictEqual(actual, expected, JSON.stringify(text));
  };

  prop('kernel stat lines (comm with spaces, parentheses, ")" characters, high bytes) give the same fields', 2000, () =>
    fc.property(anyRecord, anyFields, junk, (r, other, after) => same(latin1(statLine({ ...r, comm: latin1(r.comm) }, other)), after)),
  );

  prop('lines cut anywhere, with blanks, CR/LF or a corrupted field give the same result or the same error', 2000, () =>
    fc.property(
      anyRecord,
      anyFields,
      fc.nat(),
      fc.constantFrom('\r\n', '\n\n', ' \t', '  ', '', ')'),
      nastyIntText,
      fc.nat({ max: 23 }),
      junk,
      (r, other, cut, end, bad, at, after) => {
        const tokens = statTokens({ ...r, comm: latin1(r.comm) }, other);
        if (at > 1 && cut % 3 === 0) tokens[at] = latin1(bad);
        const line = latin1(tokens.join(cut % 2 === 0 ? ' ' : '  ') + end);
        same(line.slice(0, cut % (line.length + 1)), after);
      },
    ),
  );

  prop('a line cut before the end of field 24, with digits and blanks after it in the buffer, gives the same result', 2000, () =>
    fc.property(commonRecord, commonFields, fc.nat(), fc.stringMatching(/^[0-9]{1,12}( [0-9]{1,6}){0,3}$/), (r, other, cut, after) => {
      const tokens = statTokens({ ...r, comm: latin1(r.comm) }, other);
      const upTo24 = tokens.slice(0, 24).join(' ').length + 1;
      same(latin1(tokens.join(' ')).slice(0, cut % (upTo24 + 1)), after);
    }),
  );

  prop('arbitrary text (binary, parentheses, NUL, newlines) gives the same result', 3000, () =>
    fc.property(
      fc.oneof(
        nastyString(200).map(latin1),
        fc
          .array(fc.oneof(fc.nat().map(String), fc.constantFrom('(', ')', ' ', '\n', '-1', 'S', 'x y')), { maxLength: 60 })
          .map((a) => a.join(' ')),
      ),
      junk,
      same,
    ),
  );
});

describe('properties: parseCmdlineBytes is parseCmdline on the bytes, each argument decoded as utf8()', () => {
  prop('arbitrary bytes (NULs, padding, UTF-8 and invalid sequences) give the same argv', 3000, () =>
    fc.property(
      fc.oneof(
        nastyString(100).map(latin1),
        fc.string({ unit: fc.constantFrom('\0', 'a', ' ', '\xc3', '\xa9', '\xff'), maxLength: 40 }),
        fc
          .array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 8 })
          .map((a) => Buffer.from(a.map((x) => x + '\0').join('')).toString('latin1')),
      ),
      junk,
      (raw, after) => {
        const argv = noThrow(() => parseCmdlineBytes(inBuffer(raw, after), raw.length), 'parseCmdlineBytes');
        assert.deepStrictEqual(argv, parseCmdline(raw).map(utf8));
        assert.ok(Array.isArray(argv) && argv.every((a) => typeof a === 'string'));
      },
    ),
  );

  prop('the arrays are not shared (but the empty one, which is frozen)', 200, () =>
    fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), { maxLength: 4 }), (a) => {
      const raw = Buffer.from(a.map((x) => x + '\0').join(''));
      const one = parseCmdlineBytes(raw, raw.length);
      const two = parseCmdlineBytes(raw, raw.length);
      if (a.length === 0) assert.ok(Object.isFrozen(one) && one === two);
      else assert.ok(one !== two && !Object.isFrozen(one));
    }),
  );
});

describe('properties: parseBootTime, parseStatmResident, parseStatusKb', () => {
  const OTHER_STAT_LINES = [
    'cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0',
    'cpu0 1 2 3 4 5 6 7 8 9 10',
    'intr 1462898 0 9',
    'ctxt 4280384',
    'processes 15000',
    'procs_running 1',
    'procs_blocked 0',
    'softirq 1 2 3',
  ];

  prop('/proc/stat with a btime line anywhere gives that boot time', 1000, () =>
    fc.property(
      fc.shuffledSubarray(OTHER_STAT_LINES),
      fc.integer({ min: 1, max: MAX }),
      fc.nat(),
      fc.constantFrom('\n', '\r\n'),
      (lines, btime, at, eol) => {
        const all = [...lines];
        all.splice(at % (all.length + 1), 0, `btime ${btime}`);
        assert.deepStrictEqual(parseBootTime(all.join(eol) + eol), { ok: true, value: btime });
      },
    ),
  );

  prop('/proc/stat without a valid btime (missing, 0, negative, too big, not a number) is a typed error', 1000, () =>
    fc.property(
      fc.shuffledSubarray(OTHER_STAT_LINES),
      fc.oneof(
        fc.constant(null),
        nastyIntText.filter((t) => !validInt(t.trim(), 1) && !/[\r\n]/.test(t)),
      ),
      (lines, bad) => {
        const text = [...lines, ...(bad === null ? [] : [`btime ${bad}`])].join('\n');
        const r = noThrow(() => parseBootTime(text), 'parseBootTime');
        assertTyped(r, 'parseBootTime');
        assert.strictEqual(r.ok, false, `btime ${String(bad)} gave ${JSON.stringify(r)}`);
      },
    ),
  );

  prop('parseBootTime: arbitrary text never throws; an ok value is a positive safe integer', 2000, () =>
    fc.property(
      fc.oneof(
        nastyString(100),
        nastyIntText.map((t) => `btime ${t}\n`),
      ),
      (text) => {
        const r = noThrow(() => parseBootTime(text), 'parseBootTime');
        assertTyped(r, 'parseBootTime');
        if (r.ok) assert.ok(isSafeNat(r.value) && r.value >= 1);
      },
    ),
  );

  prop('statm (7 page counts) gives its resident field; a bad resident field is an error', 1000, () =>
    fc.property(
      fc.array(nat, { minLength: 7, maxLength: 7 }),
      fc.oneof(
        fc.constant(null),
        nastyIntText.filter((t) => /^\S+$/.test(t)),
      ),
      (pages, bad) => {
        const fields = pages.map(String);
        if (bad !== null) fields[1] = bad;
        const r = noThrow(() => parseStatmResident(fields.join(' ') + '\n'), 'parseStatmResident');
        assertTyped(r, 'parseStatmResident');
        if (bad === null || validInt(bad, 0)) assert.deepStrictEqual(r, { ok: true, value: Number(fields[1]) });
        else assert.strictEqual(r.ok, false);
      },
    ),
  );

  prop('parseStatmResident: arbitrary text never throws; an ok value is a safe natural', 2000, () =>
    fc.property(nastyString(80), (text) => {
      const r = noThrow(() => parseStatmResident(text), 'parseStatmResident');
      assertTyped(r, 'parseStatmResident');
      if (r.ok) assert.ok(isSafeNat(r.value) || Object.is(r.value, -0));
    }),
  );

  const STATUS_KEYS = [
    'VmPeak',
    'VmSize',
    'VmLck',
    'VmPin',
    'VmHWM',
    'VmRSS',
    'RssAnon',
    'RssFile',
    'RssShmem',
    'VmData',
    'VmStk',
    'VmExe',
    'VmLib',
    'VmPTE',
    'VmSwap',
  ];
  const OTHER_STATUS = [
    'Name:\tbash',
    'Umask:\t0022',
    'State:\tS (sleeping)',
    'Tgid:\t10946',
    'Pid:\t10946',
    'PPid:\t10922',
    'Uid:\t1000\t1000\t1000\t1000',
    'Threads:\t1',
    'voluntary_ctxt_switches:\t150',
  ];

  prop('/proc/PID/status: every "Key:   N kB" line gives N × 1024, a missing key is an error', 1000, () =>
    fc.property(
      fc.dictionary(fc.constantFrom(...STATUS_KEYS), fc.oneof(fc.nat({ max: 64 * 1024 * 1024 }), fc.maxSafeNat()), {
        maxKeys: STATUS_KEYS.length,
        noNullPrototype: true,
      }),
      fc.shuffledSubarray(OTHER_STATUS),
      fc.constantFrom(...STATUS_KEYS),
      (kb, other, key) => {
        const lines = [...other, ...Object.entries(kb).map(([k, n]) => `${k}:\t${String(n).padStart(8)} kB`)];
        lines.sort(); // any order
        const r = noThrow(() => parseStatusKb(lines.join('\n') + '\n', key), 'parseStatusKb');
        assertTyped(r, 'parseStatusKb');
        if (key in kb) {
          assert.ok(r.ok);
          assert.strictEqual(r.value, kb[key] * 1024);
          assert.ok(Number.isFinite(r.value) && Number.isInteger(r.value));
        } else {
          assert.strictEqual(r.ok, false);
        }
      },
    ),
  );

  prop('parseStatusKb: arbitrary text and corrupted values never throw; an ok value is a finite non-negative integer', 2000, () =>
    fc.property(
      fc.oneof(
        nastyString(120),
        nastyIntText.map((t) => `VmRSS:\t${t} kB\n`),
      ),
      (text) => {
        const r = noThrow(() => parseStatusKb(text, 'VmRSS'), 'parseStatusKb');
        assertTyped(r, 'parseStatusKb');
        if (r.ok) assert.ok(Number.isFinite(r.value) && Number.isInteger(r.value) && r.value >= 0, String(r.value));
      },
    ),
  );
});
