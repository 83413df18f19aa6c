// Property: a secret planted in a command line (in any of the forms probes/redact knows: secret-named flags with = or
// a separate value, env assignments, -p<password>, token shapes, Bearer headers, URL credentials; as argv elements or
// inside one `sh -c` string) never reaches text: not the diagnostics export (redacted or full), not the audit log
// file, not the output channel (audit mirror, preview list), not the labels and tooltips. The program name stays.
import * as assert from 'assert';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditLog, auditTargets } from '../../../src/core/audit';
import { planKillProcesses } from '../../../src/features/terminals/leftoversPlan';
import { planKillTerminals } from '../../../src/features/terminals/plan';
import { Plan, ProcessTarget, previewText, resultMessage } from '../../../src/core/safety';
import { Diagnostics, diagnosticsText, shellRowsOf } from '../../../src/features/diagnostics/report';
import { commandLabel, fullCommand } from '../../../src/probes/format';
import { Snapshot } from '../../../src/probes/scanner';
import { classifyTopology } from '../../../src/probes/topology';
import { CS, CS_NOW, editSnapshot, proc, scanFixture, terminalsModelOf } from '../procFixtures';
import { prop } from './harness';

const chars = (s: string) => fc.constantFrom(...s.split(''));
const str = (set: string, minLength: number, maxLength: number) => fc.string({ unit: chars(set), minLength, maxLength });
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HOSTILE = `!#$%^&*()_+=.,:;'"\`\\~[]{}<>?|-@/`;
const URL_SAFE = "-._~!$&'()*+,;=";
/** A password: starts with letters/digits, holds a digit, then anything but blanks. */
const password = fc.tuple(str(ALNUM, 6, 10), str('0123456789', 1, 1), str(HOSTILE + ALNUM, 0, 8)).map(([a, d, b]) => a + d + b);
const urlPassword = fc.tuple(str(ALNUM, 6, 10), str('0123456789', 1, 1), str(URL_SAFE + ALNUM, 0, 8)).map(([a, d, b]) => a + d + b);
const b64url = (min: number, max: number) => str(ALNUM + '-_', min, max);

interface Planted {
  form: string;
  /** The argv elements (after the program) holding the secret. */
  args: string[];
  secret: string;
}

