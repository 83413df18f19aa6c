// Prometheus metrics (opt-in): names compatible with the seed agent's dashboards plus our own. Rendered with
// prom-client from a plain data object, served on 127.0.0.1 only (loopback Host or bearer token). Plain Node (no `vscode`).
import * as crypto from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { Counter, Gauge, Metric, Registry } from 'prom-client';
import { isLoopbackAddress } from './access';
import { ScanCost } from './scanCost';

export { ScanCost };

export interface MetricsData {
  extHostRssBytes: number;
  heapUsedBytes: number;
  heapLimitBytes: number;
  /** Every extension host of the server (from the latest scan), with this one marked. */
  extHosts: { pid: number; rssBytes: number; self: boolean }[];
  detachedTerminals?: number;
  shells?: number;
  reclaimableBytesByClass?: Record<string, number>;
  /** The Disk view's reclaimable bytes by kind, once fully sized (absent when unknown). */
  diskReclaimableBytesByKind?: Record<string, number>;
  aiProcessesByExtension?: Record<string, number>;
  /** Leaked and duplicate AI process trees (the AI view's badge). */
  aiLeaked?: number;
  aiDuplicate?: number;
  /** OOM kills seen, by where they were seen and who the victim was (every combination, zeros included). */
  oomKills: OomKillCount[];
  /** When the latest OOM event seen happened (ms since the epoch), if any. */
  lastOomAtMs?: number;
  /** This extension's version (csops_build_info). */
  version?: string;
  cgroupCurrentBytes?: number;
  cgroupLimitBytes?: number;
  /** Targets the policies acted on on this server, by policy (from the policy history; absent when unreadable). */
  policyActions?: Record<string, number>;
}

export interface OomKillCount {
  /** 'kmsg', 'dmesg', 'journal' (kernel lines, victim named), or 'cgroup' (cgroup counters: victim_kind 'unknown'). */
  source: string;
  victimKind: string;
  count: number;
}

/** The metrics text for one scrape. */
export async function renderMetrics(data: MetricsData, cost: ScanCost): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  gauge('csops_ext_host_rss_bytes', 'Resident memory (VmRSS) of the extension host running code-server Ops.').set(data.extHostRssBytes);
  gauge('csops_ext_host_heap_used_bytes', 'V8 heap used by that extension host.').set(data.heapUsedBytes);
  gauge('csops_ext_host_heap_limit_bytes', 'V8 heap limit of that extension host.').set(data.heapLimitBytes);
  const perWindow = gauge(
    'csops_window_ext_host_rss_bytes',
    'Resident memory of every extension host (one per window), from the latest scan.',
    ['pid', 'self'],
  );
  for (const h of data.extHosts) perWindow.set({ pid: String(h.pid), self: String(h.self) }, h.rssBytes);
  if (data.detachedTerminals !== undefined) {
    gauge('csops_terminals_orphan_total', 'Shells under the pty host that no window claims (detached). Seed-agent name.').set(
      data.detachedTerminals,
    );
    gauge('csops_terminals_detached', 'Same as csops_terminals_orphan_total.').set(data.detachedTerminals);
  }
  if (data.shells !== undefined) gauge('csops_terminals_total', 'Shells under the pty host(s).').set(data.shells);
  if (data.reclaimableBytesByClass) {
    const total = Object.values(data.reclaimableBytesByClass).reduce((a, b) => a + b, 0);
    gauge('csops_extensions_orphan_bytes', 'Reclaimable bytes in the extensions folder (all classes). Seed-agent name.').set(total);
    const byClass = gauge('csops_extensions_reclaimable_bytes', 'Reclaimable bytes in the extensions folder by class.', ['class']);
    for (const [cls, bytes] of Object.entries(data.reclaimableBytesByClass)) byClass.set({ class: cls }, bytes);
  }
  if (data.diskReclaimableBytesByKind) {
    const disk = gauge('csops_disk_reclaimable_bytes', 'Bytes the Disk view offers to reclaim, by kind (du -s).', ['kind']);
    for (const [kind, bytes] of Object.entries(data.diskReclaimableBytesByKind)) disk.set({ kind }, bytes);
  }
  const ai = gauge('csops_ai_processes_total', 'AI assistant processes by the extension (or tool) that owns them. Seed-agent name.', [
    'extension',
  ]);
  for (const [ext, n] of Object.entries(data.aiProcessesByExtension ?? {})) ai.set({ extension: ext }, n);
  if (data.aiLeaked !== undefined)
    gauge('csops_ai_leaked', 'Leaked AI process trees: their launcher (terminal, window) is gone.').set(data.aiLeaked);
  if (data.aiDuplicate !== undefined)
    gauge('csops_ai_duplicate', 'Duplicate AI process trees: the same session run by more than one process.').set(data.aiDuplicate);
  if (data.lastOomAtMs !== undefined)
    gauge('csops_oom_last_event_timestamp_seconds', 'When the latest OOM event seen happened (Unix time).').set(data.lastOomAtMs / 1000);
  if (data.version !== undefined)
    gauge('csops_build_info', 'Always 1; the version of code-server Ops in its label.', ['version']).set({ version: data.version }, 1);
  const oom = gauge(
    'csops_oom_events_total',
    'OOM kills seen since this extension host started, by source (kmsg, dmesg, journal, cgroup) and victim kind. ' +
      'A kill can be counted by a kernel source and by cgroup: sum over one source.',
    ['source', 'victim_kind'],
  );
  for (const k of data.oomKills) oom.set({ source: k.source, victim_kind: k.victimKind }, k.count);
  if (data.cgroupCurrentBytes !== undefined)
    gauge('csops_cgroup_memory_current_bytes', 'Memory used by the container cgroup.').set(data.cgroupCurrentBytes);
  if (data.cgroupLimitBytes !== undefined)
    gauge('csops_cgroup_memory_max_bytes', 'Memory limit of the container cgroup.').set(data.cgroupLimitBytes);
  if (data.policyActions) {
    const c = new Counter({
      name: 'csops_policy_actions_total',
      help: 'Targets the policies acted on (processes stopped, folders moved) on this server, by policy.',
      labelNames: ['policy'],
      registers: [registry],
    });
    for (const [policy, n] of Object.entries(data.policyActions)) c.inc({ policy }, n);
  }
  gauge('csops_event_loop_delay_max_seconds', 'Worst event-loop delay of the extension host seen during a scan.').set(
    cost.maxLoopDelayMs / 1000,
  );
  registry.registerMetric(cost.metric() as unknown as Metric);
  return registry.metrics();
}

