// Fleet e2e: a real Prometheus (Debian package "prometheus") scrapes the extension's /metrics in a real code-server;
// its HTTP API must report the extension host's VmRSS, load the shipped alert rules and evaluate every dashboard query.
import * as assert from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, freePort, startTimeOf } from '../support/codeServer';
import { RESULTS, waitFor } from '../support/workbench';
import { Session, serverProcesses, startSession, stopSession } from '../support/session';

function vmRssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

interface PromResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('Fleet monitoring with a real Prometheus', function () {
  let s: Session | undefined;
  let prom: ChildProcess | undefined;
  let promStart: number | undefined;
  let tmp = '';
  let promUrl = '';

  const query = async (expr: string): Promise<PromResult> => {
    const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await r.json()) as PromResult;
  };

  before(async function () {
    if (spawnSync('prometheus', ['--version']).status !== 0) {
      this.skip(); // the Debian package "prometheus" is not installed (.ci/run installs it)
    }
    const metricsPort = await freePort();
    const promPort = await freePort();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-prom-'));
    fs.copyFileSync(path.join(ROOT, 'monitoring/prometheus/alerts.yml'), path.join(tmp, 'alerts.yml'));
    fs.writeFileSync(
      path.join(tmp, 'prometheus.yml'),
      [
        'global: { scrape_interval: 2s, evaluation_interval: 2s }',
        'rule_files: [alerts.yml]',
        'scrape_configs:',
        '  - job_name: code-server-ops',
        `    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]`,
        '',
      ].join('\n'),
    );
    s = await startSession('fleet', {
      userSettings: { 'csops.metrics.enabled': true, 'csops.metrics.port': metricsPort, 'csops.metrics.minScanSeconds': 1 },
    });
    prom = spawn(
      'prometheus',
      [
        `--config.file=${path.join(tmp, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(tmp, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { cwd: tmp, stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'prometheus.log'), 'w')] },
    );
    promStart = prom.pid ? await waitFor('prometheus start time', () => startTimeOf(prom!.pid!), 5000).catch(() => undefined) : undefined;
    promUrl = `http://127.0.0.1:${promPort}`;
    const ready = await waitFor('prometheus ready', async () => (await fetch(`${promUrl}/-/ready`)).ok, 30_000).catch(() => false);
    if (!ready) {
      console.log(`prometheus did not start: ${fs.readFileSync(path.join(tmp, 'prometheus.log'), 'utf8').slice(-2000)}`);
      this.skip();
    }
  });

  after(async function () {
    // Only the Prometheus this test spawned, by pid, after re-checking its start time.
    if (prom?.pid && promStart !== undefined && startTimeOf(prom.pid) === promStart) process.kill(prom.pid, 'SIGTERM');
    if (s && this.currentTest?.state === 'failed') await s.page.screenshot({ path: `${RESULTS}/fleet-failure.png` }).catch(() => undefined);
    await stopSession(s);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('scrapes csops_ext_host_rss_bytes within 10 % of the extension host VmRSS', async function () {
    const extHost = serverProcesses(s!).find((p) => p.argv.includes('--type=extensionHost'));
    assert.ok(extHost, 'an extension host');
    const up = await waitFor(
      'a successful scrape',
      async () => {
        const r = await query('up{job="code-server-ops"} == 1');
        return r.data?.result.length ? r : undefined;
      },
      60_000,
    );
    assert.strictEqual(up.status, 'success');
    let last = '';
    await waitFor(
      'RSS within 10 %',
      async () => {
        const r = await query('csops_ext_host_rss_bytes');
        const v = Number(r.data?.result[0]?.value[1]);
        const real = vmRssBytes(extHost.pid);
        last = `Prometheus ${v}, VmRSS ${real}`;
        return Number.isFinite(v) && Math.abs(v - real) / real <= 0.1;
      },
      30_000,
    ).catch((e: unknown) => assert.fail(`${String(e)} (${last})`));
    const info = await query('csops_build_info');
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.strictEqual(info.data?.result[0]?.metric.version, version);
  });

  it('loads the four shipped alert rules, all healthy', async function () {
    const rules = await waitFor(
      'rules evaluated',
      async () => {
        const r = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
          data: { groups: { rules: { name: string; health: string; lastEvaluation: string }[] }[] };
        };
        const all = r.data.groups.flatMap((g) => g.rules);
        return all.length && all.every((x) => !x.lastEvaluation.startsWith('0001')) ? all : undefined;
      },
      30_000,
    );
    assert.deepStrictEqual(rules.map((r) => r.name).sort(), [
      'CsopsAiLeaked',
      'CsopsExtHostNearLimit',
      'CsopsExtensionsReclaimable',
      'CsopsOomKillRecent',
    ]);
    for (const r of rules) assert.strictEqual(r.health, 'ok', `${r.name}: ${JSON.stringify(r)}`);
  });

  it('evaluates every dashboard panel query without error', async function () {
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'monitoring/grafana/code-server-ops.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const instance = (await query('csops_build_info')).data?.result[0]?.metric.instance;
    assert.ok(instance, 'the scraped instance');
    let evaluated = 0;
    for (const p of dashboard.panels) {
      for (const t of p.targets ?? []) {
        const expr: string = t.expr.replace(/\$instance/g, instance.replace(/[.]/g, '\\\\.'));
        const r = await query(expr);
        assert.strictEqual(r.status, 'success', `${p.title}: ${expr}: ${r.error}`);
        evaluated++;
      }
    }
    assert.ok(evaluated >= 10, `${evaluated} queries`);
    // the RSS panel's first query returns this instance's series
    const rss = await query(dashboard.panels[1].targets![0].expr.replace(/\$instance/g, '.*'));
    assert.strictEqual(rss.data?.result.length, 1);
  });

  it("renders the dashboard's panels from the scraped data in Prometheus's own graph UI (README screenshot)", async function () {
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'monitoring/grafana/code-server-ops.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    // one graph per panel that has queries, its first query, over the last 5 minutes of real scrapes
    const exprs = dashboard.panels.flatMap((p) => (p.targets?.length ? [p.targets[0].expr.replace(/\$instance/g, '.*')] : []));
    const params = exprs.map((e, i) => `g${i}.expr=${encodeURIComponent(e)}&g${i}.tab=0&g${i}.range_input=1m`).join('&');
    // a line rather than a dot: wait for about 20 s of scrapes (2 s interval)
    const points = async () => Number((await query('count_over_time(csops_ext_host_rss_bytes[1m])')).data?.result[0]?.value[1] ?? 0);
    await waitFor('ten scrapes', async () => (await points()) >= 10, 60_000);
    const context = await s!.browser.newContext({ viewport: { width: 1280, height: 3700 } });
    const page = await context.newPage();
    try {
      await page.goto(`${promUrl}/classic/graph?${params}`); // Debian's package ships the classic UI
      // rickshaw draws each graph as an SVG path, with a legend line per series once the range query came back
      const drawn = async () => (await page.locator('.graph.rickshaw_graph svg path').count()) >= exprs.length;
      await waitFor('every panel drawn', drawn, 30_000);
      await page.screenshot({ path: `${RESULTS}/fleet-prometheus.png` });
      // an empty series (no OOM kill in this run) shows "No datapoints found."; anything else there is a query error
      const errors = (await page.locator('.alert-danger:visible').allInnerTexts()).filter(
        (t) => !/^No datapoints found\.?$/.test(t.trim()),
      );
      assert.deepStrictEqual(errors, [], 'no query error shown');
    } finally {
      await context.close();
    }
  });
});
