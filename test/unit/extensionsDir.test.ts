import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  ExtensionsDirReport,
  FolderClass,
  FolderName,
  RECLAIMABLE,
  TEMP_MIN_AGE_MS,
  compareVersions,
  entryFolderName,
  derivedFolderName,
  extensionsJsonStamp,
  isReclaimable,
  parseExtensionsJson,
  parseFolderName,
  parseObsolete,
  readExtensionsDir,
  userDataDirCandidates,
} from '../../src/probes/extensionsDir';
import {
  ExtensionsDir,
  ExtensionsDirOptions,
  ExtensionsJsonFixture,
  HOUR,
  LAYOUT,
  LINK,
  NOT_LISTED,
  ObsoleteFixture,
  PYTHON,
  SELF,
  TempDirs,
  WORK,
  buildExtensionsDir,
  buildUserDataDir,
  fixtureText,
  folderNamed,
  layoutClasses,
  setAge,
} from './extensionsFixtures';

describe('extensions folder: parseFolderName', () => {
  const parsed = (id: string, version: string, targetPlatform?: string): FolderName => ({ id, version, targetPlatform });

  it('splits publisher.name-1.2.3 into id and version', () => {
    assert.deepStrictEqual(parseFolderName('publisher.name-1.2.3'), parsed('publisher.name', '1.2.3'));
    assert.deepStrictEqual(parseFolderName('a.b-0.0.1'), parsed('a.b', '0.0.1'));
  });

  it('lower-cases the id and keeps the version as written', () => {
    assert.deepStrictEqual(parseFolderName('MS-Python.Python-2024.1.0'), parsed('ms-python.python', '2024.1.0'));
    assert.deepStrictEqual(parseFolderName('Foo.Bar-1.2.3-Linux-X64'), parsed('foo.bar', '1.2.3', 'linux-x64'));
  });

  it('recognises target platform suffixes', () => {
    for (const platform of [
      'linux-x64',
      'linux-arm64',
      'linux-armhf',
      'darwin-arm64',
      'darwin-x64',
      'alpine-x64',
      'alpine-arm64',
      'win32-x64',
    ]) {
      assert.deepStrictEqual(
        parseFolderName(`ms-vscode.cpptools-1.18.5-${platform}`),
        parsed('ms-vscode.cpptools', '1.18.5', platform),
        platform,
      );
    }
  });

  // src/probes/extensionsDir.ts parseFolderName: the optional pre-release group `(?:-[0-9a-z.]+?)?` is tried before the
  // platform group, and "web" / "universal" contain no dash, so they are taken as a pre-release tag.
  it('recognises the single-word platform suffixes web and universal [src bug: parsed as version "1.2.3-web" / "1.2.3-universal", no targetPlatform]', () => {
    assert.deepStrictEqual(parseFolderName('foo.bar-1.2.3-web'), parsed('foo.bar', '1.2.3', 'web'));
    assert.deepStrictEqual(parseFolderName('foo.bar-1.2.3-universal'), parsed('foo.bar', '1.2.3', 'universal'));
  });

  it('handles ids with dashes and dots, long numeric versions and pre-release tails', () => {
    assert.deepStrictEqual(parseFolderName('ms-vscode.cpptools-1.18.5'), parsed('ms-vscode.cpptools', '1.18.5'));
    assert.deepStrictEqual(parseFolderName('github.copilot-chat-0.12.2023120701'), parsed('github.copilot-chat', '0.12.2023120701'));
    assert.deepStrictEqual(
      parseFolderName('ms-vscode-remote.remote-ssh-edit-0.86.0'),
      parsed('ms-vscode-remote.remote-ssh-edit', '0.86.0'),
    );
    assert.deepStrictEqual(parseFolderName('vscjava.vscode-java-pack.x-0.25.2024'), parsed('vscjava.vscode-java-pack.x', '0.25.2024'));
    assert.deepStrictEqual(parseFolderName('foo.bar-1.2.3-beta.1'), parsed('foo.bar', '1.2.3-beta.1'));
    assert.deepStrictEqual(parseFolderName('foo.bar-1.2.3-beta-linux-x64'), parsed('foo.bar', '1.2.3-beta', 'linux-x64'));
  });

  it('returns undefined for names that are not extension folders', () => {
    for (const name of [
      'node_modules',
      'scratch',
      'foo.bar',
      'foo-1.2.3',
      'foo.bar-1.2',
      'foo.bar-v1.2.3',
      '.foo.bar-1.2.3',
      'foo.bar-1.2.3.vsctmp',
      '.3b1e2f4a-1111-2222-3333-444455556666',
      'extensions.json',
      '',
      'foo.bar-1.2.3 copy',
    ]) {
      assert.strictEqual(parseFolderName(name), undefined, name);
    }
  });
});

