import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Diagnostics,
  defaultExportFolder,
  diagnosticsText,
  redactDiagnostics,
  redactPath,
  settingsForReport,
  validateDiagnostics,
  workspaceFolderOf,
  writeDiagnosticsFile,
} from '../../src/features/diagnostics/report';

const HOME = '/home/coder';

function sample(): Diagnostics {
  return {
    version: 1,
    createdAt: '2026-11-23T16:00:00.000Z',
    redacted: false,
    versions: { extension: '0.1.0', editor: '1.139.1', appName: 'code-server', node: 'v24.21.0', platform: 'linux 6.1' },
    settings: { procRoot: '/proc', extensionsDir: `${HOME}/.local/share/code-server/extensions` },
    terminals: {
      available: true,
      shells: [
        {
          pid: 10946,
          name: 'sleep 1000',
          status: 'detached',
          ageMs: 1000,
          rssBytes: 4096,
          cwd: `${HOME}/ws/secret-project`,
          argv: ['/usr/bin/bash', '--init-file', `${HOME}/x.sh`],
        },
      ],
      unregisteredExtensionHosts: [],
    },
    extensions: {
      dir: `${HOME}/.local/share/code-server/extensions`,
      folders: [{ name: 'a.b-1.0.0', cls: 'unreferenced', bytes: 10, reason: 'not referenced' }],
    },
    memory: {
      samples: [{ t: 1, extHostRss: 2 }],
      oomEvents: [],
      sources: ['cgroup v1 at /sys/fs/cgroup/memory/x'],
      lifecycle: [{ pid: 1, end: 'clean' }],
    },
    auditTail: [`{"action":"kill-terminals","targets":[{"name":"bash","argv":["/usr/bin/bash","--token","s3cret"]}],"cwd":"${HOME}/ws"}`],
  };
}

describe('diagnostics export', () => {
  it('validates a complete report and rejects a broken one', () => {
    assert.ok(validateDiagnostics(sample()).ok);
    const broken = { ...sample(), version: 2 };
    const r = validateDiagnostics(broken);
    assert.ok(!r.ok && /version/.test(r.error));
    assert.ok(!validateDiagnostics({ ...sample(), terminals: { available: 'yes' } }).ok);
  });

  it('redacts the home folder everywhere and drops command-line arguments', () => {
    const out = redactDiagnostics(sample(), { redact: true, home: HOME });
    const text = JSON.stringify(out);
    assert.ok(!text.includes(HOME), text);
    assert.strictEqual(out.redacted, true);
    assert.deepStrictEqual(out.terminals.shells[0].argv, ['bash']);
    assert.strictEqual(out.terminals.shells[0].cwd, '~/ws/secret-project');
    assert.ok(!text.includes('s3cret'), 'arguments in the audit tail are dropped');
    assert.ok(validateDiagnostics(out).ok, 'a redacted report is still valid');
  });

  it('never exports the metrics token, redacted or not', () => {
    const settings = settingsForReport({ procRoot: '/proc', metricsToken: 'tok-s3cret', metricsPort: 9464 });
    assert.deepStrictEqual(settings, { procRoot: '/proc', metricsToken: '(set, not exported)', metricsPort: 9464 });
    assert.deepStrictEqual(settingsForReport({ metricsToken: '' }), { metricsToken: '' });
  });

  it('leaves the report untouched without redaction, but for secrets', () => {
    const clean = sample();
    clean.auditTail = [`{"action":"kill-terminals","targets":[{"name":"bash","argv":["/usr/bin/bash","--verbose"]}],"cwd":"${HOME}/ws"}`];
    assert.deepStrictEqual(redactDiagnostics(clean, { redact: false, home: HOME }), clean);
    const full = redactDiagnostics(sample(), { redact: false, home: HOME });
    assert.deepStrictEqual(full.terminals, sample().terminals);
    assert.strictEqual(full.auditTail[0], sample().auditTail[0].replace('"s3cret"', '"***"'));
  });

  it('redactPath handles a root or empty home', () => {
    assert.strictEqual(redactPath('/home/coder/x', '/'), '/home/coder/x');
    assert.strictEqual(redactPath('/home/coder/x', ''), '/home/coder/x');
    assert.strictEqual(redactPath('/home/coder/x and /home/coder/y', HOME), '~/x and ~/y');
  });

  it('never exports a secret from row names, the audit tail or other strings, redacted or not', () => {
    const d = sample();
    d.terminals.shells.push({
      pid: 11,
      name: 'mysql -uroot -pHUNTER2 app',
      status: 'detached',
      ageMs: 1,
      rssBytes: 1,
      argv: ['mysql', '-uroot', '-pHUNTER2', 'app'],
    });
    d.auditTail.push(
      JSON.stringify({
        action: 'kill-processes',
        targets: [{ name: 'claude --api-key=sk-ant-api03-AbCdEfGh1234567890', result: 'exited' }],
      }),
      'not json: curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"',
    );
    d.memory.sources.push('cgroup: https://me:ghp_0123456789abcdefABCDEF0123@github.com');
    for (const redact of [true, false]) {
      const text = JSON.stringify(redactDiagnostics(d, { redact, home: HOME }));
      for (const s of ['HUNTER2', 'AbCdEfGh1234567890', 'ghp_0123456789abcdefABCDEF0123', 'eyJhbGciOiJIUzI1NiJ9', 's3cret']) {
        assert.ok(!text.includes(s), `${s} exported (redact: ${redact}): ${text}`);
      }
    }
    const full = redactDiagnostics(d, { redact: false, home: HOME });
    assert.deepStrictEqual(full.terminals.shells[1].argv, ['mysql', '-uroot', '-p***', 'app'], 'Full keeps the arguments, not the secret');
    assert.strictEqual(full.terminals.shells[1].name, 'mysql -uroot -p*** app');
    assert.ok(validateDiagnostics(full).ok);
  });
});

