// code-server's own wrapper logs (<data>/coder-logs, rotated by rotating-file-stream): the live files are kept, a
// rotated file is offered (quarantine) only when older than the retention and no process has it open.
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { usersOfFolders } from '../../src/probes/openFiles';
import { DiskEntry, DiskEvidence, classifyEntry, coderLogDirs, listDiskEntries, quarantineParents } from '../../src/probes/serverDirs';
import { TempDirs } from './extensionsFixtures';

const DAY = 86_400_000;
const age = (p: string, ms: number): void => fs.utimesSync(p, new Date(Date.now() - ms), new Date(Date.now() - ms));

describe('Disk: coder-logs (code-server wrapper logs)', function () {
  const temp = new TempDirs('csops-coderlogs-');
  let child: ChildProcess | undefined;

  afterEach(function () {
    if (child?.pid && child.exitCode === null) child.kill('SIGKILL'); // our own child, by its handle
    child = undefined;
    temp.removeAll();
  });

  function evidenceFor(users: DiskEvidence['users']): DiskEvidence {
    return {
      nowMs: Date.now(),
      users,
      currentLogDirs: [],
      logDays: 7,
      installedIds: new Set(),
      builtinIds: new Set(),
      workspaces: new Map(),
      exists: new Map(),
      realpathOf: (p) => p,
    };
  }

  it('lists coder-logs of the user-data dir and of the code-server data dir, and classifies each file', async function () {
    const home = temp.make();
    const userData = path.join(home, 'user-data');
    const xdgData = path.join(home, '.local', 'share', 'code-server');
    const files: Record<string, [string, number]> = {
      live: [path.join(xdgData, 'coder-logs', 'code-server-stdout.log'), 30 * DAY],
      oldRotated: [path.join(xdgData, 'coder-logs', '20240102-1030-01-code-server-stdout.log'), 30 * DAY],
      oldGz: [path.join(userData, 'coder-logs', '20240102-1030-02-code-server-stderr.log.gz'), 30 * DAY],
      young: [path.join(xdgData, 'coder-logs', '20240103-0000-01-code-server-stderr.log'), 2 * DAY],
      busy: [path.join(xdgData, 'coder-logs', '20240101-0000-01-code-server-stderr.log'), 30 * DAY],
      unknown: [path.join(xdgData, 'coder-logs', 'notes.txt'), 30 * DAY],
      recent: [path.join(xdgData, 'coder-logs', '20240104-0000-01-code-server-stdout.log'), 60_000],
    };
    for (const [p, ms] of Object.values(files)) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, Buffer.alloc(4096, 1));
      age(p, ms);
    }
    // A real child process of this test holds one rotated file open.
    const fd = fs.openSync(files.busy[0], 'r');
    child = spawn('sleep', ['60'], { stdio: [fd, 'ignore', 'ignore'] });
    fs.closeSync(fd);
    await new Promise((r) => setTimeout(r, 100));

    const layout = { userDataDirs: [userData], serverRoots: [], home, coderDataDirs: [xdgData] };
    assert.deepStrictEqual(coderLogDirs(layout), [path.join(userData, 'coder-logs'), path.join(xdgData, 'coder-logs')]);
    assert.ok(quarantineParents(layout).includes(path.join(xdgData, 'coder-logs')), 'coder-logs is a quarantine parent');
    const { entries, problems } = await listDiskEntries(layout);
    assert.deepStrictEqual(problems, []);
    const coder = entries.filter((e) => e.kind === 'coderLogs');
    assert.deepStrictEqual(
      coder.map((e) => e.path).sort(),
      Object.values(files)
        .map(([p]) => p)
        .sort(),
    );
    const users = await usersOfFolders(
      coder.map((e) => e.path),
      { selfUid: process.getuid!() },
    );
    assert.ok(!users.error);
    const ev = evidenceFor(users.users);
    const verdict = (k: string) => classifyEntry(coder.find((e) => e.path === files[k][0]) as DiskEntry, ev);
    assert.deepStrictEqual(verdict('live'), { reclaim: 'keep', reason: 'the log code-server is writing now' });
    assert.strictEqual(verdict('oldRotated').reclaim, 'quarantine');
    assert.match(verdict('oldRotated').reason, /a rotated code-server log, last written 30 days ago/);
    assert.strictEqual(verdict('oldGz').reclaim, 'quarantine');
    assert.match(verdict('young').reason, /younger than 7 days/);
    assert.deepStrictEqual(verdict('busy'), { reclaim: 'keep', reason: `in use by pid ${child.pid}` });
    assert.match(verdict('unknown').reason, /not a rotated code-server log/);
    assert.match(verdict('recent').reason, /modified in the last 10 minutes/);
    // Unknown processes: nothing offered.
    const unknown = evidenceFor(undefined);
    assert.strictEqual(
      classifyEntry(
        coder.find((e) => e.path === files.oldRotated[0])!,
        unknown,
      ).reclaim,
      'keep',
    );
  });
});