describe('extensions folder: compareVersions', () => {
  const sign = (a: string, b: string): number => Math.sign(compareVersions(a, b));

  it('compares each part numerically', () => {
    assert.strictEqual(sign('1.10.0', '1.9.9'), 1);
    assert.strictEqual(sign('1.9.9', '1.10.0'), -1);
    assert.strictEqual(sign('10.1.0', '9.19.0'), 1);
    assert.strictEqual(sign('2024.2.1', '2024.10.0'), -1);
    assert.strictEqual(sign('0.12.2023120701', '0.11.2023111001'), 1);
  });

  it('is 0 for equal versions', () => {
    assert.strictEqual(compareVersions('1.2.3', '1.2.3'), 0);
    assert.strictEqual(compareVersions('1.02.3', '1.2.3'), 0);
    assert.strictEqual(compareVersions('1.2.3-beta', '1.2.3-beta'), 0);
  });

  it('ranks a longer version with the same prefix higher', () => {
    assert.strictEqual(sign('1.2.3.1', '1.2.3'), 1);
    assert.strictEqual(sign('1.2', '1.2.0'), -1);
    assert.strictEqual(sign('1.2.3-beta', '1.2.3-alpha'), 1); // tails compare as strings
  });
});

describe('extensions folder: parseExtensionsJson', () => {
  it('reads the code-server 4.139 file into typed entries', () => {
    const r = parseExtensionsJson(fixtureText('extensions.json'));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepStrictEqual(
      r.value.map((e) => [e.identifier.id, e.version, e.relativeLocation, e.metadata?.installedTimestamp, e.metadata?.source]),
      [
        ['ms-python.python', '2024.2.1', 'ms-python.python-2024.2.1', 1708012345678, 'gallery'],
        ['ms-vscode.cpptools', '1.19.1', 'ms-vscode.cpptools-1.19.1-linux-x64', 1708098765432, 'gallery'],
        ['github.copilot-chat', '0.12.2023120701', 'github.copilot-chat-0.12.2023120701', 1702000000000, 'gallery'],
        ['esbenp.prettier-vscode', '10.1.0', undefined, 1690000000000, undefined],
        ['csops.code-server-ops', '0.1.0', 'csops.code-server-ops-0.1.0', 1795448907530, 'vsix'],
      ],
    );
    // unknown fields are kept (loose objects)
    assert.deepStrictEqual(r.value[0].location, {
      $mid: 1,
      fsPath: '/home/coder/.local/share/code-server/extensions/ms-python.python-2024.2.1',
      external: 'file:///home/coder/.local/share/code-server/extensions/ms-python.python-2024.2.1',
      path: '/home/coder/.local/share/code-server/extensions/ms-python.python-2024.2.1',
      scheme: 'file',
    });
    assert.strictEqual((r.value[4].metadata as Record<string, unknown>).pinned, true);
    assert.strictEqual(r.value[0].identifier.uuid, 'f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5');
  });

  it('reads an empty array as no entries', () => {
    assert.deepStrictEqual(parseExtensionsJson(fixtureText('extensions-empty.json')), { ok: true, value: [] });
  });

  const failures: [ExtensionsJsonFixture, RegExp][] = [
    ['extensions-truncated.json', /^extensions\.json is not valid JSON \(.+\)$/],
    ['extensions-wrong-types.json', /^extensions\.json has an unexpected shape \(1\.version: invalid_type; 2\.identifier: invalid_type\)$/],
    ['extensions-object.json', /^extensions\.json has an unexpected shape \(\(root\): invalid_type\)$/],
  ];
  for (const [fixture, error] of failures) {
    it(`returns an error for ${fixture}`, () => {
      const r = parseExtensionsJson(fixtureText(fixture));
      assert.strictEqual(r.ok, false);
      assert.match(r.ok ? '' : r.error, error);
    });
  }

  it('never throws, whatever the text', () => {
    for (const text of [
      '',
      'null',
      '42',
      '"x"',
      '[null]',
      '[{}]',
      '[{"identifier":{"id":"ab"},"version":"1"}]',
      '{"__proto__":[]}',
      '\u0000',
    ]) {
      const r = parseExtensionsJson(text);
      assert.strictEqual(r.ok, false, text);
    }
    assert.strictEqual(parseExtensionsJson('[{"identifier":{"id":"a.b"},"version":"1"}]').ok, true);
  });
});

