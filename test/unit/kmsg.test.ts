import * as assert from 'assert';
import { EventEmitter } from 'events';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { KernelOomEvent } from '../../src/probes/kernelLog';
import {
  KmsgCursor,
  KmsgFollower,
  KmsgRecord,
  LineSplitter,
  SpawnReader,
  kmsgReadable,
  oomEventOfRecord,
  parseKmsgRecord,
} from '../../src/probes/kmsg';
import { FIXTURES } from './procFixtures';

const KMSG = path.join(path.dirname(FIXTURES), 'kmsg');
const records = (name: string): KmsgRecord[] =>
  fs
    .readFileSync(path.join(KMSG, name), 'utf8')
    .split('\n')
    .map(parseKmsgRecord)
    .filter((r): r is KmsgRecord => r !== undefined);

describe('parseKmsgRecord', () => {
  it('reads priority, facility, sequence, microseconds, flags and text', () => {
    assert.deepStrictEqual(parseKmsgRecord('3,424,3412599751,-;Memory cgroup out of memory: Killed process 30424 (node)'), {
      priority: 3,
      level: 3,
      facility: 0,
      seq: 424,
      usec: 3412599751,
      flags: '-',
      text: 'Memory cgroup out of memory: Killed process 30424 (node)',
    });
    assert.strictEqual(parseKmsgRecord('14,7,100,c;user message')?.facility, 1);
  });

  it('accepts extra header fields (caller=…) and decodes \\xNN escapes', () => {
    const r = parseKmsgRecord('6,3001,7000000000,-,caller=T123;task=my\\x20tool');
    assert.strictEqual(r?.seq, 3001);
    assert.strictEqual(r?.text, 'task=my tool');
  });

  it('skips continuation lines, comments and junk', () => {
    for (const line of [' SUBSYSTEM=memory', ' DEVICE=c1:11', '# comment', '', 'x,1,2,-;t', '6,1,2,-', '6,99999999999999999999,1,-;t'])
      assert.strictEqual(parseKmsgRecord(line), undefined, line);
  });

  it('never throws on any input', () => {
    fc.assert(fc.property(fc.string(), (s) => (parseKmsgRecord(s), true)));
  });
});

describe('oomEventOfRecord: real and older-kernel records', () => {
  const BOOT = 1_790_000_000_000;

  it('finds both lines of a real cgroup v1 memcg kill (kernel 6.18) and nothing else', () => {
    const events = records('memcg-6.18.txt')
      .map((r) => oomEventOfRecord(r, BOOT))
      .filter((e): e is KernelOomEvent => e !== undefined);
    assert.deepStrictEqual(
      events.map((e) => [e.kind, e.pid, e.comm, e.source]),
      [
        ['oom-kill', 30424, 'node', 'kmsg'],
        ['killed-process', 30424, 'node', 'kmsg'],
      ],
    );
    const [kill, killed] = events;
    assert.strictEqual(kill.cgroup, '/process_api/2f2370653a94f0517527f1861bdabd49/csops-fixture14');
    assert.strictEqual(kill.trigger, 'memcg');
    assert.strictEqual(kill.bootSeconds, 3412.599695);
    assert.strictEqual(kill.atMs, BOOT + 3412600);
    assert.strictEqual(killed.rssKb, 64640 + 33524);
    assert.strictEqual(killed.trigger, 'memcg');
  });

  it('reads global OOM, the old "Kill process … or sacrifice child" line and a caller= header', () => {
    const events = records('older-kernels.txt')
      .map((r) => oomEventOfRecord(r))
      .filter((e): e is KernelOomEvent => e !== undefined);
    assert.deepStrictEqual(
      events.map((e) => [e.kind, e.pid, e.comm, e.trigger]),
      [
        ['killed-process', 4242, 'java', 'global'],
        ['oom-kill', 777, 'chrome', 'global'],
        ['killed-process', 777, 'chrome', undefined],
        ['oom-kill', 31337, 'my tool', 'global'],
      ],
    );
    assert.strictEqual(events[0].atMs, undefined, 'no boot time: no wall-clock time');
    assert.strictEqual(events[1].score, 912);
  });
});