describe('diagnostics export: where and how the file is written', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-diag-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the save dialog starts in the home folder, else the temp folder — never the workspace', () => {
    assert.strictEqual(
      defaultExportFolder(HOME, '/tmp', () => true),
      HOME,
    );
    assert.strictEqual(
      defaultExportFolder(HOME, '/tmp', () => false),
      '/tmp',
      'a missing home',
    );
    assert.strictEqual(
      defaultExportFolder('/', '/tmp', () => true),
      '/tmp',
    );
    assert.strictEqual(
      defaultExportFolder('', '/tmp', () => true),
      '/tmp',
    );
  });

  it('tells a target inside a workspace folder (to be confirmed) from one outside', () => {
    const ws = [`${HOME}/ws/app`, `${HOME}/other`];
    assert.strictEqual(workspaceFolderOf(`${HOME}/ws/app/diag.json`, ws), `${HOME}/ws/app`);
    assert.strictEqual(workspaceFolderOf(`${HOME}/ws/app/sub/../diag.json`, ws), `${HOME}/ws/app`);
    assert.strictEqual(workspaceFolderOf(`${HOME}/diag.json`, ws), undefined);
    assert.strictEqual(workspaceFolderOf(`${HOME}/ws/app-2/diag.json`, ws), undefined, 'a sibling with the same prefix');
    assert.strictEqual(workspaceFolderOf(`${HOME}/ws/app/diag.json`, []), undefined);
  });

  it('writes the report 0600, replacing an older file whole', async () => {
    const file = path.join(dir, 'diag.json');
    fs.writeFileSync(file, 'old', { mode: 0o644 });
    const text = diagnosticsText(sample(), { redact: true, home: HOME });
    assert.ok(text.ok);
    assert.deepStrictEqual(await writeDiagnosticsFile(file, text.text), { ok: true });
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, 'utf8')), redactDiagnostics(sample(), { redact: true, home: HOME }));
    assert.deepStrictEqual(fs.readdirSync(dir), ['diag.json'], 'no temp file left');
  });

  it('a write that fails reports the error, leaves the old file and no temp file', async () => {
    const missing = path.join(dir, 'no-such-folder', 'diag.json');
    const r = await writeDiagnosticsFile(missing, '{}');
    assert.deepStrictEqual(r, { ok: false, error: `${missing}: ENOENT` });
    const blocked = path.join(dir, 'blocked');
    fs.mkdirSync(blocked);
    fs.writeFileSync(path.join(blocked, 'diag.json'), 'old');
    fs.chmodSync(blocked, 0o500);
    try {
      if (process.getuid?.() === 0) return; // root writes anyway
      const e = await writeDiagnosticsFile(path.join(blocked, 'diag.json'), '{}');
      assert.ok(!e.ok && /EACCES/.test(e.error), JSON.stringify(e));
      assert.deepStrictEqual(fs.readdirSync(blocked), ['diag.json']);
      assert.strictEqual(fs.readFileSync(path.join(blocked, 'diag.json'), 'utf8'), 'old');
    } finally {
      fs.chmodSync(blocked, 0o700);
    }
  });

  it('refuses to produce an invalid report', () => {
    const r = diagnosticsText({ ...sample(), version: 2 } as unknown as Diagnostics, { redact: false, home: HOME });
    assert.ok(!r.ok && /version/.test(r.error));
  });
});
