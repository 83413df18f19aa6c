// Starts / stops the opt-in metrics server as csops.metrics.* change; reports a busy port clearly, never crashes.
import * as vscode from 'vscode';
import { Settings } from '../../core/settings';
import { MetricsData, MetricsServer, ScanCost } from './server';

export class MetricsController implements vscode.Disposable {
  private server?: MetricsServer;
  private running?: { port: number };
  /** The latest settings: the server reads the token and the cache interval from here on every request. */
  private settings?: Settings;

  constructor(
    private readonly collect: () => Promise<MetricsData>,
    private readonly cost: ScanCost,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async apply(s: Settings): Promise<void> {
    this.settings = s;
    if (this.running && (!s.metricsEnabled || this.running.port !== s.metricsPort)) {
      await this.server?.stop();
      this.log.info(`metrics: stopped serving 127.0.0.1:${this.running.port}`);
      this.server = this.running = undefined;
    }
    if (!s.metricsEnabled || this.running) return;
    const server = new MetricsServer({
      port: s.metricsPort,
      collect: this.collect,
      cost: this.cost,
      token: () => this.settings?.metricsToken ?? '',
      cacheMs: () => (this.settings?.metricsMinScanSeconds ?? 0) * 1000,
    });
    try {
      await server.start();
      this.server = server;
      this.running = { port: s.metricsPort };
      const access = s.metricsToken ? 'a bearer token (csops.metrics.token) is required' : 'loopback Host headers only';
      this.log.info(`metrics: serving http://127.0.0.1:${s.metricsPort}/metrics (${access})`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error(`metrics: ${msg}`);
      void vscode.window
        .showErrorMessage(
          vscode.l10n.t('code-server Ops metrics are not served: {0}. Choose another csops.metrics.port.', msg),
          vscode.l10n.t('Open Settings'),
        )
        .then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'csops.metrics'));
    }
  }

  dispose(): void {
    void this.server?.stop();
  }
}
