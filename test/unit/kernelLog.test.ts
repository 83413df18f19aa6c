import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ExecFn,
  ExecResult,
  KernelOomEvent,
  nodeExec,
  parseJournalJson,
  parseKernelLog,
  parseKernelOomLine,
  readKernelOomEvents,
  summarizeOomKills,
} from '../../src/probes/kernelLog';
import { FIXTURES } from './procFixtures';

const LOGS = path.join(path.dirname(FIXTURES), 'kernel-log');
const log = (name: string): string => fs.readFileSync(path.join(LOGS, name), 'utf8');

/** Boot time that puts `[ 1234.560100]` at the journal's 2025-11-22T17:54:28.560100Z. */
const BOOT_MS = Date.UTC(2025, 10, 22, 17, 54, 28, 560) - 1234560;

/** The fields a test compares (message and the time fields left out unless asked for). */
const core = (e: KernelOomEvent) => ({ kind: e.kind, pid: e.pid, comm: e.comm });

describe('parseKernelLog: dmesg with [ seconds] stamps (memcg OOM)', () => {
  const events = parseKernelLog(log('dmesg-memcg.txt'), { bootTimeMs: BOOT_MS, source: 'dmesg' });

  it('finds the oom-kill and Killed process lines only (not oom-killer, oom_reaper, task tables)', () => {
    assert.deepStrictEqual(events.map(core), [
      { kind: 'oom-kill', pid: 11067, comm: 'node' },
      { kind: 'killed-process', pid: 11067, comm: 'node' },
      { kind: 'oom-kill', pid: 20202, comm: 'my (weird) proc' },
      { kind: 'killed-process', pid: 20202, comm: 'my (weird) proc' },
    ]);
  });

  it('reads every field of an oom-kill line', () => {
    assert.deepStrictEqual(events[0], {
      kind: 'oom-kill',
      pid: 11067,
      comm: 'node',
      uid: 0,
      constraint: 'CONSTRAINT_MEMCG',
      oomCgroup: '/test/x',
      cgroup: '/test/x',
      trigger: 'memcg',
      source: 'dmesg',
      time: 1234.5601,
      bootSeconds: 1234.5601,
      atMs: BOOT_MS + 1234560,
      message:
        'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/test/x,task_memcg=/test/x,task=node,pid=11067,uid=0',
    });
  });

  it('reads every field of a Killed process line', () => {
    const { message, ...rest } = events[1];
    assert.match(message, /^Memory cgroup out of memory: Killed process 11067 \(node\)/);
    assert.deepStrictEqual(rest, {
      kind: 'killed-process',
      pid: 11067,
      comm: 'node',
      trigger: 'memcg',
      totalVmKb: 1234116,
      anonRssKb: 65536,
      fileRssKb: 1234,
      shmemRssKb: 0,
      rssKb: 66770,
      uid: 0,
      oomScoreAdj: 0,
      source: 'dmesg',
      time: 1234.56014,
      bootSeconds: 1234.56014,
      atMs: Math.round(BOOT_MS + 1234560.14),
    });
  });

  it('keeps a comm with spaces and parentheses, and a cgroup path with @ and dots', () => {
    assert.strictEqual(events[2].cgroup, '/user.slice/user-1000.slice/user@1000.service/app.slice/code-server.service');
    assert.deepStrictEqual([events[3].anonRssKb, events[3].rssKb, events[3].oomScoreAdj, events[3].uid], [402112, 411328, 200, 1000]);
  });

  it('without a boot time the events have no atMs, only seconds since boot', () => {
    const e = parseKernelLog(log('dmesg-memcg.txt'))[0];
    assert.deepStrictEqual([e.time, e.bootSeconds, e.atMs, e.source], [1234.5601, 1234.5601, undefined, 'text']);
  });
});