describe('extensions folder: parseObsolete', () => {
  it('reads the keys set to true, lower-cased, platform suffixes kept', () => {
    assert.deepStrictEqual(parseObsolete(fixtureText('obsolete.json')), {
      ok: true,
      value: new Set([
        'ms-python.python-2023.22.0',
        'ms-vscode.cpptools-1.18.5-linux-x64',
        'github.copilot-chat-0.11.2023111001',
        'ms-toolsai.jupyter-2023.11.1003402403',
      ]),
    });
    assert.deepStrictEqual(parseObsolete(fixtureText('obsolete-empty.json')), { ok: true, value: new Set() });
  });

  it('reads an empty or blank file (the CLI sometimes leaves one) as no keys', () => {
    for (const text of ['', '  \n']) assert.deepStrictEqual(parseObsolete(text), { ok: true, value: new Set() }, JSON.stringify(text));
  });

  const failures: [ObsoleteFixture | string, string | RegExp][] = [
    ['obsolete-malformed.json', '.obsolete is not valid JSON'],
    ['obsolete-wrong-type.json', /^\.obsolete has an unexpected shape \(\(root\): invalid_type\)$/],
    ['{"a.b-1.0.0": "yes"}', /^\.obsolete has an unexpected shape \(a\.b-1\.0\.0: invalid_type\)$/],
    ['null', /^\.obsolete has an unexpected shape/],
    ['{', '.obsolete is not valid JSON'],
  ];
  for (const [input, error] of failures) {
    it(`returns an error for ${input}`, () => {
      const r = parseObsolete(input.endsWith('.json') ? fixtureText(input as ObsoleteFixture) : input);
      assert.strictEqual(r.ok, false);
      const text = r.ok ? '' : r.error;
      if (typeof error === 'string') assert.strictEqual(text, error);
      else assert.match(text, error);
    });
  }
});

describe('extensions folder: entryFolderName', () => {
  const entry = (fields: Record<string, unknown>) => ({ identifier: { id: 'a.b' }, version: '1.0.0', ...fields });

  it('prefers relativeLocation (its first segment)', () => {
    assert.strictEqual(entryFolderName(entry({ relativeLocation: 'a.b-1.0.0', location: { fsPath: '/x/other-1.0.0' } })), 'a.b-1.0.0');
    assert.strictEqual(entryFolderName(entry({ relativeLocation: 'a.b-1.0.0/extension' })), 'a.b-1.0.0');
  });

  it('falls back to location.fsPath, location.path, or a file URI string', () => {
    assert.strictEqual(
      entryFolderName(entry({ location: { $mid: 1, fsPath: '/x/a.b-1.0.0', path: '/y/z', scheme: 'file' } })),
      'a.b-1.0.0',
    );
    assert.strictEqual(entryFolderName(entry({ location: { $mid: 1, path: '/x/a.b-1.0.0', scheme: 'file' } })), 'a.b-1.0.0');
    assert.strictEqual(entryFolderName(entry({ location: 'file:///x/a.b-1.0.0' })), 'a.b-1.0.0');
    assert.strictEqual(entryFolderName(entry({ location: 'file:///x%20y/a.b-1.0.0' })), 'a.b-1.0.0');
  });

  it('is undefined without a location', () => {
    assert.strictEqual(entryFolderName(entry({})), undefined);
    assert.strictEqual(entryFolderName(entry({ location: { scheme: 'file' } })), undefined);
  });
});

