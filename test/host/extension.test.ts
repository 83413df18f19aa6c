// Runs inside the real extension host with the real `vscode` API: activation, contributions, settings,
// and the Terminals model against real terminals of this window.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const ID = 'csops.code-server-ops';

interface Api {
  terminalsModel(): { groups: { shells: { shell: { pid: number }; status: string }[] }[] } | undefined;
  refreshTerminals(): Promise<ReturnType<Api['terminalsModel']>>;
}

async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension<Api>(ID);
  assert.ok(ext, `${ID} is loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

function rows(model: ReturnType<Api['terminalsModel']>) {
  return (model?.groups ?? []).flatMap((g) => g.shells);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('code-server Ops in the extension host', function () {
  it('activates and registers every command it contributes', async function () {
    await api();
    const ext = vscode.extensions.getExtension(ID)!;
    const contributed: string[] = ext.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 5);
    for (const c of contributed) assert.ok(registered.has(c), `command ${c} is registered`);
  });

  it('declares every setting it reads, with the documented defaults', function () {
    const c = vscode.workspace.getConfiguration('csops');
    assert.strictEqual(c.get('memory.warningMb'), 1024);
    assert.strictEqual(c.get('memory.criticalMb'), 2048);
    assert.strictEqual(c.get('terminals.detachedGraceHours'), 3);
    assert.strictEqual(c.get('terminals.killGraceSeconds'), 3);
    assert.strictEqual(c.get('procRoot'), '/proc');
  });

  it('shows a terminal of this window as attached, and drops it when it is closed', async function () {
    const a = await api();
    const term = vscode.window.createTerminal({ name: 'host-suite' });
    try {
      const pid = await until('terminal pid', async () => (await term.processId) || undefined);
      const row = await until('the shell in the model', async () => rows(await a.refreshTerminals()).find((r) => r.shell.pid === pid));
      assert.strictEqual(row.status, 'attachedHere');
      term.dispose();
      await until('the shell gone from the model', async () =>
        rows(await a.refreshTerminals()).some((r) => r.shell.pid === pid) ? undefined : true,
      );
    } finally {
      term.dispose();
    }
  });

  it('publishes this window in the shared registry with its terminals', async function () {
    const term = vscode.window.createTerminal({ name: 'registry' });
    try {
      const pid = await until('terminal pid', async () => (await term.processId) || undefined);
      const dir = process.env.CSOPS_REGISTRY_DIR;
      assert.ok(dir, 'the runner passes the registry folder');
      const entry = await until('an entry for this extension host listing the terminal', async () => {
        const file = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.startsWith(`${process.pid}-`)) : undefined;
        if (!file) return undefined;
        const e = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
        return e.terminalPids.includes(pid) ? e : undefined;
      });
      assert.strictEqual(entry.pid, process.pid);
    } finally {
      term.dispose();
    }
  });
});