describe('parseKernelLog: other formats', () => {
  it('dmesg -T: wall-clock text as time, global OOM, comm with a space', () => {
    const events = parseKernelLog(log('dmesg-T-global.txt'));
    assert.deepStrictEqual(events.map(core), [
      { kind: 'oom-kill', pid: 4242, comm: 'java' },
      { kind: 'killed-process', pid: 4242, comm: 'java' },
      { kind: 'killed-process', pid: 5151, comm: 'Web Content' },
    ]);
    assert.strictEqual(events[0].time, 'Sat Nov 22 17:54:28 2025');
    assert.strictEqual(events[0].atMs, new Date(2025, 10, 22, 17, 54, 28).getTime()); // dmesg -T prints local time
    assert.strictEqual(events[0].bootSeconds, undefined);
    assert.deepStrictEqual(
      [events[0].trigger, events[0].constraint, events[0].oomCgroup, events[0].cgroup],
      ['global', 'CONSTRAINT_NONE', undefined, '/user.slice/user-1000.slice/session-2.scope'],
    );
    assert.deepStrictEqual([events[1].trigger, events[1].rssKb, events[1].shmemRssKb], ['global', 3145728 + 2048 + 512, 512]);
  });

  it('syslog and ISO prefixes (kern.log, journalctl short/short-iso); lines of other programs are ignored', () => {
    const events = parseKernelLog(log('kern-log-syslog.txt'), { bootTimeMs: 0 });
    assert.deepStrictEqual(events.map(core), [
      { kind: 'oom-kill', pid: 11067, comm: 'node' },
      { kind: 'killed-process', pid: 11067, comm: 'node' },
      { kind: 'killed-process', pid: 812, comm: 'esbuild' },
      { kind: 'killed-process', pid: 6060, comm: 'python3' },
    ]);
    // Syslog text has no year: time is the text; the [ stamp ] still gives bootSeconds (and atMs from the boot time).
    assert.deepStrictEqual(
      [events[0].time, events[0].bootSeconds, events[0].atMs, events[0].cgroup],
      ['Nov 22 17:54:28', 1234.5601, 1234560, '/docker/3f2a'],
    );
    assert.deepStrictEqual([events[2].time, events[2].bootSeconds, events[2].atMs], ['Nov  3 04:05:06', undefined, undefined]);
    assert.deepStrictEqual(
      [events[3].time, events[3].atMs, events[3].trigger],
      ['2025-11-22T17:56:10.123456+00:00', Date.UTC(2025, 10, 22, 17, 56, 10, 123), 'global'],
    );
  });

  it('old kernels: "Kill process … score S or sacrifice child" is the oom-kill, "Killed process" without a prefix the kill', () => {
    const events = parseKernelLog(log('dmesg-old-kernel.txt'));
    assert.deepStrictEqual(events.map(core), [
      { kind: 'oom-kill', pid: 1234, comm: 'chrome' },
      { kind: 'killed-process', pid: 1234, comm: 'chrome' },
      { kind: 'oom-kill', pid: 2345, comm: 'node' },
      { kind: 'killed-process', pid: 2345, comm: 'node' },
    ]);
    assert.deepStrictEqual([events[0].score, events[0].trigger, events[2].score, events[2].trigger], [300, 'global', 998, 'memcg']);
    assert.deepStrictEqual([events[1].trigger, events[1].anonRssKb, events[1].shmemRssKb, events[1].rssKb], [undefined, 700000, 0, 730000]);
    assert.deepStrictEqual([events[3].shmemRssKb, events[3].rssKb, events[3].uid], [undefined, 532000, undefined]);
  });

  it('parseKernelOomLine: raw <level> and dmesg -x prefixes, CRLF, and a comm with commas in oom-kill', () => {
    const raw = parseKernelOomLine(
      '<3>[  5.000001] Out of memory: Killed process 77 (a) total-vm:1kB, anon-rss:2kB, file-rss:3kB, shmem-rss:4kB, UID:5 pgtables:6kB oom_score_adj:-17\r',
    );
    assert.deepStrictEqual(raw && [raw.pid, raw.comm, raw.rssKb, raw.oomScoreAdj, raw.time], [77, 'a', 9, -17, 5.000001]);
    const x = parseKernelOomLine(
      'kern  :err   : [ 9.5] Memory cgroup out of memory: Killed process 78 (b) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB',
    );
    assert.deepStrictEqual(x && [x.pid, x.comm, x.trigger, x.bootSeconds], [78, 'b', 'memcg', 9.5]);
    const commas = parseKernelOomLine(
      'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=a,b (c),pid=79,uid=1',
    );
    assert.deepStrictEqual(commas && [commas.comm, commas.pid, commas.uid, commas.cgroup, commas.trigger], [
      'a,b (c)',
      79,
      1,
      '/',
      'global',
    ]);
  });

  it('parseKernelOomLine: not an OOM line, or a malformed one → undefined', () => {
    for (const line of [
      '',
      '[ 1.0] oom_reaper: reaped process 1 (x), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB',
      '[ 1.0] node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
      '[ 1.0] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task=x,pid=abc,uid=0',
      '[ 1.0] Killed process 0 (swapper) total-vm:0kB',
      '[ 1.0] Killed process x (y) total-vm:0kB',
      'Nov 22 17:54:29 devbox systemd[1]: foo.service: Killed process 5 (sleep) total-vm:1kB',
    ]) {
      assert.strictEqual(parseKernelOomLine(line), undefined, line);
    }
  });
});

