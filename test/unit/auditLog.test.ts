import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditEntry, AuditLog, LogSink, auditTargets } from '../../src/core/audit';
import { ProcessTarget, TargetResult } from '../../src/core/safety';
import { processTarget } from './procFixtures';

/** A LogSink that keeps what it is told. */
function fakeSink() {
  const info: string[] = [];
  const warn: string[] = [];
  const sink: LogSink = { info: (m) => info.push(m), warn: (m) => warn.push(m) };
  return { sink, info, warn };
}

const entry = (fields: Partial<Omit<AuditEntry, 'time'>> = {}): Omit<AuditEntry, 'time'> => ({
  action: 'kill-terminals',
  planId: 'kill-terminals-1-1',
  outcome: 'done',
  message: 'Killed 1 terminal, freed 60 MB',
  targets: [{ pid: 100, starttime: 1100, uid: 1000, name: 'bash', result: 'exited after SIGHUP' }],
  notTargeted: [{ pid: 10922, name: 'pid 10922', because: 'the ptyHost process is protected' }],
  ...fields,
});

const readLines = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n');

describe('AuditLog', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-audit-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per record, creating the folder, readable only by the owner', async () => {
    const file = path.join(dir, 'new', 'folder', 'audit.jsonl');
    const { sink, warn } = fakeSink();
    const startedMs = Date.now();
    await new AuditLog(file, sink).record(entry());
    const lines = readLines(file);
    assert.strictEqual(lines.length, 2); // one line and the final newline
    assert.strictEqual(lines[1], '');
    const written = JSON.parse(lines[0]) as AuditEntry;
    assert.deepStrictEqual({ ...written, time: undefined }, { ...entry(), time: undefined });
    const time = Date.parse(written.time);
    assert.ok(time >= startedMs && time <= Date.now() && written.time === new Date(time).toISOString(), written.time);
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepStrictEqual(warn, []);
  });

  it('appends: two records are two parseable lines, in order', async () => {
    const file = path.join(dir, 'append.jsonl');
    const log = new AuditLog(file, fakeSink().sink);
    await log.record(entry({ planId: 'first' }));
    await log.record(entry({ planId: 'second', outcome: 'refused', message: 'the preview expired', targets: [], notTargeted: [] }));
    const lines = readLines(file).filter((l) => l !== '');
    assert.strictEqual(lines.length, 2);
    const [a, b] = lines.map((l) => JSON.parse(l) as AuditEntry);
    for (const e of [a, b])
      assert.deepStrictEqual(Object.keys(e).sort(), ['action', 'message', 'notTargeted', 'outcome', 'planId', 'targets', 'time']);
    assert.deepStrictEqual([a.planId, a.outcome, a.targets.length, a.notTargeted.length], ['first', 'done', 1, 1]);
    assert.deepStrictEqual(
      [b.planId, b.outcome, b.message, b.targets, b.notTargeted],
      ['second', 'refused', 'the preview expired', [], []],
    );
    assert.strictEqual(a.action, 'kill-terminals');
  });

  it('mirrors every record, target and not-targeted pid to the sink', async () => {
    const { sink, info, warn } = fakeSink();
    await new AuditLog(path.join(dir, 'mirror.jsonl'), sink).record(entry());
    assert.deepStrictEqual(info, [
      '[audit] kill-terminals: Killed 1 terminal, freed 60 MB',
      '[audit]   bash (pid=100 starttime=1100 uid=1000): exited after SIGHUP',
      '[audit]   pid 10922 (pid 10922): not targeted, the ptyHost process is protected',
    ]);
    assert.deepStrictEqual(warn, []);
  });

  it('warns through the sink and does not throw when the file cannot be written', async () => {
    const regular = path.join(dir, 'a-regular-file');
    fs.writeFileSync(regular, 'x');
    const file = path.join(regular, 'audit.jsonl'); // a folder would have to be created inside a file
    const { sink, info, warn } = fakeSink();
    await new AuditLog(file, sink).record(entry());
    assert.strictEqual(warn.length, 1);
    assert.ok(warn[0].startsWith(`could not append to the audit log ${file}: `), warn[0]);
    assert.match(warn[0], /ENOTDIR|EEXIST/);
    assert.strictEqual(info.length, 3); // still mirrored
    assert.strictEqual(fs.readFileSync(regular, 'utf8'), 'x');
  });
});

describe('auditTargets', () => {
  it('maps each outcome to a result string', () => {
    const t = (pid: number) => processTarget(pid, { name: `bash${pid}` });
    const results: TargetResult<ProcessTarget>[] = [
      { target: t(1), outcome: { kind: 'done', how: 'killed with SIGKILL after 3 s' } },
      { target: t(2), outcome: { kind: 'skipped', because: 'pid reused by another process' } },
      { target: t(3), outcome: { kind: 'failed', error: 'permission denied (EPERM)' } },
    ];
    assert.deepStrictEqual(auditTargets(results), [
      { pid: 1, starttime: 1001, uid: 1000, name: 'bash1', result: 'killed with SIGKILL after 3 s' },
      { pid: 2, starttime: 1002, uid: 1000, name: 'bash2', result: 'skipped: pid reused by another process' },
      { pid: 3, starttime: 1003, uid: 1000, name: 'bash3', result: 'failed: permission denied (EPERM)' },
    ]);
    assert.deepStrictEqual(auditTargets([]), []);
  });
});

describe('AuditLog redaction', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-audit-redact-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const SECRETS = [
    'HUNTER2',
    'sk-ant-api03-AbCdEfGh1234567890',
    'ghp_0123456789abcdefABCDEF0123',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
  ];

  it('scrubs secrets from every string it writes to the file and the sink', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const { sink, info, warn } = fakeSink();
    await new AuditLog(file, sink).record(
      entry({
        message: 'Killed 1 process (curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")',
        targets: [
          { pid: 100, starttime: 1100, uid: 1000, name: 'mysql -uroot -pHUNTER2 app', result: 'exited after SIGTERM' },
          { pid: 101, starttime: 1101, uid: 1000, name: 'claude --api-key=sk-ant-api03-AbCdEfGh1234567890', result: 'exited' },
        ],
        notTargeted: [{ pid: 102, name: 'git push https://me:ghp_0123456789abcdefABCDEF0123@github.com/x', because: 'protected' }],
      }),
    );
    const written = fs.readFileSync(file, 'utf8');
    const logged = [...info, ...warn].join('\n');
    for (const s of SECRETS) {
      assert.ok(!written.includes(s), `${s} in the audit file: ${written}`);
      assert.ok(!logged.includes(s), `${s} in the output channel: ${logged}`);
    }
    const line = JSON.parse(written.trim()) as AuditEntry;
    assert.strictEqual(line.targets[0].name, 'mysql -uroot -p*** app', 'the program and other arguments stay readable');
    assert.strictEqual(line.targets[0].pid, 100);
    assert.strictEqual(line.targets[1].name, 'claude --api-key=***');
    assert.strictEqual(line.notTargeted[0].name, 'git push https://***@github.com/x');
  });
});
