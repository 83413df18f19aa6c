import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { usersOfFolders } from '../../src/probes/openFiles';
import {
  DiskEntry,
  DiskEvidence,
  WorkspaceRef,
  classifyEntry,
  existsOrUnknown,
  listDiskEntries,
  parseWorkspaceJson,
  readWorkspaceRef,
  workspaceFolders,
} from '../../src/probes/serverDirs';
import { Batch } from '../../src/features/extensions/quarantine';
import { ClassifiedEntry, reclaimableBytes } from '../../src/features/disk/model';
import { planReclaim, planReclaimAll, revalidateTarget } from '../../src/features/disk/plan';
import { TempDirs } from './extensionsFixtures';

const DAY = 86_400_000;
const COMMIT_A = 'a'.repeat(40);
const COMMIT_B = 'b'.repeat(40);

function write(p: string, bytes = 100): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, Buffer.alloc(bytes, 3));
}
const age = (p: string, ms: number): void => fs.utimesSync(p, new Date(Date.now() - ms), new Date(Date.now() - ms));

/** A ~/.vscode-server-like home: two builds (one running, one old), a VSIX cache, logs, storages, npx, transcripts. */
function buildHome(home: string, liveFolder: string): { server: string; data: string } {
  const server = path.join(home, '.vscode-server');
  const data = path.join(server, 'data');
  write(path.join(server, 'cli', 'servers', `Stable-${COMMIT_A}`, 'server', 'node'));
  write(path.join(server, 'cli', 'servers', `Stable-${COMMIT_B}`, 'server', 'node'));
  write(path.join(server, 'bin', COMMIT_B, 'node'));
  write(path.join(server, 'bin', 'not-a-commit', 'x'));
  write(path.join(data, 'CachedExtensionVSIXs', 'acc.sample-1.0.0'), 5000);
  write(path.join(data, 'logs', '20240101T000000', 'main.log'));
  write(path.join(data, 'logs', '20990101T000000', 'main.log'));
  write(path.join(data, 'logs', 'weird', 'main.log'));
  const ws = path.join(data, 'User', 'workspaceStorage');
  const wsJson = (hash: string, json: string): void => {
    fs.mkdirSync(path.join(ws, hash), { recursive: true });
    fs.writeFileSync(path.join(ws, hash, 'workspace.json'), json);
    write(path.join(ws, hash, 'state.vscdb'), 2000);
  };
  wsJson('deleted0', JSON.stringify({ folder: pathToFileURL(path.join(home, 'gone-project')).href }));
  wsJson('live0000', JSON.stringify({ folder: pathToFileURL(liveFolder).href }));
  wsJson('remote00', JSON.stringify({ folder: 'vscode-remote://ssh-remote+box/home/u/proj' }));
  wsJson('broken00', '{not json');
  const gs = path.join(data, 'User', 'globalStorage');
  write(path.join(gs, 'acc.sample', 'state.json'));
  write(path.join(gs, 'gone.extension', 'state.json'), 3000);
  write(path.join(gs, 'vscode.git', 'x'));
  write(path.join(gs, 'storage.json'));
  write(path.join(home, '.npm', '_npx', 'deadbeef', 'package.json'));
  write(path.join(home, '.cache', 'uv', 'archive-v0', 'abc', 'pkg.py'), 4000);
  write(path.join(home, '.claude', 'projects', 'p', 'a.jsonl'), 7000);
  // A symlink is never listed (never followed, never removed through).
  fs.symlinkSync(path.join(home, 'gone-project'), path.join(gs, 'sym.link'));
  return { server, data };
}

function ageAll(root: string, ms: number): void {
  for (const rel of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const p = path.join(root, rel);
    if (!fs.lstatSync(p).isSymbolicLink()) age(p, ms);
  }
}

