// Extension hosts of ANOTHER code-server (its own --extensions-dir) cannot load this window's extension folders:
// the clean-up does not count them as windows that may have loaded them — only when that is positively known.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HostDirs, planCleanUpAll, unlistedHostsOf } from '../../src/features/extensions/plan';
import {
  CONFIG_SETTLE_MS,
  ExtensionsDirReport,
  codeServerDirArgs,
  codeServerLauncherOf,
  hostExtensionsDirs,
  parseEnviron,
  readExtensionsDir,
} from '../../src/probes/extensionsDir';
import { Snapshot } from '../../src/probes/scanner';
import { classifyTopology } from '../../src/probes/topology';
import { CS, editSnapshot, record, scanFixture } from './procFixtures';
import { HOUR, LAYOUT, SELF, TempDirs, buildExtensionsDir, setAge } from './extensionsFixtures';

const NODE = '/opt/node24/bin/node';
const LAUNCHER = 30000;
const CHILD = 30001;
const HOST = 30002;
/** The second server started this long ago (before the extension lists of buildExtensionsDir last changed). */
const STARTED_AGO = 3 * HOUR;
const DEFAULT_CONFIG = 'bind-addr: 127.0.0.1:8080\nauth: password\npassword: x\ncert: false\n';

interface World {
  snapshot: Snapshot;
  /** Real path of this window's extensions folder. */
  ownDir: string;
  tmp: string;
}

