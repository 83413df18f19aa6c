// Property-based tests of the window registry (WindowEntryRecord, writeEntry/readEntries) and of the extensions-folder
// parsers (parseExtensionsJson, parseObsolete, parseFolderName, compareVersions, entryFolderName).
import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import {
  ExtensionsJsonEntry,
  compareVersions,
  entryFolderName,
  parseExtensionsJson,
  parseFolderName,
  parseObsolete,
} from '../../../src/probes/extensionsDir';
import { WindowEntry, WindowEntryRecord, entryFileName, readEntries, writeEntry } from '../../../src/probes/windowRegistry';
import { assertTyped, fastTempDir, nastyString, noThrow, prop } from './harness';

const MAX = Number.MAX_SAFE_INTEGER;
const text = (maxLength: number): fc.Arbitrary<string> => fc.oneof(fc.string({ maxLength }), nastyString(maxLength));

// ---- window registry ----

const windowEntry: fc.Arbitrary<WindowEntry> = fc.record(
  {
    version: fc.constant(1 as const),
    pid: fc.oneof(fc.integer({ min: 1, max: 4_194_304 }), fc.integer({ min: 1, max: MAX })),
    starttime: fc.oneof(fc.nat({ max: 10_000_000 }), fc.maxSafeNat()),
    terminalPids: fc.array(fc.integer({ min: 1, max: 4_194_304 }), { maxLength: 20 }),
    folder: text(60),
    extensionPaths: fc.array(text(60), { maxLength: 5 }),
    updatedAtMs: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true })),
    heartbeatMs: fc.oneof(fc.constantFrom(60_000, 120_000), fc.integer({ min: 1, max: MAX })),
  },
  { requiredKeys: ['version', 'pid', 'starttime', 'terminalPids', 'updatedAtMs'], noNullPrototype: true },
);

/** A value of the wrong type (or out of range) for each key of a window entry. */
const WRONG: Record<keyof WindowEntry, fc.Arbitrary<unknown>> = {
  version: fc.oneof(
    fc.integer().filter((n) => n !== 1),
    fc.constantFrom('1', null, true, 1.5, [1]),
  ),
  pid: fc.oneof(fc.integer({ max: 0 }), fc.constantFrom(1.5, '12', null, NaN, Infinity, -Infinity, [], {}, true, 2 ** 53)),
  starttime: fc.oneof(fc.integer({ max: -1 }), fc.constantFrom(0.5, '0', null, NaN, Infinity, [], {}, 2 ** 60)),
  terminalPids: fc.oneof(
    fc.constantFrom(null, 5, '1,2', {}),
    fc.array(fc.oneof(fc.integer({ max: 0 }), fc.constantFrom('1', null, 1.5)), { minLength: 1, maxLength: 3 }),
  ),
  folder: fc.oneof(fc.constantFrom(null, 5, [], {}, true), fc.constant('x'.repeat(4097))),
  extensionPaths: fc.oneof(fc.constantFrom(null, 'a', 5, {}), fc.array(fc.constantFrom(5, null, {}), { minLength: 1, maxLength: 2 })),
  updatedAtMs: fc.oneof(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), fc.constantFrom('0', null, NaN, Infinity, [], {})),
  heartbeatMs: fc.oneof(fc.integer({ max: 0 }), fc.constantFrom('60000', null, NaN, Infinity, -Infinity, [], {}, true)),
};
const KEYS = Object.keys(WRONG) as (keyof WindowEntry)[];
const REQUIRED: (keyof WindowEntry)[] = ['version', 'pid', 'starttime', 'terminalPids', 'updatedAtMs'];

