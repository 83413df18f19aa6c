import * as assert from 'assert';
import { KernelOomEvent } from '../../src/probes/kernelLog';
import { Snapshot } from '../../src/probes/scanner';
import { classifyTopology } from '../../src/probes/topology';
import { OomKillEntry, RateLimiter, ScanRing, addKill, extensionOfArgv, identifyVictim } from '../../src/features/memory/victim';
import { CS, CS_NOW, editSnapshot, proc, record, scanFixture } from './procFixtures';

const EXT_DIR = '/root/.local/share/code-server/extensions/ms-python.python-2024.1.0';
const LSP = 20001;
const MCP = 20002;
const FOREIGN = 20003;

describe('identifyVictim', () => {
  let snap: Snapshot;
  let ring: ScanRing;
  const ctx = {
    selfPid: CS.extHost,
    aiNameOf: (_: unknown, pid: number) => (pid === MCP ? 'MCP @modelcontextprotocol/server-filesystem' : undefined),
    terminalNameOf: (pid: number) => (pid === CS.busy ? 'terminal 2 "bash"' : undefined),
  };
  before(async () => {
    const base = await scanFixture('codeserver');
    snap = editSnapshot(base, {}, [
      record(LSP, CS.extHost, { comm: 'node', argv: ['/usr/bin/node', `${EXT_DIR}/dist/lsp.js`, '--stdio'] }),
      record(MCP, CS.extHost, { comm: 'node', argv: ['node', '/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'] }),
      record(FOREIGN, CS.init, { comm: 'postgres', argv: ['postgres', '-D', '/var/lib/pg', '--password=hunter2'] }),
    ]);
    snap.takenAtMs = CS_NOW;
    ring = new ScanRing();
    ring.add({ snapshot: snap, topology: classifyTopology(snap, CS.extHost) });
  });
  const victim = (pid: number, comm = proc(snap, pid).comm) => identifyVictim({ pid, comm }, ring, ctx, CS_NOW + 1000);

  it("names a terminal's foreground job and its shell", () => {
    const job = victim(CS.sleep);
    assert.strictEqual(job.kind, 'terminal');
    assert.strictEqual(job.label, 'terminal 2 "bash" · sleep 1000');
    const shell = victim(CS.busy);
    assert.strictEqual(shell.kind, 'terminal');
    assert.match(shell.label, /^terminal 2 "bash" · its shell/);
    const other = victim(CS.node); // a terminal of another window: no name, the shell pid instead
    assert.strictEqual(other.label, `terminal shell ${CS.serving} · node server.js`);
  });

  it('names an AI tree (an MCP server under the extension host) before its place in the tree', () => {
    const v = victim(MCP);
    assert.strictEqual(v.kind, 'ai');
    assert.match(v.label, /^MCP @modelcontextprotocol\/server-filesystem · node /);
  });

  it('names extension hosts (this window), the pty host and processes of an extension', () => {
    assert.deepStrictEqual(
      [victim(CS.extHost).kind, victim(CS.extHost).label],
      ['extensionHost', `extension host pid ${CS.extHost} (this window)`],
    );
    assert.strictEqual(victim(CS.ptyHost).kind, 'ptyHost');
    const lsp = victim(LSP);
    assert.strictEqual(lsp.kind, 'extension');
    assert.match(lsp.label, /^process of extension ms-python\.python · node .*\(under extension host pid \d+ \(this window\)\)$/);
    assert.strictEqual(victim(CS.copilot).kind, 'codeServer'); // child of the agent host
  });

  it('says "not a code-server process" for others, with secrets redacted', () => {
    const v = victim(FOREIGN);
    assert.strictEqual(v.kind, 'notCodeServer');
    assert.ok(!v.label.includes('hunter2'), v.label);
    assert.match(v.label, /not a code-server process$/);
  });

  it('is unknown (never guessed) when no recent scan saw the pid, the comm differs, or the scan is too old', () => {
    assert.strictEqual(victim(424242, 'node').kind, 'unknown');
    assert.strictEqual(victim(CS.sleep, 'python3').kind, 'unknown', 'pid reused by another program');
    assert.strictEqual(identifyVictim({ pid: CS.sleep, comm: 'sleep' }, ring, ctx, CS_NOW + 11 * 60_000).kind, 'unknown');
  });

  it('finds a process in an older scan of the ring once it is gone from the newest', () => {
    const r = new ScanRing(3);
    r.add({ snapshot: snap, topology: classifyTopology(snap, CS.extHost) });
    const later = { ...editSnapshot(snap, { [CS.sleep]: null }), takenAtMs: CS_NOW + 5000 };
    r.add({ snapshot: later, topology: classifyTopology(later, CS.extHost) });
    assert.strictEqual(identifyVictim({ pid: CS.sleep, comm: 'sleep' }, r, ctx, CS_NOW + 6000).kind, 'terminal');
    for (let i = 0; i < 3; i++) r.add({ snapshot: { ...later, takenAtMs: CS_NOW + 6000 + i }, topology: classifyTopology(later, 1) });
    assert.strictEqual(identifyVictim({ pid: CS.sleep, comm: 'sleep' }, r, ctx, CS_NOW + 9000).kind, 'unknown', 'ring is bounded');
  });

  it('reads the extension id from an extension folder path', () => {
    assert.strictEqual(extensionOfArgv(['node', `${EXT_DIR}/out/server.js`]), 'ms-python.python');
    assert.strictEqual(
      extensionOfArgv(['node', '/home/u/.vscode-server/extensions/github.copilot-chat-0.22.4/dist/x.js']),
      'github.copilot-chat',
    );
    assert.strictEqual(extensionOfArgv(['node', '/srv/app/index.js']), undefined);
  });
});

