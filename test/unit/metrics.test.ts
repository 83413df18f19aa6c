import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { Histogram, Metric, Registry } from 'prom-client';
import { MemoryMonitor } from '../../src/features/memory/monitor';
import { metricsCollector, oomKillCounts } from '../../src/features/metrics/collect';
import { OomKillEntry } from '../../src/features/memory/victim';
import { MetricsData, MetricsServer, MetricsServerOptions, ScanCost, renderMetrics } from '../../src/features/metrics/server';
import { aiModelOfSnapshot } from '../../src/features/ai/model';
import { ScanService } from '../../src/core/scan';
import { writeEntry } from '../../src/probes/windowRegistry';
import { CS, fixtureRoot, scanFixture } from './procFixtures';
import { AI, AI_ROOT, scanAi } from './aiFixtures';

const DATA: MetricsData = {
  extHostRssBytes: 200 * 1024 * 1024,
  heapUsedBytes: 50e6,
  heapLimitBytes: 4e9,
  extHosts: [
    { pid: 10873, rssBytes: 150e6, self: true },
    { pid: 20000, rssBytes: 90e6, self: false },
  ],
  detachedTerminals: 2,
  shells: 5,
  reclaimableBytesByClass: { olderVersion: 1000, leftoverTemp: 24 },
  aiProcessesByExtension: { 'anthropic.claude-code': 3 },
  oomKills: [
    { source: 'kmsg', victimKind: 'terminal', count: 1 },
    { source: 'cgroup', victimKind: 'unknown', count: 0 },
  ],
  cgroupCurrentBytes: 2e9,
  cgroupLimitBytes: 4e9,
};

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('metrics', () => {
  it('ScanCost (no prom-client at activation) writes the same histogram lines as prom-client for any scan durations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { maxLength: 40 }), async (ms) => {
        const ours = new ScanCost();
        const theirs = new Histogram({
          name: 'csops_scan_duration_seconds',
          help: 'Duration of /proc scans made by code-server Ops.',
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [],
        });
        for (const x of ms) {
          ours.observe(x, 0);
          theirs.observe(x / 1000);
        }
        const a = new Registry();
        a.registerMetric(ours.metric() as unknown as Metric);
        const b = new Registry();
        b.registerMetric(theirs);
        assert.strictEqual(await a.metrics(), await b.metrics());
      }),
      { numRuns: 100 },
    );
  });

  it('renders the seed-agent names and ours with HELP, TYPE and labels', async () => {
    const cost = new ScanCost();
    cost.observe(12, 3.5);
    cost.observe(40, 1);
    const text = await renderMetrics(DATA, cost);
    for (const name of [
      'csops_terminals_orphan_total',
      'csops_extensions_orphan_bytes',
      'csops_ai_processes_total',
      'csops_oom_events_total',
      'csops_ext_host_rss_bytes',
      'csops_window_ext_host_rss_bytes',
      'csops_cgroup_memory_current_bytes',
      'csops_cgroup_memory_max_bytes',
      'csops_extensions_reclaimable_bytes',
      'csops_scan_duration_seconds',
      'csops_event_loop_delay_max_seconds',
    ]) {
      assert.match(text, new RegExp(`^# HELP ${name} `, 'm'), name);
      assert.match(text, new RegExp(`^# TYPE ${name} (gauge|histogram)$`, 'm'), name);
    }
    assert.match(text, /^csops_ext_host_rss_bytes 209715200$/m);
    assert.match(text, /^csops_terminals_orphan_total 2$/m);
    assert.match(text, /^csops_extensions_orphan_bytes 1024$/m);
    assert.match(text, /^csops_extensions_reclaimable_bytes\{class="olderVersion"\} 1000$/m);
    assert.match(text, /^csops_ai_processes_total\{extension="anthropic.claude-code"\} 3$/m);
    assert.match(text, /^csops_window_ext_host_rss_bytes\{pid="20000",self="false"\} 90000000$/m);
    assert.match(text, /^csops_scan_duration_seconds_count 2$/m);
    assert.match(text, /^csops_event_loop_delay_max_seconds 0.0035$/m);
  });

  it('renders leaked / duplicate AI trees, the latest OOM time and the build info for fleet alerts', async () => {
    const text = await renderMetrics(
      { ...DATA, aiLeaked: 2, aiDuplicate: 1, lastOomAtMs: 1_700_000_000_500, version: '1.2.3' },
      new ScanCost(),
    );
    assert.match(text, /^# TYPE csops_ai_leaked gauge$/m);
    assert.match(text, /^csops_ai_leaked 2$/m);
    assert.match(text, /^csops_ai_duplicate 1$/m);
    assert.match(text, /^csops_oom_last_event_timestamp_seconds 1700000000.5$/m);
    assert.match(text, /^csops_build_info\{version="1.2.3"\} 1$/m);
    const unknown = await renderMetrics(DATA, new ScanCost());
    for (const name of ['csops_ai_leaked', 'csops_ai_duplicate', 'csops_oom_last_event_timestamp_seconds', 'csops_build_info'])
      assert.doesNotMatch(unknown, new RegExp(name), `${name} is omitted when unknown`);
  });

  it("collects the AI view's leaked and duplicate counts, the newest OOM marker and the version", async () => {
    const service = new ScanService(
      () => AI_ROOT,
      () => undefined,
      () => scanAi(),
    );
    let built: ReturnType<typeof aiModelOfSnapshot> | undefined;
    const collect = metricsCollector({
      scans: service,
      settings: () => ({ procRoot: AI_ROOT, metricsMinScanSeconds: 0 }),
      windowsDir: path.join(os.tmpdir(), 'csops-no-registry-here'),
      ownTerminalPids: async () => new Set<number>(),
      aiOf: (s) => (built = aiModelOfSnapshot(s.snapshot, AI.extHost, undefined, s.topology)),
      extensions: () => undefined,
      monitor: {
        history: { latest: () => undefined } as unknown as MemoryMonitor['history'],
        sample: () => ({ t: 0, rss: 1 }) as unknown as ReturnType<MemoryMonitor['sample']>,
        oomMarkers: [
          { atMs: 5000, source: 'kernel', text: 'a' },
          { atMs: 9000, source: 'cgroup', text: 'b' },
          { atMs: 7000, source: 'kernel', text: 'c' },
        ],
      },
      version: '0.9.0',
    });
    const data = await collect();
    const model = built!;
    assert.ok(model.totals.leaked > 0, 'the ai fixture has leaked trees');
    assert.deepStrictEqual([data.aiLeaked, data.aiDuplicate], [model.totals.leaked, model.totals.duplicate]);
    assert.deepStrictEqual([data.oomKills.reduce((n, k) => n + k.count, 0), data.lastOomAtMs, data.version], [0, 9000, '0.9.0']);
  });

  it('csops_oom_events_total: one series per source and victim kind, zeros included; each kill counted once', async () => {
    const kill = (sources: string[], kind: OomKillEntry['victim']['kind']): OomKillEntry => ({
      pid: 1,
      comm: 'node',
      atMs: 0,
      sources,
      victim: { kind, label: kind },
    });
    const counts = oomKillCounts([kill(['kmsg', 'cgroup'], 'terminal'), kill(['dmesg'], 'ai'), kill(['kmsg'], 'terminal')], 4);
    const of = (source: string, victimKind: string) => counts.find((c) => c.source === source && c.victimKind === victimKind)?.count;
    assert.deepStrictEqual(
      [of('kmsg', 'terminal'), of('dmesg', 'ai'), of('cgroup', 'unknown'), of('journal', 'extensionHost')],
      [2, 1, 4, 0],
    );
    assert.strictEqual(counts.length, 3 * 8 + 1);
    const text = await renderMetrics({ ...DATA, oomKills: counts }, new ScanCost());
    assert.match(text, /^csops_oom_events_total\{source="kmsg",victim_kind="terminal"\} 2$/m);
    assert.match(text, /^csops_oom_events_total\{source="cgroup",victim_kind="unknown"\} 4$/m);
    assert.match(text, /^csops_oom_events_total\{source="journal",victim_kind="notCodeServer"\} 0$/m);
    assert.strictEqual(text.match(/^csops_oom_events_total\{/gm)?.length, 25);
  });

  it('omits what is unknown instead of reporting zero', async () => {
    const text = await renderMetrics(
      { ...DATA, detachedTerminals: undefined, reclaimableBytesByClass: undefined, cgroupLimitBytes: undefined },
      new ScanCost(),
    );
    assert.doesNotMatch(text, /csops_terminals_orphan_total/);
    assert.doesNotMatch(text, /csops_extensions_orphan_bytes/);
    assert.doesNotMatch(text, /csops_cgroup_memory_max_bytes/);
  });

  it('serves /metrics on 127.0.0.1 only, 404 elsewhere, and stops', async () => {
    const port = await freePort();
    let collected = 0;
    const server = new MetricsServer({ port, cost: new ScanCost(), collect: async () => (collected++, DATA) });
    await server.start();
    try {
      assert.strictEqual(server.address, `127.0.0.1:${port}`);
      const ok = await get(`http://127.0.0.1:${port}/metrics`);
      assert.strictEqual(ok.status, 200);
      assert.match(ok.body, /csops_ext_host_rss_bytes/);
      assert.strictEqual((await get(`http://127.0.0.1:${port}/other`)).status, 404);
      assert.strictEqual(collected, 1);
    } finally {
      await server.stop();
    }
    await assert.rejects(get(`http://127.0.0.1:${port}/metrics`));
  });

  it('reports a port in use clearly and does not throw elsewhere', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const server = new MetricsServer({ port, cost: new ScanCost(), collect: async () => DATA });
      await assert.rejects(server.start(), /port \d+ on 127\.0\.0\.1 is already in use/);
      await server.stop();
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One GET of /metrics on 127.0.0.1:port with the given headers (Host included: the request goes to loopback anyway). */
function scrape(port: number, headers: http.OutgoingHttpHeaders = {}, agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/metrics', headers, agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject).end();
  });
}

/** Starts a MetricsServer on a free 127.0.0.1 port; stopped by the returned function. */
async function serve(o: Omit<MetricsServerOptions, 'port'>): Promise<{ port: number; server: MetricsServer }> {
  const port = await freePort();
  const server = new MetricsServer({ port, ...o });
  await server.start();
  return { port, server };
}

describe('metrics server: who may scrape', () => {
  let running: MetricsServer | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('answers a DNS-rebound request (Host: evil.example) with 403 and nothing from the scan', async () => {
    let collected = 0;
    const { port, server } = await serve({ cost: new ScanCost(), collect: async () => (collected++, DATA) });
    running = server;
    const hosts = ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'localhost.evil.example'];
    hosts.push('[::1].evil', '127.0.0.1@evil', '127.0.0.1:9464:1');
    for (const host of hosts) {
      const r = await scrape(port, { host });
      assert.strictEqual(r.status, 403, host);
      assert.doesNotMatch(r.body, /10873|20000|csops_|anthropic/, host);
    }
    assert.strictEqual(collected, 0, 'a rejected request must not even collect');
  });

  it('accepts the loopback Host names 127.0.0.1, localhost and [::1], with or without a port', async () => {
    const { port, server } = await serve({ cost: new ScanCost(), collect: async () => DATA });
    running = server;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LocalHost', '127.0.0.1', '[::1]', 'localhost:8080']) {
      const r = await scrape(port, { host });
      assert.strictEqual(r.status, 200, host);
      assert.match(r.body, /^csops_window_ext_host_rss_bytes\{pid="20000",self="false"\} 90000000$/m, host);
    }
  });

  it('answers a request without a Host header with no metrics', async () => {
    const { port, server } = await serve({ cost: new ScanCost(), collect: async () => DATA });
    running = server;
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/metrics', setHost: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject).end();
    });
    assert.notStrictEqual(r.status, 200);
    assert.doesNotMatch(r.body, /csops_/);
  });

  it('with csops.metrics.token requires "Authorization: Bearer <token>" (401 without or with a wrong one)', async () => {
    let token = 's3cret-Token_1';
    const { port, server } = await serve({ cost: new ScanCost(), collect: async () => DATA, token: () => token });
    running = server;
    const host = `127.0.0.1:${port}`;
    const wrong = [undefined, 'Bearer', 'Bearer ', 'Bearer s3cret-Token_', 'Bearer s3cret-Token_12'];
    wrong.push('Basic czNjcmV0LVRva2VuXzE=', 's3cret-Token_1');
    for (const authorization of wrong) {
      const r = await scrape(port, authorization === undefined ? { host } : { host, authorization });
      assert.strictEqual(r.status, 401, String(authorization));
      assert.match(String(r.headers['www-authenticate']), /^Bearer/, String(authorization));
      assert.doesNotMatch(r.body, /csops_|10873/, String(authorization));
    }
    for (const authorization of ['Bearer s3cret-Token_1', 'bearer  s3cret-Token_1']) {
      const r = await scrape(port, { host, authorization });
      assert.strictEqual(r.status, 200, authorization);
      assert.match(r.body, /^csops_ext_host_rss_bytes 209715200$/m);
    }
    token = 'rotated';
    const old = await scrape(port, { host, authorization: 'Bearer s3cret-Token_1' });
    assert.strictEqual(old.status, 401, 'a changed token applies at once');
    assert.strictEqual((await scrape(port, { host, authorization: 'Bearer rotated' })).status, 200);
  });

  it("via code-server's /proxy/<port>/ (outer Host kept, no forwarding headers): loopback Host works, others need the token", async () => {
    // code-server's proxy (http-proxy without changeOrigin / xfwd) connects to 0.0.0.0:<port> from the server
    // process and passes the Host the browser or Prometheus used to reach code-server.
    let token = '';
    const { port, server } = await serve({ cost: new ScanCost(), collect: async () => DATA, token: () => token });
    running = server;
    assert.strictEqual((await scrape(port, { host: 'localhost:8080', cookie: 'other=1' })).status, 200);
    assert.strictEqual((await scrape(port, { host: 'code.example.com' })).status, 403);
    assert.strictEqual((await scrape(port, { host: '9464-code.example.com', 'x-forwarded-for': '127.0.0.1' })).status, 403);
    token = 'proxy-token';
    assert.strictEqual((await scrape(port, { host: 'code.example.com' })).status, 401);
    const ok = await scrape(port, { host: 'code.example.com', authorization: 'Bearer proxy-token' });
    assert.strictEqual(ok.status, 200);
    assert.match(ok.body, /csops_ext_host_rss_bytes/);
  });
});

