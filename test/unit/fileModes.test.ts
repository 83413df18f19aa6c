// Files with host and window details (memory history, lifecycle records, the audit log) are private to the user:
// written 0600, in folders created 0700 — also when an older version left a 0644 file behind.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditLog } from '../../src/core/audit';
import { writeLifecycle } from '../../src/probes/lifecycle';
import { MemoryHistory } from '../../src/probes/memoryHistory';

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

describe('file modes of persisted state', () => {
  let dir: string;
  let umask: number;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-modes-'));
    umask = process.umask(0o022); // the usual umask, whatever the test runner has
  });
  after(() => {
    process.umask(umask);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('memory history: the file is 0600 and a folder it creates 0700, replacing an older 0644 file', async () => {
    const folder = path.join(dir, 'history', 'deep');
    const file = path.join(folder, 'memory-history.json');
    const h = new MemoryHistory({ historyMinutes: 60 });
    h.add({ t: 1, extHostRss: 2 });
    assert.deepStrictEqual(await h.saveAtomically(file), { ok: true });
    assert.strictEqual(modeOf(file), 0o600);
    assert.strictEqual(modeOf(folder), 0o700);
    assert.strictEqual(modeOf(path.dirname(folder)), 0o700);
    fs.chmodSync(file, 0o644);
    assert.deepStrictEqual(await h.saveAtomically(file), { ok: true });
    assert.strictEqual(modeOf(file), 0o600);
  });

  it('lifecycle: the file is 0600 and a folder it creates 0700', async () => {
    const folder = path.join(dir, 'lifecycle');
    assert.deepStrictEqual(await writeLifecycle(folder, 'w', [{ pid: 5, starttime: 6, startedAtMs: 7, cleanEnd: false }]), { ok: true });
    const [name] = fs.readdirSync(folder);
    assert.strictEqual(modeOf(path.join(folder, name)), 0o600);
    assert.strictEqual(modeOf(folder), 0o700);
  });

  it('audit log: created 0600 in a 0700 folder; an existing 0644 log is made 0600 on the next append', async () => {
    const folder = path.join(dir, 'audit');
    const file = path.join(folder, 'audit.jsonl');
    const sink = { info: () => undefined, warn: (m: string) => assert.fail(m) };
    const entry = { action: 'a', planId: 'p', outcome: 'done' as const, message: 'm', targets: [], notTargeted: [] };
    await new AuditLog(file, sink).record(entry);
    assert.strictEqual(modeOf(file), 0o600);
    assert.strictEqual(modeOf(folder), 0o700);
    fs.chmodSync(file, 0o644);
    await new AuditLog(file, sink).record(entry);
    assert.strictEqual(modeOf(file), 0o600);
    assert.strictEqual(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 2, 'nothing lost');
  });
});