describe('properties: window registry entries', () => {
  prop('a generated entry validates, and survives JSON unchanged', 2000, () =>
    fc.property(windowEntry, (e) => {
      const r = WindowEntryRecord().safeParse(JSON.parse(JSON.stringify(e)));
      assert.ok(r.success, JSON.stringify(r.error?.issues));
      assert.deepStrictEqual(r.data, e);
    }),
  );

  prop('a wrong type, an out-of-range value or a missing required key is refused', 2000, () =>
    fc.property(
      windowEntry,
      fc.constantFrom(...KEYS).chain((key) => fc.tuple(fc.constant(key), fc.oneof(WRONG[key], fc.constant(undefined)))),
      (e, [key, value]) => {
        if (value === undefined && !REQUIRED.includes(key)) return; // an optional key may be absent
        const broken: Record<string, unknown> = { ...e };
        if (value === undefined) delete broken[key];
        else broken[key] = value;
        const r = noThrow(() => WindowEntryRecord().safeParse(broken), 'safeParse');
        assert.strictEqual(r.success, false, `${key} = ${JSON.stringify(value)} accepted`);
      },
    ),
  );

  prop('any JSON value or JS value never throws; an accepted one has every required field typed', 2000, () =>
    fc.property(
      fc.oneof(
        fc.jsonValue(),
        fc.anything(),
        windowEntry.map((e) => ({ ...e, extra: 1 })),
      ),
      (data) => {
        const r = noThrow(() => WindowEntryRecord().safeParse(data), 'safeParse');
        if (!r.success) return;
        assert.strictEqual(r.data.version, 1);
        assert.ok(Number.isSafeInteger(r.data.pid) && r.data.pid > 0);
        assert.ok(Number.isSafeInteger(r.data.starttime) && r.data.starttime >= 0);
        assert.ok(Array.isArray(r.data.terminalPids) && r.data.terminalPids.every((p) => Number.isSafeInteger(p) && p > 0));
        assert.ok(Number.isFinite(r.data.updatedAtMs) && r.data.updatedAtMs >= 0);
      },
    ),
  );

  describe('writeEntry / readEntries on disk', () => {
    let tmp: string;
    let n = 0;
    before(() => {
      tmp = fastTempDir('csops-prop-registry-');
    });
    after(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Junk a registry folder can hold under an entry's file name: cut-off writes, other JSON, binary. */
    const junk = fc.oneof(
      windowEntry.chain((e) => {
        const json = JSON.stringify(e);
        return fc.integer({ min: 0, max: json.length - 1 }).map((cut) => json.slice(0, cut));
      }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 50 }),
    );

    prop('written entries read back exactly; junk and mismatched files are problems, other names ignored; never throws', 200, () =>
      fc.asyncProperty(
        fc.uniqueArray(windowEntry, { maxLength: 5, selector: (e) => entryFileName(e.pid, e.starttime) }),
        fc.array(fc.tuple(fc.nat({ max: 99999 }), fc.nat({ max: 99999 }), junk), { maxLength: 3 }),
        fc.array(fc.constantFrom('README', '1-2.json.123.tmp', 'x-1.json', '1-2.JSON', '12.json', '.1-2.json'), { maxLength: 3 }),
        fc.boolean(),
        async (entries, junkFiles, otherNames, mismatch) => {
          const dir = path.join(tmp, `r${++n}`);
          for (const e of entries) await writeEntry(dir, e);
          fs.mkdirSync(dir, { recursive: true });
          const junkNames = new Set<string>();
          for (const [pid, st, content] of junkFiles) {
            const name = `${pid}-${st}.json`;
            if (entries.some((e) => entryFileName(e.pid, e.starttime) === name)) continue;
            fs.writeFileSync(path.join(dir, name), content);
            junkNames.add(name);
          }
          for (const name of otherNames) fs.writeFileSync(path.join(dir, name), 'not an entry');
          const problems = new Set(junkNames);
          if (mismatch && entries.length > 0) {
            // a valid entry under another entry's name (a copied file): not trusted
            const [first] = entries;
            const name = `${first.pid}-${first.starttime + 1}.json`;
            if (!entries.some((e) => entryFileName(e.pid, e.starttime) === name) && !junkNames.has(name)) {
              fs.writeFileSync(path.join(dir, name), JSON.stringify(first));
              problems.add(name);
            }
          }
          const read = await readEntries(dir);
          const key = (e: WindowEntry): string => entryFileName(e.pid, e.starttime);
          const sorted = (es: readonly WindowEntry[]): WindowEntry[] => [...es].sort((a, b) => (key(a) < key(b) ? -1 : 1));
          // (random junk is never a valid entry whose pid and start time match its file name)
          assert.deepStrictEqual(sorted(read.entries), sorted(entries));
          assert.deepStrictEqual(new Set(read.problems.map((p) => p.file)), problems);
          for (const p of read.problems) assert.ok(typeof p.reason === 'string' && p.reason.length > 0);
        },
      ),
    );
  });
});