describe('addKill and RateLimiter', () => {
  const ev = (kind: KernelOomEvent['kind'], pid: number, atMs: number, extra: Partial<KernelOomEvent> = {}): KernelOomEvent => ({
    kind,
    pid,
    comm: 'node',
    atMs,
    source: 'kmsg',
    message: '',
    ...extra,
  });
  const unknown = () => ({ kind: 'unknown' as const, label: 'x' });

  it('merges the oom-kill and Killed process lines of one kill, keeps separate kills apart', () => {
    const kills: OomKillEntry[] = [];
    assert.strictEqual(addKill(kills, ev('oom-kill', 5, 1000, { cgroup: '/a/b', trigger: 'memcg' }), unknown, 0).isNew, true);
    const second = addKill(kills, ev('killed-process', 5, 1001, { rssKb: 900 }), unknown, 0);
    assert.strictEqual(second.isNew, false);
    assert.deepStrictEqual(
      { cgroup: second.entry.cgroup, rssKb: second.entry.rssKb, trigger: second.entry.trigger },
      { cgroup: '/a/b', rssKb: 900, trigger: 'memcg' },
    );
    assert.strictEqual(addKill(kills, ev('oom-kill', 5, 60_000), unknown, 0).isNew, true, 'same pid much later: another kill');
    assert.strictEqual(addKill(kills, ev('oom-kill', 6, 1000), unknown, 0).isNew, true);
    assert.strictEqual(kills.length, 3);
  });

  it('keeps at most max kills', () => {
    const kills: OomKillEntry[] = [];
    for (let i = 1; i <= 60; i++) addKill(kills, ev('oom-kill', i, i), unknown, 0, 50);
    assert.strictEqual(kills.length, 50);
    assert.strictEqual(kills[0].pid, 11);
  });

  it('lets 3 notifications a minute through and counts the rest', () => {
    const r = new RateLimiter(3, 60_000);
    assert.deepStrictEqual(
      [0, 1, 2, 3, 4].map((t) => r.take(t)),
      [true, true, true, false, false],
    );
    assert.strictEqual(r.suppressed, 2);
    assert.strictEqual(r.take(60_001), true);
  });
});