describe('parseJournalJson', () => {
  const parsed = parseJournalJson(log('journal-k.json'));

  it('reads string and byte-array MESSAGEs, counts entries and invalid lines', () => {
    assert.deepStrictEqual([parsed.entries, parsed.invalidLines], [7, 2]);
    assert.deepStrictEqual(parsed.events.map(core), [
      { kind: 'oom-kill', pid: 11067, comm: 'node' },
      { kind: 'killed-process', pid: 11067, comm: 'node' },
      { kind: 'killed-process', pid: 777, comm: 'café\t1' },
    ]);
  });

  it('takes the time from __REALTIME_TIMESTAMP (µs) and __MONOTONIC_TIMESTAMP', () => {
    const e = parsed.events[0];
    assert.deepStrictEqual(
      [e.atMs, e.time, e.bootSeconds, e.source],
      [Date.UTC(2025, 10, 22, 17, 54, 28, 560), '2025-11-22T17:54:28.560Z', 1234.5601, 'journal'],
    );
    assert.deepStrictEqual([parsed.events[2].trigger, parsed.events[2].anonRssKb], ['global', 400000]);
  });

  it('rejects entries whose fields have the wrong shape', () => {
    const bad = [
      JSON.stringify({ MESSAGE: 'Killed process 5 (x) total-vm:1kB', __REALTIME_TIMESTAMP: 12 }),
      JSON.stringify({ MESSAGE: [75, 300] }),
      JSON.stringify(['MESSAGE']),
      'null',
    ].join('\n');
    assert.deepStrictEqual(parseJournalJson(bad), { events: [], entries: 0, invalidLines: 4 });
  });
});

describe('summarizeOomKills', () => {
  it('merges the oom-kill and Killed process lines of one kill', () => {
    const kills = summarizeOomKills(parseKernelLog(log('dmesg-memcg.txt'), { bootTimeMs: BOOT_MS }));
    assert.strictEqual(kills.length, 2);
    assert.deepStrictEqual(
      [kills[0].pid, kills[0].comm, kills[0].kinds, kills[0].cgroup, kills[0].anonRssKb, kills[0].constraint],
      [11067, 'node', ['oom-kill', 'killed-process'], '/test/x', 65536, 'CONSTRAINT_MEMCG'],
    );
  });

  it('merges the same kill seen by the journal and by dmesg; keeps kills far apart in time separate', () => {
    const journal = parseJournalJson(log('journal-k.json')).events;
    const dmesg = parseKernelLog(log('dmesg-memcg.txt'), { bootTimeMs: BOOT_MS, source: 'dmesg' });
    const kills = summarizeOomKills([...journal, ...dmesg]);
    assert.deepStrictEqual(
      kills.map((k) => [k.pid, k.source]),
      [
        [11067, 'journal'],
        [777, 'journal'],
        [20202, 'dmesg'],
      ],
    );
    const later = dmesg.map((e) => ({ ...e, atMs: (e.atMs ?? 0) + 3_600_000 }));
    assert.strictEqual(summarizeOomKills([...dmesg, ...later]).length, 4);
  });
});