// ---- extensions.json ----

const ident = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);
const version = fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 99 }), fc.nat({ max: 2024120799 })).map((v) => v.join('.'));

const extensionsJsonEntry: fc.Arbitrary<ExtensionsJsonEntry> = fc
  .record(
    {
      publisher: ident,
      name: ident,
      version,
      uuid: fc.uuid(),
      dir: fc.constantFrom(
        '/home/coder/.local/share/code-server/extensions',
        '/root/.vscode-server/extensions',
        '/home/a b/ext',
        '/home/é/ext',
      ),
      withRelative: fc.boolean(),
      locationAsString: fc.boolean(),
      installedTimestamp: fc.option(fc.nat(), { nil: undefined }),
      extra: fc.dictionary(
        fc.constantFrom('isBuiltin', 'pinned', 'source', 'targetPlatform', 'updated'),
        fc.oneof(fc.boolean(), fc.string({ maxLength: 8 })),
        { noNullPrototype: true },
      ),
    },
    { noNullPrototype: true },
  )
  .map((g) => {
    const id = `${g.publisher}.${g.name}`;
    const folder = `${id}-${g.version}`;
    const fsPath = `${g.dir}/${folder}`;
    const entry: ExtensionsJsonEntry = {
      identifier: { id, uuid: g.uuid },
      version: g.version,
      location: g.locationAsString
        ? `file://${encodeURI(fsPath)}`
        : { $mid: 1, fsPath, external: `file://${encodeURI(fsPath)}`, path: fsPath, scheme: 'file' },
    };
    if (g.withRelative) entry.relativeLocation = folder;
    if (g.installedTimestamp !== undefined || Object.keys(g.extra).length > 0) {
      entry.metadata = { ...g.extra, ...(g.installedTimestamp !== undefined ? { installedTimestamp: g.installedTimestamp } : {}) };
      if (typeof entry.metadata.source !== 'string' && 'source' in entry.metadata) delete entry.metadata.source;
    }
    return entry;
  });

type Json = Record<string, unknown>;
/** Ways to break one value of an entry (each makes it invalid): [description, change]. */
const BREAKS: [string, (b: Json & { identifier: Json }, bad: unknown) => void][] = [
  ['no identifier', (b) => delete (b as Json).identifier],
  ['identifier not an object', (b, bad) => (b.identifier = bad as Json)],
  ['identifier.id not a string', (b, bad) => (b.identifier.id = bad)],
  ['identifier.id too short', (b) => (b.identifier.id = 'ab')],
  ['no version', (b) => delete b.version],
  ['version not a string', (b, bad) => (b.version = bad)],
  ['location neither a string nor an object', (b, bad) => (b.location = typeof bad === 'object' ? 7 : bad)],
  ['relativeLocation not a string', (b, bad) => (b.relativeLocation = bad)],
  ['metadata not an object', (b, bad) => (b.metadata = bad)],
  ['metadata.installedTimestamp not a number', (b, bad) => (b.metadata = { installedTimestamp: bad === 5 ? '5' : bad })],
];
/** An entry with one value of the wrong type: [description, broken entry]. */
const brokenEntry: fc.Arbitrary<[string, unknown]> = fc
  .tuple(extensionsJsonEntry, fc.constantFrom(...BREAKS), fc.constantFrom<unknown>(5, null, true, [], [1], false))
  .map(([e, [what, change], bad]) => {
    const b = JSON.parse(JSON.stringify(e)) as Json & { identifier: Json };
    change(b, bad);
    return [`${what} (${JSON.stringify(bad)})`, b];
  });