describe('extensions folder: readExtensionsDir', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.removeAll());

  const build = (options: ExtensionsDirOptions = {}): ExtensionsDir => buildExtensionsDir(dirs.make(), options);
  const read = (ext: ExtensionsDir, nowMs = ext.nowMs): Promise<ExtensionsDirReport> => readExtensionsDir(ext.dir, nowMs);
  const classes = (r: ExtensionsDirReport): [string, FolderClass][] => r.folders.map((f) => [f.name, f.cls]);
  const folder = folderNamed;
  /** The standard layout's classes with some changed. */
  const layoutWith = (changes: Record<string, FolderClass>): [string, FolderClass][] =>
    layoutClasses().map(([n, c]) => [n, changes[n] ?? c]);
  /** The layout's classes when extensions.json references nothing: no installed, no older versions. */
  const nothingInstalled = (): [string, FolderClass][] =>
    layoutWith(Object.fromEntries([...LAYOUT.installed, ...LAYOUT.olderVersion].map((n) => [n, 'unreferenced' as const])));

  it('classifies every folder of the standard layout', async () => {
    const ext = build();
    const r = await read(ext);
    assert.deepStrictEqual(classes(r), layoutClasses());
    assert.strictEqual(r.dir, ext.dir);
    assert.strictEqual(r.error, undefined);
    assert.deepStrictEqual(r.warnings, []);
  });

  it('installed: referenced through relativeLocation, or through location.fsPath when relativeLocation is absent', async () => {
    const r = await read(build());
    const rows = LAYOUT.installed.map((n) => folder(r, n)).map((f) => [f.name, f.reason, f.installedAtMs, f.parsed]);
    assert.deepStrictEqual(rows, [
      [SELF, 'referenced by extensions.json', 1795448907530, { id: 'csops.code-server-ops', version: '0.1.0', targetPlatform: undefined }],
      [
        'esbenp.prettier-vscode-10.1.0',
        'referenced by extensions.json',
        1690000000000,
        { id: 'esbenp.prettier-vscode', version: '10.1.0', targetPlatform: undefined },
      ],
      [
        'github.copilot-chat-0.12.2023120701',
        'referenced by extensions.json',
        1702000000000,
        { id: 'github.copilot-chat', version: '0.12.2023120701', targetPlatform: undefined },
      ],
      [
        'ms-python.python-2024.2.1',
        'referenced by extensions.json',
        1708012345678,
        { id: 'ms-python.python', version: '2024.2.1', targetPlatform: undefined },
      ],
      [
        'ms-vscode.cpptools-1.19.1-linux-x64',
        'referenced by extensions.json',
        1708098765432,
        { id: 'ms-vscode.cpptools', version: '1.19.1', targetPlatform: 'linux-x64' },
      ],
    ]);
  });

  it('matches referenced folders case-insensitively', async () => {
    const ext = build();
    fs.renameSync(ext.path('ms-python.python-2024.2.1'), ext.path('MS-Python.Python-2024.2.1'));
    const f = folder(await read(ext), 'MS-Python.Python-2024.2.1');
    assert.deepStrictEqual([f.cls, f.parsed?.id], ['installed', 'ms-python.python']);
  });

  it('obsolete: keys of .obsolete set to true, case-insensitive, platform suffix included; false and dangling keys do nothing', async () => {
    const r = await read(build());
    assert.deepStrictEqual(
      LAYOUT.obsolete.map((n) => [folder(r, n).cls, folder(r, n).reason]),
      LAYOUT.obsolete.map(() => ['obsolete', 'listed in .obsolete: the server deletes it at its next start']),
    );
    assert.strictEqual(folder(r, 'ms-vscode.cpptools-1.18.5-linux-x64').parsed?.targetPlatform, 'linux-x64');
    assert.strictEqual(folder(r, 'redhat.vscode-yaml-1.14.0').cls, 'unreferenced'); // "…": false
    assert.ok(!r.folders.some((f) => f.name.startsWith('ms-toolsai.jupyter')));
  });

  it('obsolete wins over a reference, and an obsolete reference does not count as the installed version', async () => {
    const ext = build();
    fs.writeFileSync(ext.path('.obsolete'), JSON.stringify({ 'ms-python.python-2024.2.1': true }));
    const r = await read(ext);
    assert.deepStrictEqual(
      classes(r),
      layoutWith({
        'ms-python.python-2024.2.1': 'obsolete',
        'ms-python.python-2024.0.1': 'unreferenced', // no installed ms-python left to be older than
        'ms-python.python-2023.22.0': 'unreferenced',
        'github.copilot-chat-0.11.2023111001': 'olderVersion',
        'ms-vscode.cpptools-1.18.5-linux-x64': 'olderVersion',
      }),
    );
  });

  it('olderVersion: an unreferenced folder of an installed id with a lower version', async () => {
    const r = await read(build());
    assert.deepStrictEqual(
      LAYOUT.olderVersion.map((n) => folder(r, n).reason),
      [
        'older version: csops.code-server-ops 0.1.0 is installed',
        'older version: esbenp.prettier-vscode 10.1.0 is installed', // 9.19.0 < 10.1.0, numerically
        'older version: ms-python.python 2024.2.1 is installed',
      ],
    );
    assert.ok(LAYOUT.olderVersion.every((n) => folder(r, n).installedAtMs === undefined));
    const newer = folder(r, 'ms-python.python-2024.4.0');
    assert.deepStrictEqual([newer.cls, newer.reason], ['unreferenced', 'not referenced by extensions.json']);
    assert.deepStrictEqual([folder(r, 'scratch').cls, folder(r, 'scratch').parsed], ['unreferenced', undefined]);
  });

  it('temp folders (x.vsctmp, .<uuid>): leftoverTemp from 1 h of age, installing before', async () => {
    const ext = build();
    const r = await read(ext);
    assert.deepStrictEqual(
      [...LAYOUT.leftoverTemp, ...LAYOUT.installing].map((n) => [n, folder(r, n).cls, folder(r, n).parsed]),
      [...LAYOUT.leftoverTemp.map((n) => [n, 'leftoverTemp', undefined]), ...LAYOUT.installing.map((n) => [n, 'installing', undefined])],
    );
    assert.strictEqual(folder(r, LAYOUT.leftoverTemp[0]).reason, 'temporary folder of an install that did not finish');
    assert.strictEqual(folder(r, LAYOUT.installing[0]).reason, 'temporary folder of an install that may still be running (< 1 h old)');

    const young = LAYOUT.installing[1];
    const mtimeMs = folder(r, young).mtimeMs;
    assert.strictEqual(folder(await read(ext, Math.ceil(mtimeMs) + TEMP_MIN_AGE_MS), young).cls, 'leftoverTemp');
    assert.strictEqual(folder(await read(ext, Math.floor(mtimeMs) + TEMP_MIN_AGE_MS - 1), young).cls, 'installing');
  });

  it('never lists management names, other hidden names, or stray regular files', async () => {
    const ext = build();
    const r = await read(ext);
    for (const name of NOT_LISTED) {
      assert.ok(fs.existsSync(ext.path(name)), name);
      assert.ok(!r.folders.some((f) => f.name === name), name);
    }
    assert.strictEqual(r.folders.length, layoutClasses().length);
  });

  it('reports each folder with its path, inode, mtime, and whether it is a symlink', async () => {
    const ext = build();
    const r = await read(ext);
    for (const f of r.folders) {
      const st = fs.lstatSync(ext.path(f.name));
      assert.deepStrictEqual([f.path, f.ino, f.mtimeMs, f.isSymlink], [ext.path(f.name), st.ino, st.mtimeMs, f.name === LINK], f.name);
    }
    const link = folder(r, LINK);
    assert.notStrictEqual(link.ino, fs.statSync(ext.path(LINK)).ino); // the link's own inode, not its target's
    assert.strictEqual(link.cls, 'unreferenced');
  });

  it('without extensions.json: error set, folders still classified, nothing reclaimable', async () => {
    const r = await read(build({ extensionsJson: null }));
    assert.strictEqual(r.error, 'extensions.json is missing');
    assert.strictEqual(r.extensionsJsonStamp, undefined);
    assert.deepStrictEqual(classes(r), nothingInstalled());
    assert.deepStrictEqual(
      r.folders.filter((f) => isReclaimable(r, f)),
      [],
    );
  });

  const invalid: [ExtensionsJsonFixture, RegExp][] = [
    ['extensions-truncated.json', /^extensions\.json is not valid JSON/],
    ['extensions-wrong-types.json', /^extensions\.json has an unexpected shape/],
    ['extensions-object.json', /^extensions\.json has an unexpected shape/],
  ];
  for (const [fixture, error] of invalid) {
    it(`with ${fixture}: error set, stamp kept, nothing reclaimable`, async () => {
      const ext = build({ extensionsJson: fixture });
      const r = await read(ext);
      assert.match(r.error ?? '', error);
      assert.strictEqual(r.extensionsJsonStamp, await extensionsJsonStamp(ext.dir));
      assert.ok(r.folders.length > 0);
      assert.deepStrictEqual(
        r.folders.filter((f) => isReclaimable(r, f)),
        [],
      );
    });
  }

  it('extensions.json that cannot be read: error with the code', async () => {
    const ext = build({ extensionsJson: null });
    fs.mkdirSync(ext.path('extensions.json'));
    const r = await read(ext);
    assert.strictEqual(r.error, 'extensions.json cannot be read (EISDIR)');
    assert.deepStrictEqual(
      r.folders.filter((f) => isReclaimable(r, f)),
      [],
    );
  });

  it('an empty extensions.json: nothing installed, every extension folder unreferenced and reclaimable', async () => {
    const r = await read(build({ extensionsJson: 'extensions-empty.json' }));
    assert.strictEqual(r.error, undefined);
    assert.deepStrictEqual(classes(r), nothingInstalled());
    assert.deepStrictEqual(
      r.folders.filter((f) => !isReclaimable(r, f)).map((f) => f.name),
      [...LAYOUT.installing],
    );
  });

  const badObsolete: [ObsoleteFixture | 'a folder', RegExp][] = [
    ['obsolete-malformed.json', /^\.obsolete is not valid JSON$/],
    ['obsolete-wrong-type.json', /^\.obsolete has an unexpected shape/],
    ['a folder', /^\.obsolete cannot be read \(.*EISDIR/],
  ];
  for (const [what, warning] of badObsolete) {
    it(`.obsolete as ${what}: a warning, the listed folders fall back to their other class, no error`, async () => {
      const ext = build({ obsolete: what === 'a folder' ? null : what });
      if (what === 'a folder') fs.mkdirSync(ext.path('.obsolete'));
      const r = await read(ext);
      assert.strictEqual(r.error, undefined);
      assert.strictEqual(r.warnings.length, 1);
      assert.match(r.warnings[0], warning);
      assert.deepStrictEqual(classes(r), layoutWith(Object.fromEntries(LAYOUT.obsolete.map((n) => [n, 'olderVersion' as const]))));
      assert.ok(LAYOUT.obsolete.every((n) => isReclaimable(r, folder(r, n))));
    });
  }

  it('a missing or empty .obsolete is no warning', async () => {
    const missing = await read(build({ obsolete: null }));
    assert.deepStrictEqual(missing.warnings, []);
    assert.strictEqual(folder(missing, 'ms-python.python-2023.22.0').cls, 'olderVersion');
    const ext = build();
    fs.writeFileSync(ext.path('.obsolete'), '');
    const empty = await read(ext);
    assert.deepStrictEqual(empty.warnings, []);
    assert.deepStrictEqual(classes(empty), classes(missing));
  });

  it('an unreadable extensions folder: error, no folders, no throw', async () => {
    const root = dirs.make();
    const missing = await readExtensionsDir(path.join(root, 'nope'));
    assert.deepStrictEqual(missing, {
      dir: path.join(root, 'nope'),
      warnings: [],
      folders: [],
      profiles: [],
      error: `the extensions folder ${path.join(root, 'nope')} cannot be read (ENOENT)`,
    });
    fs.writeFileSync(path.join(root, 'file'), '');
    const file = await readExtensionsDir(path.join(root, 'file'));
    assert.strictEqual(file.error, `the extensions folder ${path.join(root, 'file')} cannot be read (ENOTDIR)`);
    assert.deepStrictEqual(file.folders, []);
  });

  it('isReclaimable: obsolete, olderVersion, unreferenced, leftoverTemp — never installed or installing', async () => {
    const r = await read(build());
    const byClass = new Map<FolderClass, boolean>();
    for (const f of r.folders) byClass.set(f.cls, isReclaimable(r, f));
    assert.deepStrictEqual(Object.fromEntries(byClass), {
      installed: false,
      obsolete: true,
      olderVersion: true,
      unreferenced: true,
      leftoverTemp: true,
      installing: false,
    });
    assert.deepStrictEqual([...RECLAIMABLE].sort(), ['leftoverTemp', 'obsolete', 'olderVersion', 'unreferenced']);
  });

  it('extensionsJsonStamp: the stamp of the read, changed by a rewrite, undefined without the file', async () => {
    const ext = build();
    const r = await read(ext);
    assert.match(r.extensionsJsonStamp ?? '', /^[\d.]+:\d+:\d+$/);
    assert.strictEqual(await extensionsJsonStamp(ext.dir), r.extensionsJsonStamp);
    fs.writeFileSync(ext.path('extensions.json'), fixtureText('extensions-empty.json'));
    assert.notStrictEqual(await extensionsJsonStamp(ext.dir), r.extensionsJsonStamp);
    fs.rmSync(ext.path('extensions.json'));
    assert.strictEqual(await extensionsJsonStamp(ext.dir), undefined);
  });

  it('a folder with an old mtime is classified the same as a fresh one (only temp folders care about age)', async () => {
    const ext = build();
    setAge(ext.path('scratch'), 0, ext.nowMs);
    setAge(ext.path(SELF), 100 * HOUR, ext.nowMs);
    assert.deepStrictEqual(classes(await read(ext)), layoutClasses());
  });

  // src/probes/extensionsDir.ts entryFolderName (called outside any try in readExtensionsDir): a location without
  // relativeLocation is passed through decodeURIComponent, which throws URIError on an fsPath containing "%" (here a
  // parent folder named "50%"). readExtensionsDir promises "Never throws" but rejects; expected: the entry resolves
  // to esbenp.prettier-vscode-10.1.0 (fsPath is already a decoded path) and that folder is installed.
  it('never throws on a location.fsPath containing "%" [src bug: readExtensionsDir rejects with URIError: URI malformed]', async () => {
    const ext = build({ extensionsJson: 'extensions-percent-path.json' });
    assert.strictEqual(parseExtensionsJson(fixtureText('extensions-percent-path.json')).ok, true);
    const r = await read(ext);
    assert.strictEqual(folder(r, 'esbenp.prettier-vscode-10.1.0').cls, 'installed');
  });
});

