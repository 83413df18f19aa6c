// Shared helpers of the extensions-folder tests: the committed extensions.json / .obsolete variants
// (test/fixtures/extensions), temp folders, ages, and a standard extensions folder built in a temp folder with
// folders of every class, management files, stray files and a symlink.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ExtensionFolder, ExtensionsDirReport, FolderClass } from '../../src/probes/extensionsDir';
import { FIXTURES } from './procFixtures';

export const EXT_FIXTURES = path.join(path.dirname(FIXTURES), 'extensions');

export type ExtensionsJsonFixture =
  | 'extensions.json'
  | 'extensions-truncated.json'
  | 'extensions-wrong-types.json'
  | 'extensions-object.json'
  | 'extensions-empty.json'
  | 'extensions-percent-path.json'
  | 'extensions-no-location.json'
  | 'extensions-no-location-unresolvable.json';
export type ObsoleteFixture = 'obsolete.json' | 'obsolete-malformed.json' | 'obsolete-wrong-type.json' | 'obsolete-empty.json';

export const fixtureText = (name: ExtensionsJsonFixture | ObsoleteFixture): string =>
  fs.readFileSync(path.join(EXT_FIXTURES, name), 'utf8');

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Temp folders of a suite (real paths): `make()` in a test or hook, `removeAll()` in after / afterEach. */
export class TempDirs {
  private readonly made: string[] = [];

  constructor(private readonly prefix = 'csops-ext-') {}

  make(): string {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), this.prefix)));
    this.made.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Sets atime and mtime of p (of a symlink itself, not of its target) to ageMs before nowMs. */
export function setAge(p: string, ageMs: number, nowMs = Date.now()): void {
  const t = new Date(nowMs - ageMs);
  if (fs.lstatSync(p).isSymbolicLink()) fs.lutimesSync(p, t, t);
  else fs.utimesSync(p, t, t);
}

/**
 * The folders of the standard extensions folder, by the class readExtensionsDir gives them with the fixtures
 * extensions.json and obsolete.json. Every folder (and extensions.json, .obsolete) is 2 h old except the `installing`
 * ones (1 min).
 */
export const LAYOUT = {
  installed: [
    'csops.code-server-ops-0.1.0', // this extension (from a VSIX)
    'esbenp.prettier-vscode-10.1.0', // referenced through location.fsPath only
    'github.copilot-chat-0.12.2023120701',
    'ms-python.python-2024.2.1',
    'ms-vscode.cpptools-1.19.1-linux-x64',
  ],
  obsolete: [
    'github.copilot-chat-0.11.2023111001', // key "GitHub.Copilot-Chat-…" in .obsolete
    'ms-python.python-2023.22.0',
    'ms-vscode.cpptools-1.18.5-linux-x64',
  ],
  olderVersion: ['csops.code-server-ops-0.0.9', 'esbenp.prettier-vscode-9.19.0', 'ms-python.python-2024.0.1'],
  unreferenced: [
    'ms-python.python-2024.4.0', // newer than the installed version, but not referenced
    'redhat.vscode-yaml-1.14.0', // `false` in .obsolete
    'scratch', // not an extension folder name at all
  ],
  leftoverTemp: ['.3b1e2f4a-1111-2222-3333-444455556666', 'redhat.java-1.26.0.vsctmp'],
  installing: ['.9c0ffee0-aaaa-4bbb-8ccc-0123456789ab', 'vscjava.vscode-gradle-3.13.0.vsctmp'],
} as const satisfies Record<FolderClass, readonly string[]>;

/** This extension's folder in the layout. */
export const SELF = 'csops.code-server-ops-0.1.0';
/** A symlink in the extensions folder to a folder outside it (class unreferenced). */
export const LINK = 'linked.outside-1.0.0';
/** Entries of the standard folder that are never listed: management names, other hidden names, stray files. */
export const NOT_LISTED = [
  'extensions.json',
  '.obsolete',
  '.init-default-profile-extensions',
  '.csops-quarantine',
  '.cache',
  'README.md',
  'ms-python.python-2024.2.1.vsix',
  'half-written.vsctmp',
] as const;