const planted: fc.Arbitrary<Planted> = fc.oneof(
  password.map((pw) => ({ form: '-p<pw>', args: [`-p${pw}`], secret: pw })),
  fc
    .tuple(
      fc.constantFrom('api-key', 'apiKey', 'token', 'auth-token', 'password', 'client-secret', 'access_key', 'github-token'),
      password,
      fc.boolean(),
    )
    .map(([name, v, eq]) => ({ form: eq ? '--flag=value' : '--flag value', args: eq ? [`--${name}=${v}`] : [`--${name}`, v], secret: v })),
  fc
    .tuple(fc.constantFrom('OPENAI_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'GH_TOKEN'), password)
    .map(([name, v]) => ({ form: 'NAME=value', args: [`${name}=${v}`], secret: v })),
  fc
    .tuple(fc.constantFrom('sk-ant-api03-', 'sk-proj-', 'sk-'), b64url(20, 40))
    .map(([p, body]) => ({ form: 'sk-…', args: [`${p}${body}`], secret: body })),
  fc
    .tuple(fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'), str(ALNUM, 30, 40))
    .map(([p, body]) => ({ form: 'gh?_…', args: [`${p}${body}`], secret: body })),
  str(ALNUM + '_', 22, 60).map((body) => ({ form: 'github_pat_…', args: [`github_pat_${body}`], secret: body })),
  fc
    .tuple(fc.constantFrom('b', 'p', 'a', 'r', 's'), str('0123456789', 8, 13), str(ALNUM, 16, 32))
    .map(([k, n, body]) => ({ form: 'xox?-…', args: [`xox${k}-${n}-${body}`], secret: `${n}-${body}` })),
  str('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16).map((body) => ({ form: 'AKIA…', args: [`AKIA${body}`], secret: body })),
  fc
    .tuple(b64url(10, 40), b64url(10, 60), b64url(10, 43))
    .map(([h, p, s]) => ({ form: 'JWT', args: ['--id-token-file', '/dev/null', `eyJ${h}.${p}.${s}`], secret: `${h}.${p}` })),
  b64url(16, 48).map((t) => ({ form: 'Bearer …', args: ['-H', `Authorization: Bearer ${t}`], secret: t })),
  fc
    .tuple(str('abcdefghijklmnopqrstuvwxyz', 2, 8), urlPassword, fc.constantFrom('https', 'postgres', 'redis'))
    .map(([user, pw, scheme]) => ({ form: 'URL credentials', args: [`${scheme}://${user}:${pw}@db.example.com/x`], secret: pw })),
);

/** As argv elements after the program, or inside one `sh -c` string. */
const plantedArgv = fc.tuple(planted, fc.boolean()).map(([p, shell]) => ({
  ...p,
  shell,
  argv: shell ? ['/bin/sh', '-c', `cd /srv && run ${p.args.join(' ')} --verbose`] : ['/usr/bin/node', 'server.js', ...p.args, '--verbose'],
}));

describe('secrets never reach text (property)', () => {
  let base: Snapshot;
  let dir: string;
  let baseline: string;
  let run = 0;

  /** Everything that becomes text for a snapshot: export (both modes), audit file, output channel, labels. */
  async function texts(snap: Snapshot): Promise<Record<string, string>> {
    const uid = proc(snap, CS.idle).uid;
    const ctx = { selfPid: CS.extHost, selfUid: uid, nowMs: CS_NOW, home: '/home/coder' };
    const sel = (pid: number) => ({ pid, starttime: proc(snap, pid).starttime, uid });
    const model = terminalsModelOf(snap);
    const plans: Plan<ProcessTarget>[] = [
      planKillTerminals(model, [sel(CS.serving)], ctx),
      planKillProcesses(snap, classifyTopology(snap, CS.extHost), [sel(CS.node), sel(CS.esbuild), sel(CS.serving)], {
        ...ctx,
        why: 'left over',
      }),
    ];
    const info: string[] = [];
    const file = path.join(dir, `audit-${run++}.jsonl`);
    const audit = new AuditLog(file, { info: (m) => info.push(m), warn: (m) => info.push(m) });
    for (const plan of plans) {
      const results = plan.targets.map((target) => ({ target, outcome: { kind: 'done' as const, how: 'exited after SIGTERM' } }));
      const message = resultMessage('Killed', plan.noun, results);
      const targets = auditTargets(results);
      await audit.record({ action: plan.action, planId: plan.id, outcome: 'done', message, targets, notTargeted: plan.skipped });
    }
    const auditFile = fs.readFileSync(file, 'utf8');
    const d: Diagnostics = {
      version: 1,
      createdAt: '2026-11-23T16:00:00.000Z',
      redacted: false,
      versions: { extension: '0.1.0', editor: '1.139.1', appName: 'code-server', node: 'v24', platform: 'linux' },
      settings: {},
      terminals: { available: true, shells: shellRowsOf(model), unregisteredExtensionHosts: [] },
      extensions: { dir: '/x', folders: [] },
      memory: { samples: [], oomEvents: [], sources: [], lifecycle: [] },
      auditTail: auditFile.trim().split('\n'),
    };
    const exported = [true, false].map((redact) => {
      const t = diagnosticsText(d, { redact, home: '/home/coder' });
      assert.ok(t.ok, `the report does not validate: ${JSON.stringify(t)}`);
      return t.text;
    });
    const argvs = [CS.serving, CS.node, CS.esbuild].map((pid) => proc(snap, pid).argv);
    return {
      'export (redacted)': exported[0],
      'export (full)': exported[1],
      'audit log': auditFile,
      'output channel': [...info, ...plans.flatMap((p) => previewText(p, 'x').fullList)].join('\n'),
      dialog: plans.map((p) => JSON.stringify(previewText(p, 'x'))).join('\n'),
      'labels and tooltips': [
        ...model.groups.flatMap((g) => g.shells.map((r) => r.label)),
        ...argvs.map((a) => `${commandLabel(a, '?')}\n${fullCommand(a)}`),
      ].join('\n'),
    };
  }

  before(async () => {
    base = await scanFixture('codeserver');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-secrets-'));
    baseline = Object.values(await texts(base)).join('\n');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  prop(
    'a planted secret appears in no export, audit line, log line, dialog or label',
    300,
    () =>
      fc.asyncProperty(plantedArgv, async (p) => {
        fc.pre(!baseline.includes(p.secret));
        const shellArgv = [...proc(base, CS.serving).argv, ...p.args];
        const snap = editSnapshot(base, {
          [CS.node]: { argv: p.argv },
          [CS.esbuild]: { argv: ['esbuild', ...p.args] },
          [CS.serving]: { argv: shellArgv },
        });
        const out = await texts(snap);
        for (const [where, text] of Object.entries(out)) {
          assert.ok(!text.includes(p.secret), `${p.form} (${p.shell ? 'sh -c' : 'argv'}) leaked into the ${where}: ${p.secret}\n${text}`);
        }
        const row = terminalsModelOf(snap)
          .groups.flatMap((g) => g.shells)
          .find((r) => r.shell.pid === CS.serving);
        const program = p.shell ? 'sh -c cd /srv' : 'node server.js';
        assert.ok(row?.label.startsWith(program), `the program name stays readable: ${row?.label}`);
      }),
    { timeoutMs: 60_000 },
  );
});