describe('clean extensions: extension hosts of other code-servers (their own --extensions-dir)', () => {
  const temps = new TempDirs('csops-hostdirs-');
  afterEach(() => temps.removeAll());

  /**
   * The codeserver fixture (this window: CS.extHost under CS.server under CS.launcher) plus a second code-server
   * (LAUNCHER → CHILD → HOST) with the given arguments, its cwd and environ under a temp proc root, and a config file.
   */
  async function world(
    args: (tmp: string) => string[],
    opts: {
      env?: ((tmp: string) => string) | null;
      config?: string | null;
      configAgeMs?: number;
      hostPpid?: number;
      child?: string[] | null;
    } = {},
  ): Promise<World> {
    const tmp = temps.make();
    const ownDir = path.join(tmp, 'own-ext');
    fs.mkdirSync(ownDir);
    fs.mkdirSync(path.join(tmp, 'other-ext'));
    fs.mkdirSync(path.join(tmp, 'cwd', 'rel', 'ext'), { recursive: true });
    fs.symlinkSync(ownDir, path.join(tmp, 'link-to-own'));
    const home = path.join(tmp, 'home');
    const configFile = path.join(home, '.config', 'code-server', 'config.yaml');
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    const procRoot = path.join(tmp, 'proc');
    fs.mkdirSync(path.join(procRoot, String(LAUNCHER)), { recursive: true });
    fs.symlinkSync(path.join(tmp, 'cwd'), path.join(procRoot, String(LAUNCHER), 'cwd'));
    const env = opts.env === undefined ? `HOME=${home}\0PATH=/usr/bin\0` : opts.env && opts.env(tmp);
    if (env !== null) fs.writeFileSync(path.join(procRoot, String(LAUNCHER), 'environ'), env);
    const startedAtMs = Date.now() - STARTED_AGO;
    if (opts.config !== null) {
      fs.writeFileSync(configFile, opts.config ?? DEFAULT_CONFIG);
      setAge(configFile, opts.configAgeMs ?? STARTED_AGO + HOUR);
    }
    const base = await scanFixture('codeserver');
    const me = base.processes.get(CS.extHost)!;
    const added = [
      record(LAUNCHER, 1, { argv: [NODE, '/opt/code-server/out/node/entry.js', ...args(tmp)], uid: me.uid, startedAtMs }),
      record(HOST, opts.hostPpid ?? CHILD, { argv: me.argv, uid: me.uid, startedAtMs: startedAtMs + 1000 }),
    ];
    if (opts.child !== null) {
      added.push(record(CHILD, LAUNCHER, { argv: opts.child ?? [NODE, '/opt/code-server/out/node/entry'], uid: me.uid, startedAtMs }));
    }
    return { snapshot: { ...editSnapshot(base, {}, added), procRoot }, ownDir: fs.realpathSync(ownDir), tmp };
  }

  const dirsOf = (w: World): HostDirs => {
    const topology = classifyTopology(w.snapshot, CS.extHost);
    return { ownDir: w.ownDir, byHost: hostExtensionsDirs(w.snapshot, topology, CS.extHost) };
  };
  /** The pids unlistedHostsOf counts as windows that may have loaded these folders. */
  const risks = (w: World, dirs = dirsOf(w)): number[] => {
    const topology = classifyTopology(w.snapshot, CS.extHost);
    const me = w.snapshot.processes.get(CS.extHost)!;
    return unlistedHostsOf(topology, [], CS.extHost, me.uid, dirs).map((h) => h.pid);
  };
  const otherExt = (tmp: string): string => path.join(tmp, 'other-ext');
  const ws = '/home/coder/ws';

  describe('not a risk: its server was positively given another extensions folder', () => {
    it('`--extensions-dir /other` [src bug: counted as a window that may have loaded them]', async () => {
      const w = await world((tmp) => ['--auth', 'none', '--extensions-dir', otherExt(tmp), ws]);
      assert.deepStrictEqual([...dirsOf(w).byHost], [[HOST, path.join(w.tmp, 'other-ext')]]);
      assert.deepStrictEqual(risks(w), []);
    });

    it('`--extensions-dir=/other`', async () => {
      const w = await world((tmp) => ['--disable-telemetry', `--extensions-dir=${otherExt(tmp)}`, ws]);
      assert.deepStrictEqual(risks(w), []);
    });

    it('a relative one, resolved against the server cwd', async () => {
      const w = await world(() => ['--extensions-dir', 'rel/ext', ws]);
      assert.deepStrictEqual([...dirsOf(w).byHost], [[HOST, path.join(w.tmp, 'cwd', 'rel', 'ext')]]);
      assert.deepStrictEqual(risks(w), []);
    });

    it('the last one wins (as in code-server), and `--config` names the config file', async () => {
      const w = await world((tmp) => [
        '--extensions-dir',
        path.join(tmp, 'own-ext'),
        '--config',
        'c.yaml',
        `--extensions-dir=${otherExt(tmp)}`,
      ]);
      assert.deepStrictEqual(risks(w), [HOST], 'c.yaml does not exist in its cwd: unknown');
      fs.writeFileSync(path.join(w.tmp, 'cwd', 'c.yaml'), DEFAULT_CONFIG);
      setAge(path.join(w.tmp, 'cwd', 'c.yaml'), STARTED_AGO + HOUR);
      assert.deepStrictEqual(risks(w), []);
    });

    it('so "Clean Up All" offers the folders such a window alone protected', async () => {
      const w = await world((tmp) => ['--extensions-dir', otherExt(tmp)]);
      const ext = buildExtensionsDir(temps.make());
      const report: ExtensionsDirReport = await readExtensionsDir(ext.dir, ext.nowMs);
      const topology = classifyTopology(w.snapshot, CS.extHost);
      const uid = w.snapshot.processes.get(CS.extHost)!.uid;
      const ctx = (dirs?: HostDirs) => ({
        nowMs: ext.nowMs,
        readOptions: {},
        loadedPaths: new Set<string>(),
        unlistedHosts: unlistedHostsOf(topology, [], CS.extHost, uid, dirs),
        selfPath: ext.path(SELF),
        realpathOf: (p: string) => fs.realpathSync(p),
        sizeOf: () => 1,
      });
      const obsolete = LAYOUT.obsolete[0];
      const before = planCleanUpAll(report, ctx());
      assert.match(before.skipped.find((s) => s.name === obsolete)?.because ?? '', new RegExp(`extension host pid ${HOST}\\b`));
      const after = planCleanUpAll(report, ctx({ ownDir: fs.realpathSync(ext.dir), byHost: dirsOf(w).byHost }));
      assert.ok(after.targets.some((t) => t.name === obsolete));
    });
  });

  describe('still a risk (unknown is never safe)', () => {
    it('the same folder through a symlink', async () => {
      const w = await world((tmp) => ['--extensions-dir', path.join(tmp, 'link-to-own')]);
      assert.deepStrictEqual([...dirsOf(w).byHost], [[HOST, w.ownDir]]);
      assert.deepStrictEqual(risks(w), [HOST]);
    });

    it('no --extensions-dir flag (the default depends on more than argv)', async () => {
      const w = await world((tmp) => ['--user-data-dir', path.join(tmp, 'ud'), ws]);
      assert.deepStrictEqual(risks(w), [HOST]);
    });

    it('--extensions-dir without a value, or only after `--`', async () => {
      assert.deepStrictEqual(risks(await world(() => ['--extensions-dir', '--auth', 'none'])), [HOST]);
      assert.deepStrictEqual(risks(await world((tmp) => ['--', '--extensions-dir', otherExt(tmp)])), [HOST]);
    });

    it('a relative one with an unreadable cwd; a folder whose real path fails', async () => {
      const w = await world(() => ['--extensions-dir', 'rel/ext']);
      fs.unlinkSync(path.join(w.snapshot.procRoot, String(LAUNCHER), 'cwd'));
      assert.deepStrictEqual(risks(w), [HOST]);
      assert.deepStrictEqual(risks(await world((tmp) => ['--extensions-dir', path.join(tmp, 'missing')])), [HOST]);
    });

    it('the server not found in the snapshot (ppid chain broken), or not a code-server child in between', async () => {
      assert.deepStrictEqual(risks(await world((tmp) => ['--extensions-dir', otherExt(tmp)], { child: null })), [HOST]);
      const shell = ['/bin/bash'];
      assert.deepStrictEqual(risks(await world((tmp) => ['--extensions-dir', otherExt(tmp)], { child: shell })), [HOST]);
    });

    it('a host under our own server, unlisted', async () => {
      const w = await world((tmp) => ['--extensions-dir', otherExt(tmp)], { hostPpid: CS.server });
      assert.deepStrictEqual([...dirsOf(w).byHost], []);
      assert.deepStrictEqual(risks(w), [HOST]);
    });

    it('a VS Code server (Remote-SSH) host: unchanged', async () => {
      const w = await world((tmp) => ['--extensions-dir', otherExt(tmp)], {
        child: [NODE, '/home/coder/.vscode-server/cli/servers/Stable-x/server/out/server-main.js', '--extensions-dir', '/x'],
      });
      assert.deepStrictEqual(risks(w), [HOST]);
    });

    it('a --vscode-option for extensions-dir, on the command line, in VSCODE_OPTIONS or in the config file', async () => {
      const args = (tmp: string): string[] => ['--extensions-dir', otherExt(tmp), '--vscode-option', `extensions-dir=${tmp}/own-ext`];
      assert.deepStrictEqual(risks(await world(args)), [HOST]);
      const env = (tmp: string): string => `HOME=${tmp}/home\0VSCODE_OPTIONS=--extensions-dir=${tmp}/own-ext\0`;
      const w = await world((tmp) => ['--extensions-dir', otherExt(tmp)], { env });
      assert.deepStrictEqual(risks(w), [HOST]);
      const plain = await world((tmp) => ['--extensions-dir', otherExt(tmp)], { env: (tmp) => `HOME=${tmp}/home\0VSCODE_OPTIONS=--a\0` });
      assert.deepStrictEqual(risks(plain), [], 'a VSCODE_OPTIONS without extensions-dir');
      const cfg = 'vscode-option:\n  - extensions-dir=/somewhere\n';
      assert.deepStrictEqual(risks(await world((tmp) => ['--extensions-dir', otherExt(tmp)], { config: cfg })), [HOST]);
    });

    it('an unreadable environment, a missing config file, a config file changed since the server started', async () => {
      const args = (tmp: string): string[] => ['--extensions-dir', otherExt(tmp)];
      assert.deepStrictEqual(risks(await world(args, { env: null })), [HOST]);
      assert.deepStrictEqual(risks(await world(args, { config: null })), [HOST]);
      const fifo = await world(args, { config: null });
      execFileSync('mkfifo', [path.join(fifo.tmp, 'home', '.config', 'code-server', 'config.yaml')]);
      assert.deepStrictEqual(risks(fifo), [HOST], 'a FIFO as config file: not read (it would block), unknown');
      assert.deepStrictEqual(risks(await world(args, { configAgeMs: STARTED_AGO - CONFIG_SETTLE_MS - 5000 })), [HOST]);
      assert.deepStrictEqual(risks(await world(args, { configAgeMs: STARTED_AGO - CONFIG_SETTLE_MS + 5000 })), [], 'written as it started');
    });

    it("this window's own folder cannot be resolved", async () => {
      const w = await world((tmp) => ['--extensions-dir', otherExt(tmp)]);
      assert.deepStrictEqual(risks(w, { ...dirsOf(w), ownDir: undefined }), [HOST]);
    });
  });

  describe('parsing', () => {
    it('codeServerDirArgs reads code-server options as code-server does', () => {
      assert.deepStrictEqual(codeServerDirArgs(['--extensions-dir', '/a', '--extensions-dir=/b', 'ws']), { extensionsDir: '/b' });
      assert.deepStrictEqual(codeServerDirArgs(['--extensions-dir']), { missingValue: true });
      assert.deepStrictEqual(codeServerDirArgs(['--extensions-dir=']), { missingValue: true });
      assert.deepStrictEqual(codeServerDirArgs(['--config=/c.yaml', '--', '--extensions-dir', '/a']), { config: '/c.yaml' });
      assert.deepStrictEqual(codeServerDirArgs(['--vscode-option', 'extensions-dir=/x']), { vscodeOverride: true });
      assert.deepStrictEqual(codeServerDirArgs(['--vscode-option=enable-sandbox']), {});
    });

    it('parseEnviron: NUL-separated, the first of a repeated name wins', () => {
      assert.deepStrictEqual(
        [...parseEnviron('A=1\0B=x=y\0A=2\0junk\0')],
        [
          ['A', '1'],
          ['B', 'x=y'],
        ],
      );
    });

    it('codeServerLauncherOf walks host → child → launcher', async () => {
      const w = await world(() => []);
      const t = classifyTopology(w.snapshot, CS.extHost);
      assert.strictEqual(codeServerLauncherOf(w.snapshot, t, HOST)?.pid, LAUNCHER);
      assert.strictEqual(codeServerLauncherOf(w.snapshot, t, CS.extHost)?.pid, CS.launcher);
      assert.strictEqual(codeServerLauncherOf(w.snapshot, t, CHILD), undefined, 'not an extension host');
    });
  });
});