describe('extensions folder: entries without a resolvable location (#9)', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.removeAll());
  const entry = (fields: Record<string, unknown>) => ({ identifier: { id: 'Pub.Name' }, version: '1.2.3', ...fields });

  it('derivedFolderName: <id>-<version>[-<platform>], lower case; undefined when they make no folder name', () => {
    assert.strictEqual(derivedFolderName(entry({})), 'pub.name-1.2.3');
    assert.strictEqual(derivedFolderName(entry({ metadata: { targetPlatform: 'undefined' } })), 'pub.name-1.2.3');
    assert.strictEqual(derivedFolderName(entry({ metadata: { targetPlatform: 'linux-x64' } })), 'pub.name-1.2.3-linux-x64');
    assert.strictEqual(derivedFolderName({ identifier: { id: 'some publisher/odd id' }, version: 'latest' }), undefined);
    assert.strictEqual(derivedFolderName({ identifier: { id: 'a.b' }, version: '../../x' }), undefined);
    assert.strictEqual(derivedFolderName(entry({ metadata: { targetPlatform: '../x' } })), undefined);
  });

  it('an entry without a location keeps its <id>-<version>[-<platform>] folder installed [src bug: it became unreferenced]', async () => {
    const ext = buildExtensionsDir(dirs.make(), { extensionsJson: 'extensions-no-location.json' });
    const r = await readExtensionsDir(ext.dir, ext.nowMs);
    assert.strictEqual(r.error, undefined);
    const cls = (n: string) => folderNamed(r, n).cls;
    for (const n of LAYOUT.installed) assert.strictEqual(cls(n), 'installed', n);
    assert.strictEqual(cls('ms-python.python-2024.0.1'), 'olderVersion'); // the derived entry still counts as the installed version
    assert.strictEqual(cls('csops.code-server-ops-0.0.9'), 'olderVersion');
  });

  it('an entry without a location and without a usable id/version: the whole file is not understood, nothing reclaimable', async () => {
    const ext = buildExtensionsDir(dirs.make(), { extensionsJson: 'extensions-no-location-unresolvable.json' });
    const r = await readExtensionsDir(ext.dir, ext.nowMs);
    assert.match(r.error ?? '', /^extensions\.json is not understood: the entry "some publisher\/odd id" has no location/);
    assert.deepStrictEqual(
      r.folders.filter((f) => isReclaimable(r, f)),
      [],
    );
  });
});

