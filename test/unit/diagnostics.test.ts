import * as assert from 'assert';
import { Diagnostics, redactDiagnostics, redactPath, validateDiagnostics } from '../../src/features/diagnostics/report';

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
      shells: [{ pid: 10946, name: 'sleep 1000', status: 'detached', ageMs: 1000, rssBytes: 4096, cwd: `${HOME}/ws/secret-project`, argv: ['/usr/bin/bash', '--init-file', `${HOME}/x.sh`] }],
      unregisteredExtensionHosts: [],
    },
    extensions: { dir: `${HOME}/.local/share/code-server/extensions`, folders: [{ name: 'a.b-1.0.0', cls: 'unreferenced', bytes: 10, reason: 'not referenced' }] },
    memory: { samples: [{ t: 1, extHostRss: 2 }], oomEvents: [], sources: ['cgroup v1 at /sys/fs/cgroup/memory/x'], lifecycle: [{ pid: 1, end: 'clean' }] },
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

  it('never exports a secret from row names, the audit tail, settings or lifecycle, redacted or not', () => {
    const d = sample();
    d.terminals.shells.push({
      pid: 11, name: 'mysql -uroot -pHUNTER2 app', status: 'detached', ageMs: 1, rssBytes: 1, argv: ['mysql', '-uroot', '-pHUNTER2', 'app'],
    });
    d.auditTail.push(
      JSON.stringify({ action: 'kill-processes', targets: [{ name: 'claude --api-key=sk-ant-api03-AbCdEfGh1234567890', result: 'exited' }] }),
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