describe('properties: parseExtensionsJson and entryFolderName', () => {
  prop('an extensions.json written like the server writes it parses back to the same entries', 1000, () =>
    fc.property(fc.array(extensionsJsonEntry, { maxLength: 8 }), fc.constantFrom(undefined, 2, '\t'), (entries, indent) => {
      assert.deepStrictEqual(parseExtensionsJson(JSON.stringify(entries, null, indent)), { ok: true, value: entries });
    }),
  );

  prop('a truncated extensions.json (an unfinished write) is a typed "not valid JSON" error', 1000, () =>
    fc.property(
      fc
        .array(extensionsJsonEntry, { maxLength: 5 })
        .map((es) => JSON.stringify(es))
        .chain((json) => fc.tuple(fc.constant(json), fc.integer({ min: 0, max: json.length - 1 }))),
      ([json, cut]) => {
        const r = noThrow(() => parseExtensionsJson(json.slice(0, cut)), 'parseExtensionsJson');
        assertTyped(r, 'parseExtensionsJson');
        assert.ok(!r.ok && r.error.startsWith('extensions.json is not valid JSON'), JSON.stringify(r));
      },
    ),
  );

  prop('an entry with a value of the wrong type makes the whole file an "unexpected shape" error', 1000, () =>
    fc.property(fc.array(extensionsJsonEntry, { maxLength: 3 }), brokenEntry, fc.nat(), (entries, [what, broken], at) => {
      const all: unknown[] = [...entries];
      all.splice(at % (all.length + 1), 0, broken);
      const r = parseExtensionsJson(JSON.stringify(all));
      assert.ok(!r.ok && r.error.startsWith('extensions.json has an unexpected shape'), `${what}: ${JSON.stringify(r)}`);
    }),
  );

  prop('arbitrary text and JSON of any shape never throw; an ok value has typed ids and versions', 2000, () =>
    fc.property(
      fc.oneof(
        nastyString(100),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.array(fc.jsonValue()).map((v) => JSON.stringify(v)),
      ),
      (t) => {
        const r = noThrow(() => parseExtensionsJson(t), 'parseExtensionsJson');
        assertTyped(r, 'parseExtensionsJson');
        if (r.ok) {
          for (const e of r.value) {
            assert.ok(typeof e.identifier.id === 'string' && e.identifier.id.length >= 3);
            assert.strictEqual(typeof e.version, 'string');
          }
        }
      },
    ),
  );

  prop('entryFolderName gives the folder an entry points at (relativeLocation, location URI or fsPath)', 2000, () =>
    fc.property(extensionsJsonEntry, (e) => {
      assert.strictEqual(entryFolderName(e), `${e.identifier.id}-${e.version}`);
    }),
  );

  // Regression guard: fsPath / path are plain paths; decoding them threw URIError on a "%" (fixed in 3b8529e).
  prop('entryFolderName never throws on a "%" in location.fsPath / path, and takes their basename as it is', 1000, () =>
    fc.property(
      extensionsJsonEntry,
      fc.constantFrom('50%', '%', '100%done', '%zz', 'a%2', '%20', '%E0%A4%A'),
      fc.constantFrom('fsPath', 'path'),
      (e, odd, key) => {
        const p = `/home/${odd}/extensions/${e.identifier.id}-${e.version}`;
        const entry: ExtensionsJsonEntry = { identifier: e.identifier, version: e.version, location: { [key]: p } };
        assert.strictEqual(
          noThrow(() => entryFolderName(entry), 'entryFolderName'),
          `${e.identifier.id}-${e.version}`,
        );
      },
    ),
  );

  prop('entryFolderName never throws on any location or relativeLocation string', 2000, () =>
    fc.property(nastyString(60), fc.boolean(), (t, relative) => {
      const entry: ExtensionsJsonEntry = relative
        ? { identifier: { id: 'a.b' }, version: '1', relativeLocation: t }
        : { identifier: { id: 'a.b' }, version: '1', location: t };
      const r = noThrow(() => entryFolderName(entry), 'entryFolderName');
      assert.ok(r === undefined || typeof r === 'string');
    }),
  );
});