/** [name, class] of every listed entry of the standard folder, in the order readExtensionsDir lists them. */
export function layoutClasses(): [string, FolderClass][] {
  const rows: [string, FolderClass][] = [[LINK, 'unreferenced']];
  for (const [cls, names] of Object.entries(LAYOUT) as [FolderClass, readonly string[]][]) for (const n of names) rows.push([n, cls]);
  return rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The folder of the report with that name, failing the test if it is not listed. */
export function folderNamed(report: ExtensionsDirReport, name: string): ExtensionFolder {
  const f = report.folders.find((x) => x.name === name);
  if (!f) throw new Error(`${name} is not listed: ${report.folders.map((x) => x.name).join(', ')}`);
  return f;
}

export interface ExtensionsDirOptions {
  /** Copied as extensions.json; null: no extensions.json. Default: the valid fixture. */
  extensionsJson?: ExtensionsJsonFixture | null;
  /** Copied as .obsolete; null: no .obsolete. Default: obsolete.json. */
  obsolete?: ObsoleteFixture | null;
}

export interface ExtensionsDir {
  /** The extensions folder: <root>/extensions. */
  dir: string;
  /** A folder outside it: <root>/outside, with the symlink's target. */
  outside: string;
  /** The moment the ages were set from. */
  nowMs: number;
  path(name: string): string;
}

/** A small extension: package.json and a script whose size depends on the name, so every folder has its own content. */
export function makeExtensionFolder(p: string): void {
  fs.mkdirSync(path.join(p, 'out'), { recursive: true });
  fs.writeFileSync(path.join(p, 'package.json'), JSON.stringify({ name: path.basename(p), version: '1.0.0' }));
  fs.writeFileSync(path.join(p, 'out', 'extension.js'), `// ${path.basename(p)}\n`.repeat(10 + path.basename(p).length * 7));
}

/** Builds the standard extensions folder (LAYOUT, LINK, NOT_LISTED) under root. */
export function buildExtensionsDir(root: string, options: ExtensionsDirOptions = {}): ExtensionsDir {
  const nowMs = Date.now();
  const dir = path.join(root, 'extensions');
  const outside = path.join(root, 'outside');
  const at = (name: string): string => path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const extensionsJson = options.extensionsJson === undefined ? 'extensions.json' : options.extensionsJson;
  const obsolete = options.obsolete === undefined ? 'obsolete.json' : options.obsolete;
  if (extensionsJson) fs.copyFileSync(path.join(EXT_FIXTURES, extensionsJson), at('extensions.json'));
  if (obsolete) fs.copyFileSync(path.join(EXT_FIXTURES, obsolete), at('.obsolete'));

  for (const name of Object.values(LAYOUT).flat()) makeExtensionFolder(at(name));
  makeExtensionFolder(path.join(outside, 'linked-target'));
  fs.symlinkSync(path.join(outside, 'linked-target'), at(LINK));
  fs.writeFileSync(at('.init-default-profile-extensions'), '');
  fs.mkdirSync(path.join(at('.csops-quarantine'), '2026-01-01T00-00-00-000Z-1', 'items'), { recursive: true });
  fs.mkdirSync(at('.cache'));
  fs.writeFileSync(at('README.md'), 'not an extension\n');
  fs.writeFileSync(at('ms-python.python-2024.2.1.vsix'), 'PK\x03\x04');
  fs.writeFileSync(at('half-written.vsctmp'), 'a file, not a folder');

  for (const name of [...Object.values(LAYOUT).flat(), LINK, 'extensions.json', '.obsolete']) {
    if (fs.existsSync(at(name))) setAge(at(name), HOUR * 2, nowMs);
  }
  for (const name of LAYOUT.installing) setAge(at(name), MINUTE, nowMs);
  return { dir, outside, nowMs, path: at };
}

export type ProfileFixture = 'profile-extensions.json' | ExtensionsJsonFixture;
/** The profile ids of storage.json: "Work" and "Python". */
export const WORK = '-6b4a2f1e';
export const PYTHON = '3c9d';

export interface UserDataDirOptions {
  /** Profile id → copied as User/profiles/<id>/extensions.json; null: the profile folder without extensions.json. */
  profiles?: Record<string, ProfileFixture | null>;
  /** Copy storage.json (the profile names) into User/globalStorage. Default true. */
  storage?: boolean;
}

/** A user-data dir (<root>/data) with User/profiles/<id>/extensions.json per profile, 2 h old. Returns its path. */
export function buildUserDataDir(root: string, options: UserDataDirOptions = {}, nowMs = Date.now()): string {
  const data = path.join(root, 'data');
  const profiles = options.profiles ?? { [WORK]: 'profile-extensions.json', [PYTHON]: null };
  fs.mkdirSync(path.join(data, 'User', 'profiles'), { recursive: true });
  for (const [id, fixture] of Object.entries(profiles)) {
    const folder = path.join(data, 'User', 'profiles', id);
    fs.mkdirSync(folder, { recursive: true });
    if (fixture) {
      fs.copyFileSync(path.join(EXT_FIXTURES, fixture), path.join(folder, 'extensions.json'));
      setAge(path.join(folder, 'extensions.json'), HOUR * 2, nowMs);
    }
  }
  if (options.storage ?? true) {
    fs.mkdirSync(path.join(data, 'User', 'globalStorage'), { recursive: true });
    fs.copyFileSync(path.join(EXT_FIXTURES, 'storage.json'), path.join(data, 'User', 'globalStorage', 'storage.json'));
  }
  return data;
}
