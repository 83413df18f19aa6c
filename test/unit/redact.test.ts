import * as assert from 'assert';
import { planKillProcesses } from '../../src/features/terminals/leftoversPlan';
import { planKillTerminals } from '../../src/features/terminals/plan';
import { previewText } from '../../src/core/safety';
import { commandLabel, fullCommand } from '../../src/probes/format';
import { REDACTED, commandLineText, redactArgv, scrubDeep, scrubSecrets } from '../../src/probes/redact';
import { classifyTopology } from '../../src/probes/topology';
import { CS, CS_NOW, editSnapshot, proc, scanFixture, terminalsModelOf } from './procFixtures';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('redact: command lines as text', () => {
  it('hides the values of secret-named flags, in both = and separate forms', () => {
    assert.deepStrictEqual(redactArgv(['claude', '--api-key=sk-ant-api03-xyz', '--token', 'abc123', '--verbose']), [
      'claude',
      '--api-key=***',
      '--token',
      '***',
      '--verbose',
    ]);
    assert.deepStrictEqual(redactArgv(['x', '--password', '--weird-pw', '--client-secret=s', '-auth=a', 'OPENAI_API_KEY=k']), [
      'x',
      '--password',
      '***',
      '--client-secret=***',
      '-auth=***',
      'OPENAI_API_KEY=***',
    ]);
  });

  it('hides -p<password>, curl -u user:password and secret headers', () => {
    assert.strictEqual(commandLineText(['mysql', '-uroot', '-pHUNTER2', 'app']), 'mysql -uroot -p*** app');
    assert.strictEqual(
      commandLineText(['curl', '-u', 'me:pw1234', '-H', 'X-Api-Key: k123', 'https://x']),
      'curl -u me:*** -H X-Api-Key: *** https://x',
    );
    assert.strictEqual(commandLineText(['curl', '-H', `Authorization: Bearer ${JWT}`]), 'curl -H Authorization: ***');
  });

  it('hides known token shapes anywhere, and URL credentials', () => {
    const argv = ['git', 'push', 'https://me:ghp_0123456789abcdefABCDEF0123456789abcd@github.com/o/r', 'gho_0123456789abcdef0123'];
    assert.strictEqual(commandLineText(argv), 'git push https://***@github.com/o/r ***');
    const tokens = [
      'sk-proj-0123456789abcdefXYZ',
      'github_pat_11ABCDEFG0123456789_abcdefghij',
      'xoxb-1234-5678-abcdefgh',
      'AKIAIOSFODNN7EXAMPLE',
      JWT,
    ];
    for (const t of tokens) {
      assert.strictEqual(commandLineText(['tool', t]), `tool ${REDACTED}`, t);
      assert.strictEqual(scrubSecrets(`sh -c "run ${t} now"`), `sh -c "run ${REDACTED} now"`, t);
    }
  });

  it('scrubs joined command lines (sh -c, npm titles, log lines) and is idempotent', () => {
    const text = `sh -c mysql -pHUNTER2 --password "two words" API_TOKEN=t0k curl -H 'Authorization: Bearer abc.def' postgres://u:p@db/x`;
    const out = scrubSecrets(text);
    assert.strictEqual(out, `sh -c mysql -p*** --password *** API_TOKEN=*** curl -H 'Authorization: Bearer ***' postgres://***@db/x`);
    assert.strictEqual(scrubSecrets(out), out);
    assert.strictEqual(redactArgv(['npm exec foo --token=t0k']).join(' '), 'npm exec foo --token=***');
  });

  it('keeps the program name and ordinary arguments readable', () => {
    const plain = ['/usr/bin/node', '/home/coder/.vscode/out/server-main.js', '--port=8080', '--host', '0.0.0.0', 'desk-tool', '--skip'];
    assert.deepStrictEqual(redactArgv(plain), plain);
    assert.deepStrictEqual(redactArgv(['-bash']), ['-bash']);
    assert.deepStrictEqual(redactArgv(['/opt/sk-tools/bin/run', 'x']), ['/opt/sk-tools/bin/run', 'x']);
    assert.strictEqual(commandLineText([]), '');
  });

  it('scrubDeep scrubs every string and redacts argv arrays as argv', () => {
    const v = { name: 'mysql -pHUNTER2', n: 3, argv: ['mysql', '--password', 'HUNTER2'], nested: [{ s: `Bearer ${JWT}` }] };
    const want = { name: 'mysql -p***', n: 3, argv: ['mysql', '--password', '***'], nested: [{ s: 'Bearer ***' }] };
    assert.deepStrictEqual(scrubDeep(v), want);
  });
});

describe('redact: labels, tooltips and plan target names', () => {
  it('commandLabel and fullCommand never show a secret', () => {
    assert.strictEqual(commandLabel(['/usr/bin/mysql', '-uroot', '-pHUNTER2'], 'mysql'), 'mysql -uroot -p***');
    assert.strictEqual(fullCommand(['claude', '--api-key', 'sk-ant-api03-abcdefghijkl']), 'claude --api-key ***');
  });

  it('kill-processes and kill-terminals plans name their targets and descendants without secrets', async () => {
    const base = await scanFixture('codeserver');
    const snap = editSnapshot(base, {
      [CS.node]: { argv: ['node', 'server.js', '--api-key=sk-ant-api03-AbCdEfGh1234567890'] },
      [CS.esbuild]: { argv: ['esbuild', '-pHUNTER2'] },
    });
    const uid = proc(snap, CS.idle).uid;
    const ctx = { selfPid: CS.extHost, selfUid: uid, nowMs: CS_NOW, home: '/home/coder' };
    const sel = (pid: number) => ({ pid, starttime: proc(snap, pid).starttime, uid });
    const kp = planKillProcesses(snap, classifyTopology(snap, CS.extHost), [sel(CS.node)], { ...ctx, why: 'left over' });
    const kt = planKillTerminals(terminalsModelOf(snap), [sel(CS.serving)], ctx);
    assert.strictEqual(kp.targets[0].name, 'node server.js --api-key=***');
    assert.deepStrictEqual(
      kp.targets[0].descendants.map((d) => d.name),
      ['esbuild -p***'],
    );
    assert.strictEqual(kt.targets[0].name, 'node server.js --api-key=***');
    assert.deepStrictEqual(
      kt.targets[0].descendants.map((d) => d.name),
      ['node server.js --api-key=***', 'esbuild -p***'],
    );
    const text = JSON.stringify([previewText(kp, 'x'), previewText(kt, 'x')]);
    assert.ok(!text.includes('HUNTER2') && !text.includes('AbCdEfGh1234567890'), text);
  });
});