// ---- .obsolete ----

describe('properties: parseObsolete', () => {
  // "__proto__" is left out of generated keys: zod's record drops it (a folder of that name is no extension anyway).
  const obsoleteKey = fc
    .oneof(
      fc.tuple(ident, ident, version).map(([p, n, v]) => `${p}.${n}-${v}`),
      fc.string({ maxLength: 30 }),
      nastyString(20),
    )
    .filter((k) => k !== '__proto__');

  prop('a generated .obsolete gives exactly its keys set to true, lower-cased', 1000, () =>
    fc.property(
      fc.dictionary(obsoleteKey, fc.boolean(), { maxKeys: 10, noNullPrototype: true }),
      fc.constantFrom(undefined, 2),
      (map, indent) => {
        const expected = new Set(
          Object.entries(map)
            .filter(([, v]) => v)
            .map(([k]) => k.toLowerCase()),
        );
        assert.deepStrictEqual(parseObsolete(JSON.stringify(map, null, indent)), { ok: true, value: expected });
      },
    ),
  );

  prop('an empty or blank .obsolete is an empty set', 200, () =>
    fc.property(fc.string({ unit: fc.constantFrom(' ', '\n', '\t', '\r'), maxLength: 10 }), (blank) => {
      assert.deepStrictEqual(parseObsolete(blank), { ok: true, value: new Set() });
    }),
  );

  prop('a truncated .obsolete (not blank) is a typed error', 1000, () =>
    fc.property(
      fc
        .dictionary(obsoleteKey, fc.boolean(), { minKeys: 1, maxKeys: 5, noNullPrototype: true })
        .map((m) => JSON.stringify(m))
        .chain((json) => fc.tuple(fc.constant(json), fc.integer({ min: 1, max: json.length - 1 }))),
      ([json, cut]) => {
        const r = noThrow(() => parseObsolete(json.slice(0, cut)), 'parseObsolete');
        assertTyped(r, 'parseObsolete');
        assert.strictEqual(r.ok, false);
      },
    ),
  );

  prop('wrong JSON types (array, number, string, null, non-boolean values) are a typed error', 1000, () =>
    fc.property(
      fc.oneof(
        fc.array(fc.jsonValue(), { maxLength: 3 }),
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant(null), fc.boolean()),
        fc
          .tuple(
            obsoleteKey,
            fc.jsonValue().filter((v) => typeof v !== 'boolean'),
          )
          .map(([k, v]) => ({ [k]: v })),
      ),
      (data) => {
        const r = noThrow(() => parseObsolete(JSON.stringify(data)), 'parseObsolete');
        assertTyped(r, 'parseObsolete');
        assert.strictEqual(r.ok, false, JSON.stringify(data));
      },
    ),
  );

  prop('arbitrary text never throws; an ok value is a set of lower-case strings', 2000, () =>
    fc.property(
      fc.oneof(
        nastyString(80),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
      (t) => {
        const r = noThrow(() => parseObsolete(t), 'parseObsolete');
        assertTyped(r, 'parseObsolete');
        if (r.ok) for (const k of r.value) assert.ok(typeof k === 'string' && k === k.toLowerCase());
      },
    ),
  );
});

// ---- folder names and versions ----

const PLATFORMS = [
  'win32-x64',
  'win32-arm64',
  'linux-x64',
  'linux-arm64',
  'linux-armhf',
  'alpine-x64',
  'alpine-arm64',
  'darwin-x64',
  'darwin-arm64',
  'web',
  'universal',
];