describe('Disk: server folders probe and classification', function () {
  const temp = new TempDirs('csops-disk-');
  let home = '';
  let live = '';
  let layout: { server: string; data: string };
  let child: ChildProcess | undefined;

  beforeEach(function () {
    home = temp.make();
    live = path.join(home, 'live-project');
    fs.mkdirSync(live);
    layout = buildHome(home, live);
    ageAll(home, 30 * DAY);
  });

  afterEach(function () {
    if (child?.pid && child.exitCode === null) child.kill('SIGKILL'); // our own child, by its handle
    child = undefined;
    temp.removeAll();
  });

  async function evidence(entries: DiskEntry[], over: Partial<DiskEvidence> = {}): Promise<DiskEvidence> {
    const users = await usersOfFolders(
      entries.map((e) => e.path),
      { selfUid: process.getuid!() },
    );
    const workspaces = new Map<string, WorkspaceRef>();
    for (const e of entries) if (e.kind === 'workspaceStorage') workspaces.set(e.path, await readWorkspaceRef(e.path));
    const exists = new Map<string, boolean | undefined>();
    for (const f of workspaceFolders(workspaces)) exists.set(f, await existsOrUnknown(f));
    return {
      nowMs: Date.now(),
      users: users.users,
      currentAppRoot: path.join(layout.server, 'cli', 'servers', `Stable-${COMMIT_A}`, 'server'),
      currentLogDirs: [path.join(layout.data, 'logs', '20990101T000000')],
      logDays: 7,
      installedIds: new Set(['acc.sample']),
      builtinIds: new Set(['vscode.git']),
      workspaces,
      exists,
      realpathOf: (p) => {
        try {
          return fs.realpathSync(p);
        } catch {
          return undefined;
        }
      },
      ...over,
    };
  }

  async function classified(over: Partial<DiskEvidence> = {}): Promise<Map<string, ClassifiedEntry>> {
    const { entries, problems } = await listDiskEntries({ userDataDirs: [layout.data], serverRoots: [layout.server], home });
    assert.deepStrictEqual(problems, []);
    const ev = await evidence(entries, over);
    return new Map(entries.map((e) => [path.relative(home, e.path), { ...e, verdict: classifyEntry(e, ev) }]));
  }

  it('lists every kind, skipping symlinks, non-commit bin folders and the quarantine', async function () {
    fs.mkdirSync(path.join(layout.data, 'logs', '.csops-quarantine'));
    const m = await classified();
    const kinds = new Map([...m.values()].map((e) => [path.relative(home, e.path), e.kind]));
    assert.strictEqual(kinds.get(`.vscode-server/cli/servers/Stable-${COMMIT_B}`), 'serverBuild');
    assert.strictEqual(kinds.get(`.vscode-server/bin/${COMMIT_B}`), 'serverBuild');
    assert.ok(!kinds.has('.vscode-server/bin/not-a-commit'));
    assert.ok(!kinds.has('.vscode-server/data/User/globalStorage/sym.link'));
    assert.ok(!kinds.has('.vscode-server/data/User/globalStorage/storage.json'), 'globalStorage lists folders only');
    assert.ok(!kinds.has('.vscode-server/data/logs/.csops-quarantine'));
    assert.strictEqual(kinds.get('.vscode-server/data/CachedExtensionVSIXs/acc.sample-1.0.0'), 'vsixCache');
    assert.strictEqual(kinds.get('.npm/_npx/deadbeef'), 'npxCache');
    assert.strictEqual(kinds.get('.claude/projects'), 'transcripts');
    assert.strictEqual(kinds.get('.cache/uv'), 'uvCache');
  });

  it("shows uv's cache for information only: never offered, whatever its age, with the reason", async function () {
    const m = await classified();
    const uv = m.get('.cache/uv');
    assert.ok(uv, 'the uv cache is listed');
    assert.strictEqual(uv.verdict.reclaim, 'keep');
    assert.match(uv.verdict.reason, /uv cache prune/);
  });

  it('classifies on evidence: old build/logs/orphans reclaimable, the running build, current logs, live/remote storage kept', async function () {
    const m = await classified();
    const v = (rel: string): string => m.get(rel)?.verdict.reclaim ?? 'missing';
    assert.strictEqual(v(`.vscode-server/cli/servers/Stable-${COMMIT_B}`), 'delete');
    assert.strictEqual(v(`.vscode-server/bin/${COMMIT_B}`), 'delete');
    assert.strictEqual(v(`.vscode-server/cli/servers/Stable-${COMMIT_A}`), 'keep');
    assert.match(m.get(`.vscode-server/cli/servers/Stable-${COMMIT_A}`)!.verdict.reason, /build this window runs/);
    assert.strictEqual(v('.vscode-server/data/CachedExtensionVSIXs/acc.sample-1.0.0'), 'delete');
    assert.strictEqual(v('.vscode-server/data/logs/20240101T000000'), 'quarantine');
    assert.strictEqual(v('.vscode-server/data/logs/20990101T000000'), 'keep');
    assert.strictEqual(v('.vscode-server/data/logs/weird'), 'keep');
    assert.strictEqual(v('.vscode-server/data/User/workspaceStorage/deleted0'), 'quarantine');
    assert.strictEqual(v('.vscode-server/data/User/workspaceStorage/live0000'), 'keep');
    assert.strictEqual(v('.vscode-server/data/User/workspaceStorage/remote00'), 'keep');
    assert.match(m.get('.vscode-server/data/User/workspaceStorage/remote00')!.verdict.reason, /remote or virtual/);
    assert.strictEqual(v('.vscode-server/data/User/workspaceStorage/broken00'), 'keep');
    assert.strictEqual(v('.vscode-server/data/User/globalStorage/gone.extension'), 'quarantine');
    assert.strictEqual(v('.vscode-server/data/User/globalStorage/acc.sample'), 'keep');
    assert.match(m.get('.vscode-server/data/User/globalStorage/vscode.git')!.verdict.reason, /built-in/);
    assert.strictEqual(v('.npm/_npx/deadbeef'), 'delete');
    assert.strictEqual(v('.claude/projects'), 'keep');
    for (const e of m.values()) assert.ok(e.verdict.reason.length > 0, `${e.path} has a reason`);
  });

  it('a server build and an npx cache in use by a real child process (open file) are kept', async function () {
    const held = path.join(layout.server, 'bin', COMMIT_B, 'node');
    const npxFile = path.join(home, '.npm', '_npx', 'deadbeef', 'package.json');
    child = spawn(
      process.execPath,
      [
        '-e',
        `require('fs').openSync(${JSON.stringify(held)},'r');require('fs').openSync(${JSON.stringify(npxFile)},'r');console.log('ok');setInterval(()=>{},1000)`,
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise<void>((resolve) => child!.stdout!.once('data', () => resolve()));
    ageAll(home, 30 * DAY);
    const m = await classified();
    const build = m.get(`.vscode-server/bin/${COMMIT_B}`)!;
    assert.strictEqual(build.verdict.reclaim, 'keep');
    assert.match(build.verdict.reason, new RegExp(`in use by pid .*${child.pid}`));
    assert.strictEqual(m.get('.npm/_npx/deadbeef')!.verdict.reclaim, 'keep');
    assert.strictEqual(m.get(`.vscode-server/cli/servers/Stable-${COMMIT_B}`)!.verdict.reclaim, 'delete', 'the other build is still old');
  });

  it('a process whose cwd is inside a folder uses it', async function () {
    const cwd = path.join(layout.data, 'logs', '20240101T000000');
    child = spawn(process.execPath, ['-e', "console.log('ok');setInterval(()=>{},1000)"], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((resolve) => child!.stdout!.once('data', () => resolve()));
    const users = await usersOfFolders([cwd], { selfUid: process.getuid!() });
    assert.ok(users.users.get(cwd)?.includes(child.pid!));
  });

  it('unknown evidence is never reclaimable', async function () {
    const noProcs = await classified({ users: undefined });
    for (const e of noProcs.values()) assert.strictEqual(e.verdict.reclaim, 'keep', `${e.path}: ${e.verdict.reason}`);
    const unreadable = await classified({ usersProblem: '1 process(es) of this user could not be read' });
    for (const e of unreadable.values()) assert.strictEqual(e.verdict.reclaim, 'keep');
    const noIds = await classified({ installedIds: undefined, currentAppRoot: undefined });
    assert.strictEqual(noIds.get('.vscode-server/data/User/globalStorage/gone.extension')!.verdict.reclaim, 'keep');
    assert.strictEqual(noIds.get(`.vscode-server/bin/${COMMIT_B}`)!.verdict.reclaim, 'keep');
    const gone = path.join(home, 'gone-project');
    const cannotTell = await classified({ exists: new Map([[gone, undefined]]) });
    assert.strictEqual(cannotTell.get('.vscode-server/data/User/workspaceStorage/deleted0')!.verdict.reclaim, 'keep');
  });

  it('recent entries and logs younger than the retention are kept', async function () {
    age(path.join(layout.data, 'logs', '20240101T000000'), 3 * DAY);
    age(path.join(layout.server, 'bin', COMMIT_B), 60_000);
    const m = await classified();
    assert.match(m.get('.vscode-server/data/logs/20240101T000000')!.verdict.reason, /younger than 7 days/);
    assert.match(m.get(`.vscode-server/bin/${COMMIT_B}`)!.verdict.reason, /last 10 minutes/);
  });

  it('parses workspace.json references', function () {
    assert.deepStrictEqual(parseWorkspaceJson('{"folder":"file:///home/u/p%20q"}'), { kind: 'file', path: '/home/u/p q' });
    assert.strictEqual(parseWorkspaceJson('{"workspace":"vscode-vfs://github/x"}').kind, 'other');
    assert.strictEqual(parseWorkspaceJson('{"configuration":"file:///w.code-workspace"}').kind, 'file');
    assert.strictEqual(parseWorkspaceJson('[]').kind, 'none');
    assert.strictEqual(parseWorkspaceJson('nope').kind, 'none');
  });

  it('plans: what happens to each row, what is not included and why; the commit re-check', async function () {
    const m = await classified();
    const entries = [...m.values()];
    const sizes = new Map(entries.map((e) => [e.path, 4096]));
    const all = planReclaimAll({ entries, sizes }, Date.now());
    const hows = new Map(all.targets.map((t) => [path.relative(home, t.path), t.how]));
    assert.strictEqual(hows.get('.vscode-server/data/User/workspaceStorage/deleted0'), 'quarantine');
    assert.strictEqual(hows.get(`.vscode-server/bin/${COMMIT_B}`), 'delete');
    assert.ok(!hows.has('.vscode-server/data/User/workspaceStorage/live0000'));
    assert.ok(all.notIncluded!.some((n) => /Workspace storage/.test(n.name) && /remote or virtual/.test(n.reason)));
    assert.ok(!all.notIncluded!.some((n) => /transcripts/.test(n.name)), 'transcripts are information, not left out');
    assert.strictEqual(reclaimableBytes({ entries, sizes }).total, all.targets.length * 4096);
    const live = entries.find((e) => e.name === 'live0000')!;
    const picked = planReclaim({ entries, sizes }, [live.path, path.join(home, 'nope')], Date.now());
    assert.strictEqual(picked.targets.length, 0);
    assert.deepStrictEqual(
      picked.skipped.map((s) => s.because),
      [live.verdict.reason, 'no longer listed'],
    );
    const t = all.targets[0];
    const fresh = entries.find((e) => e.path === t.path)!;
    assert.strictEqual(revalidateTarget(t, fresh), undefined);
    assert.strictEqual(revalidateTarget(t, undefined), 'gone');
    assert.strictEqual(revalidateTarget(t, { ...fresh, ino: fresh.ino + 1 }), 'replaced by another entry');
    assert.strictEqual(revalidateTarget(t, { ...fresh, mtimeMs: 1 }), 'modified since the preview');
    assert.match(revalidateTarget(t, { ...fresh, verdict: { reclaim: 'keep', reason: 'in use by pid 1' } })!, /now kept: in use/);
  });

  it('user data goes into the quarantine of its own folder and comes back byte-identical', async function () {
    const m = await classified();
    const e = m.get('.vscode-server/data/User/workspaceStorage/deleted0')!;
    const before = fs.readFileSync(path.join(e.path, 'state.vscdb'));
    const batch = await Batch.create(e.parent, Date.now());
    await batch.moveIn({ name: e.name, originalPath: e.path, cls: e.kind, bytes: 1, ino: e.ino });
    assert.ok(!fs.existsSync(e.path));
    assert.ok(fs.existsSync(path.join(e.parent, '.csops-quarantine', batch.manifest.id, 'items', e.name)));
    const after = await classified();
    assert.ok(!after.has('.vscode-server/data/User/workspaceStorage/deleted0'), 'the quarantined entry is no longer listed');
    const [r] = await batch.restore();
    assert.ok(r.ok);
    assert.ok(fs.readFileSync(path.join(e.path, 'state.vscdb')).equals(before));
    assert.strictEqual(fs.lstatSync(e.path).ino, e.ino);
  });
});