// ---- runner ----

interface Call {
  file: string;
  args: readonly string[];
  options: { timeoutMs: number; maxBytes: number };
}

/** An ExecFn answering per command, recording calls. */
function fakeExec(answers: Record<string, ExecResult | (() => Promise<ExecResult>)>): ExecFn & { calls: Call[] } {
  const calls: Call[] = [];
  const fn: ExecFn = async (file, args, options) => {
    calls.push({ file, args, options });
    const a = answers[file];
    if (a === undefined) return { stdout: '', stderr: '', error: { code: 'ENOENT', message: `spawn ${file} ENOENT` } };
    return typeof a === 'function' ? a() : a;
  };
  return Object.assign(fn, { calls });
}

const ENOENT = (file: string): ExecResult => ({ stdout: '', stderr: '', error: { code: 'ENOENT', message: `spawn ${file} ENOENT` } });
const BASE = { timeoutMs: 1000, maxBytes: 1 << 20, bootTimeMs: BOOT_MS };

describe('readKernelOomEvents with an injected exec', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-journal-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('asks journalctl (with --since in seconds) and dmesg, with the timeout and the output cap', async () => {
    const exec = fakeExec({ journalctl: { stdout: '', stderr: '' }, dmesg: { stdout: '', stderr: '' } });
    await readKernelOomEvents({ ...BASE, exec, since: 1763834000999, journalDirs: [] });
    const byFile = Object.fromEntries(exec.calls.map((c) => [c.file, c]));
    assert.deepStrictEqual(byFile.journalctl.args, ['-k', '-o', 'json', '--no-pager', '--since', '@1763834000']);
    assert.deepStrictEqual(byFile.dmesg.args, []);
    for (const c of exec.calls) assert.deepStrictEqual(c.options, { timeoutMs: 1000, maxBytes: 1 << 20 });
  });

  it('combines both sources, listing a kill seen by both once (the journal line)', async () => {
    const exec = fakeExec({
      journalctl: { stdout: log('journal-k.json'), stderr: '' },
      dmesg: { stdout: log('dmesg-memcg.txt'), stderr: '' },
    });
    const r = await readKernelOomEvents({ ...BASE, exec });
    assert.deepStrictEqual(
      r.events.map((e) => [e.kind, e.pid, e.source]),
      [
        ['oom-kill', 11067, 'journal'],
        ['killed-process', 11067, 'journal'],
        ['killed-process', 777, 'journal'],
        ['oom-kill', 20202, 'dmesg'],
        ['killed-process', 20202, 'dmesg'],
      ],
    );
    assert.deepStrictEqual(r.sources, [
      { name: 'journalctl', available: true, reason: '2 line(s) were not journal entries', events: 3 },
      { name: 'dmesg', available: true, events: 4 },
    ]);
  });

  it('drops dmesg events before `since`', async () => {
    const exec = fakeExec({ journalctl: ENOENT('journalctl'), dmesg: { stdout: log('dmesg-memcg.txt'), stderr: '' } });
    const r = await readKernelOomEvents({ ...BASE, exec, since: BOOT_MS + 2000_000 });
    assert.deepStrictEqual(
      r.events.map((e) => e.pid),
      [20202, 20202],
    );
  });

  it('drops journal events before `since` too (--since only has whole seconds)', async () => {
    const exec = fakeExec({ journalctl: { stdout: log('journal-k.json'), stderr: '' }, dmesg: ENOENT('dmesg') });
    const r = await readKernelOomEvents({ ...BASE, exec, since: Date.UTC(2025, 10, 22, 17, 54, 28, 561) });
    assert.deepStrictEqual(
      r.events.map((e) => e.pid),
      [777],
    );
    assert.strictEqual(r.sources[0].events, 1);
  });

  it('reports missing commands and EPERM honestly, never throwing', async () => {
    const exec = fakeExec({
      dmesg: {
        stdout: '',
        stderr: 'dmesg: read kernel buffer failed: Operation not permitted\n',
        error: { code: 1, message: 'Command failed: dmesg' },
      },
    });
    const r = await readKernelOomEvents({ ...BASE, exec });
    assert.deepStrictEqual(r, {
      events: [],
      sources: [
        { name: 'journalctl', available: false, reason: 'journalctl is not installed (not found on PATH)', events: 0 },
        {
          name: 'dmesg',
          available: false,
          events: 0,
          reason:
            'dmesg: read kernel buffer failed: Operation not permitted (exit code 1) (not permitted; kernel.dmesg_restrict=1 or no access to the journal?)',
        },
      ],
    });
  });

  it('journalctl "No journal files were found." makes it unavailable', async () => {
    for (const answer of [
      { stdout: '', stderr: 'No journal files were found.\n' },
      { stdout: '', stderr: 'No journal files were found.\n-- No entries --\n', error: { code: 1, message: 'Command failed' } },
    ]) {
      const r = await readKernelOomEvents({ ...BASE, exec: fakeExec({ journalctl: answer, dmesg: { stdout: '', stderr: '' } }) });
      assert.deepStrictEqual(r.sources[0], { name: 'journalctl', available: false, reason: 'No journal files were found', events: 0 });
      assert.deepStrictEqual(r.sources[1], { name: 'dmesg', available: true, reason: 'the kernel ring buffer is empty', events: 0 });
    }
  });

  it('no entries and no journal files on disk: unavailable; with journal files: available with a note', async () => {
    const exec = fakeExec({ journalctl: { stdout: '', stderr: '' }, dmesg: ENOENT('dmesg') });
    const none = await readKernelOomEvents({ ...BASE, exec, journalDirs: [path.join(tmp, 'absent'), tmp] });
    assert.deepStrictEqual(none.sources[0], {
      name: 'journalctl',
      available: false,
      reason: 'No journal files were found (is systemd-journald running?)',
      events: 0,
    });
    fs.mkdirSync(path.join(tmp, 'machine-id'));
    fs.writeFileSync(path.join(tmp, 'machine-id', 'system.journal'), '');
    const some = await readKernelOomEvents({ ...BASE, exec, since: 1, journalDirs: [tmp] });
    assert.deepStrictEqual(some.sources[0], {
      name: 'journalctl',
      available: true,
      reason: 'no kernel entries in the journal since then',
      events: 0,
    });
  });

  it('a user outside systemd-journal sees no kernel entries: unavailable with why', async () => {
    const stderr =
      "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n";
    const r = await readKernelOomEvents({ ...BASE, exec: fakeExec({ journalctl: { stdout: '', stderr }, dmesg: ENOENT('dmesg') }) });
    assert.strictEqual(r.sources[0].available, false);
    assert.match(r.sources[0].reason ?? '', /not permitted to read the system journal/);
  });

  it('a timeout or an output over maxBytes keeps the complete lines and says the output was cut', async () => {
    const journal = log('journal-k.json');
    const cut = journal.slice(0, journal.indexOf('Memory cgroup out of memory') + 10); // ends mid-line
    const exec = fakeExec({
      journalctl: { stdout: cut, stderr: '', error: { killed: true, signal: 'SIGTERM', message: 'Command failed' } },
      dmesg: {
        stdout: log('dmesg-memcg.txt').slice(0, 2600),
        stderr: '',
        error: { code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER', message: 'stdout maxBuffer length exceeded' },
      },
    });
    const r = await readKernelOomEvents({ ...BASE, exec });
    assert.deepStrictEqual(r.sources[0], {
      name: 'journalctl',
      available: true,
      truncated: true,
      reason: 'timed out after 1000 ms (SIGTERM)',
      events: 1,
    });
    assert.deepStrictEqual(r.sources[1], {
      name: 'dmesg',
      available: true,
      truncated: true,
      reason: `output larger than ${1 << 20} bytes; only the first part was read`,
      events: 2,
    });
    assert.deepStrictEqual(
      r.events.map((e) => [e.kind, e.pid, e.source]),
      [
        ['oom-kill', 11067, 'journal'],
        ['killed-process', 11067, 'dmesg'],
      ],
    );
  });

  it('a timeout without output is unavailable', async () => {
    const exec = fakeExec({
      journalctl: { stdout: '', stderr: '', error: { killed: true, signal: 'SIGTERM', message: 'x' } },
      dmesg: ENOENT('dmesg'),
    });
    const r = await readKernelOomEvents({ ...BASE, exec });
    assert.deepStrictEqual(r.sources[0], { name: 'journalctl', available: false, reason: 'timed out after 1000 ms (SIGTERM)', events: 0 });
  });

  it('an exec that rejects (breaking its contract) still gives a result', async () => {
    const exec = fakeExec({ journalctl: () => Promise.reject(new Error('boom')), dmesg: () => Promise.reject(new Error('bang')) });
    const r = await readKernelOomEvents({ ...BASE, exec });
    assert.deepStrictEqual(r, {
      events: [],
      sources: [
        { name: 'journalctl', available: false, reason: 'failed: boom', events: 0 },
        { name: 'dmesg', available: false, reason: 'failed: bang', events: 0 },
      ],
    });
  });
});

