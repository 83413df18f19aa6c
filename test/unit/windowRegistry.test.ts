import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Snapshot } from '../../src/probes/scanner';
import { planKillDetachedOlderThan } from '../../src/features/terminals/plan';
import {
  IDLE_HEARTBEAT_MS,
  REGISTRY_HEARTBEAT_MS,
  WindowEntry,
  checkPid,
  entryFileName,
  heartbeatPeriodOf,
  heartbeatTimeoutOf,
  liveEntries,
  pruneDeadEntries,
  readEntries,
  removeEntry,
  touchEntry,
  writeEntry,
} from '../../src/probes/windowRegistry';
import { CS, CS_NOW, FaultyProcFs, editSnapshot, fixtureRoot, pidsOf, proc, scanFixture, terminalsModelOf } from './procFixtures';

const EXT_HOST = 10873;
const EXT_HOST_START = 499100; // its starttime in the codeserver fixture

const entry = (pid: number, starttime: number, extra: Partial<WindowEntry> = {}): WindowEntry => ({
  version: 1,
  pid,
  starttime,
  terminalPids: [10946],
  folder: '/home/coder/ws',
  updatedAtMs: 1_795_400_000_000,
  ...extra,
});

describe('window registry files', () => {
  let tmp: string;
  let n = 0;
  /** A fresh, not yet existing registry folder for one test. */
  const newDir = (): string => path.join(tmp, `registry-${++n}`);
  const writeRaw = (dir: string, name: string, content: string): void => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-registry-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes an entry as <pid>-<starttime>.json and reads it back', async () => {
    const dir = newDir();
    const e = entry(EXT_HOST, EXT_HOST_START);
    await writeEntry(dir, e);
    assert.deepStrictEqual(fs.readdirSync(dir), [`${EXT_HOST}-${EXT_HOST_START}.json`]); // no temp file left behind
    assert.strictEqual(entryFileName(EXT_HOST, EXT_HOST_START), `${EXT_HOST}-${EXT_HOST_START}.json`);
    assert.deepStrictEqual(await readEntries(dir), { entries: [e], problems: [] });
  });

  it('a heartbeat that only touches the file moves the time readers see, and nothing else; a missing file throws', async () => {
    const dir = newDir();
    const e = entry(EXT_HOST, EXT_HOST_START);
    await writeEntry(dir, e);
    const file = path.join(dir, entryFileName(EXT_HOST, EXT_HOST_START));
    const text = fs.readFileSync(file, 'utf8');
    assert.strictEqual(Math.round(fs.statSync(file).mtimeMs), e.updatedAtMs, 'a write dates the file as its content');
    touchEntry(dir, EXT_HOST, EXT_HOST_START, e.updatedAtMs + REGISTRY_HEARTBEAT_MS);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), text, 'the content is not rewritten');
    assert.deepStrictEqual(await readEntries(dir), {
      entries: [{ ...e, updatedAtMs: e.updatedAtMs + REGISTRY_HEARTBEAT_MS }],
      problems: [],
    });
    assert.throws(() => touchEntry(dir, EXT_HOST, EXT_HOST_START + 1, Date.now()), /ENOENT/);
    assert.deepStrictEqual(fs.readdirSync(dir), [entryFileName(EXT_HOST, EXT_HOST_START)], 'touch creates nothing');
  });

  it('replaces an entry on rewrite and removes it', async () => {
    const dir = newDir();
    await writeEntry(dir, entry(7, 1));
    await writeEntry(dir, entry(7, 1, { terminalPids: [1, 2, 3] }));
    assert.deepStrictEqual(
      (await readEntries(dir)).entries.map((e) => e.terminalPids),
      [[1, 2, 3]],
    );
    await removeEntry(dir, 7, 1);
    await removeEntry(dir, 7, 1); // already gone: no error
    assert.deepStrictEqual(await readEntries(dir), { entries: [], problems: [] });
  });

  it('reads a missing folder as empty, without problems', async () => {
    assert.deepStrictEqual(await readEntries(newDir()), { entries: [], problems: [] });
  });

  it('reports a folder that is not a directory', async () => {
    const file = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(file, '');
    const r = await readEntries(file);
    assert.deepStrictEqual(r.entries, []);
    assert.strictEqual(r.problems.length, 1);
    assert.match(r.problems[0].reason, /ENOTDIR/);
  });

  it('reports invalid files and returns only the valid entries', async () => {
    const dir = newDir();
    const good = entry(9, 90);
    await writeEntry(dir, good);
    writeRaw(dir, '1-10.json', '{"version":1,"pid":1,');
    writeRaw(dir, '2-20.json', JSON.stringify({ ...entry(2, 20), pid: '2' }));
    writeRaw(dir, '3-30.json', JSON.stringify({ ...entry(3, 30), version: 2 }));
    writeRaw(dir, '4-40.json', JSON.stringify({ ...entry(4, 40), terminalPids: [5, -6] }));
    writeRaw(dir, '5-50.json', JSON.stringify(entry(5, 51))); // content names another process
    writeRaw(dir, '6-60.json', JSON.stringify(entry(6, 60, { starttime: 60.5 })));
    fs.mkdirSync(path.join(dir, '8-80.json'));
    const r = await readEntries(dir);
    assert.deepStrictEqual(r.entries, [good]);
    const reasons = Object.fromEntries(r.problems.map((p) => [p.file, p.reason]));
    assert.deepStrictEqual(Object.keys(reasons).sort(), [
      '1-10.json',
      '2-20.json',
      '3-30.json',
      '4-40.json',
      '5-50.json',
      '6-60.json',
      '8-80.json',
    ]);
    assert.strictEqual(reasons['1-10.json'], 'invalid JSON');
    assert.match(reasons['2-20.json'], /^pid: invalid_type$/);
    assert.match(reasons['3-30.json'], /^version: /);
    assert.match(reasons['4-40.json'], /^terminalPids\.1: /);
    assert.strictEqual(reasons['5-50.json'], 'content does not match the file name');
    assert.match(reasons['6-60.json'], /^starttime: /);
    assert.strictEqual(reasons['8-80.json'], 'EISDIR');
  });

  it('ignores files that are not entries (temp files, other names)', async () => {
    const dir = newDir();
    writeRaw(dir, `12-34.json.${process.pid}.tmp`, '{');
    writeRaw(dir, 'README.md', 'not an entry');
    writeRaw(dir, 'x-1.json', '{');
    assert.deepStrictEqual(await readEntries(dir), { entries: [], problems: [] });
  });

  describe('against a snapshot', () => {
    let snap: Snapshot;
    before(async () => {
      snap = await scanFixture('codeserver');
    });

    it('liveEntries keeps entries whose pid is alive with the same start time', () => {
      const alive = entry(EXT_HOST, EXT_HOST_START);
      const reused = entry(EXT_HOST, EXT_HOST_START - 1); // same pid, another process
      const gone = entry(424242, 1);
      assert.deepStrictEqual(liveEntries([reused, alive, gone], snap), [alive]);
    });

    it('pruneDeadEntries removes the files of dead and reused entries only', async () => {
      const dir = newDir();
      const entries = [entry(EXT_HOST, EXT_HOST_START), entry(EXT_HOST, 5), entry(424242, 1)];
      for (const e of entries) await writeEntry(dir, e);
      assert.strictEqual(await pruneDeadEntries(dir, entries, snap, { nowMs: CS_NOW }), 2);
      assert.deepStrictEqual(fs.readdirSync(dir), [`${EXT_HOST}-${EXT_HOST_START}.json`]);
    });

    it('pruneDeadEntries keeps entries whose process could not be read', async () => {
      const root = fixtureRoot('codeserver');
      const hidden = await scanFixture('codeserver', { fs: new FaultyProcFs({ [`${root}/${EXT_HOST}/stat`]: 'EACCES' }) });
      const dir = newDir();
      const e = entry(EXT_HOST, EXT_HOST_START);
      await writeEntry(dir, e);
      const unknown = () => 'unknown' as const; // the direct re-read fails too
      assert.deepStrictEqual(liveEntries([e], hidden, unknown), [e]); // not known to be dead: its claims stand
      assert.strictEqual(await pruneDeadEntries(dir, [e], hidden, { nowMs: CS_NOW, check: unknown }), 0);
      assert.deepStrictEqual(pidsOf((await readEntries(dir)).entries), [EXT_HOST]);
    });

    it('pruneDeadEntries removes nothing when the snapshot is unavailable', async () => {
      const dir = newDir();
      const e = entry(424242, 1);
      await writeEntry(dir, e);
      const unavailable: Snapshot = { ...snap, processes: new Map(), unavailable: '/proc cannot be read (EACCES)' };
      assert.strictEqual(await pruneDeadEntries(dir, [e], unavailable, { nowMs: CS_NOW }), 0);
      assert.strictEqual(fs.readdirSync(dir).length, 1);
    });

    describe('a stale scan (a window whose extension host just restarted is missing from it)', () => {
      /** The scan was taken before EXT_HOST started: its pid is not in it, but /proc/EXT_HOST/stat is there now. */
      let stale: Snapshot;
      before(() => {
        stale = editSnapshot(snap, { [EXT_HOST]: null });
        assert.strictEqual(stale.processes.has(EXT_HOST), false);
      });
      const old = CS_NOW - 5 * REGISTRY_HEARTBEAT_MS;

      it('checkPid re-reads the stat: alive with that start time, gone, or unknown', () => {
        const root = fixtureRoot('codeserver');
        assert.strictEqual(checkPid(EXT_HOST, EXT_HOST_START, root), 'alive');
        assert.strictEqual(checkPid(EXT_HOST, EXT_HOST_START + 1, root), 'gone'); // pid reused
        assert.strictEqual(checkPid(424242, 1, root), 'gone');
        const failing = (code: string) => new FaultyProcFs({ [`${root}/${EXT_HOST}/stat`]: code });
        assert.strictEqual(checkPid(EXT_HOST, EXT_HOST_START, root, failing('EACCES')), 'unknown');
        assert.strictEqual(checkPid(EXT_HOST, EXT_HOST_START, root, failing('ENOENT')), 'gone');
      });

      it('pruneDeadEntries keeps an entry missing from the scan whose process is alive when re-read', async () => {
        const dir = newDir();
        const e = entry(EXT_HOST, EXT_HOST_START, { updatedAtMs: old });
        await writeEntry(dir, e);
        assert.strictEqual(await pruneDeadEntries(dir, [e], stale, { nowMs: CS_NOW }), 0);
        assert.deepStrictEqual(pidsOf((await readEntries(dir)).entries), [EXT_HOST]);
      });

      it('pruneDeadEntries keeps a dead entry younger than the heartbeat interval, removes it once older', async () => {
        const dir = newDir();
        const e = entry(424242, 1, { updatedAtMs: CS_NOW - REGISTRY_HEARTBEAT_MS + 1000 });
        await writeEntry(dir, e);
        assert.strictEqual(await pruneDeadEntries(dir, [e], stale, { nowMs: CS_NOW }), 0);
        assert.strictEqual(await pruneDeadEntries(dir, [e], stale, { nowMs: CS_NOW + 1001 }), 1);
        assert.deepStrictEqual(fs.readdirSync(dir), []);
      });

      it('pruneDeadEntries: an entry beating every 120 s (heartbeatMs) is kept for its own period, not 60 s', async () => {
        const dir = newDir();
        const e = entry(424242, 1, { updatedAtMs: CS_NOW - 100_000, heartbeatMs: IDLE_HEARTBEAT_MS });
        await writeEntry(dir, e);
        assert.deepStrictEqual((await readEntries(dir)).entries, [e], 'heartbeatMs is read back');
        assert.strictEqual(await pruneDeadEntries(dir, [e], stale, { nowMs: CS_NOW }), 0);
        assert.strictEqual(await pruneDeadEntries(dir, [e], stale, { nowMs: CS_NOW + 20_001 }), 1);
      });

      it("heartbeatPeriodOf / heartbeatTimeoutOf: the entry's own period, 60 s without the field (older versions)", () => {
        assert.strictEqual(IDLE_HEARTBEAT_MS, 2 * REGISTRY_HEARTBEAT_MS);
        assert.strictEqual(heartbeatPeriodOf(entry(1, 1)), REGISTRY_HEARTBEAT_MS);
        assert.strictEqual(heartbeatTimeoutOf(entry(1, 1)), 3 * REGISTRY_HEARTBEAT_MS);
        assert.strictEqual(heartbeatTimeoutOf(entry(1, 1, { heartbeatMs: 120_000 })), 360_000);
        assert.strictEqual(heartbeatTimeoutOf({ heartbeatMs: 30_000 }), 90_000);
      });

      it('liveEntries counts an entry missing from the scan whose process is alive when re-read', () => {
        const e = entry(EXT_HOST, EXT_HOST_START, { updatedAtMs: old });
        assert.deepStrictEqual(liveEntries([e, entry(424242, 1)], stale), [e]);
      });

      it('the shell that window claims is not a target of "Kill Detached Older Than"', () => {
        // This window is some other extension host; the restarted window (EXT_HOST) claims the 1-hour-old shell.
        const e = entry(EXT_HOST, EXT_HOST_START, { terminalPids: [CS.serving], updatedAtMs: old });
        const model = terminalsModelOf(stale, { selfPid: 424243, windows: liveEntries([e], stale) });
        const uid = proc(snap, CS.serving).uid;
        const plan = planKillDetachedOlderThan(model, 30 * 60_000, { selfPid: 424243, selfUid: uid, nowMs: CS_NOW, home: '/home/coder' });
        assert.deepStrictEqual(
          plan.targets.map((t) => t.pid),
          [],
        );
        assert.ok(model.groups.flatMap((g) => g.shells).some((r) => r.shell.pid === CS.serving && r.status === 'attachedOther'));
      });
    });
  });
  describe("file modes (the registry names this window's terminals and folder: owner only)", () => {
    const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

    it('writes entries 0600 in a folder created 0700', async () => {
      const dir = newDir();
      await writeEntry(dir, entry(7, 1));
      assert.strictEqual(modeOf(dir).toString(8), '700');
      assert.strictEqual(modeOf(path.join(dir, entryFileName(7, 1))).toString(8), '600');
    });

    it('tightens an existing 0755 folder and replaces a 0644 entry with a 0600 one', async () => {
      const dir = newDir();
      fs.mkdirSync(dir, { mode: 0o755 });
      fs.chmodSync(dir, 0o755);
      const file = path.join(dir, entryFileName(7, 1));
      fs.writeFileSync(file, JSON.stringify(entry(7, 1)), { mode: 0o644 });
      fs.chmodSync(file, 0o644);
      await writeEntry(dir, entry(7, 1, { terminalPids: [4] }));
      assert.strictEqual(modeOf(dir).toString(8), '700');
      assert.strictEqual(modeOf(file).toString(8), '600');
      assert.deepStrictEqual(
        (await readEntries(dir)).entries.map((e) => e.terminalPids),
        [[4]],
      );
    });

    it('a folder removed after the first write is created again (0700) by the next one', async () => {
      const dir = newDir();
      await writeEntry(dir, entry(7, 1));
      fs.rmSync(dir, { recursive: true });
      await writeEntry(dir, entry(7, 1, { terminalPids: [5] }));
      assert.strictEqual(modeOf(dir).toString(8), '700');
      assert.deepStrictEqual(
        (await readEntries(dir)).entries.map((e) => e.terminalPids),
        [[5]],
      );
    });

    it('leaves no temp file behind when the rename fails', async () => {
      const dir = newDir();
      const blocker = path.join(dir, entryFileName(7, 1));
      fs.mkdirSync(path.join(blocker, 'sub'), { recursive: true }); // a non-empty folder where the entry should go
      await assert.rejects(writeEntry(dir, entry(7, 1)));
      assert.deepStrictEqual(fs.readdirSync(dir), [entryFileName(7, 1)]);
    });
  });
});