describe('properties: parseFolderName and compareVersions', () => {
  const name = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,20}$/).filter((n) => !/-\d+\.\d+\.\d+/.test(n));
  const pre = fc.stringMatching(/^[0-9a-z][0-9a-z.]{0,8}$/).filter((p) => !PLATFORMS.includes(p));
  const folder = fc.record(
    {
      publisher: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,14}$/),
      name,
      version: fc.tuple(fc.nat({ max: 99999 }), fc.nat({ max: 999 }), fc.nat({ max: 2024120799 })).map((v) => v.join('.')),
      pre: fc.option(pre, { nil: undefined }),
      platform: fc.option(fc.constantFrom(...PLATFORMS), { nil: undefined }),
    },
    { noNullPrototype: true },
  );

  prop('publisher.name-version[-pre][-platform] parses back to its parts (id lower-cased)', 2000, () =>
    fc.property(folder, (f) => {
      const v = f.pre ? `${f.version}-${f.pre}` : f.version;
      const folderName = `${f.publisher}.${f.name}-${v}${f.platform ? `-${f.platform}` : ''}`;
      assert.deepStrictEqual(parseFolderName(folderName), {
        id: `${f.publisher}.${f.name}`.toLowerCase(),
        version: v,
        targetPlatform: f.platform,
      });
    }),
  );

  prop('arbitrary names (up to 255 characters, many version-like pieces) never throw; a parse reassembles the name', 2000, () =>
    fc.property(
      fc.oneof(
        nastyString(80),
        fc
          .array(fc.constantFrom('a', 'B', '.', '-', '-1.2.3', '1', '.0', '-x', '-linux-x64', '-web', '_'), { maxLength: 60 })
          .map((p) => p.join('').slice(0, 255)),
      ),
      (n) => {
        const r = noThrow(() => parseFolderName(n), 'parseFolderName');
        if (r === undefined) return;
        assert.match(r.id, /^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9._-]*$/);
        assert.match(r.version, /^\d+\.\d+\.\d+/);
        assert.strictEqual(`${r.id}-${r.version}${r.targetPlatform ? `-${r.targetPlatform}` : ''}`.toLowerCase(), n.toLowerCase());
        assert.ok(n.includes(r.version));
      },
    ),
  );

  const numeric = fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 4 });
  const anyVersion = fc.oneof(
    numeric.map((v) => v.join('.')),
    fc.stringMatching(/^[0-9a-z.-]{0,12}$/),
  );

  prop('compareVersions orders dotted numbers numerically (1.10 > 1.9)', 2000, () =>
    fc.property(numeric, numeric, (a, b) => {
      const sign = Math.sign(compareVersions(a.join('.'), b.join('.')));
      let expected = 0;
      for (let i = 0; i < Math.max(a.length, b.length) && expected === 0; i++) {
        if (a[i] === undefined)
          expected = -1; // '' sorts before a number (localeCompare)
        else if (b[i] === undefined) expected = 1;
        else expected = Math.sign(a[i] - b[i]);
      }
      assert.strictEqual(sign, expected, `${a.join('.')} vs ${b.join('.')}`);
    }),
  );

  prop('compareVersions is reflexive and antisymmetric, never NaN', 2000, () =>
    fc.property(anyVersion, anyVersion, (a, b) => {
      assert.strictEqual(compareVersions(a, a), 0);
      const ab = compareVersions(a, b);
      assert.ok(!Number.isNaN(ab));
      assert.strictEqual(Math.sign(ab), -Math.sign(compareVersions(b, a)) || 0);
    }),
  );

  // src/probes/extensionsDir.ts compareVersions (line 47): a part compares numerically when both sides are digits and
  // with localeCompare otherwise, which is not transitive: 2 < 10 (numbers), 10 < 1a (strings), yet 1a < 2 (strings).
  // Minimal counterexample (fast-check): ["2", "10", "1a"]. Effect: the "newest referenced version" readExtensionsDir
  // keeps per id depends on the order of extensions.json when versions mix numeric and alphanumeric parts; it only
  // decides olderVersion vs unreferenced (both reclaimable), so no safety impact. Expected: a total order (e.g. numeric
  // parts before alphanumeric ones, as semver orders pre-release identifiers).
  prop(
    'compareVersions is transitive',
    2000,
    () =>
      fc.property(anyVersion, anyVersion, anyVersion, (a, b, c) => {
        if (compareVersions(a, b) < 0 && compareVersions(b, c) < 0)
          assert.ok(compareVersions(a, c) < 0, `${a} < ${b} < ${c} but not ${a} < ${c}`);
      }),
    { examples: [['2', '10', '1a']] },
  );
});
