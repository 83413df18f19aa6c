import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LEADER_FILE, releaseLead, tryLead } from '../../src/probes/policy/leader';
import { checkPid } from '../../src/probes/windowRegistry';
import { parseStat } from '../../src/probes/procParsers';

function starttimeOf(pid: number): number {
  const s = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (!s.ok) throw new Error(s.error);
  return s.value.starttime;
}

const realCheck = (pid: number, starttime: number) => checkPid(pid, starttime);

describe('policies: one runner per server (leader lock)', () => {
  let dir = '';
  const children: cp.ChildProcess[] = [];
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-leader-'))));
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  /** A real second "window": a child process we spawned, with its real start time. */
  function spawnWindow(): { child: cp.ChildProcess; self: { pid: number; starttime: number } } {
    const child = cp.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(child);
    const pid = child.pid as number;
    return { child, self: { pid, starttime: starttimeOf(pid) } };
  }

  it('two live windows: exactly one leads, repeatedly, and the other names the holder', () => {
    const a = { pid: process.pid, starttime: starttimeOf(process.pid) };
    const b = spawnWindow().self;
    assert.deepStrictEqual(tryLead(dir, a, realCheck), { leader: true });
    for (let i = 0; i < 3; i++) {
      assert.deepStrictEqual(tryLead(dir, a, realCheck), { leader: true });
      const rb = tryLead(dir, b, realCheck);
      assert.strictEqual(rb.leader, false);
      assert.deepStrictEqual(!rb.leader && rb.holder, a);
    }
    assert.strictEqual((fs.statSync(path.join(dir, LEADER_FILE)).mode & 0o777).toString(8), '600');
  });

  it('takes over only once the holder is provably gone (re-read stat), not while it lives', async () => {
    const w = spawnWindow();
    const me = { pid: process.pid, starttime: starttimeOf(process.pid) };
    assert.deepStrictEqual(tryLead(dir, w.self, realCheck), { leader: true });
    assert.strictEqual(tryLead(dir, me, realCheck).leader, false);
    // Verify the child is still the process we spawned before signalling it, by pid + start time.
    assert.strictEqual(checkPid(w.self.pid, w.self.starttime), 'alive');
    const exited = new Promise((r) => w.child.once('exit', r));
    w.child.kill('SIGKILL');
    await exited;
    assert.strictEqual(checkPid(w.self.pid, w.self.starttime), 'gone');
    assert.deepStrictEqual(tryLead(dir, me, realCheck), { leader: true });
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, LEADER_FILE), 'utf8')), me);
    assert.deepStrictEqual(fs.readdirSync(dir), [LEADER_FILE], 'no stale file left behind');
  });

  it('a holder whose pid was reused (other start time) is gone; an unknown liveness is never taken over', () => {
    const me = { pid: 1000, starttime: 5 };
    fs.writeFileSync(path.join(dir, LEADER_FILE), JSON.stringify({ pid: 2000, starttime: 7 }));
    assert.strictEqual(tryLead(dir, me, () => 'unknown').leader, false);
    assert.strictEqual(tryLead(dir, me, () => 'alive').leader, false);
    assert.deepStrictEqual(
      tryLead(dir, me, () => 'gone'),
      { leader: true },
    );
  });

  it('never takes over an unparsable lock', () => {
    fs.writeFileSync(path.join(dir, LEADER_FILE), 'garbage');
    const r = tryLead(dir, { pid: 1, starttime: 1 }, () => 'gone');
    assert.strictEqual(r.leader, false);
    assert.match(!r.leader ? r.why : '', /cannot be read or parsed/);
  });

  it('a takeover race: the window that renamed a fresh lock aside puts it back and does not lead', () => {
    const dead = { pid: 2000, starttime: 7 };
    const fast = { pid: 3000, starttime: 9 };
    const slow = { pid: 4000, starttime: 11 };
    const file = path.join(dir, LEADER_FILE);
    fs.writeFileSync(file, JSON.stringify(dead));
    // slow checks the dead holder; before it renames, fast takes over (simulated inside the check).
    const r = tryLead(dir, slow, (pid) => {
      if (pid === dead.pid) {
        assert.deepStrictEqual(
          tryLead(dir, fast, () => 'gone'),
          { leader: true },
        );
        return 'gone';
      }
      return 'alive';
    });
    assert.strictEqual(r.leader, false);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, 'utf8')), fast);
    assert.deepStrictEqual(fs.readdirSync(dir), [LEADER_FILE]);
  });

  it('release gives up only its own lock', () => {
    const a = { pid: 10, starttime: 1 };
    const b = { pid: 11, starttime: 1 };
    assert.deepStrictEqual(
      tryLead(dir, a, () => 'alive'),
      { leader: true },
    );
    releaseLead(dir, b);
    assert.ok(fs.existsSync(path.join(dir, LEADER_FILE)));
    releaseLead(dir, a);
    assert.ok(!fs.existsSync(path.join(dir, LEADER_FILE)));
    assert.deepStrictEqual(
      tryLead(dir, b, () => 'alive'),
      { leader: true },
    );
  });
});
