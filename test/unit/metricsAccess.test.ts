import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { isLoopbackAddress, readTokenFile, resolveMetricsAccess } from '../../src/features/metrics/access';
import { MetricsData, MetricsServer, ScanCost } from '../../src/features/metrics/server';
import { DEFAULTS, settingsFrom } from '../../src/core/settingsRead';

const DATA: MetricsData = { extHostRssBytes: 123456789, heapUsedBytes: 1, heapLimitBytes: 2, extHosts: [], oomKills: [] };

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A GET of /metrics on 127.0.0.1:port with a non-loopback Host (as a scraper on another machine would send). */
function scrape(port: number, headers: http.OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/metrics', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('metrics access: csops.metrics.host and csops.metrics.tokenFile', () => {
  let dir = '';
  let running: MetricsServer | undefined;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-metrics-access-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  const tokenFile = (name: string, text: string, mode = 0o600): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    fs.chmodSync(f, mode);
    return f;
  };

  it('tells loopback bind addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) assert.ok(isLoopbackAddress(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'fe80::1', '128.0.0.1', '::ffff:127.0.0.1x']) {
      assert.ok(!isLoopbackAddress(h), h);
    }
  });

  it('defaults: 127.0.0.1, the csops.metrics.token setting (or none)', () => {
    const s = settingsFrom({ get: () => undefined, inspect: () => undefined });
    assert.strictEqual(s.metricsHost, '127.0.0.1');
    assert.strictEqual(s.metricsTokenFile, '');
    assert.deepStrictEqual(resolveMetricsAccess(s), { ok: true, access: { host: '127.0.0.1', token: '', tokenSource: 'none' } });
    const withToken = resolveMetricsAccess({ ...DEFAULTS, metricsToken: 'abc' });
    assert.deepStrictEqual(withToken, { ok: true, access: { host: '127.0.0.1', token: 'abc', tokenSource: 'setting' } });
  });

  it('ignores a workspace value of csops.metrics.host / tokenFile (user-only)', () => {
    const warnings: string[] = [];
    const s = settingsFrom(
      {
        get: () => undefined,
        inspect: (k) =>
          k === 'metrics.host' ? { workspaceValue: '0.0.0.0' } : k === 'metrics.tokenFile' ? { workspaceFolderValue: '/x' } : undefined,
      },
      (m) => warnings.push(m),
    );
    assert.strictEqual(s.metricsHost, '127.0.0.1');
    assert.strictEqual(s.metricsTokenFile, '');
    assert.strictEqual(warnings.length, 2);
  });

  it('refuses a non-loopback host without a token file, or with an unusable one, and says why', () => {
    const base = { metricsHost: '0.0.0.0', metricsToken: 'the-setting-is-not-enough', metricsTokenFile: '' };
    const cases: [string, RegExp][] = [
      ['', /0\.0\.0\.0 is not a loopback address: set csops\.metrics\.tokenFile/],
      ['relative/token', /must be an absolute path/],
      [path.join(dir, 'missing'), /cannot read csops\.metrics\.tokenFile .*ENOENT/],
      [dir, /is not a regular file/],
      [tokenFile('empty', '  \n'), /is empty/],
      [tokenFile('world', 'tok\n', 0o644), /accessible by group or others \(mode 644\); run chmod 600/],
      [tokenFile('group', 'tok\n', 0o640), /mode 640/],
      [tokenFile('groupw', 'tok\n', 0o620), /mode 620/],
      [tokenFile('twolines', 'a\nb\n'), /more than one line/],
    ];
    for (const [file, why] of cases) {
      const d = resolveMetricsAccess({ ...base, metricsTokenFile: file });
      assert.ok(!d.ok, file);
      assert.match(d.reason, why, file);
      if (file) assert.match(d.reason, /^csops\.metrics\.host 0\.0\.0\.0 is not a loopback address/, file);
    }
    assert.match(String((resolveMetricsAccess({ ...base, metricsHost: 'example.com' }) as { reason: string }).reason), /IP address/);
  });

  it('reads the token from the file (trimmed), which then replaces csops.metrics.token on loopback too', () => {
    const f = tokenFile('good', '  s3cret-From-File  \n', 0o400);
    assert.deepStrictEqual(readTokenFile(f), { ok: true, token: 's3cret-From-File' });
    const off = resolveMetricsAccess({ metricsHost: '0.0.0.0', metricsToken: 'other', metricsTokenFile: f });
    assert.deepStrictEqual(off, { ok: true, access: { host: '0.0.0.0', token: 's3cret-From-File', tokenSource: 'file' } });
    const lo = resolveMetricsAccess({ metricsHost: '127.0.0.1', metricsToken: 'other', metricsTokenFile: f });
    assert.deepStrictEqual(lo, { ok: true, access: { host: '127.0.0.1', token: 's3cret-From-File', tokenSource: 'file' } });
    const bad = resolveMetricsAccess({ metricsHost: '127.0.0.1', metricsToken: 'other', metricsTokenFile: tokenFile('bad', 'x', 0o604) });
    assert.ok(!bad.ok, 'a loose token file is refused on loopback too');
  });

  it('a real server on 0.0.0.0 with a token file: 401 without the token (any Host), 200 with it', async () => {
    const f = tokenFile('serve', 'Fleet-Token_42\n');
    const d = resolveMetricsAccess({ metricsHost: '0.0.0.0', metricsToken: '', metricsTokenFile: f });
    assert.ok(d.ok);
    const port = await freePort();
    let collected = 0;
    const server = new MetricsServer({
      port,
      host: d.access.host,
      token: () => d.access.token,
      cost: new ScanCost(),
      collect: async () => (collected++, DATA),
    });
    await server.start();
    running = server;
    assert.strictEqual(server.address, `0.0.0.0:${port}`);
    for (const headers of [{ host: `127.0.0.1:${port}` }, { host: 'box7.example:9464' }, { host: 'x', authorization: 'Bearer wrong' }]) {
      const r = await scrape(port, headers);
      assert.strictEqual(r.status, 401, JSON.stringify(headers));
      assert.doesNotMatch(r.body, /csops_/);
    }
    assert.strictEqual(collected, 0, 'a refused scrape collects nothing');
    const ok = await scrape(port, { host: 'box7.example:9464', authorization: 'Bearer Fleet-Token_42' });
    assert.strictEqual(ok.status, 200);
    assert.match(ok.body, /^csops_ext_host_rss_bytes 123456789$/m);
  });

  it('the server itself refuses to listen off loopback without a token (defence in depth)', async () => {
    const port = await freePort();
    for (const host of ['0.0.0.0', '::']) {
      const server = new MetricsServer({ port, host, token: () => '', cost: new ScanCost(), collect: async () => DATA });
      await assert.rejects(server.start(), /refusing to listen on .* not a loopback address, without a bearer token/);
      assert.strictEqual(server.address, undefined);
    }
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '0.0.0.0', resolve));
    await new Promise((r) => probe.close(r));
  });

  it('binds the configured loopback address and names it in a busy-port error', async () => {
    const port = await freePort();
    const server = new MetricsServer({ port, host: '127.0.0.2', cost: new ScanCost(), collect: async () => DATA });
    await server.start();
    running = server;
    assert.strictEqual(server.address, `127.0.0.2:${port}`);
    const ok = await new Promise<number>((resolve, reject) =>
      http.get({ host: '127.0.0.2', port, path: '/metrics' }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject),
    );
    assert.strictEqual(ok, 200);
    const second = new MetricsServer({ port, host: '127.0.0.2', cost: new ScanCost(), collect: async () => DATA });
    await assert.rejects(second.start(), new RegExp(`port ${port} on 127\\.0\\.0\\.2 is already in use`));
  });
});