describe('extensions folder: profiles (#3)', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.removeAll());

  const setup = (profiles?: Record<string, 'profile-extensions.json' | 'extensions-truncated.json' | null>) => {
    const root = dirs.make();
    const ext = buildExtensionsDir(root);
    const data = buildUserDataDir(root, profiles ? { profiles } : {}, ext.nowMs);
    return { ext, data };
  };

  it('a folder only another profile references is installed, and the profiles found are reported [src bug: unreferenced]', async () => {
    const { ext, data } = setup();
    const r = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data] });
    assert.strictEqual(r.error, undefined);
    const f = (n: string) => folderNamed(r, n);
    const work = f('ms-python.python-2024.4.0');
    assert.deepStrictEqual([work.cls, work.reason], ['installed', 'referenced by profile "Work"']);
    assert.strictEqual(f('redhat.vscode-yaml-1.14.0').cls, 'installed');
    assert.strictEqual(f('esbenp.prettier-vscode-10.1.0').reason, 'referenced by extensions.json and profile "Work"');
    // 2024.4.0 (Work) is now the newest referenced ms-python: 2024.2.1 stays installed (the default list), 2024.0.1 older
    assert.strictEqual(f('ms-python.python-2024.0.1').reason, 'older version: ms-python.python 2024.4.0 is installed');
    assert.strictEqual(f('scratch').cls, 'unreferenced');
    assert.deepStrictEqual(
      r.profiles.map((p) => [p.id, p.name, p.entries, p.file]),
      [
        [WORK, 'Work', 3, path.join(data, 'User', 'profiles', WORK, 'extensions.json')],
        [PYTHON, 'Python', undefined, path.join(data, 'User', 'profiles', PYTHON, 'extensions.json')],
      ],
    );
  });

  it('a profile list that is not valid JSON: nothing is reclaimable', async () => {
    const { ext, data } = setup({ [WORK]: 'extensions-truncated.json' });
    const r = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data] });
    assert.match(r.error ?? '', /^the extensions list of profile "Work" \(.*\) is not understood: extensions\.json is not valid JSON/);
    assert.deepStrictEqual(
      r.folders.filter((f) => isReclaimable(r, f)),
      [],
    );
  });

  it('a profiles folder that cannot be read: nothing is reclaimable; a user-data dir without profiles is fine', async () => {
    const root = dirs.make();
    const ext = buildExtensionsDir(root);
    const data = path.join(root, 'data');
    fs.mkdirSync(path.join(data, 'User'), { recursive: true });
    const plain = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data, path.join(root, 'missing')] });
    assert.deepStrictEqual([plain.error, plain.profiles], [undefined, []]);
    fs.writeFileSync(path.join(data, 'User', 'profiles'), 'not a folder');
    const r = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data] });
    assert.match(r.error ?? '', /^the profiles folder .* cannot be read \(ENOTDIR\)/);
    assert.deepStrictEqual(
      r.folders.filter((f) => isReclaimable(r, f)),
      [],
    );
  });

  it('a user-data dir that cannot be located is an error (profiles unknown)', async () => {
    const { ext } = setup();
    const userDataProblems = ['the server pid 7 has a relative --user-data-dir'];
    const r = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [], userDataProblems });
    assert.match(r.error ?? '', /profiles are unknown: the server pid 7 has a relative --user-data-dir/);
  });

  it('the profiles stamp changes when a profile list is rewritten; lists changed-at is the newest list mtime', async () => {
    const { ext, data } = setup();
    const r = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data] });
    const list = path.join(data, 'User', 'profiles', WORK, 'extensions.json');
    const lists = [ext.path('extensions.json'), ext.path('.obsolete'), list];
    assert.strictEqual(r.listsChangedAtMs, Math.max(...lists.map((p) => fs.statSync(p).mtimeMs)));
    fs.writeFileSync(list, '[]');
    const again = await readExtensionsDir(ext.dir, ext.nowMs, { userDataDirs: [data] });
    assert.notStrictEqual(again.profilesStamp, r.profilesStamp);
    assert.strictEqual(again.listsChangedAtMs, fs.statSync(list).mtimeMs);
    assert.strictEqual(folderNamed(again, 'ms-python.python-2024.4.0').cls, 'unreferenced');
  });

  it("userDataDirCandidates: this window's globalStorage, --user-data-dir / --server-data-dir of the servers, and the defaults", () => {
    const c = userDataDirCandidates({
      globalStoragePath: '/home/u/.local/share/code-server/User/profiles/-6b4a2f1e/globalStorage/csops.code-server-ops',
      servers: [
        { pid: 10, argv: ['node', '/usr/lib/code-server/out/node/entry.js', '--user-data-dir', '/srv/data', '--auth', 'none'] },
        { pid: 11, argv: ['node', '/usr/lib/code-server/out/node/entry.js', '--user-data-dir=rel/data'], cwd: '/work' },
        { pid: 12, argv: ['node', '/usr/lib/code-server/out/node/entry.js', '--user-data-dir=rel/data'] },
        { pid: 13, argv: ['node', '/home/u/.vscode-server/bin/abc/out/server-main.js', '--server-data-dir', '/opt/vs'] },
        { pid: 14, argv: ['node', '/usr/lib/code-server/out/node/entry.js'] },
        { pid: 15, argv: ['node', '/home/u/.vscode-server/bin/abc/out/server-main.js'] },
      ],
      extensionsDir: '/srv/exts',
      home: '/home/u',
    });
    assert.deepStrictEqual(
      c.dirs,
      [
        '/home/u/.local/share/code-server',
        '/srv/data',
        '/work/rel/data',
        '/opt/vs/data',
        '/home/u/.vscode-server/data',
        '/srv',
        '/srv/data',
      ].filter((d, i, all) => all.indexOf(d) === i),
    );
    const problem = 'the server (pid 12) has a relative --user-data-dir "rel/data" and its working directory cannot be read';
    assert.deepStrictEqual(c.problems, [problem]);
  });
});