describe('nodeExec', () => {
  const node = process.execPath;

  it('returns stdout of a command', async () => {
    const r = await nodeExec(node, ['-e', 'process.stdout.write("hi")'], { timeoutMs: 5000, maxBytes: 1000 });
    assert.deepStrictEqual(r, { stdout: 'hi', stderr: '' });
  });

  it('kills a command at the timeout', async () => {
    const started = Date.now();
    const r = await nodeExec(node, ['-e', 'setTimeout(() => {}, 20000)'], { timeoutMs: 300, maxBytes: 1000 });
    assert.ok(Date.now() - started < 5000);
    assert.strictEqual(r.error?.killed, true);
    assert.strictEqual(r.error?.signal, 'SIGTERM');
  });

  it('stops at maxBytes', async () => {
    const r = await nodeExec(node, ['-e', 'process.stdout.write("x".repeat(100000))'], { timeoutMs: 5000, maxBytes: 1000 });
    assert.strictEqual(r.error?.code, 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER');
    assert.ok(r.stdout.length <= 1000);
  });

  it('a missing command is ENOENT, not a throw', async () => {
    const r = await nodeExec('/nonexistent/csops-no-such-tool', [], { timeoutMs: 1000, maxBytes: 1000 });
    assert.strictEqual(r.error?.code, 'ENOENT');
  });

  it('a failing command gives its exit code and stderr', async () => {
    const r = await nodeExec(node, ['-e', 'process.stderr.write("nope\\n"); process.exit(3)'], { timeoutMs: 5000, maxBytes: 1000 });
    assert.deepStrictEqual([r.error?.code, r.stderr], [3, 'nope\n']);
  });
});

describe('readKernelOomEvents on this machine', () => {
  it('returns events and one entry per source without throwing (bounded by the timeout)', async () => {
    const r = await readKernelOomEvents({ timeoutMs: 3000, maxBytes: 4 << 20, since: Date.now() - 3_600_000 });
    assert.deepStrictEqual(
      r.sources.map((s) => s.name),
      ['journalctl', 'dmesg'],
    );
    for (const s of r.sources) {
      assert.strictEqual(typeof s.available, 'boolean');
      if (!s.available) assert.ok(s.reason && s.reason.length > 0, JSON.stringify(s));
    }
    for (const e of r.events) assert.ok(Number.isSafeInteger(e.pid) && e.pid > 0);
  });
});
