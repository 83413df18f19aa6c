// One e2e session: a temp home, the VSIX installed with `--install-extension`, a real code-server, headless Chromium.
import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { CodeServer, VSIX, descendants, provision, tempHome } from './codeServer';
import { launchChromium, openWorkbench, runCommand, waitFor } from './workbench';

export interface Session {
  env: ReturnType<typeof provision>;
  home: string;
  cs: CodeServer;
  browser: Browser;
  page: Page;
  folder: string;
}

export interface SessionOptions {
  userSettings?: Record<string, unknown>;
  args?: string[];
  /** Runs after our VSIX is installed and before the server starts (e.g. install more extensions). */
  beforeStart?(home: string, env: ReturnType<typeof provision>): void;
  /** Extra environment for the server; `home` is replaced by the session's temp home (e.g. { HOME: 'home' }). */
  serverEnv?: Record<string, string>;
}

export async function startSession(name: string, options: SessionOptions = {}): Promise<Session> {
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\` first`);
  const env = provision();
  const home = tempHome(`csops-e2e-${name}-`);
  CodeServer.installExtension(env, home, VSIX);
  options.beforeStart?.(home, env);
  const folder = path.join(home, 'ws-a');
  const cs = await CodeServer.start({
    env,
    home,
    folder,
    args: ['--disable-workspace-trust', ...(options.args ?? [])],
    serverEnv: Object.fromEntries(Object.entries(options.serverEnv ?? {}).map(([k, v]) => [k, v === 'home' ? home : v])),
    userSettings: {
      'chat.disableAIFeatures': true,
      'git.openRepositoryInParentFolders': 'never',
      'csops.terminals.refreshSeconds': 1,
      'csops.statusBar.sampleSeconds': 1,
      ...options.userSettings,
    },
  });
  const browser = await launchChromium();
  const page = await openWorkbench(browser, cs.url, folder);
  await waitActivated(page);
  return { env, home, cs, browser, page, folder };
}

/** Our status-bar item appears once the extension has activated in this window. */
export async function waitActivated(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: 'ExtHost' }).first().waitFor({ state: 'visible', timeout: 60_000 });
}

export async function stopSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  await s.browser.close().catch(() => undefined);
  await s.cs.stop();
  fs.rmSync(s.home, { recursive: true, force: true });
}

/** Process records under this session's server (independent /proc read). */
export function serverProcesses(s: Session) {
  return descendants(s.cs.pid);
}

export function ptyHostPid(s: Session): number | undefined {
  return serverProcesses(s).find((p) => p.argv.includes('--type=ptyHost'))?.pid;
}

/**
 * Shells = direct children of the pty host that lead a session of their own (node-pty: setsid + a pts; VS Code's own
 * `sh -c ps …` helpers stay in the server's session) and are neither its helper scripts nor a child caught between
 * fork and exec (which still carries the pty host's own argv).
 */
export function isShellOfPtyHost(p: { pid: number; session: number; argv: string[] }): boolean {
  return p.session === p.pid && !p.argv.some((a) => a.includes('/out/vs/base/node/') || a === '--type=ptyHost');
}

export function shellsOf(s: Session) {
  const pty = ptyHostPid(s);
  return serverProcesses(s).filter((p) => p.ppid === pty && isShellOfPtyHost(p));
}

/** Creates a terminal through the UI and returns the pid of the new shell once it runs. */
export async function createTerminal(s: Session): Promise<number> {
  const before = new Set(shellsOf(s).map((p) => p.pid));
  await runCommand(s.page, 'Terminal: Create New Terminal');
  const pid = await waitFor('a new shell under the pty host', () => shellsOf(s).find((p) => !before.has(p.pid))?.pid, 30_000);
  s.cs.recordDescendants();
  return pid;
}

/** Types a command line into the active terminal. */
export async function typeInTerminal(s: Session, text: string): Promise<void> {
  await s.page.locator('.terminal-wrapper.active .xterm').first().click();
  await s.page.keyboard.type(text);
  await s.page.keyboard.press('Enter');
}