describe('LineSplitter and KmsgCursor (seek-to-end)', () => {
  it('joins records split across chunks', () => {
    const s = new LineSplitter();
    assert.deepStrictEqual(s.push('6,1,10,-;ab'), []);
    assert.deepStrictEqual(s.push('c\n6,2,20,-;d\n6,3'), ['6,1,10,-;abc', '6,2,20,-;d']);
    assert.deepStrictEqual(s.push(',30,-;e\n'), ['6,3,30,-;e']);
  });

  it('skips the backlog (stamped before the start) and sequence numbers already seen', () => {
    const c = new KmsgCursor(1000);
    const r = (seq: number, usec: number) => parseKmsgRecord(`6,${seq},${usec},-;x`) as KmsgRecord;
    assert.strictEqual(c.accept(r(1, 10)), false, 'backlog');
    assert.strictEqual(c.accept(r(2, 999)), false, 'backlog');
    assert.strictEqual(c.accept(r(3, 1000)), true);
    assert.strictEqual(c.accept(r(4, 2000)), true);
    // A restarted reader starts at the oldest record again.
    assert.strictEqual(c.accept(r(1, 10)), false);
    assert.strictEqual(c.accept(r(4, 2000)), false, 'seen');
    assert.strictEqual(c.accept(r(5, 2500)), true);
  });
});

/** A reader whose output the test writes. */
function fakeReader(): { spawn: SpawnReader; readers: { stdout: PassThrough; child: EventEmitter }[] } {
  const readers: { stdout: PassThrough; child: EventEmitter }[] = [];
  const spawn: SpawnReader = () => {
    const child = new EventEmitter() as EventEmitter & { stdout: PassThrough; stderr: PassThrough; kill(): boolean };
    child.stdout = new PassThrough();
    child.stderr = new PassThrough();
    child.kill = () => true;
    readers.push({ stdout: child.stdout, child });
    return child as unknown as ReturnType<SpawnReader>;
  };
  return { spawn, readers };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('KmsgFollower', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-kmsg-'));
    file = path.join(dir, 'kmsg');
    fs.writeFileSync(file, '');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports only new OOM records, and skips seen ones after a reader restart', async () => {
    const { spawn, readers } = fakeReader();
    const seen: number[] = [];
    const f = new KmsgFollower({ file, startUsec: 5000, spawnReader: spawn, restartDelayMs: 1, onEvent: (e) => seen.push(e.pid) });
    assert.strictEqual(f.start().following, true);
    readers[0].stdout.write('3,1,100,-;Out of memory: Killed process 11 (old) total-vm:1kB\n'); // backlog
    readers[0].stdout.write('3,2,6000,-;Out of memory: Killed process 22 (new) total-vm:1kB\n6,3,6100,-;hello\n');
    await tick();
    assert.deepStrictEqual(seen, [22]);
    readers[0].child.emit('exit', 1, null); // e.g. EPIPE when the ring buffer overran the reader
    assert.strictEqual(f.status.following, false);
    assert.match(f.status.reason ?? '', /restarting/);
    await new Promise((r) => setTimeout(r, 20));
    assert.strictEqual(readers.length, 2);
    readers[1].stdout.write('3,2,6000,-;Out of memory: Killed process 22 (new) total-vm:1kB\n');
    readers[1].stdout.write('3,4,7000,-;oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/a,task=node,pid=33,uid=0\n');
    await tick();
    assert.deepStrictEqual(seen, [22, 33]);
    assert.deepStrictEqual([f.status.records, f.status.events, f.status.restarts], [5, 2, 1]);
    f.stop();
    readers[1].child.emit('exit', null, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    assert.strictEqual(readers.length, 2, 'no restart after stop()');
  });

  it('gives up after maxRestarts and says why', async () => {
    const { spawn, readers } = fakeReader();
    const f = new KmsgFollower({ file, startUsec: 0, spawnReader: spawn, maxRestarts: 0, onEvent: () => undefined });
    f.start();
    readers[0].child.emit('exit', 1, null);
    assert.strictEqual(f.status.following, false);
    assert.match(f.status.reason ?? '', /gave up after 0 restarts/);
  });

  it('is not available when the file cannot be opened, with the reason', () => {
    const f = new KmsgFollower({ file: path.join(dir, 'missing'), onEvent: () => undefined });
    const s = f.start();
    assert.strictEqual(s.following, false);
    assert.match(s.reason ?? '', /ENOENT/);
    assert.deepStrictEqual(kmsgReadable(file), { ok: true });
  });

  it('follows a real reader process (cat) of a record file', async () => {
    fs.writeFileSync(file, '6,1,10,-;boot\n3,2,9000000,-;Memory cgroup out of memory: Killed process 4711 (node) total-vm:10kB\n');
    const events: KernelOomEvent[] = [];
    const f = new KmsgFollower({ file, startUsec: 1000, maxRestarts: 0, bootTimeMs: 0, onEvent: (e) => events.push(e) });
    f.start();
    for (let i = 0; i < 100 && f.status.following; i++) await new Promise((r) => setTimeout(r, 20));
    f.stop();
    assert.deepStrictEqual(
      events.map((e) => [e.pid, e.comm, e.atMs]),
      [[4711, 'node', 9000]],
    );
  });
});
