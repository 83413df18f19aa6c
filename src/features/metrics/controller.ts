// Starts / stops the opt-in metrics server as csops.metrics.* change; reports a busy port clearly, never crashes.
import * as vscode from 'vscode';
import { Settings } from '../../core/settings';
import { MetricsAccess, resolveMetricsAccess } from './access';
import { ScanCost } from './scanCost';
import type { MetricsData, MetricsServer } from './server';

export class MetricsController implements vscode.Disposable {
  private server?: MetricsServer;
  private running?: { port: number; access: MetricsAccess };
  /** The latest settings: the server reads the token and the cache interval from here on every request. */
  private settings?: Settings;

  constructor(
    private readonly collect: () => Promise<MetricsData>,
    private readonly cost: ScanCost,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async apply(s: Settings): Promise<void> {
    this.settings = s;
    // The token file is re-read on every settings change; any difference in address or token restarts the server.
    const decision = s.metricsEnabled ? resolveMetricsAccess(s) : undefined;
    const wanted = decision?.ok ? decision.access : undefined;
    const r = this.running;
    if (r && (!wanted || r.port !== s.metricsPort || r.access.host !== wanted.host || r.access.token !== wanted.token)) {
      await this.server?.stop();
      this.log.info(`metrics: stopped serving ${r.access.host}:${r.port}`);
      this.server = this.running = undefined;
    }
    if (decision && !decision.ok) {
      this.log.error(`metrics: not served: ${decision.reason}`);
      void vscode.window
        .showErrorMessage(vscode.l10n.t('code-server Ops metrics are not served: {0}.', decision.reason), vscode.l10n.t('Open Settings'))
        .then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'csops.metrics'));
      return;
    }
    if (!wanted || this.running) return;
    // prom-client and the HTTP server are loaded only when metrics are served.
    const { MetricsServer } = await import('./server');
    const server = new MetricsServer({
      port: s.metricsPort,
      host: wanted.host,
      collect: this.collect,
      cost: this.cost,
      token: () => wanted.token,
      cacheMs: () => (this.settings?.metricsMinScanSeconds ?? 0) * 1000,
    });
    try {
      await server.start();
      this.server = server;
      this.running = { port: s.metricsPort, access: wanted };
      const how: Record<MetricsAccess['tokenSource'], string> = {
        none: 'loopback Host headers only',
        setting: 'a bearer token (csops.metrics.token) is required',
        file: 'a bearer token (csops.metrics.tokenFile) is required',
      };
      this.log.info(`metrics: serving http://${hostForUrl(wanted.host)}:${s.metricsPort}/metrics (${how[wanted.tokenSource]})`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error(`metrics: ${msg}`);
      void vscode.window
        .showErrorMessage(
          /already in use/.test(msg)
            ? vscode.l10n.t('code-server Ops metrics are not served: {0}. Choose another csops.metrics.port.', msg)
            : vscode.l10n.t('code-server Ops metrics are not served: {0}.', msg),
          vscode.l10n.t('Open Settings'),
        )
        .then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'csops.metrics'));
    }
  }

  dispose(): void {
    void this.server?.stop();
  }
}

/** An IPv6 literal in brackets, for a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