describe('metrics server: scrape cost', () => {
  let tmp: string;
  let running: MetricsServer | undefined;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-metrics-'));
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The real collector on the codeserver fixture, counting scans, AI-model and Terminals-model builds. */
  function collector(windowsDir: string) {
    const counts = { scans: 0, ai: 0, terminals: 0 };
    const service = new ScanService(
      () => fixtureRoot('codeserver'),
      () => undefined,
      async () => (counts.scans++, scanFixture('codeserver')),
    );
    const monitor = new MemoryMonitor({
      procRoot: fixtureRoot('codeserver'),
      storageDir: tmp,
      windowKey: 'metrics-test',
      self: { pid: process.pid, starttime: 1, startedAtMs: Date.now() },
      historyMinutes: 60,
      latestScan: () => service.latest,
      log: () => undefined,
    });
    const collect = metricsCollector({
      scans: service,
      settings: () => ({ procRoot: fixtureRoot('codeserver'), metricsMinScanSeconds: 10 }),
      windowsDir,
      ownTerminalPids: async () => (counts.terminals++, new Set<number>()),
      aiOf: (s) => (counts.ai++, aiModelOfSnapshot(s.snapshot, process.pid, undefined, s.topology)),
      extensions: () => undefined,
      monitor,
    });
    return { counts, collect };
  }

  it('500 concurrent and 500 sequential scrapes build the models a small bounded number of times', async function () {
    this.timeout(60_000);
    const { counts, collect } = collector(path.join(tmp, 'no-registry'));
    const { port, server } = await serve({ cost: new ScanCost(), collect, cacheMs: () => 10_000 });
    running = server;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const host = `127.0.0.1:${port}`;
      const concurrent = await Promise.all(Array.from({ length: 500 }, () => scrape(port, { host }, agent)));
      assert.deepStrictEqual([...new Set(concurrent.map((r) => r.status))], [200]);
      assert.match(concurrent[0].body, /^csops_terminals_total 3$/m);
      assert.ok(
        concurrent.every((r) => r.body === concurrent[0].body),
        'concurrent scrapes share one body',
      );
      for (let i = 0; i < 500; i++) assert.strictEqual((await scrape(port, { host }, agent)).status, 200);
    } finally {
      agent.destroy();
    }
    assert.ok(counts.ai <= 2, `AI model built ${counts.ai} times`);
    assert.ok(counts.terminals <= 2, `Terminals model built ${counts.terminals} times`);
    assert.ok(counts.scans <= 2, `${counts.scans} scans`);
  });

  it('renders again once the cached body is older than the scan interval, and never caches a failure', async () => {
    let fail = true;
    let calls = 0;
    const collect = async (): Promise<MetricsData> => {
      calls++;
      if (fail) throw new Error('scan failed: EACCES');
      return DATA;
    };
    const { port, server } = await serve({ cost: new ScanCost(), collect, cacheMs: () => 60 });
    running = server;
    const host = `localhost:${port}`;
    const failed = await scrape(port, { host });
    assert.strictEqual(failed.status, 500);
    assert.match(failed.body, /EACCES/);
    fail = false;
    assert.strictEqual((await scrape(port, { host })).status, 200);
    assert.strictEqual((await scrape(port, { host })).status, 200);
    assert.strictEqual(calls, 2, 'the failure was not cached, the success was');
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual((await scrape(port, { host })).status, 200);
    assert.strictEqual(calls, 3, 'an expired body is rendered again');
  });

  it('a scrape reads the window registry but never prunes it', async () => {
    const dir = path.join(tmp, 'windows');
    await writeEntry(dir, { version: 1, pid: CS.extHost, starttime: 499100, terminalPids: [CS.idle], updatedAtMs: Date.now() });
    await writeEntry(dir, { version: 1, pid: 4_000_000, starttime: 7, terminalPids: [CS.busy], updatedAtMs: 0 }); // dead window
    await writeEntry(dir, { version: 1, pid: CS.ptyHost, starttime: 1, terminalPids: [CS.serving], updatedAtMs: 0 }); // pid reused
    const before = fs.readdirSync(dir).sort();
    assert.strictEqual(before.length, 3);
    const { collect } = collector(dir);
    const data = await collect();
    assert.strictEqual(data.shells, 3);
    assert.strictEqual(data.detachedTerminals, 2, 'the live window claims one shell; dead entries claim nothing');
    await collect();
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), before, 'dead entries are left to the views');
  });
});
