import * as assert from 'assert';
import * as http from 'http';
import * as net from 'net';
import { MetricsData, MetricsServer, ScanCost, renderMetrics } from '../../src/features/metrics/server';

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
  oomEvents: 1,
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

  it('omits what is unknown instead of reporting zero', async () => {
    const text = await renderMetrics({ ...DATA, detachedTerminals: undefined, reclaimableBytesByClass: undefined, cgroupLimitBytes: undefined }, new ScanCost());
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
