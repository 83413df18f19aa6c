// Starts and stops a real code-server (4.139.1 on Node 24, provisioned by scripts/provision.sh) for e2e tests
// and `npm start`. Cleanup signals only processes this harness started: the server's process group and every
// descendant recorded before stopping, each verified by pid + start time before SIGKILL.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');
export const VSIX = path.join(ROOT, 'code-server-ops.vsix');

export interface ProvisionedEnv {
  node: string;
  entry: string;
  codeServerVersion: string;
}

/** Runs the idempotent provisioning script (fast when everything is cached) and returns the paths. */
export function provision(): ProvisionedEnv {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/provision.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/provision.sh failed (exit ${r.status})`);
  const cache = process.env.CSOPS_CACHE ?? path.join(ROOT, '.cache');
  return JSON.parse(fs.readFileSync(path.join(cache, 'env.json'), 'utf8')) as ProvisionedEnv;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A pid's start time (stat field 22), or undefined if it is gone. */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/** Descendants of pid as {pid, starttime}, from an independent read of /proc (not the code under test). */
export function descendants(rootPid: number): { pid: number; starttime: number; ppid: number; session: number; argv: string[] }[] {
  const all: { pid: number; ppid: number; starttime: number; session: number; argv: string[] }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = fs
        .readFileSync(`/proc/${name}/cmdline`, 'utf8')
        .split('\0')
        .filter((a, i, arr) => a !== '' || i < arr.length - 1);
      all.push({ pid: Number(name), ppid: Number(f[1]), starttime: Number(f[19]), session: Number(f[3]), argv });
    } catch {
      // vanished
    }
  }
  const out: typeof all = [];
  const frontier = [rootPid];
  while (frontier.length) {
    const p = frontier.pop()!;
    for (const c of all) {
      if (c.ppid === p) {
        out.push(c);
        frontier.push(c.pid);
      }
    }
  }
  return out;
}

export interface CodeServerOptions {
  env: ProvisionedEnv;
  /** Folder for user data, extensions, config (created). */
  home: string;
  folder: string;
  /** Extra code-server flags. */
  args?: string[];
  /** Seeded into User/settings.json. */
  userSettings?: Record<string, unknown>;
  port?: number;
  /** Inherit stdout/stderr (npm start) instead of collecting them. */
  inheritOutput?: boolean;
  /** Extra environment for the server (e.g. HOME, so the test never reads the real home's folders). */
  serverEnv?: NodeJS.ProcessEnv;
}

export class CodeServer {
  readonly url: string;
  private output = '';
  private recorded = new Map<number, number>();

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly options: CodeServerOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20000)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  static paths(home: string) {
    return {
      config: path.join(home, 'config.yaml'),
      userData: path.join(home, 'user-data'),
      extensions: path.join(home, 'extensions'),
      xdg: path.join(home, 'xdg'),
    };
  }

  /** `code-server --install-extension` into the home's extensions dir. */
  static installExtension(env: ProvisionedEnv, home: string, vsix: string): void {
    const p = CodeServer.paths(home);
    fs.mkdirSync(p.extensions, { recursive: true });
    if (!fs.existsSync(p.config)) fs.writeFileSync(p.config, 'auth: none\n');
    const r = spawnSync(
      env.node,
      [
        env.entry,
        '--config',
        p.config,
        '--user-data-dir',
        p.userData,
        '--extensions-dir',
        p.extensions,
        '--install-extension',
        vsix,
        '--force',
      ],
      { encoding: 'utf8', env: CodeServer.childEnv(home), timeout: 120_000 },
    );
    if (r.status !== 0) throw new Error(`--install-extension failed (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  }

  static childEnv(home: string): NodeJS.ProcessEnv {
    const p = CodeServer.paths(home);
    return {
      ...process.env,
      VSCODE_CLI: '1', // skip the `$SHELL -ilc` environment probe (slow .bashrc)
      XDG_CONFIG_HOME: path.join(p.xdg, 'config'),
      XDG_DATA_HOME: path.join(p.xdg, 'data'),
    };
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const p = CodeServer.paths(options.home);
    for (const d of [p.userData, p.extensions, options.folder, path.join(p.userData, 'User')]) fs.mkdirSync(d, { recursive: true });
    if (!fs.existsSync(p.config)) fs.writeFileSync(p.config, 'auth: none\n');
    fs.writeFileSync(
      path.join(p.userData, 'User', 'settings.json'),
      JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, ...options.userSettings }, null, 2),
    );
    const port = options.port ?? (await freePort());
    const args = [
      options.env.entry,
      '--config',
      p.config,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      p.userData,
      '--extensions-dir',
      p.extensions,
      ...(options.args ?? []),
      options.folder,
    ];
    const child = spawn(options.env.node, args, {
      env: { ...CodeServer.childEnv(options.home), ...options.serverEnv },
      detached: true, // own process group: stop() signals the group, never anything else
      stdio: ['ignore', options.inheritOutput ? 'inherit' : 'pipe', options.inheritOutput ? 'inherit' : 'pipe'],
    });
    const cs = new CodeServer(child, port, options);
    try {
      await cs.waitHealthy(60_000);
    } catch (e) {
      await cs.stop(); // a server that never became healthy is not left running (by its pid and start time)
      throw e;
    }
    return cs;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`code-server exited (${this.child.exitCode}):\n${this.output}`);
      const ok = await new Promise<boolean>((resolve) => {
        const req = http.get(`${this.url}/healthz`, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.setTimeout(2000, () => req.destroy());
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not become healthy in ${timeoutMs} ms:\n${this.output}`);
  }

  /** Remembers the current descendants (shells run in their own sessions, outside the server's group). */
  recordDescendants(): void {
    for (const d of descendants(this.pid)) this.recorded.set(d.pid, d.starttime);
  }

  /** SIGTERM the group and every recorded descendant, wait, then SIGKILL verified survivors. */
  async stop(): Promise<void> {
    if (this.child.pid === undefined) return;
    this.recordDescendants();
    const targets = new Map(this.recorded);
    const serverStart = startTimeOf(this.pid);
    if (serverStart !== undefined) targets.set(this.pid, serverStart);
    const alive = (pid: number, st: number): boolean => startTimeOf(pid) === st;
    try {
      if (serverStart !== undefined) process.kill(-this.pid, 'SIGTERM');
    } catch {
      // group gone
    }
    for (const [pid, st] of targets) if (alive(pid, st)) trySignal(pid, 'SIGTERM');
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && [...targets].some(([pid, st]) => alive(pid, st))) await new Promise((r) => setTimeout(r, 200));
    for (const [pid, st] of targets) if (alive(pid, st)) trySignal(pid, 'SIGKILL');
  }
}

function trySignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

export function tempHome(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