export interface MetricsServerOptions {
  port: number;
  /** The address to bind (csops.metrics.host); default 127.0.0.1. Any non-loopback address needs a non-empty token. */
  host?: string;
  collect(): Promise<MetricsData>;
  cost: ScanCost;
  /**
   * csops.metrics.token, read on every request. Non-empty: every request needs `Authorization: Bearer <token>` and
   * then any Host is answered (code-server's proxy passes its own public Host). Empty: only loopback Host headers are
   * answered, so a page that rebinds its DNS name to 127.0.0.1 gets nothing.
   */
  token?(): string;
  /** How long a rendered body is reused (the scan interval). Concurrent scrapes always share one rendering. */
  cacheMs?(): number;
}

/** Whether a Host header names the loopback interface: 127.x.x.x, localhost or [::1], with an optional port. */
export function isLoopbackHost(host: string | undefined): boolean {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec((host ?? '').trim());
  if (!m) return false;
  const name = m[1].toLowerCase();
  if (name === 'localhost' || name === '[::1]' || name === '[0:0:0:0:0:0:0:1]') return true;
  return net.isIPv4(name) && name.startsWith('127.');
}

/** Whether an Authorization header carries `Bearer <token>`; compared in constant time (over SHA-256 digests). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(.*?)[ \t]*$/i.exec(authorization ?? '');
  const digest = (v: string): Buffer => crypto.createHash('sha256').update(v, 'utf8').digest();
  const same = crypto.timingSafeEqual(digest(m?.[1] ?? ''), digest(token));
  return same && m !== null && token !== '';
}

const TEXT = { 'content-type': 'text/plain', 'cache-control': 'no-store' };

/**
 * An HTTP server on 127.0.0.1 (or csops.metrics.host; never without a token off loopback), serving GET /metrics
 * to loopback Host headers (or to holders of the token).
 * The rendered body is reused for cacheMs, so a burst of scrapes costs one collection. start() rejects with a clear
 * message on EADDRINUSE.
 */
export class MetricsServer {
  private server?: http.Server;
  private cached?: { body: string; atMs: number };
  private rendering?: Promise<string>;

  constructor(private readonly o: MetricsServerOptions) {}

  get address(): string | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : undefined;
  }

  /** The cached body while it is younger than cacheMs, else one rendering shared by every concurrent scrape. */
  private body(): Promise<string> {
    const c = this.cached;
    if (c && Date.now() - c.atMs < (this.o.cacheMs?.() ?? 0)) return Promise.resolve(c.body);
    if (this.rendering) return this.rendering;
    const rendering = this.o
      .collect()
      .then((data) => renderMetrics(data, this.o.cost))
      .then((body) => {
        this.cached = { body, atMs: Date.now() };
        return body;
      })
      .finally(() => {
        if (this.rendering === rendering) this.rendering = undefined;
      });
    this.rendering = rendering;
    return rendering;
  }

  /** Refuses a request that may not scrape (answered here), or returns true. Checked before anything is collected. */
  private allowed(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const token = this.o.token?.() ?? '';
    if (token) {
      if (bearerMatches(req.headers.authorization, token)) return true;
      res
        .writeHead(401, { ...TEXT, 'www-authenticate': 'Bearer realm="code-server Ops metrics"' })
        .end('unauthorized: send Authorization: Bearer <csops.metrics.token>\n');
      return false;
    }
    if (isLoopbackHost(req.headers.host)) return true;
    const why = 'the Host header is not 127.0.0.1, localhost or [::1]; set csops.metrics.token to scrape through a proxy';
    res.writeHead(403, TEXT).end(`forbidden: ${why}\n`);
    return false;
  }

  private get host(): string {
    return this.o.host ?? '127.0.0.1';
  }

  start(): Promise<void> {
    const host = this.host;
    if (!isLoopbackAddress(host) && !(this.o.token?.() ?? '')) {
      return Promise.reject(new Error(`refusing to listen on ${host}, which is not a loopback address, without a bearer token`));
    }
    const server = http.createServer((req, res) => {
      if (!this.allowed(req, res)) return;
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, TEXT).end('not found: use /metrics\n');
        return;
      }
      this.body().then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(text),
        (e: unknown) => res.writeHead(500, TEXT).end(`metrics failed: ${String(e)}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new Error(
            e.code === 'EADDRINUSE'
              ? `port ${this.o.port} on ${host} is already in use`
              : `cannot listen on ${host}:${this.o.port}: ${e.message}`,
          ),
        ),
      );
      server.listen(this.o.port, host, () => {
        this.server = server;
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}
