// Refreshes a view while (and only while) it is visible: at once when it becomes visible, then every N seconds.
// Shared by the Terminals and AI Processes trees; failures go to the output channel, never to the user as a crash.
import * as vscode from 'vscode';

export class VisiblePoller implements vscode.Disposable {
  private timer?: NodeJS.Timeout;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly seconds: () => number,
    /** A polled refresh may reuse a scan younger than half the interval (another view's poll made it). */
    private readonly refresh: (maxAgeMs: number) => Promise<unknown>,
    private readonly log: vscode.LogOutputChannel,
    private readonly what: string,
  ) {
    this.sub = view.onDidChangeVisibility(() => this.restart());
    this.restart();
  }

  /** Refresh now (logging failures), reusing a scan no older than maxAgeMs. */
  refreshLogged(maxAgeMs = 0): Promise<unknown> {
    return this.refresh(maxAgeMs).catch((e) => this.log.error(`${this.what} refresh failed: ${e instanceof Error ? e.stack : String(e)}`));
  }

  /** Re-reads the interval (settings changed) and the visibility. */
  restart(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.view.visible) return;
    const ms = this.seconds() * 1000;
    void this.refreshLogged(ms / 2);
    if (ms > 0) this.timer = setInterval(() => void this.refreshLogged(ms / 2), ms);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.sub.dispose();
  }
}
